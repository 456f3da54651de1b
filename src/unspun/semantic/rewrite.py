"""Sentence-to-sentence alignment of a rewrite or a translation.

A newsroom or AI rewrite, a translation round trip or a translation into another
language keeps the facts of its source and, mostly, their order, but few of its word
runs. Sentence vectors (:mod:`.encoder`) see that two sentences say the same thing; the
alignment keeps the pairs that do so **in the same order** (a monotone alignment that
maximises the summed cosine of pairs at or above ``min_similarity``; merges and splits
show as neighbouring sentences aligned to one), and each pair carries its **anchors**:
the names and numbers both sentences hold, which survive rewording and translation.

Similarity alone is not evidence of copying: independent reports of one event say the
same things too (measured on the real development set, best-sentence cosines of true
rewrite sources, 0.57-0.86, and of same-story pages that are not sources, up to 0.83,
overlap). So the pairs are used two ways only:

* :func:`rewritten_passages` explains the sentences of an article that a source accepted
  on other evidence (shared runs of words) rewrote: passages of kind ``rewritten``;
* :func:`translation_evidence` decides a **cross-language** source (the article and the
  candidate are in different languages, where no run of words can be shared): at least
  ``min_anchored`` pairs in order with a shared name or number at ``min_anchor_similarity``
  or more, covering at least ``min_share`` of the article's sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..models import Passage
from .vectors import DocVectors


@dataclass(frozen=True)
class RewriteSettings:
    min_similarity: float = 0.7  # a pair below this is not aligned
    min_unanchored: float = 0.8  # a pair with no shared name or number needs this much
    min_anchor_similarity: float = 0.7  # an anchored pair counted as translation evidence
    min_anchored: int = 2  # anchored pairs a cross-language source needs
    min_share: float = 0.2  # of the article's sentences aligned, for a cross-language source
    max_sentences: int = 400


@dataclass(frozen=True)
class Pair:
    a: int  # article sentence (index into its DocVectors.spans)
    d: int  # source sentence
    similarity: float
    anchors: tuple[str, ...]


_WORD = re.compile(r"\d[\d.,]*\d|\w[\w'’.-]*\w|\w", re.UNICODE)


def _fold(w: str) -> str:
    w = unicodedata.normalize("NFKD", w)
    w = "".join(ch for ch in w if not unicodedata.combining(ch)).lower()
    for suffix in ("'s", "’s"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    return w.strip(".-'’")


def anchors(sentence: str) -> set[str]:
    """Names and numbers of a sentence: capitalised words past its first word, and any
    token with a digit (separators dropped: "1,800" and "1.800" are one number)."""
    out: set[str] = set()
    for n, m in enumerate(_WORD.finditer(sentence)):
        w = m.group()
        if any(ch.isdigit() for ch in w):
            digits = re.sub(r"[^\d]", "", w)
            if digits:
                out.add(digits)
        elif n > 0 and w[0].isupper() and len(w) > 1:
            out.add(_fold(w))
    return out


def align(article: DocVectors, source: DocVectors, st: RewriteSettings | None = None) -> list[tuple[int, int, float]]:
    """Monotone alignment: (article sentence, source sentence, cosine) pairs, in order."""
    st = st or RewriteSettings()
    a = np.asarray(article.sents, dtype=np.float32)[: st.max_sentences]
    d = np.asarray(source.sents, dtype=np.float32)[: st.max_sentences]
    if not len(a) or not len(d):
        return []
    sim = a @ d.T
    n, m = sim.shape
    w = np.where(sim >= st.min_similarity, sim, 0.0)
    score = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        row, prev, wi = score[i], score[i - 1], w[i - 1]
        for j in range(1, m + 1):
            best = prev[j] if prev[j] >= row[j - 1] else row[j - 1]
            if wi[j - 1] > 0.0 and prev[j - 1] + wi[j - 1] > best:
                best = prev[j - 1] + wi[j - 1]
            row[j] = best
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        if w[i - 1, j - 1] > 0.0 and score[i, j] == score[i - 1, j - 1] + w[i - 1, j - 1]:
            pairs.append((i - 1, j - 1, float(sim[i - 1, j - 1])))
            i, j = i - 1, j - 1
        elif score[i, j] == score[i - 1, j]:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def aligned_pairs(
    article_text: str, article: DocVectors, source_text: str, source: DocVectors,
    st: RewriteSettings | None = None,
) -> list[Pair]:
    """:func:`align` with each pair's anchors: every pair at ``min_similarity`` or more."""
    out = []
    for i, j, s in align(article, source, st):
        a0, a1 = article.spans[i]
        d0, d1 = source.spans[j]
        shared = anchors(article_text[a0:a1]) & anchors(source_text[d0:d1])
        out.append(Pair(i, j, s, tuple(sorted(shared))))
    return out


def keep_supported(found: list[Pair], st: RewriteSettings | None = None, *, fill_gaps: bool = False) -> list[Pair]:
    """The pairs of an alignment that stand as rewritten sentences: a pair below
    ``min_unanchored`` with no shared name or number is dropped (a common statement, not
    a rewritten sentence), unless ``fill_gaps`` and it lies between two kept pairs (the
    order of the copy puts it there: a rewritten sentence whose names were dropped)."""
    st = st or RewriteSettings()
    strong = [k for k, p in enumerate(found) if p.anchors or p.similarity >= st.min_unanchored]
    if not strong:
        return []
    first, last = strong[0], strong[-1]
    kept = set(strong)
    return [p for k, p in enumerate(found) if k in kept or (fill_gaps and first < k < last)]


def pairs(
    article_text: str, article: DocVectors, source_text: str, source: DocVectors,
    st: RewriteSettings | None = None, *, fill_gaps: bool = False,
) -> list[Pair]:
    """:func:`aligned_pairs` filtered by :func:`keep_supported`."""
    return keep_supported(aligned_pairs(article_text, article, source_text, source, st), st, fill_gaps=fill_gaps)


def _covered(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    a, b = span
    inside = sum(max(0, min(b, y) - max(a, x)) for x, y in taken)
    return inside * 2 >= (b - a)


def rewritten_passages(
    article: DocVectors, source: DocVectors, found: list[Pair], taken: list[tuple[int, int]]
) -> list[Passage]:
    """Passages of kind ``rewritten`` for the pairs whose article sentence no passage
    already explains (at least half of it outside ``taken``)."""
    out = []
    for p in found:
        span = article.spans[p.a]
        if _covered(span, taken):
            continue
        out.append(Passage(
            article_span=span,
            source_span=source.spans[p.d],
            similarity=round(p.similarity, 4),
            matched_tokens=0,
            kind="rewritten",
            anchors=p.anchors,
        ))
    return out


def translation_evidence(found: list[Pair], n_sentences: int, st: RewriteSettings | None = None) -> dict | None:
    """Evidence figures when ``found`` makes a cross-language source, else ``None``."""
    st = st or RewriteSettings()
    anchored = [p for p in found if p.anchors and p.similarity >= st.min_anchor_similarity]
    share = len(found) / max(1, n_sentences)
    if len(anchored) < st.min_anchored or share < st.min_share:
        return None
    return {
        "rewritten_sentences": len(found),
        "anchored_sentences": len(anchored),
        "mean_similarity": round(sum(p.similarity for p in found) / len(found), 4),
        "sentence_share": round(share, 4),
    }
