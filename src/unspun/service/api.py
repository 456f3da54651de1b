"""The JSON API under ``/api`` (described at ``/openapi.json``, browsable at ``/docs``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile

from .. import __version__
from ..ingest.detect import GZIP_MAGIC
from ..models import Report
from ..report.html import render_html, report_csp
from ..report.json_report import to_json
from . import batch, inputs
from .core import Service
from .limits import ServiceError

JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines")
MULTIPART = "multipart/form-data"


class ErrorBody(BaseModel):
    error: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    why = {
        400: "Malformed JSON or multipart body",
        404: "No document with this id",
        413: "Body larger than the limit (--max-body), an upload too large once decompressed, or an article over --max-article characters",
        415: "Unsupported Content-Type",
        422: "Well-formed but unusable: missing fields, an empty, binary or unreadable upload",
        401: "The service needs its token (Authorization: Bearer <token>) and none or a wrong one was sent",
        503: "The check took longer than --check-timeout (it was stopped) or needed more than --check-memory, or the index is unavailable",
    }
    return {c: {"model": ErrorBody, "description": why[c]} for c in codes}


CHECK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": inputs.CheckRequest.model_json_schema(),
                "examples": {
                    "text": {"value": {"text": "Senators press for fresh penalties on Russia…"}},
                    "html": {"value": {"html": "<html>…</html>", "url": "https://example.org/story"}},
                    "url": {"value": {"url": "https://example.org/story"},
                            "summary": "fetched (a service started with --allow-fetch only)"},
                },
            },
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "text, HTML, or a WARC / JSONL file holding one record (gzip allowed)"},
                        "text": {"type": "string", "description": "the article as plain text (instead of a file)"},
                    },
                }
            },
        },
    }
}
DOCUMENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
                    "id": {"type": "string"}, "text": {"type": "string"}, "url": {"type": "string"},
                    "title": {"type": "string"}, "site": {"type": "string"}, "published": {"type": "string"},
                }}},
                "example": [{"id": "wire-1", "text": "The full text…", "url": "https://example.org/1"}],
            },
            "application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines, one document a line"}},
            MULTIPART: {"schema": {"type": "object", "properties": {"file": {
                "type": "string", "format": "binary",
                "description": "JSONL(.gz), or any file `unspun index add` reads (text, HTML, WARC)"}}}},
        },
    }
}

router = APIRouter()


def service(request: Request) -> Service:
    return request.app.state.service


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def read_form(request: Request) -> FormData:
    limit = service(request).settings.max_body
    return await request.form(max_files=1, max_fields=8, max_part_size=limit)


async def form_input(form: FormData) -> tuple[bytes | None, str | None, str]:
    """(file bytes or None, file name, pasted text) from the page's or the API's form."""
    upload = form.get("file")
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        return await upload.read(), upload.filename, text
    return None, None, text


def html_response(body: str, csp: str, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": csp + "; frame-ancestors 'none'"})


@router.post("/api/check", tags=["check"], openapi_extra=CHECK_BODY, responses={
    200: {"description": "The report (docs/report-format.md): JSON, or the HTML page with `format=html`",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                      "text/html": {"schema": {"type": "string"}}}},
    **_errors(400, 401, 413, 415, 422, 503)})
async def check(
    request: Request,
    format: Literal["json", "html"] = Query("json", description="`json` (the report contract) or `html` (the report page)"),
    record: str | None = Query(None, description="The record to check when an uploaded file holds several"),
) -> Response:
    """Trace an article to its sources in the index; the same report as `unspun check`."""
    svc = service(request)
    kind = media_type(request)
    if kind in JSON_TYPES:
        raw = await request.body()
        article = partial(inputs.check_request_document, raw, svc.settings.fetch_settings())
        lane = svc.lane(len(raw))
    elif kind == MULTIPART:
        data, name, text = await form_input(await read_form(request))
        if data is not None:
            article = partial(inputs.upload_document, data, name, svc.settings.max_body, record)
            lane = svc.lane(len(data), gzipped=data.startswith(GZIP_MAGIC))
        else:
            article = partial(inputs.text_document, text, name="article")
            lane = svc.lane(len(text.encode("utf-8")))
    else:
        raise ServiceError(415, "send JSON ({\"text\": ...} or {\"html\": ...}) or a multipart file upload")
    if format == "html":
        body = await svc.check(article, render_html, lane)
        return html_response(body, report_csp())
    body = await svc.check(article, compact_json, lane)
    return Response(body, media_type="application/json")


BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/x-ndjson": {"schema": {"type": "string", "description": (
            "JSON Lines (gzip allowed), one article a line, each as the JSON body of `POST /api/check`: "
            "`{\"text\": ...}` or `{\"html\": ..., \"url\": ...}`, optional `id` and `title`; "
            "`{\"url\": ...}` alone on a service started with `--allow-fetch`")},
            "example": '{"id": "a1", "text": "Senators press for fresh penalties…"}\n{"id": "a2", "html": "<html>…</html>"}\n'}},
    }
}


@router.post("/api/check/batch", tags=["check"], openapi_extra=BATCH_BODY, responses={
    200: {"description": (
        "JSON Lines, streamed, one line per article in the order sent: `{\"line\", \"id\", \"report\"}` "
        "(the JSON report), or with `format=summary` `{\"line\", \"id\", \"url\", \"verdict\", \"coverage\", "
        "\"sources\": [{\"doc_id\", \"site\", \"coverage\"}], \"findings\", \"error\": null}`; an article that "
        "fails is `{\"line\", \"id\", \"error\", \"status\"}` (the status `POST /api/check` would have "
        "answered) and the stream goes on"),
          "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
    **_errors(400, 401, 413, 415, 422)})
async def check_batch(
    request: Request,
    format: Literal["report", "summary"] = Query("report", description="`report` (the whole JSON report a line) or `summary` (one table row a line)"),
) -> Response:
    """Check many articles: JSON Lines in, JSON Lines out, one line per article, streamed."""
    svc = service(request)
    if media_type(request) not in (*JSONL_TYPES, *JSON_TYPES):
        raise ServiceError(415, "send JSON Lines (Content-Type: application/x-ndjson), one article a line")
    lines = await svc.parse(partial(batch.batch_lines, await request.body(), svc.settings.max_body))
    return StreamingResponse(batch_stream(svc, lines, format == "summary"), media_type="application/x-ndjson")


def batch_jobs(svc: Service, lines: list[tuple[int, bytes]]) -> list[tuple[Any, str]]:
    fetch = svc.settings.fetch_settings()
    return [(partial(batch.line_document, line, n, fetch), svc.lane(len(line))) for n, line in lines]


async def batch_results(svc: Service, lines: list[tuple[int, bytes]], as_summary: bool) -> AsyncIterator[dict[str, Any]]:
    """One answer (a dict) per line, in order."""
    render = batch.summary if as_summary else batch.full_report
    answers = svc.check_each(batch_jobs(svc, lines), render)
    for n, line in lines:
        answer = await anext(answers)
        if isinstance(answer, ServiceError):
            yield batch.error_line(n, line, answer)
        else:
            yield batch.ok_line(n, answer, as_summary)


async def batch_stream(svc: Service, lines: list[tuple[int, bytes]], as_summary: bool) -> AsyncIterator[bytes]:
    async for item in batch_results(svc, lines, as_summary):
        yield (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")


def compact_json(report: Report) -> str:
    """The JSON report on one line (a module function: it is sent to a worker process)."""
    return to_json(report, indent=None)


@router.post("/api/documents", tags=["index"], openapi_extra=DOCUMENTS_BODY, responses={
    200: {"description": "Counts: added, replaced, unchanged, failed, with each failure's reason"},
    **_errors(400, 401, 413, 415, 422, 503)})
async def add_documents(request: Request) -> JSONResponse:
    """Add documents to the index (an existing id is replaced); 422 when none was usable."""
    svc = service(request)
    kind = media_type(request)
    if kind in JSON_TYPES:
        records = await svc.parse(partial(inputs.json_records, await request.body()))
    elif kind in JSONL_TYPES:
        records = await svc.parse(partial(inputs.jsonl_body_records, await request.body(), svc.settings.max_body))
    elif kind == MULTIPART:
        data, name, _ = await form_input(await read_form(request))
        if data is None:
            raise ServiceError(422, "no file in the upload (field 'file')")
        records = await svc.parse(partial(inputs.upload_records, data, name, svc.settings.max_body))
    else:
        raise ServiceError(415, "send a JSON list, JSON Lines (application/x-ndjson) or a multipart file upload")
    result, total = await svc.add(records)
    body = {**result.to_dict(), "documents": total}
    usable = result.added or result.replaced or result.unchanged
    if not usable:
        body = {"error": "no usable document in the request", **body}
    return JSONResponse(body, status_code=200 if usable else 422)


@router.get("/api/documents/{doc_id:path}", tags=["index"], responses=_errors(401, 404))
async def get_document(request: Request, doc_id: str) -> dict[str, Any]:
    """One indexed document: its text and metadata."""
    doc = await service(request).get(doc_id)
    if doc is None:
        raise ServiceError(404, f"no document with id {doc_id!r}")
    meta = doc.metadata()
    meta.pop("origin", None)  # where the server read it from is not the client's business
    return {"id": doc.id, "text": doc.text, **meta}


@router.delete("/api/documents/{doc_id:path}", tags=["index"], responses=_errors(401, 404, 503))
async def delete_document(request: Request, doc_id: str) -> dict[str, Any]:
    """Remove a document from the index."""
    removed, total = await service(request).remove(doc_id)
    if not removed:
        raise ServiceError(404, f"no document with id {doc_id!r}")
    return {"removed": doc_id, "documents": total}


@router.get("/api/stats", tags=["index"])
async def stats(request: Request) -> dict[str, Any]:
    """Counts and sizes of the index (as `unspun index stats --json`)."""
    return await service(request).stats()


@router.get("/healthz", tags=["service"], responses=_errors(503))
async def healthz(request: Request) -> JSONResponse:
    """`ok` while the index writer runs."""
    if service(request).healthy:
        return JSONResponse({"status": "ok", "version": __version__})
    return JSONResponse({"status": "unavailable", "error": "the index writer has stopped"}, status_code=503)
