"""Index backends: SQLite (default, one file), PostgreSQL (a shared index: a
``postgresql://`` URL, ``pip install 'unspun[postgres]'``) and memory (tests, one-off
comparisons)."""

from __future__ import annotations

import os

from ..fingerprint import FingerprintParams
from .base import AddResult, BaseIndex
from .memory import MemoryIndex
from .postgres import PostgresIndex, PostgresUnavailable, is_postgres_url, redact
from .sqlite import SQLiteIndex

Index = BaseIndex


def open_index(
    path: str | os.PathLike[str],
    *,
    create: bool = False,
    params: FingerprintParams | None = None,
    readonly: bool = False,
    semantic: bool = False,
) -> BaseIndex:
    """Open the SQLite index at ``path`` (``create=True`` makes it if missing), or the
    PostgreSQL index when ``path`` is a ``postgresql://`` URL (``create=True`` makes its
    tables in that database if it has none; pending schema migrations are applied;
    ``readonly=True`` reads in read-only transactions). Raises StoreError when it cannot
    be opened (PostgresUnavailable when psycopg, the ``postgres`` extra, is missing).

    ``semantic=True`` turns the optional semantic layer on for this index (documents
    added from now on get sentence vectors; :meth:`BaseIndex.embed` fills in the ones
    already stored). It raises SemanticUnavailable when the extra is not installed."""
    index: BaseIndex
    if is_postgres_url(path):
        index = PostgresIndex(str(path), create=create, params=params, readonly=readonly)
    else:
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


def index_name(db: str | os.PathLike[str]) -> str:
    """How messages name an index: its path, or its URL without the password."""
    return redact(db) if is_postgres_url(db) else os.fspath(db)


__all__ = [
    "AddResult", "BaseIndex", "Index", "MemoryIndex", "PostgresIndex", "PostgresUnavailable",
    "SQLiteIndex", "index_name", "is_postgres_url", "memory_index", "open_index",
]
