"""The application factory: ``create_app(settings) -> FastAPI``."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .. import __version__
from ..errors import StoreError, UnspunError
from ..report.json_report import load_schema
from ..store import index_name
from . import api, page
from .core import Service, ServiceSettings, index_label
from .limits import Guard, ServiceError

log = logging.getLogger("unspun.service")

DESCRIPTION = """Trace spun and stitched news articles to their sources.

`POST /api/check` returns the same JSON report as `unspun check --format json`
(see docs/report-format.md; its schema is `Report` below). Errors are
`{"error": "message"}` with the status saying what went wrong. The web page is at `/`.
"""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _install_handlers(app: FastAPI, service: Service) -> None:
    db = str(service.settings.db)
    name = index_label(service.settings.db)
    shown = index_name(db)  # how store errors name a database (its URL without the password)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, e: ServiceError) -> JSONResponse:
        return _error(e.status, e.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException) -> JSONResponse:
        return _error(e.status_code, str(e.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, e: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors()]
        return _error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(UnspunError)
    async def unspun_error(request: Request, e: UnspunError) -> JSONResponse:
        message = str(e).replace(db, name).replace(shown, name)  # the index's name, not where it lives
        if isinstance(e, StoreError):
            log.error("index error: %s", e)
            return _error(503, f"index unavailable: {message}")
        return _error(422, message)


def _report_schema_components() -> dict[str, Any]:
    """The shipped report JSON Schema as OpenAPI components (``$defs`` -> ``Report_*``)."""
    schema = load_schema()
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    text = json.dumps({"Report": schema, **{f"Report_{k}": v for k, v in defs.items()}})
    return json.loads(text.replace('"#/$defs/', '"#/components/schemas/Report_'))


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        doc.setdefault("components", {}).setdefault("schemas", {}).update(_report_schema_components())
        app.openapi_schema = doc
    return app.openapi_schema


def create_app(settings: ServiceSettings) -> FastAPI:
    """The service for the index ``settings.db`` (created if missing).

    The index is opened here, not at start-up, so a test can drive the app through
    ``httpx.ASGITransport`` (no lifespan); call ``app.state.service.close()`` when done
    (the server does it at shutdown).
    """
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="unspun", version=__version__, description=DESCRIPTION,
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.service = service
    _install_handlers(app, service)
    app.include_router(api.router)
    app.include_router(page.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(Guard, max_body=settings.max_body, allowed_hosts=settings.allowed_hosts, auth=service.auth)
    return app
