"""How large an article a check accepts.

A check's time grows about linearly with the article's length (bench/results/check_scaling.md:
about 7 s per MB on a 2-core machine), and so does its memory. Past
:data:`MAX_ARTICLE_CHARS` the CLI (``unspun check --max-article``) and the service
(``unspun serve --max-article``) refuse the article with a clear message instead of
working for minutes: nothing a news article needs comes close.
"""

from __future__ import annotations

from .errors import IngestError
from .models import Document

MAX_ARTICLE_CHARS = 5 * 1024 * 1024


def too_long(doc: Document, limit: int, option: str = "--max-article") -> IngestError | None:
    """The error to raise when ``doc`` has more than ``limit`` characters (0: no limit)."""
    if limit <= 0 or len(doc.text) <= limit:
        return None
    return IngestError(
        f"{doc.id}: the article has {len(doc.text):,} characters, more than the {limit:,} a check "
        f"accepts ({option}; a check takes about 7 s per million characters)"
    )
