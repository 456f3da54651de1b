"""Candidate sources for an article: the documents sharing most spin-robust features.

:func:`retrieve` ranks documents by the features they share with the whole article. A page
stitched from one- or two-sentence lifts shares few features with each of its sources, and
in a large index the same-story pages that share more fill the top ranks; so
:func:`retrieve_lifts` also asks, for every stretch of a few sentences of the article, which
document shares most with *that stretch* (a lift need not share many features with the
whole article to be found).
"""

from __future__ import annotations

import re

from .fingerprint import features, features_many
from .models import Candidate, Document
from .store.base import BaseIndex


def default_max_df(n_docs: int) -> int:
    """Features held by more documents than this are stop-listed at query time."""
    return max(20, min(1000, n_docs // 50))


#: a document whose features shared with the article are, for this share, also held by a
#: better-ranked text's lead document carries that text (BaseIndex.lookup_texts)
SAME_TEXT = 0.8
#: documents, best first, among which texts are formed
POOL = 256


def _texts(hits: list, n_feats: int, min_shared: int) -> list[Candidate]:
    return [
        Candidate(
            doc_id=h.doc_id, score=h.shared / n_feats, shared_features=h.shared, rank=h.ranks[0],
            copies=tuple(
                Candidate(doc_id=i, score=n / n_feats, shared_features=n, rank=r)
                for (i, n), r in zip(h.copies, h.ranks[1:], strict=True)
            ),
        )
        for h in hits
        if h.shared >= min_shared
    ]


def retrieve(
    article: Document | str,
    index: BaseIndex,
    *,
    k: int = 10,
    min_shared: int = 1,
    max_df: int | None = None,
    copies: bool = True,
) -> list[Candidate]:
    """The ``k`` indexed texts sharing most features with ``article``, best first.

    Documents carrying the same text as far as the article's features show (reprints,
    syndicated and spun copies) count once: the best of them leads, the others are its
    ``copies`` (:meth:`unspun.store.base.BaseIndex.lookup_texts`). ``copies=False``: the
    ``k`` documents sharing most features, each on its own."""
    text = article if isinstance(article, str) else article.text
    feats = features(text, index.params)  # winnowed like the index: a shared run of `window` n-grams still meets
    if not feats:
        return []
    if max_df is None:
        max_df = default_max_df(index.approx_size())
    if not copies:
        hits = index.lookup(feats, max_df=max_df, k=k, min_shared=min_shared)
        return [Candidate(doc_id=i, score=n / len(feats), shared_features=n) for i, n in hits]
    found = index.lookup_texts(
        feats, max_df=max_df, k=k, min_shared=min_shared, same_text=SAME_TEXT, pool=max(POOL, k)
    )
    return _texts(found, len(feats), min_shared)


_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])|\n\s*\n")


def stretches(text: str, *, min_words: int = 12, max_words: int = 60) -> list[str]:
    """The article cut into stretches of whole sentences of ``min_words`` to about
    ``max_words`` words (a paragraph, or a few sentences of one)."""
    out: list[str] = []
    cur: list[str] = []
    words = 0
    for part in _SENTENCE_END.split(text):
        n = len(part.split())
        if cur and words + n > max_words:
            out.append(" ".join(cur))
            cur, words = [], 0
        if n:
            cur.append(part)
            words += n
        if words >= min_words and "\n\n" in part:
            out.append(" ".join(cur))
            cur, words = [], 0
    if cur and (words >= min_words or not out):
        out.append(" ".join(cur))
    return out


def retrieve_with_lifts(
    article: Document | str,
    index: BaseIndex,
    *,
    k: int = 10,
    min_shared: int = 1,
    per_stretch: int = 1,
    lift_min_shared: int = 2,
    max_df: int | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """(:func:`retrieve` of the whole article, :func:`retrieve_lifts`) in one look-up: the
    stretches' features are mostly the article's own, so each posting list is read once."""
    text = article if isinstance(article, str) else article.text
    # the article and its stretches fingerprinted in one batch (the same sets one by one)
    whole, *pieces = features_many([text, *stretches(text)], index.params)
    if not whole:
        return [], []
    if max_df is None:
        max_df = default_max_df(index.approx_size())
    parts = [f for f in pieces if len(f) >= lift_min_shared]
    found, per_part = index.search(
        whole, parts, max_df=max_df, k=k, per_part=per_stretch, min_shared=min_shared,
        same_text=SAME_TEXT, pool=max(POOL, k),
    )
    ranked = _texts(found, len(whole), min_shared)
    best: dict[str, Candidate] = {}
    for feats, top in zip(parts, per_part, strict=True):
        for doc_id, n in top:
            if n < lift_min_shared:
                continue
            c = Candidate(doc_id=doc_id, score=n / len(feats), shared_features=n)
            if doc_id not in best or c.score > best[doc_id].score:
                best[doc_id] = c
    lifts = sorted(best.values(), key=lambda c: (-c.score, -c.shared_features, c.doc_id))
    return ranked, lifts


def retrieve_lifts(
    article: Document | str,
    index: BaseIndex,
    *,
    per_stretch: int = 1,
    min_shared: int = 2,
    max_df: int | None = None,
) -> list[Candidate]:
    """For every stretch of the article, the ``per_stretch`` documents sharing most features
    with it (at least ``min_shared``), best stretch match first, each document once."""
    return retrieve_with_lifts(
        article, index, k=0, per_stretch=per_stretch, lift_min_shared=min_shared, max_df=max_df
    )[1]
