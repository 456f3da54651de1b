"""unspun: news provenance forensics.

Public API::

    import unspun
    index = unspun.open_index("refs.db", create=True)   # or unspun.memory_index()
    index.add(unspun.read_records(["reference/"]))
    report = unspun.check(unspun.read_article("suspect.html"), index)
    report.to_dict()                                      # the JSON report
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
from .store import AddResult, BaseIndex, MemoryIndex, SQLiteIndex, memory_index, open_index  # noqa: E402

__all__ = [
    "AddResult",
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
