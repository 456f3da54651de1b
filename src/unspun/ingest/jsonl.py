"""JSON Lines: one object per line with ``id`` and ``text`` (or ``html``) plus metadata."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .fields import MAX_META_DEPTH, as_str, failure_from, printable
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
    """A Document from one JSONL object; raises IngestError with the reason when unusable.

    Unusable: no text, invalid Unicode (a lone surrogate) in any field, or lists and
    objects nested more than ``MAX_META_DEPTH`` levels deep.
    """
    if _too_deep(obj):
        raise IngestError(f"{origin}: nested more than {MAX_META_DEPTH} levels deep")
    used = {"id", "text", "html", "url", "title"}
    # a "source" field is not the site: in provenance it as often names where a text came
    # from (a label, a document id) as its publisher; it stays in meta, and without
    # site/series the site is the URL's host
    site_key, site = _first(obj, _SITE_KEYS)
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


def _too_deep(obj: Any, limit: int = MAX_META_DEPTH) -> bool:
    """True when lists/objects in ``obj`` nest more than ``limit`` levels (iteratively)."""
    stack = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((sub, depth + 1) for sub in (item.values() if isinstance(item, dict) else item))
    return False


def parse_line(raw: bytes | str, where: str, *, last: bool = False) -> dict[str, Any] | IngestFailure:
    """One JSON line as an object, or the failure (located at ``where``) explaining why not.

    ``last`` marks a final line without a line end: when it does not parse, the file
    was most likely cut off, and the failure is of kind ``truncated``.
    """
    try:
        text = raw if isinstance(raw, str) else decode_bytes(raw)
        obj = json.loads(text)
    except RecursionError:
        return IngestFailure(where, f"invalid JSON (nested more than {MAX_META_DEPTH} levels deep)")
    except (ValueError, UnicodeDecodeError) as exc:
        if last:
            return IngestFailure(
                where, f"truncated record: the last line ends without a line end ({exc})",
                kind="truncated",
            )  # fmt: skip
        return IngestFailure(where, f"invalid JSON ({exc})")
    if not isinstance(obj, dict):
        return IngestFailure(where, f"not a JSON object ({type(obj).__name__})")
    if _too_deep(obj):
        return IngestFailure(where, f"invalid JSON (nested more than {MAX_META_DEPTH} levels deep)")
    return obj


def jsonl_records(
    lines: Iterable[bytes | str], *, name: str, location: str
) -> Iterator[Document | IngestFailure]:
    """Documents from JSON lines; a failure per bad line (``location:line``), then on.

    ``name`` makes default ids (``name:line``), ``location`` origins and failure locations.
    A last line cut off mid-record is a ``truncated`` failure. Errors of the underlying
    stream (e.g. a truncated gzip) end the file with a truncated failure.
    """
    seen = 0
    lineno = 0
    try:
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            seen += 1
            where = f"{location}:{lineno}"
            ends = raw.endswith(b"\n" if isinstance(raw, bytes) else "\n")
            obj = parse_line(raw, where, last=not ends)
            if isinstance(obj, IngestFailure):
                yield obj
                continue
            try:
                yield record_to_document(obj, default_id=f"{name}:{lineno}", origin=where)
            except IngestError as exc:
                yield failure_from(exc, where)
            except RecursionError:
                yield IngestFailure(where, "invalid JSON (nested too deeply)")
            except Exception as exc:  # a reader bug costs this line only, not the file
                reason = f"unexpected error ({type(exc).__name__}: {exc})"
                yield IngestFailure(where, printable(reason))
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        yield IngestFailure(
            f"{location}:{lineno + 1}", f"cannot read further: {exc}", kind="truncated"
        )
        return
    if not seen:
        yield IngestFailure(location, "empty file (no JSON lines)")
