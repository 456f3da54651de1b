"""Request bodies -> documents. Pure functions, run in the worker pool.

Nothing here opens a path: uploads are bytes in memory, and an upload's file name is only
a label (its last component, cleaned), never a place to read or write.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import IngestError
from ..ingest import from_html, from_text
from ..ingest.detect import GZIP_MAGIC
from ..ingest.fetch import Fetcher, FetchError, FetchSettings
from ..ingest.files import Source, read_stream
from ..ingest.jsonl import jsonl_records, record_to_document
from ..models import Document, IngestFailure
from .limits import ServiceError

Record = Document | IngestFailure
GUNZIP_FACTOR = 20  # a gzip upload may expand to 20 times the body limit
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class CheckRequest(BaseModel):
    """The article to check: ``text``, or an HTML page (``html``, optional ``url``)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The article as plain text.")
    html: str | None = Field(None, description="The article as an HTML page (main text found by trafilatura).")
    url: str | None = Field(None, description=(
        "Where the article was published. Metadata with `text` or `html`; alone, the page to fetch "
        "(only on a service started with `--allow-fetch`; public addresses only)."))
    title: str | None = Field(None, description="The article's title (metadata).")
    id: str | None = Field(None, description="A name for the article in the report (default `article`).")

    @model_validator(mode="after")
    def _one_body(self) -> CheckRequest:
        if self.text is not None and self.html is not None:
            raise ValueError("give exactly one of 'text' and 'html'")
        if self.text is None and self.html is None and self.url is None:
            raise ValueError("give exactly one of 'text' and 'html' (or 'url' alone, to fetch it)")
        return self


NO_FETCH = ("give exactly one of 'text' and 'html': this service does not fetch URLs "
            "(it was not started with --allow-fetch)")


def fetched_document(url: str, fetch: FetchSettings | None, *, doc_id: str | None = None,
                     title: str | None = None) -> Document:
    """The page at ``url``, fetched with ``fetch`` (None: fetching is off, 422)."""
    if fetch is None:
        raise ServiceError(422, NO_FETCH)
    try:
        with Fetcher(fetch) as fetcher:
            doc = fetcher.document(url.strip(), doc_id=doc_id)
    except FetchError as e:
        raise ServiceError(422, str(e)) from None
    return dataclasses.replace(doc, title=title or doc.title)


def safe_name(filename: str | None, default: str = "upload") -> str:
    """An upload's file name as a label: last path component, no control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE.sub("", name).strip()[:200]
    return name or default


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise ServiceError(400, "empty body: expected JSON")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ServiceError(400, f"malformed JSON: {e}") from None


def _validation_message(e: ValidationError) -> str:
    parts = []
    for err in e.errors(include_url=False, include_input=False):
        where = ".".join(str(x) for x in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def check_request_document(body: bytes, fetch: FetchSettings | None = None) -> Document:
    """A JSON check request -> the article (400 malformed JSON, 422 wrong fields; a
    ``url`` alone is fetched with ``fetch``, 422 when fetching is off or fails)."""
    obj = parse_json(body)
    if not isinstance(obj, dict):
        raise ServiceError(422, 'expected a JSON object: {"text": ...} or {"html": ..., "url": ...}')
    return request_document(obj, fetch)


def request_document(obj: dict[str, Any], fetch: FetchSettings | None = None, default_id: str = "article") -> Document:
    """One article as a JSON object (``text``, ``html`` or ``url``; ``id``, ``title``)."""
    try:
        req = CheckRequest.model_validate(obj)
    except ValidationError as e:
        raise ServiceError(422, _validation_message(e)) from None
    if req.text is None and req.html is None:
        assert req.url is not None
        return fetched_document(req.url, fetch, doc_id=req.id, title=req.title)
    doc_id = req.id or req.url or default_id
    if req.text is not None:
        if not req.text.strip():
            raise ServiceError(422, "text: the article is empty")
        return from_text(req.text, id=doc_id, title=req.title, url=req.url)
    assert req.html is not None
    doc = from_html(req.html, id=doc_id, url=req.url)
    return dataclasses.replace(doc, title=req.title or doc.title)


def gunzip_capped(data: bytes, cap: int) -> bytes:
    """Decompress a (possibly multi-member) gzip upload, refusing more than ``cap`` bytes."""
    out: list[bytes] = []
    size = 0
    rest = data
    while rest.startswith(GZIP_MAGIC):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, cap - size + 1)
        except zlib.error as e:
            raise ServiceError(422, f"corrupt gzip upload ({e})") from None
        size += len(chunk)
        if size > cap or d.unconsumed_tail:
            raise ServiceError(413, f"upload larger than {cap} bytes once decompressed")
        if not d.eof:
            raise ServiceError(422, "corrupt gzip upload (truncated)")
        out.append(chunk)
        rest = d.unused_data
    return b"".join(out) if out else data


def upload_records(data: bytes, filename: str | None, max_body: int) -> list[Record]:
    """Every record of an uploaded file (text, HTML, JSONL, WARC, gzip of these)."""
    name = safe_name(filename)
    if not data.strip():
        raise ServiceError(422, f"{name}: empty upload")
    plain = gunzip_capped(data, max_body * GUNZIP_FACTOR)
    hint = name.removesuffix(".gz") if plain is not data else name
    return list(read_stream(io.BytesIO(plain), Source(name, name), hint=hint))


def upload_document(data: bytes, filename: str | None, max_body: int, record: str | None = None) -> Document:
    """Exactly one article from an upload (``record`` picks one by id from several)."""
    name = safe_name(filename)
    records = upload_records(data, filename, max_body)
    docs = [r for r in records if isinstance(r, Document)]
    if record is not None:
        for d in docs:
            if d.id == record:
                return d
        raise ServiceError(422, f"{name}: no record with id {record!r} ({len(records)} records read)")
    if len(records) > 1:
        raise ServiceError(422, f"{name}: {len(records)} records; upload one, or name it with ?record=ID")
    if not docs:
        reason = str(records[0]) if records else f"{name}: no text or HTML page in it"
        raise ServiceError(422, reason)
    return docs[0]


def text_document(text: str, *, name: str = "pasted text") -> Document:
    """Pasted text (the web page's text box) -> the article."""
    if not text.strip():
        raise ServiceError(422, "the article is empty: paste its text or choose a file")
    try:
        return from_text(text, id=name)
    except IngestError as e:
        raise ServiceError(422, str(e)) from None


def json_records(body: bytes) -> list[Record]:
    """``POST /api/documents`` JSON: a list of objects as in JSONL (``id``, ``text``…)."""
    items = parse_json(body)
    if isinstance(items, dict):
        items = items.get("documents")
    if not isinstance(items, list):
        raise ServiceError(422, 'expected a JSON list of documents (or {"documents": [...]})')
    out: list[Record] = []
    for i, obj in enumerate(items):
        where = f"[{i}]"
        if not isinstance(obj, dict):
            out.append(IngestFailure(where, f"not a JSON object ({type(obj).__name__})"))
            continue
        try:
            out.append(record_to_document(obj, default_id=f"document-{i}", origin=where))
        except IngestError as e:
            out.append(IngestFailure(where, str(e).removeprefix(f"{where}: ")))
    return out


def jsonl_body_records(body: bytes, max_body: int) -> list[Record]:
    """A raw JSON Lines body (``application/x-ndjson``, gzip allowed)."""
    plain = gunzip_capped(body, max_body * GUNZIP_FACTOR)
    return list(jsonl_records(io.BytesIO(plain), name="body", location="body"))
