"""The web page: ``/`` (paste or drop an article), ``/check`` (the report, rendered by
the same template as ``unspun check --format html``, inside a :class:`Frame` holding the
form and the JSON download), ``/docs`` (Swagger UI, served from the package), and the
few static files these need (a fixed list: no path from a request reaches the disk).
"""

from __future__ import annotations

import base64
from functools import lru_cache, partial
from importlib import resources

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from .. import __version__
from ..errors import StoreError, UnspunError
from ..ingest.detect import GZIP_MAGIC
from ..models import Report
from ..report.html import Frame, render_html, report_csp
from ..report.json_report import to_json
from . import batch, inputs
from .api import batch_results, form_input, html_response, read_form, service
from .auth import FORM_PATH, TOKEN_FIELD
from .limits import ServiceError

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'"
)
# name -> (package, resource path, media type)
STATIC = {
    "page.css": ("unspun.service", "static/page.css", "text/css"),
    "page.js": ("unspun.service", "static/page.js", "text/javascript"),
    "docs.js": ("unspun.service", "static/docs.js", "text/javascript"),
    "report.css": ("unspun.report", "templates/report.css", "text/css"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "text/javascript"),
}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("unspun.service", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@lru_cache(maxsize=len(STATIC))
def _static(name: str) -> bytes:
    package, path, _ = STATIC[name]
    return resources.files(package).joinpath(path).read_bytes()


def _limits(request: Request) -> dict[str, object]:
    svc = service(request)
    st = svc.settings
    return {"max_body": st.max_body, "max_mb": f"{st.max_body / 2**20:.3g}", "timeout": f"{st.check_timeout:g}",
            "version": __version__, "needs_token": svc.auth.needed("POST", FORM_PATH),
            "allow_fetch": st.allow_fetch, "max_batch": batch.MAX_BATCH_LINES}


def _form_authorized(request: Request, form: FormData) -> bool:
    """The page's form post: a valid ``Authorization`` header, or the token field."""
    auth = service(request).auth
    if not auth.needed("POST", FORM_PATH) or request.scope.get("state", {}).get("authorized"):
        return True
    given = form.get(TOKEN_FIELD)
    return isinstance(given, str) and auth.matches(given.strip())


async def _index_page(request: Request, *, error: str | None = None, text: str = "", status: int = 200,
                      batch_error: str | None = None, links: str = "") -> Response:
    documents: int | None = None
    if not service(request).auth.needed("GET", "/api/stats"):  # the count is index data
        try:
            documents = await service(request).read(len)
        except (UnspunError, ServiceError):
            documents = None
    html = _env().get_template("index.html.j2").render(
        error=error, text=text, documents=documents, base=str(request.base_url).rstrip("/"),
        batch_error=batch_error, links=links,
        **_limits(request),
    )
    return html_response(html, PAGE_CSP, status)


def _framed(report: Report, limits: dict[str, object]) -> str:
    """The report page with the form above it and the JSON as a download (a data: URL)."""
    data = base64.b64encode(to_json(report).encode("utf-8")).decode("ascii")
    banner = _env().get_template("banner.html.j2").render(
        json_href=f"data:application/json;base64,{data}", article_id=report.article.id, **limits
    )
    frame = Frame(banner=Markup(banner), styles=("static/page.css",), scripts=("static/page.js",))
    return render_html(report, frame=frame)


@router.get("/")
async def index(request: Request) -> Response:
    return await _index_page(request)


@router.get("/check")
async def check_get(request: Request) -> Response:
    return await _index_page(request)


@router.post("/check")
async def check_page(request: Request) -> Response:
    """The form's target: the framed report, or the form again with the error."""
    svc = service(request)
    text = ""
    try:
        form = await read_form(request)
        data, name, text = await form_input(form)
        if not _form_authorized(request, form):
            return await _index_page(request, text=text, status=401, error=(
                "this service needs its access token: enter it in the token field and check again"))
        if data is not None:
            article = partial(inputs.upload_document, data, name, svc.settings.max_body)
            lane = svc.lane(len(data), gzipped=data.startswith(GZIP_MAGIC))
        else:
            article = partial(inputs.text_document, text)
            lane = svc.lane(len(text.encode("utf-8")))
        body = await svc.check(article, partial(_framed, limits=_limits(request)), lane)
    except ServiceError as e:
        return await _index_page(request, error=e.message, text=text, status=e.status)
    except StoreError as e:
        return await _index_page(request, error=f"the index is unavailable ({e})", text=text, status=503)
    except UnspunError as e:
        return await _index_page(request, error=str(e), text=text, status=422)
    return html_response(body, report_csp(Frame(banner=Markup(""))))


@router.get("/batch")
async def batch_get(request: Request) -> Response:
    return await _index_page(request)


@router.post("/batch")
async def batch_page(request: Request) -> Response:
    """The batch form's target: a table of one row per article (and its CSV), or the
    start page again with the error."""
    svc = service(request)
    links = ""
    try:
        form = await read_form(request)
        given = form.get("links")
        links = given if isinstance(given, str) else ""
        if not _form_authorized(request, form):
            return await _index_page(request, links=links, status=401, batch_error=(
                "this service needs its access token: enter it in the token field and check again"))
        upload = form.get("articles")
        data = await upload.read() if isinstance(upload, UploadFile) and (upload.filename or upload.size) else None
        if data is not None:
            lines = await svc.parse(partial(batch.batch_lines, data, svc.settings.max_body))
        elif links.strip():
            if not svc.settings.allow_fetch:
                raise ServiceError(422, "this service does not fetch links (it was not started with --allow-fetch): "
                                        "upload a JSON Lines file of articles")
            lines = batch.link_lines(links)
        else:
            raise ServiceError(422, "choose a JSON Lines file of articles"
                               + (" or paste links" if svc.settings.allow_fetch else ""))
        rows = [{**batch.EMPTY_ROW, **row} async for row in batch_results(svc, lines, as_summary=True)]
    except ServiceError as e:
        return await _index_page(request, batch_error=e.message, links=links, status=e.status)
    csv_data = base64.b64encode(batch.rows_csv(rows).encode("utf-8")).decode("ascii")
    html = _env().get_template("batch.html.j2").render(
        rows=rows, failed=sum(1 for r in rows if r.get("error")),
        csv_href=f"data:text/csv;charset=utf-8;base64,{csv_data}", version=__version__,
    )
    return html_response(html, PAGE_CSP)


@router.get("/docs")
async def docs(request: Request) -> Response:
    return html_response(_env().get_template("docs.html.j2").render(), DOCS_CSP)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC:
        raise ServiceError(404, "no such file")
    return Response(_static(name), media_type=STATIC[name][2],
                    headers={"Cache-Control": "public, max-age=3600"})
