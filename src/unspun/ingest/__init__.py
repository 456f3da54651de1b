"""Reading reference texts and articles into :class:`unspun.models.Document` records.

Formats are detected from the content (see :func:`detect_format`): plain text, HTML
(main text by trafilatura), JSON Lines, WARC, and gzip of any of these. Readers yield
an :class:`~unspun.models.IngestFailure` for each record they cannot read and go on.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .detect import detect_format
from .fields import PARTIAL_KEY, is_partial, printable
from .files import Source, open_regular, read_path, read_stream
from .html import from_html
from .text import from_text

__all__ = [
    "PARTIAL_KEY",
    "detect_format",
    "from_html",
    "from_text",
    "is_partial",
    "read_article",
    "read_records",
]

STDIN = "<stdin>"


def read_records(
    paths: Iterable[str | os.PathLike[str]],
    *,
    recursive: bool = True,
    keep_partial: bool = False,
    follow_symlinks: bool = False,
) -> Iterator[Document | IngestFailure]:
    """Documents from files and folders (folders walked sorted, hidden entries skipped).

    Text documents are named by their path relative to the folder given (the path as
    given for a file). Every unreadable record, and every missing path, yields an
    IngestFailure(location, reason, kind); reading goes on with the rest. Inside
    folders only regular files are read: FIFOs, devices and sockets are skipped, and
    symbolic links unless ``follow_symlinks``. A truncated record is a failure of kind
    ``truncated``; with ``keep_partial`` a truncated WARC record's text is also kept
    (see :func:`is_partial`).
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for path in paths:
        yield from read_path(
            path, recursive=recursive, keep_partial=keep_partial, follow_symlinks=follow_symlinks
        )


def read_article(
    source: str | os.PathLike[str], *, record_id: str | None = None, keep_partial: bool = False
) -> Document:
    """Exactly one document from a file, or from stdin when ``source`` is ``"-"``.

    With several records in the input, ``record_id`` selects one by id. Raises
    IngestError (one line naming the input and the problem) when the input is missing,
    empty, binary, undecodable, truncated (unless ``keep_partial``), not a regular
    file (a FIFO or device: never waited on), holds no record, or several without
    ``record_id``.
    """
    if os.fspath(source) == "-":
        label = STDIN
        records = read_stream(
            io.BytesIO(sys.stdin.buffer.read()), Source(STDIN, STDIN), keep_partial=keep_partial
        )
        return _pick(records, label, record_id)
    path = Path(source)
    label = printable(path.as_posix())
    if not path.exists():
        raise IngestError(f"{label}: no such file")
    if path.is_dir():
        raise IngestError(f"{label}: is a directory, expected one file")
    try:
        handle = open_regular(path)
    except IngestError as exc:
        raise IngestError(f"{exc}; give - to read standard input") from None
    except OSError as exc:
        raise IngestError(f"{label}: cannot open ({exc.strerror or exc})") from None
    with handle:
        records = read_stream(handle, Source(label, label), hint=path.name, keep_partial=keep_partial)
        return _pick(records, label, record_id)


def _pick(
    records: Iterator[Document | IngestFailure], label: str, record_id: str | None
) -> Document:
    first: Document | IngestFailure | None = None
    count = 0
    for record in records:
        if record_id is not None:
            if isinstance(record, Document) and record.id == record_id:
                return record
        elif first is None:
            first = record
        count += 1
    if record_id is not None:
        raise IngestError(f"{label}: no record with id {record_id!r} ({count} records read)")
    if first is None:
        raise IngestError(f"{label}: no record found (no text or HTML page in it)")
    if count > 1:
        raise IngestError(f"{label}: {count} records; select one with --record ID")
    if isinstance(first, IngestFailure):
        raise IngestError(str(first))
    return first
