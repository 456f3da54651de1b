"""Metadata clean-up shared by the readers: strings, dates, sites, and building a Document."""

from __future__ import annotations

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
    return Document(
        id=id,
        text=body,
        title=as_str(title),
        url=url_s,
        site=as_str(site) or site_from_url(url_s),
        published=normalize_date(published),
        meta=dict(meta or {}),
        origin=origin,
    )


def failure_from(exc: IngestError, where: str) -> IngestFailure:
    """An IngestFailure at ``where`` from an IngestError whose message may start with it."""
    message = str(exc)
    prefix = f"{where}: "
    return IngestFailure(where, message.removeprefix(prefix))
