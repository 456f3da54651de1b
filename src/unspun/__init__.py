"""unspun: news provenance forensics.

Public API::

    import unspun
    index = unspun.open_index("refs.db", create=True)   # or unspun.memory_index()
    index.add(unspun.read_records(["reference/"]))
    report = unspun.check(unspun.read_article("suspect.html"), index)
    report.to_dict()                                      # the JSON report
    unspun.fetch_document("https://example.org/story")    # a page, fetched (FetchError)
    index.add(unspun.fetch_records(feeds=["https://example.org/rss"], skip=lambda u: index.get(u)))
    for article_id, outcome in unspun.check_many(unspun.read_records(["week/"]), "refs.db", workers=2):
        ...                                               # a Report, or an ArticleError
"""

from __future__ import annotations

__version__ = "0.1.0"

from .batch import ArticleError, Checked, check_many  # noqa: E402
from .errors import (  # noqa: E402
    IndexMismatchError,
    IngestError,
    SettingsError,
    StoreError,
    UnspunError,
)
from .ingest import from_html, from_text, read_article, read_records  # noqa: E402
from .models import Candidate, Document, Edit, IngestFailure, Passage, Report, SourceMatch  # noqa: E402
from .pipeline import CheckSettings, check  # noqa: E402
from .retrieve import retrieve  # noqa: E402
from .store import (  # noqa: E402
    AddResult,
    BaseIndex,
    MemoryIndex,
    PostgresIndex,
    SQLiteIndex,
    memory_index,
    open_index,
)

_FETCHING = {"FetchError": "fetch", "FetchSettings": "fetch", "fetch_document": "fetch",
             "fetch_records": "feeds"}


def __getattr__(name: str) -> object:
    """Fetching (``unspun.fetch_document(url)``, ``unspun.fetch_records(feeds=[...])``) is
    imported on first use: httpx is not loaded by ``import unspun``."""
    if name in _FETCHING:
        import importlib

        return getattr(importlib.import_module(f".ingest.{_FETCHING[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AddResult",
    "FetchError",
    "FetchSettings",
    "fetch_document",
    "fetch_records",
    "ArticleError",
    "BaseIndex",
    "Candidate",
    "CheckSettings",
    "Checked",
    "Document",
    "Edit",
    "IndexMismatchError",
    "IngestError",
    "IngestFailure",
    "MemoryIndex",
    "Passage",
    "PostgresIndex",
    "Report",
    "SQLiteIndex",
    "SettingsError",
    "SourceMatch",
    "StoreError",
    "UnspunError",
    "__version__",
    "check",
    "check_many",
    "from_html",
    "from_text",
    "memory_index",
    "open_index",
    "read_article",
    "read_records",
    "retrieve",
]
