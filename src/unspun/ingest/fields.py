"""Metadata clean-up shared by the readers: strings, dates, sites, and building a Document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

# Tried in order after datetime.fromisoformat; %b / %B match case-insensitively,
# so Reuters' "26-FEB-1987 15:01:01.79" is covered by the first one.
_DATE_FORMATS = (
    "%d-%b-%Y %H:%M:%S.%f",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
)


# A lone UTF-16 surrogate (e.g. JSON "\\ud83d" without its pair) is a str Python holds
# but cannot encode: hashing, SQLite and every output would fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_META_DEPTH = 64  # nesting of lists/objects kept in metadata
# Metadata key marking a document kept from a truncated record (``--keep-partial``);
# its value says how much of the record there was.
PARTIAL_KEY = "unspun:partial"


def is_partial(doc: Document) -> bool:
    """True for a document read from a truncated record (kept with ``keep_partial``)."""
    return PARTIAL_KEY in doc.meta


def unicode_problem(value: str) -> str | None:
    """Why ``value`` cannot be encoded as UTF-8 (a lone surrogate), or None when it can."""
    if value.isascii():
        return None
    found = _SURROGATE.search(value)
    if found is None:
        return None
    return f"lone surrogate U+{ord(found.group()):04X} at character {found.start()}"


def _meta_problem(value: Any, path: str) -> str | None:
    """The first unencodable string or too deep nesting in metadata, as a message."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, level = stack.pop()
        if isinstance(item, str):
            problem = unicode_problem(item)
            if problem:
                return f"invalid Unicode in {where}: {problem}"
        elif isinstance(item, Mapping | list | tuple):
            if level >= MAX_META_DEPTH:
                return f"{where} nested more than {MAX_META_DEPTH} levels deep"
            pairs = item.items() if isinstance(item, Mapping) else enumerate(item)
            for key, sub in pairs:
                if isinstance(key, str) and unicode_problem(key):
                    return f"invalid Unicode in a key of {where}: {unicode_problem(key)}"
                stack.append((sub, f"{where}[{key!r}]", level + 1))
    return None


def document_problem(doc: Document) -> str | None:
    """Why ``doc`` cannot be stored (a lone surrogate or too deep metadata), or None.

    Every reader builds documents through :func:`make_document`, which rejects such
    values; indexes check again so that storage never sees a string it cannot encode.
    """
    for name in ("id", "text", "title", "url", "site", "published", "origin"):
        value = getattr(doc, name)
        if isinstance(value, str):
            problem = unicode_problem(value)
            if problem:
                return f"invalid Unicode in '{name}': {problem}"
    return _meta_problem(doc.meta, "meta") if doc.meta else None


def as_str(value: Any) -> str | None:
    """A metadata value as a stripped string, or None when it is missing or blank."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def normalize_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` when the value parses as a date, else the value as given (stripped)."""
    text = as_str(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text).date().isoformat()  # RFC 2822, e.g. HTTP dates
    except (TypeError, ValueError, IndexError):
        return text


def site_from_url(url: str | None) -> str | None:
    """The host of ``url`` without a leading ``www.``, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def clean_text(text: str) -> str:
    """Unify line ends and trim surrounding whitespace (spans index into this text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()


def make_document(
    text: str,
    *,
    id: str,
    title: Any = None,
    url: Any = None,
    site: Any = None,
    published: Any = None,
    meta: dict[str, Any] | None = None,
    origin: str | None = None,
) -> Document:
    """Build a Document from raw values; raises IngestError when there is no text."""
    body = clean_text(text)
    if not body:
        raise IngestError(f"{origin or id}: no text")
    if "\x00" in body:
        raise IngestError(f"{origin or id}: binary data (NUL bytes) in text")
    url_s = as_str(url)
    doc = Document(
        id=id,
        text=body,
        title=as_str(title),
        url=url_s,
        site=as_str(site) or site_from_url(url_s),
        published=normalize_date(published),
        meta=dict(meta or {}),
        origin=origin,
    )
    problem = document_problem(doc)
    if problem:
        where = origin or id
        raise IngestError(f"{printable(where)}: {problem}")
    return doc


_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` on one line and encodable: lone surrogates and line breaks escaped.

    ``\\ud83d`` for a lone surrogate, ``\\n`` / ``\\x1b`` for control characters: what
    a failure's location and reason hold, printed as one line of a summary.
    """
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def failure_from(exc: IngestError, where: str) -> IngestFailure:
    """An IngestFailure at ``where`` from an IngestError whose message may start with it."""
    message = str(exc)
    prefix = f"{where}: "
    return IngestFailure(printable(where), printable(message.removeprefix(prefix)))
