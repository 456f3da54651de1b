"""Summing up a run of the readers: lines for failures and partial records, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from unspun.models import Document, IngestFailure

from .fields import PARTIAL_KEY, is_partial


@dataclass
class PartialWatch:
    """Documents kept from truncated records (``keep_partial``), seen passing through."""

    partial: list[Document] = field(default_factory=list)

    def watch(
        self, records: Iterable[Document | IngestFailure]
    ) -> Iterator[Document | IngestFailure]:
        """``records`` unchanged; partial documents noted on the way."""
        for record in records:
            if isinstance(record, Document) and is_partial(record):
                self.partial.append(record)
            yield record


def failed_summary(failures: Sequence[IngestFailure]) -> str:
    """``failed 3``, or ``failed 3 (1 truncated, 1 skipped)`` when some are of those kinds."""
    kinds = Counter(f.kind for f in failures)
    detail = [f"{kinds[k]} {k}" for k in ("truncated", "skipped") if kinds[k]]
    return f"failed {len(failures)}" + (f" ({', '.join(detail)})" if detail else "")


def failure_line(failure: IngestFailure) -> str:
    """One line for a failure: ``truncated crawl.warc#3@2048: truncated inside …``."""
    verb = {"truncated": "truncated", "skipped": "skipped"}.get(failure.kind, "failed")
    return f"{verb} {failure.location}: {failure.reason}"


def partial_line(doc: Document) -> str:
    """One line for a document kept from a truncated record."""
    return f"kept partial {doc.origin or doc.id}: {doc.meta.get(PARTIAL_KEY)}"
