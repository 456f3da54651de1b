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
) -> SQLiteIndex:
    """Open the SQLite index at ``path`` (``create=True`` makes it if missing)."""
    return SQLiteIndex(path, create=create, params=params, readonly=readonly)


def memory_index(params: FingerprintParams | None = None) -> MemoryIndex:
    """A new, empty index held in memory."""
    return MemoryIndex(params) if params else MemoryIndex()


__all__ = ["AddResult", "BaseIndex", "Index", "MemoryIndex", "SQLiteIndex", "memory_index", "open_index"]
