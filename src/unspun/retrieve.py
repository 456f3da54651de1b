"""Candidate sources for an article: the documents sharing most spin-robust features."""

from __future__ import annotations

from .fingerprint import features
from .models import Candidate, Document
from .store.base import BaseIndex


def default_max_df(n_docs: int) -> int:
    """Features held by more documents than this are stop-listed at query time."""
    return max(20, min(1000, n_docs // 50))


def retrieve(
    article: Document | str,
    index: BaseIndex,
    *,
    k: int = 10,
    min_shared: int = 1,
    max_df: int | None = None,
) -> list[Candidate]:
    """The ``k`` indexed documents sharing most features with ``article``, best first."""
    text = article if isinstance(article, str) else article.text
    feats = features(text, index.params)  # winnowed like the index: a shared run of `window` n-grams still meets
    if not feats:
        return []
    if max_df is None:
        max_df = default_max_df(index.approx_size())
    hits = index.lookup(feats, max_df=max_df, k=k, min_shared=min_shared)
    return [Candidate(doc_id=i, score=n / len(feats), shared_features=n) for i, n in hits]
