"""WARC (plain or gzipped): HTML and plain-text ``response`` / ``resource`` records."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import BinaryIO

from fastwarc import ArchiveIterator, WarcRecord, WarcRecordType

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .detect import HEAD_SIZE, detect_format
from .fields import PARTIAL_KEY, normalize_date, printable
from .html import from_html
from .text import decode_bytes, from_text
from .warcframe import Frame, Junk, frames, open_warc

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})
_WANTED = (WarcRecordType.response, WarcRecordType.resource)
_WANTED_NAMES = frozenset({"response", "resource"})


def _split_content_type(value: str | None) -> tuple[str, str | None]:
    """``text/html; charset=utf-8`` -> (``text/html``, ``utf-8``)."""
    if not value:
        return "", None
    mime, *params = (part.strip() for part in value.split(";"))
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return mime.lower(), charset


def _payload_kind(record: WarcRecord, payload: bytes, mime: str) -> str | None:
    """``html``, ``text``, or None for payloads that are skipped."""
    if not mime or mime == "application/octet-stream":
        mime, _ = _split_content_type(record.headers.get("WARC-Identified-Payload-Type"))
    if mime in _HTML_TYPES:
        return "html"
    if mime in _TEXT_TYPES:
        return "text"
    if not mime:
        fmt = detect_format(payload[:HEAD_SIZE])
        return fmt if fmt in ("html", "text") else None
    return None


def _record_document(record: WarcRecord, *, name: str, index: int, where: str) -> Document | None:
    """The Document in one record, None when the record is not an HTML/text page."""
    if record.record_type == WarcRecordType.response:
        if not record.is_http or record.http_headers is None:
            return None
        status = record.http_headers.status_code
        if status is not None and not 200 <= status < 300:
            return None  # redirects, errors: no article in them
        mime, charset = (record.http_content_type or "").lower(), record.http_charset
    else:
        mime, charset = _split_content_type(record.headers.get("Content-Type"))
    try:
        payload = record.reader.read()
    except OSError as exc:
        raise IngestError(f"{where}: unreadable payload ({exc})") from None
    kind = _payload_kind(record, payload, mime)
    if kind is None:
        return None
    uri = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>") or None
    doc_id = uri or f"{name}#{index}"
    warc_date = normalize_date(record.headers.get("WARC-Date"))
    if kind == "text":
        text = decode_bytes(payload, charset)
        return from_text(text, id=doc_id, url=uri, published=warc_date, origin=where)
    html: str | bytes = payload
    if charset:
        try:
            html = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            html = payload  # let trafilatura guess from the page
    doc = from_html(html, id=doc_id, url=uri, origin=where)
    if doc.published is None and warc_date:
        doc = dataclasses.replace(doc, published=warc_date)
    return doc


def _parse(frame: Frame) -> WarcRecord:
    """fastwarc's reading of one framed record (a partial one with its length fixed)."""
    data = frame.as_bytes() if frame.truncated else frame.header + frame.block + b"\r\n\r\n"
    try:
        return next(ArchiveIterator(io.BytesIO(data), parse_http=True, auto_decode="all"))
    except (StopIteration, OSError, ValueError) as exc:
        raise IngestError(f"unreadable WARC record ({exc or 'not a record'})") from None


def warc_records(
    stream: BinaryIO, *, name: str, location: str, keep_partial: bool = False
) -> Iterator[Document | IngestFailure]:
    """Documents from the HTML/text response and resource records of a WARC stream.

    Records are numbered from 1 in file order (all record types count): ids without a
    WARC-Target-URI are ``name#n``, origins ``location#n``; failures are located at
    ``location#n@offset`` (the record's byte offset, in the uncompressed stream).
    Non-HTML, non-text and non-2xx responses are skipped silently. A damaged record
    (truncated, a wrong Content-Length, junk) is a failure and reading goes on with
    the next record; a truncated record's text is kept too with ``keep_partial``,
    marked in its metadata (:data:`~unspun.ingest.fields.PARTIAL_KEY`).
    """
    seen = 0
    for frame in frames(open_warc(stream)):
        seen += 1
        if isinstance(frame, Junk):
            reason = frame.reason or f"{frame.size} bytes of junk, not a WARC record"
            kind = "truncated" if frame.reason else "error"
            yield IngestFailure(f"{location}@{frame.offset}", reason, kind=kind)
            continue
        where = f"{location}#{frame.index}@{frame.offset}"
        if frame.problem and not (frame.truncated and keep_partial):
            kind = "truncated" if frame.truncated else "error"
            yield IngestFailure(where, frame.problem, kind=kind)
            continue
        if frame.record_type not in _WANTED_NAMES:
            if frame.problem:  # truncated: nothing to keep from it, but say so
                yield IngestFailure(where, frame.problem, kind="truncated")
            elif not frame.record_type:  # mandatory: without it, what was it?
                yield IngestFailure(where, "no WARC-Type header")
            continue
        try:
            record = _parse(frame)
            if record.record_type not in _WANTED:
                raise IngestError(f"unreadable WARC record (read as {record.record_type})")
            doc = _record_document(
                record, name=name, index=frame.index, where=f"{location}#{frame.index}"
            )
        except IngestError as exc:
            reason = str(exc).removeprefix(f"{location}#{frame.index}: ")
            if frame.problem:
                reason = f"{frame.problem}; the part kept is unusable ({reason})"
            kind = "truncated" if frame.truncated else "error"
            yield IngestFailure(where, printable(reason), kind=kind)
            continue
        except Exception as exc:  # a parser bug costs this record only, not the file
            reason = f"unexpected error ({type(exc).__name__}: {exc})"
            yield IngestFailure(where, printable(reason))
            continue
        if doc is None:
            if frame.problem:
                yield IngestFailure(where, frame.problem, kind="truncated")
            continue
        if frame.problem:
            doc = dataclasses.replace(doc, meta={**doc.meta, PARTIAL_KEY: frame.problem})
        yield doc
    if not seen:
        yield IngestFailure(location, "empty file (no WARC records)")
