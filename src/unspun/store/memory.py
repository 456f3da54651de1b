"""An index held in memory: for tests, notebooks and one-off ``check --against`` runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..fingerprint import DEFAULT_PARAMS, FingerprintParams
from ..models import Document
from .base import BaseIndex


class MemoryIndex(BaseIndex):
    def __init__(self, params: FingerprintParams = DEFAULT_PARAMS) -> None:
        self.params = params
        self._docs: dict[str, Document] = {}
        self._feats: dict[str, set[int]] = {}
        self._by_feature: dict[int, set[str]] = defaultdict(set)
        self._vectors: dict[str, Any] = {}
        self._vec_writes = 0  # bumped whenever _vectors changes (nearest() reloads its matrix)

    def _existing_texts(self, ids: list[str]) -> dict[str, str]:
        return {i: self._docs[i].text for i in ids if i in self._docs}

    def _write_batch(
        self, docs: list[tuple[Document, set[int], bool]], vectors: dict[str, Any] | None = None
    ) -> None:
        if vectors:
            self._vectors.update(vectors)
            self._vec_writes += 1
        for doc, feats, replaces in docs:
            if replaces:
                self._drop(doc.id)
            self._docs[doc.id] = doc
            self._feats[doc.id] = feats
            for h in feats:
                self._by_feature[h].add(doc.id)

    def _drop(self, doc_id: str) -> None:
        for h in self._feats.pop(doc_id, ()):
            p = self._by_feature.get(h)
            if p is not None:
                p.discard(doc_id)
                if not p:
                    del self._by_feature[h]
        self._docs.pop(doc_id, None)
        if self._vectors.pop(doc_id, None) is not None:
            self._vec_writes += 1

    # -- semantic layer ---------------------------------------------------------------
    def _record_semantic(self) -> None:
        pass  # the vectors live in a dict that is always there

    def _unembedded(self, limit: int) -> list[Document]:
        return [d for i, d in self._docs.items() if i not in self._vectors][:limit]

    def _write_vectors(self, vectors: dict[str, Any]) -> None:
        self._vectors.update({i: v for i, v in vectors.items() if i in self._docs})
        self._vec_writes += 1

    def vectors(self, ids: Iterable[str]) -> dict[str, Any]:
        return {i: self._vectors[i] for i in ids if i in self._vectors}

    def _vector_version(self) -> Any:
        return self._vec_writes

    def _vector_rows(self) -> Iterable[tuple[Any, bytes]]:
        return ((i, self._vectors[i].vec.tobytes()) for i in sorted(self._vectors))

    def get(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def remove(self, ids: Iterable[str]) -> int:
        n = 0
        for i in ids:
            if i in self._docs:
                self._drop(i)
                n += 1
        return n

    def _resolve(self, keys: list[Any]) -> dict[Any, str]:
        return {k: k for k in keys if k in self._docs}

    def _postings(self, hashes: Iterable[int], max_df: int) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for h in set(hashes):
            p = self._by_feature.get(h)
            if p and len(p) <= max_df:
                out[h] = list(p)
        return out

    def __len__(self) -> int:
        return len(self._docs)

    def stats(self) -> dict[str, Any]:
        return {
            "backend": "memory",
            "documents": len(self._docs),
            "postings": sum(len(f) for f in self._feats.values()),
            "distinct_features": len(self._by_feature),
            "params": self.params.to_dict(),
        }
