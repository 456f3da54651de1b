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

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache

import xxhash

from .lexicon import default_lexicon
from .normalize import _APOSTROPHES, _DASHES, _HOMOGLYPHS, _INVISIBLE_TABLE

_FOLD_TABLE = {**_INVISIBLE_TABLE, **_APOSTROPHES, **_DASHES}
_FAST_TOKEN = re.compile(r"(?:[a-z]\.){2,}|\d+(?:[.,]\d+)*|[^\W\d_][\w]*(?:'\w+)*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class FingerprintParams:
    """Settings that decide which features a text yields. Stored in every index."""

    scheme: str = "skeleton+class"
    version: int = 1
    skeleton_n: int = 4
    class_n: int = 3
    window: int = 6

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
    base = word[:-2] if word.endswith("'s") and len(word) > 3 else word
    if lex.is_stopword(base):
        return _STOP, base
    if lex.has_synonyms(base):
        return _MUTABLE, lex.canonical(base)
    return _IMMUTABLE, base


def fast_words(text: str) -> list[str]:
    """Folded words of a text, for fingerprinting only (no offsets kept)."""
    t = unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE)
    if not t.isascii():
        t = t.translate(_HOMOGLYPHS)
    t = _THOUSANDS.sub("", t.casefold())
    return _FAST_TOKEN.findall(t)


def _hashes(seed: int, seq: list[str], n: int) -> list[int]:
    """Signed 32-bit hashes of the n-grams of ``seq`` (4 bytes each in SQLite)."""
    out = []
    digest = xxhash.xxh32_intdigest
    for i in range(len(seq) - n + 1):
        h = digest("\x1f".join(seq[i : i + n]).encode(), seed)
        out.append(h - 4294967296 if h >= 2147483648 else h)
    return out


def _winnow(hashes: list[int], w: int) -> set[int]:
    n = len(hashes)
    if n <= w:
        return {min(hashes)} if hashes else set()
    out: set[int] = set()
    for i in range(n - w + 1):
        out.add(min(hashes[i : i + w]))
    return out


def streams(words: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split folded words into the skeleton stream and the class stream."""
    skel: list[str] = []
    cls: list[str] = []
    for w in words:
        kind, key = classify_word(w)
        if kind != _MUTABLE:
            skel.append(key)
        if kind != _STOP:
            cls.append(key)
    return skel, cls


def features(text: str, params: FingerprintParams = DEFAULT_PARAMS) -> set[int]:
    """The winnowed feature hashes of ``text`` (32-bit signed integers)."""
    skel, cls = streams(fast_words(text))
    n1, n2 = params.skeleton_n, params.class_n
    h1 = _hashes(1, skel, n1)
    h2 = _hashes(2, cls, n2)
    return _winnow(h1, params.window) | _winnow(h2, params.window)
