"""Features of a text that survive synonym spinning.

A spinner replaces content words that have synonyms and leaves the rest: function
words, numbers, names and rare terms (the "immutables" of DSpin, Zhang et al. 2014).
unspun therefore hashes two streams of n-grams:

* **skeleton** n-grams over the immutable tokens only (stopwords, numbers, words the
  lexicon knows no synonym for), with every replaceable word dropped, so the n-gram is
  unchanged whatever synonym was picked (Stamatatos 2011 uses stopword n-grams alike);
* **class** n-grams over content words mapped to their synonym class
  (:meth:`unspun.lexicon.Lexicon.canonical`), which survive the swaps the class map
  undoes.

Both streams are winnowed (Schleimer et al. 2003): in every window of ``window``
consecutive hashes the smallest is kept, so any shared run of at least ``window``
n-grams yields at least one shared feature, while the index keeps about
``2 / (window + 1)`` of the n-grams. Query and index use the same function, so the
guarantee holds on both sides.

The parameters are versioned; the store records them and refuses a query made with
other ones (:class:`unspun.errors.IndexMismatchError`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import xxhash
from numpy.lib.stride_tricks import sliding_window_view

from .lexicon import default_lexicon
from .normalize import _APOSTROPHES, _DASHES, _HOMOGLYPHS, _INVISIBLE_TABLE, base_form

_FOLD_TABLE = {**_INVISIBLE_TABLE, **_APOSTROPHES, **_DASHES}
_PUNCT_TABLE = {ord(c): " " for c in string.punctuation.replace("'", "") + "“”‘’«»„‚–—―…·•¿¡§¶"}
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def lexicon_id() -> str:
    """Short digest of the shipped lexicon and stopword list: features depend on both."""
    h = hashlib.sha256()
    data = resources.files("unspun").joinpath("data")
    for name in ("lexicon.tsv.gz", "stopwords_en.txt"):
        h.update(data.joinpath(name).read_bytes())
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class FingerprintParams:
    """Settings that decide which features a text yields. Stored in every index.

    ``lexicon`` is the digest of the word lists (:func:`lexicon_id`): an index built with
    other word lists yields other features and is refused like other settings.
    """

    scheme: str = "skeleton+class"
    version: int = 1
    skeleton_n: int = 4
    class_n: int = 3
    window: int = 6
    lexicon: str = field(default_factory=lexicon_id)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> FingerprintParams:
        return cls(**d)  # type: ignore[arg-type]


DEFAULT_PARAMS = FingerprintParams()

_STOP, _IMMUTABLE, _MUTABLE = 0, 1, 2


@lru_cache(maxsize=500_000)
def classify_word(word: str) -> tuple[int, str]:
    """(kind, class key) of a folded word: stopword, immutable content word or replaceable one."""
    lex = default_lexicon()
    if word[0].isdigit():
        return _IMMUTABLE, word
    base = base_form(word)
    if lex.is_stopword(base):
        return _STOP, base
    if lex.has_synonyms(base):
        return _MUTABLE, lex.canonical(base)
    return _IMMUTABLE, base


def fast_words(text: str) -> list[str]:
    """Folded words of a text, for fingerprinting only (no offsets kept).

    Punctuation becomes a space and the rest is split on whitespace: several times
    faster than a tokenizing regular expression, and the same function serves both the
    index and the query, which is all fingerprints need.
    """
    t = unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE)
    if not t.isascii():
        t = t.translate(_HOMOGLYPHS)
    t = _THOUSANDS.sub("", t.casefold()).translate(_PUNCT_TABLE)
    if "'" in t:
        t = _LOOSE_APOSTROPHE.sub(" ", t)
    return t.split()


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_MULS = [np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)]


@lru_cache(maxsize=500_000)
def word_info(word: str) -> tuple[int, int]:
    """(kind, 64-bit hash of the word's key) of a folded word."""
    kind, key = classify_word(word)
    return kind, xxhash.xxh64_intdigest(key.encode())


def gram_hashes(ids: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Signed 32-bit hashes of the n-grams of a sequence of 64-bit word hashes."""
    m = len(ids) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.int32)
    with np.errstate(over="ignore"):
        h = np.full(m, np.uint64(seed) * _M1, dtype=np.uint64)
        for k in range(n):
            h ^= ids[k : k + m] * _MULS[k % len(_MULS)]
            h = (h ^ (h >> np.uint64(31))) * _M2
        h = (h ^ (h >> np.uint64(29))) * _M3
        h ^= h >> np.uint64(32)
    return (h & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32)


def winnow(hashes: np.ndarray, w: int) -> np.ndarray:
    """The minimum of every window of ``w`` consecutive hashes (Schleimer et al. 2003)."""
    if len(hashes) <= w:
        return hashes[:1] if len(hashes) == 0 else hashes[[int(np.argmin(hashes))]]
    return sliding_window_view(hashes, w).min(axis=1)


def streams(words: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split folded words into the skeleton stream and the class stream (for inspection)."""
    skel: list[str] = []
    cls: list[str] = []
    for w in words:
        kind, key = classify_word(w)
        if kind != _MUTABLE:
            skel.append(key)
        if kind != _STOP:
            cls.append(key)
    return skel, cls


def _stream_features(
    seqs: list[list[int]], n: int, w: int, seed: int
) -> list[np.ndarray]:
    """Winnowed n-gram hashes of many word-hash sequences at once (one numpy pass).

    ``w=1`` keeps every n-gram (the query side: a document's winnowed feature is then
    found whenever the query holds that n-gram at all).
    """
    lens = np.fromiter((len(x) for x in seqs), dtype=np.int64, count=len(seqs))
    flat = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.uint64, count=int(lens.sum()))
    grams = gram_hashes(flat, n, seed)
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    n_grams = np.maximum(lens - n + 1, 0)  # grams of each document
    out: list[np.ndarray] = []
    if w == 1:
        mins = grams
    elif len(grams) >= w:
        mins = sliding_window_view(grams, w).min(axis=1)
    else:
        mins = grams[:0]
    for s0, g in zip(starts.tolist(), n_grams.tolist(), strict=True):
        if g == 0:
            out.append(grams[:0])
        elif g <= w:  # shorter than one window: its smallest gram
            out.append(grams[s0 : s0 + g].min(keepdims=True))
        else:
            out.append(mins[s0 : s0 + g - w + 1])
    return out


def features_many(
    texts: Iterable[str], params: FingerprintParams = DEFAULT_PARAMS, *, winnowed: bool = True
) -> list[set[int]]:
    """:func:`features` of many texts, vectorised over the batch (used when indexing)."""
    skels: list[list[int]] = []
    clss: list[list[int]] = []
    for text in texts:
        info = list(map(word_info, fast_words(text)))
        skels.append([h for k, h in info if k != _MUTABLE])
        clss.append([h for k, h in info if k != _STOP])
    if not skels:
        return []
    w = params.window if winnowed else 1
    f1 = _stream_features(skels, params.skeleton_n, w, 1)
    f2 = _stream_features(clss, params.class_n, w, 2)
    return [set(a.tolist()) | set(b.tolist()) for a, b in zip(f1, f2, strict=True)]


def features(text: str, params: FingerprintParams = DEFAULT_PARAMS, *, winnowed: bool = True) -> set[int]:
    """The feature hashes of ``text`` (32-bit signed integers), winnowed as indexed, or all."""
    return features_many([text], params, winnowed=winnowed)[0]
