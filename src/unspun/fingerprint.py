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
import re
import string
import threading
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
# the lookbehinds come after the literal, so the regex engine scans for the literal first
# (the same matches as r"(?<!\w)'|'(?!\w)" and r"(?<=\d),(?=\d{3}\b)", ~20x faster)
_PUNCT_BYTES = bytes(0x20 if b in _PUNCT_TABLE else b for b in range(256))
_LOOSE_APOSTROPHE = re.compile(r"'(?<!\w')|'(?!\w)")
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}\b)")


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
    stop, mutable, canon = lex.classify(base)
    if stop:
        return _STOP, base
    if mutable:
        return _MUTABLE, canon
    return _IMMUTABLE, base


def fast_words(text: str) -> list[str]:
    """Folded words of a text, for fingerprinting only (no offsets kept).

    Punctuation becomes a space and the rest is split on whitespace: several times
    faster than a tokenizing regular expression, and the same function serves both the
    index and the query, which is all fingerprints need.
    """
    if text.isascii():  # the common case, on bytes: the same result as the general path
        t = text.replace("`", "'").lower()
        if "," in t:
            t = _THOUSANDS.sub("", t)
        t = t.encode("ascii").translate(_PUNCT_BYTES).decode("ascii")
        if "'" in t:
            t = _LOOSE_APOSTROPHE.sub(" ", t)
        return t.split()
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


class _Vocabulary(dict):
    """Folded word -> row of :attr:`kinds` / :attr:`hashes` (:func:`word_info` of the word),
    so that a batch's words become two numpy gathers instead of a Python loop per word.
    Words are added under a lock (the service checks in threads); a full vocabulary is
    replaced by a new one, never emptied under a reader."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds = np.zeros(1 << 16, dtype=np.int8)
        self.hashes = np.zeros(1 << 16, dtype=np.uint64)
        self.lock = threading.Lock()

    def __missing__(self, word: str) -> int:
        kind, h = word_info(word)
        with self.lock:
            if word in self:  # another thread added it meanwhile
                return dict.__getitem__(self, word)
            i = len(self)
            if i >= len(self.kinds):
                self.kinds = np.concatenate([self.kinds, np.zeros_like(self.kinds)])
                self.hashes = np.concatenate([self.hashes, np.zeros_like(self.hashes)])
            self.kinds[i] = kind
            self.hashes[i] = h
            self[word] = i
            return i


_VOCAB = _Vocabulary()
#: past this many words the vocabulary starts again (bounds its memory like the lru caches)
_VOCAB_MAX = 2_000_000


def clear_word_caches() -> None:
    """Forget every word seen (what a fresh process starts with): the lru caches of
    :func:`classify_word` and :func:`word_info` and the batch vocabulary."""
    global _VOCAB
    classify_word.cache_clear()
    word_info.cache_clear()
    _VOCAB = _Vocabulary()


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for every (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)


def _stream_features(
    flat: np.ndarray, lens: np.ndarray, n: int, w: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed n-gram hashes of many word-hash sequences at once (one numpy pass):
    ``flat`` holds the sequences end to end, ``lens`` their lengths; returns
    (sequence number, hash) of every feature, sequence by sequence.

    ``w=1`` keeps every n-gram (the query side: a document's winnowed feature is then
    found whenever the query holds that n-gram at all). A sequence with at most ``w``
    n-grams yields its smallest one.
    """
    grams = gram_hashes(flat, n, seed)  # grams spanning two sequences are never used
    starts = np.cumsum(lens) - lens
    n_grams = np.maximum(lens - n + 1, 0)
    if w == 1:
        mins = grams
    elif len(grams) >= w:
        mins = sliding_window_view(grams, w).min(axis=1)
    else:
        mins = grams[:0]
    long = n_grams > w if w > 1 else n_grams > 0
    cnt = np.where(long, n_grams - w + 1, 0)
    idx = _ranges(starts[long], cnt[long])
    seq = np.repeat(np.flatnonzero(long), cnt[long])
    out_seq, out_h = [seq], [mins[idx]]
    short = np.flatnonzero((n_grams > 0) & ~long)
    if len(short):  # shorter than one window: its smallest gram
        out_seq.append(short)
        out_h.append(np.array([grams[s : s + g].min() for s, g in
                               zip(starts[short].tolist(), n_grams[short].tolist(), strict=True)],
                              dtype=np.int32))
    return np.concatenate(out_seq), np.concatenate(out_h)


def features_arrays(
    texts: Iterable[str], params: FingerprintParams = DEFAULT_PARAMS, *, winnowed: bool = True
) -> list[np.ndarray]:
    """:func:`features` of many texts, vectorised over the batch (used when indexing): one
    array of distinct int32 hashes per text, in the order of their unsigned values."""
    words: list[str] = []
    lens: list[int] = []
    for text in texts:
        ws = fast_words(text)
        words += ws
        lens.append(len(ws))
    n_docs = len(lens)
    if not n_docs:
        return []
    global _VOCAB
    if len(_VOCAB) > _VOCAB_MAX:
        _VOCAB = _Vocabulary()
    vocab = _VOCAB
    ids = np.array([*map(vocab.__getitem__, words)], dtype=np.int64)
    kinds = vocab.kinds[ids]  # read after every id of the batch was given out
    hashes = vocab.hashes[ids]
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.asarray(lens, dtype=np.int64))
    w = params.window if winnowed else 1
    parts_d, parts_h = [], []
    for keep, n, seed in ((kinds != _MUTABLE, params.skeleton_n, 1), (kinds != _STOP, params.class_n, 2)):
        d, h = _stream_features(hashes[keep], np.bincount(doc[keep], minlength=n_docs), n, w, seed)
        parts_d.append(d)
        parts_h.append(h)
    d = np.concatenate(parts_d)
    h = np.concatenate(parts_h)
    key = (d << 32) | h.view(np.uint32).astype(np.int64)
    key.sort()  # by document, then hash; then the distinct keys
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if len(key) else key
    hs = (key & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
    bounds = np.searchsorted(key >> 32, np.arange(n_docs + 1))
    return [hs[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def features_many(
    texts: Iterable[str], params: FingerprintParams = DEFAULT_PARAMS, *, winnowed: bool = True
) -> list[set[int]]:
    """:func:`features` of many texts, vectorised over the batch."""
    return [set(a.tolist()) for a in features_arrays(texts, params, winnowed=winnowed)]


def features(text: str, params: FingerprintParams = DEFAULT_PARAMS, *, winnowed: bool = True) -> set[int]:
    """The feature hashes of ``text`` (32-bit signed integers), winnowed as indexed, or all."""
    return features_many([text], params, winnowed=winnowed)[0]
