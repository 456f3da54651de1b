"""Many articles in one request: ``POST /api/check/batch`` (JSON Lines in, JSON Lines out,
streamed) and the web page's batch form (links or a JSONL file in, a table and its CSV out).

Parsing a body into lines happens in the server's reader pool; building each article
(parsing its line, extracting HTML, fetching a URL with ``--allow-fetch``), checking it and
rendering its answer happen in a check worker, like a single check, each within the
per-check time and memory budget. A failed article is an error line, never the end.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..ingest.fetch import FetchSettings, is_url
from ..models import Document, Report
from . import inputs
from .limits import ServiceError

MAX_BATCH_LINES = 1000  # articles in one batch request
TOP_SOURCES = 3
EMPTY_ROW: dict[str, Any] = {"id": None, "url": None, "verdict": None, "coverage": None, "sources": [],
                             "findings": None, "error": None, "status": None}
CSV_FIELDS = ("line", "id", "url", "verdict", "coverage", "sources", "findings", "error")


def batch_lines(body: bytes, max_body: int, max_lines: int = MAX_BATCH_LINES) -> list[tuple[int, bytes]]:
    """(line number, line) for every non-blank line of a JSON Lines body (gzip allowed);
    413 over ``max_lines`` articles, 422 when there is none."""
    plain = inputs.gunzip_capped(body, max_body * inputs.GUNZIP_FACTOR)
    out = [(n, line) for n, line in enumerate(plain.splitlines(), 1) if line.strip()]
    if not out:
        raise ServiceError(422, "no article: send JSON Lines, one {\"text\": ...} or {\"html\": ...} object a line")
    if len(out) > max_lines:
        raise ServiceError(413, f"{len(out):,} articles in one batch, more than {max_lines:,}: split it")
    return out


def line_document(line: bytes, number: int, fetch: FetchSettings | None) -> Document:
    """One batch line -> the article (runs in a check worker): a JSON object as for
    ``POST /api/check`` (``text``, ``html`` or, with ``--allow-fetch``, ``url`` alone)."""
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError) as e:
        raise ServiceError(400, f"line {number}: malformed JSON ({e})") from None
    if not isinstance(obj, dict):
        raise ServiceError(422, f'line {number}: expected a JSON object: {{"text": ...}} or {{"html": ...}}')
    return inputs.request_document(obj, fetch, default_id=f"line-{number}")


def line_id(line: bytes) -> str | None:
    """The ``id`` (else ``url``) a line names, if it is readable JSON (for error lines)."""
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(obj, dict):
        value = obj.get("id") or obj.get("url")
        return value if isinstance(value, str) else None
    return None


def link_lines(text: str, max_lines: int = MAX_BATCH_LINES) -> list[tuple[int, bytes]]:
    """The page's pasted links (one a line) as batch lines ``{"url": ...}``."""
    links = [s.strip() for s in text.splitlines() if s.strip()]
    if not links:
        raise ServiceError(422, "no link: paste one http:// or https:// link a line")
    bad = [s for s in links if not is_url(s)]
    if bad:
        raise ServiceError(422, f"not an http:// or https:// link: {bad[0][:200]!r}")
    if len(links) > max_lines:
        raise ServiceError(413, f"{len(links):,} links, more than {max_lines:,}")
    return [(n, json.dumps({"url": u}).encode()) for n, u in enumerate(links, 1)]


def full_report(report: Report) -> dict[str, Any]:
    """A batch line's answer: the whole JSON report (docs/report-format.md)."""
    return report.to_dict()


def summary(report: Report) -> dict[str, Any]:
    """A batch line's answer as one table row: verdict, coverage, top sources, findings."""
    return {
        "id": report.article.id,
        "url": report.article.url,
        "verdict": report.verdict.label,
        "coverage": round(report.coverage, 4),
        "sources": [{"doc_id": s.doc.id, "site": s.doc.site, "coverage": round(s.coverage, 4)}
                    for s in report.sources[:TOP_SOURCES]],
        "findings": len(report.findings),
    }


def ok_line(number: int, answer: dict[str, Any], as_summary: bool) -> dict[str, Any]:
    if as_summary:
        return {"line": number, **answer, "error": None}
    return {"line": number, "id": answer["article"]["id"], "report": answer}


def error_line(number: int, line: bytes, error: ServiceError) -> dict[str, Any]:
    return {"line": number, "id": line_id(line), "error": error.message, "status": error.status}


def row_sources(sources: list[dict[str, Any]]) -> str:
    return "; ".join(f"{s['doc_id']} ({s['coverage']:.0%})" for s in sources)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The page's table as CSV (summary rows; error rows keep their message)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in rows:
        w.writerow([_cell(x) for x in (
            r["line"], r.get("id"), r.get("url"), r.get("verdict"),
            f"{r['coverage']:.4f}" if r.get("coverage") is not None else "",
            row_sources(r.get("sources") or []), r.get("findings"), r.get("error"))])
    return out.getvalue()
