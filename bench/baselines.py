"""Baseline source retrievers the benchmark compares unspun with.

* :class:`MinHashLSHBaseline` -- datasketch MinHash (128 permutations) of word 3-gram
  shingles in a MinHashLSH index (threshold 0.1); a query ranks the LSH candidates by
  estimated Jaccard similarity. This is the baseline named in the benchmark issue.
* :class:`NgramBaseline` -- plain word 5-gram shingle matching: an inverted index from
  5-gram to documents; a query ranks documents by the number of distinct shared 5-grams.

Both: ``build(docs)`` (docs: mappings with ``id`` and ``text``), ``query(text, k) ->
list[(doc_id, score)]`` best first, and ``claims(text)`` -- the documents the method would
report as sources (its decision rule, used for the false-source rate on negatives).
Timings: ``shingle_seconds`` (text -> shingles / signatures) and ``insert_seconds``
(index insertion only) are kept apart for the speed benchmark.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MinHashLSHBaseline", "NgramBaseline", "word_ngrams"]

_WORD = re.compile(r"[^\W_]+")


def word_ngrams(text: str, n: int) -> set[str]:
    """Distinct lower-cased word n-grams (words: runs of letters/digits)."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


class MinHashLSHBaseline:
    name = "minhash"

    def __init__(
        self,
        num_perm: int = 128,
        shingle_words: int = 3,
        threshold: float = 0.1,
        claim_threshold: float | None = None,
        seed: int = 1,
    ) -> None:
        from datasketch import MinHash, MinHashLSH

        self._MinHash = MinHash
        self.num_perm = num_perm
        self.n = shingle_words
        self.threshold = threshold
        # decision rule: a candidate whose estimated Jaccard reaches the LSH threshold
        self.claim_threshold = threshold if claim_threshold is None else claim_threshold
        self.seed = seed
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.sigs: dict[str, Any] = {}
        self.shingle_seconds = 0.0
        self.insert_seconds = 0.0

    def signature(self, text: str) -> Any:
        m = self._MinHash(num_perm=self.num_perm, seed=self.seed)
        sh = word_ngrams(text, self.n)
        if sh:
            m.update_batch([s.encode("utf-8") for s in sh])
        return m

    def build(self, docs: Iterable[Mapping[str, Any]]) -> None:
        t0 = time.perf_counter()
        sigs = [(str(d["id"]), self.signature(d["text"])) for d in docs]
        t1 = time.perf_counter()
        with self.lsh.insertion_session() as session:
            for doc_id, m in sigs:
                session.insert(doc_id, m)
                self.sigs[doc_id] = m
        t2 = time.perf_counter()
        self.shingle_seconds += t1 - t0
        self.insert_seconds += t2 - t1

    def query(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        m = self.signature(text)
        cands = self.lsh.query(m)
        scored = [(c, m.jaccard(self.sigs[c])) for c in cands]
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:k]

    def claims(self, text: str, k: int = 5) -> list[str]:
        return [d for d, s in self.query(text, k) if s >= self.claim_threshold]


class NgramBaseline:
    name = "ngram5"

    def __init__(self, n: int = 5, min_shared: int = 3) -> None:
        self.n = n
        # decision rule: at least ``min_shared`` distinct shared n-grams
        self.min_shared = min_shared
        self.index: dict[str, list[str]] = {}
        self.shingle_seconds = 0.0
        self.insert_seconds = 0.0

    def build(self, docs: Iterable[Mapping[str, Any]]) -> None:
        t0 = time.perf_counter()
        grams = [(str(d["id"]), word_ngrams(d["text"], self.n)) for d in docs]
        t1 = time.perf_counter()
        index = self.index
        for doc_id, gs in grams:
            for g in gs:
                lst = index.get(g)
                if lst is None:
                    index[g] = [doc_id]
                else:
                    lst.append(doc_id)
        t2 = time.perf_counter()
        self.shingle_seconds += t1 - t0
        self.insert_seconds += t2 - t1

    def query(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        counts: Counter[str] = Counter()
        for g in word_ngrams(text, self.n):
            lst = self.index.get(g)
            if lst:
                counts.update(lst)
        ranked = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
        return [(d, float(c)) for d, c in ranked[:k]]

    def claims(self, text: str, k: int = 5) -> list[str]:
        return [d for d, s in self.query(text, k) if s >= self.min_shared]
