"""JSON Lines: one object per line with ``id`` and ``text`` (or ``html``) plus metadata."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .fields import as_str, failure_from
from .html import from_html
from .text import decode_bytes, from_text

# Field -> aliases, first present wins; the aliases not used stay in meta.
_SITE_KEYS = ("site", "series")  # "series" as passim names it
_DATE_KEYS = ("published", "date", "pubdate")


def _first(obj: dict[str, Any], keys: Iterable[str]) -> tuple[str | None, Any]:
    for key in keys:
        if as_str(obj.get(key)) is not None:
            return key, obj[key]
    return None, None


def record_to_document(obj: dict[str, Any], *, default_id: str, origin: str) -> Document:
    """A Document from one JSONL object; raises IngestError with the reason when unusable."""
    used = {"id", "text", "html", "url", "title"}
    site_key, site = _first(obj, _SITE_KEYS)
    if site_key is None:
        site_key, site = _first(obj, ("source",))  # only when site/series are missing
    date_key, published = _first(obj, _DATE_KEYS)
    used.update(k for k in (site_key, date_key) if k)
    meta = {k: v for k, v in obj.items() if k not in used}
    doc_id = as_str(obj.get("id")) or default_id
    url, title = as_str(obj.get("url")), as_str(obj.get("title"))
    text, html = obj.get("text"), obj.get("html")
    if isinstance(text, str) and text.strip():
        return from_text(
            text, id=doc_id, title=title, url=url, site=site, published=published,
            meta=meta, origin=origin,
        )  # fmt: skip
    if text is not None and not isinstance(text, str):
        raise IngestError(f"{origin}: 'text' is not a string")
    if isinstance(html, str | bytes) and html.strip():
        page = from_html(html, id=doc_id, url=url, origin=origin)
        return from_text(
            page.text, id=doc_id, title=title or page.title, url=page.url,
            site=site or page.site, published=published or page.published,
            meta=meta, origin=origin,
        )  # fmt: skip
    raise IngestError(f"{origin}: missing or empty 'text'")


def jsonl_records(
    lines: Iterable[bytes], *, name: str, location: str
) -> Iterator[Document | IngestFailure]:
    """Documents from JSON lines; a failure per bad line (``location:line``), then on.

    ``name`` makes default ids (``name:line``), ``location`` origins and failure locations.
    Errors of the underlying stream (e.g. a truncated gzip) end the file with a failure.
    """
    seen = 0
    lineno = 0
    try:
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            seen += 1
            where = f"{location}:{lineno}"
            try:
                obj = json.loads(decode_bytes(raw))
            except (ValueError, UnicodeDecodeError) as exc:
                yield IngestFailure(where, f"invalid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield IngestFailure(where, f"not a JSON object ({type(obj).__name__})")
                continue
            try:
                yield record_to_document(obj, default_id=f"{name}:{lineno}", origin=where)
            except IngestError as exc:
                yield failure_from(exc, where)
    except (OSError, EOFError) as exc:
        yield IngestFailure(f"{location}:{lineno + 1}", f"cannot read further: {exc}")
        return
    if not seen:
        yield IngestFailure(location, "empty file (no JSON lines)")
