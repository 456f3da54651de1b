"""Index backends: SQLite (default, one file) and memory (tests, one-off comparisons)."""

from __future__ import annotations

import os

from ..fingerprint import FingerprintParams
from .base import AddResult, BaseIndex
from .memory import MemoryIndex
from .sqlite import SQLiteIndex

Index = BaseIndex


def open_index(
    path: str | os.PathLike[str],
    *,
    create: bool = False,
    params: FingerprintParams | None = None,
    readonly: bool = False,
    semantic: bool = False,
) -> SQLiteIndex:
    """Open the SQLite index at ``path`` (``create=True`` makes it if missing).

    ``semantic=True`` turns the optional semantic layer on for this index (documents
    added from now on get sentence vectors; :meth:`BaseIndex.embed` fills in the ones
    already stored). It raises SemanticUnavailable when the extra is not installed."""
    index = SQLiteIndex(path, create=create, params=params, readonly=readonly)
    if semantic and not index.semantic:
        try:
            index._enable_semantic()
        except BaseException:
            index.close()
            raise
    return index


def memory_index(params: FingerprintParams | None = None, *, semantic: bool = False) -> MemoryIndex:
    """A new, empty index held in memory (``semantic=True``: with sentence vectors)."""
    index = MemoryIndex(params) if params else MemoryIndex()
    if semantic:
        index._enable_semantic()
    return index


__all__ = ["AddResult", "BaseIndex", "Index", "MemoryIndex", "SQLiteIndex", "memory_index", "open_index"]
