"""HTML pages: main text and metadata found by trafilatura."""

from __future__ import annotations

import logging

import trafilatura

from unspun.errors import IngestError
from unspun.models import Document

from .fields import make_document

# Only dates the page states (meta tags, <time>, URL); the default extensive search
# turns a footer's "Copyright 2019" into a publication date of 2019-01-01.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def extract(html: str | bytes, url: str | None = None) -> trafilatura.settings.Document | None:
    """trafilatura's result for a page (main text, title, date, site, url), or None."""
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_precision=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception:  # trafilatura/lxml raise assorted errors on broken markup
        return None


def from_html(
    html: str | bytes,
    *,
    id: str | None = None,
    url: str | None = None,
    origin: str | None = None,
) -> Document:
    """A Document holding a page's main text (trafilatura) and metadata.

    ``id`` defaults to the url (given, or found in the page), else ``origin``.
    ``published`` is the page's date (YYYY-MM-DD); ``site`` its site name, else the
    url's host without ``www.``. Raises IngestError when no main text is found.
    """
    where = origin or id or url or "html"
    page = extract(html, url)
    text = (page.text or "") if page is not None else ""
    if not text.strip():
        raise IngestError(f"{where}: no main text found in HTML")
    page_url = url or page.url
    doc_id = id or page_url or origin
    if not doc_id:
        raise IngestError("html: no id, url or origin to name the document")
    return make_document(
        text,
        id=doc_id,
        title=page.title,
        url=page_url,
        site=page.sitename or page.hostname,
        published=page.date,
        origin=origin,
    )
