"""The guard in front of every request: Host and origin checks, the body limit, security
headers, and the last line of defence against tracebacks.

A pure ASGI middleware (no buffering surprises): the body is read here, up to the limit,
and replayed to the application, so an over-large request is answered with 413 before any
route sees it, whatever its Content-Length claims.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import FORM_PATHS, Auth, unauthorized_message

log = logging.getLogger("unspun.service")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class ServiceError(Exception):
    """An error answered with ``status`` and ``{"error": message}`` (no traceback)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")


async def send_error(send: Send, status: int, message: str,
                     extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = error_body(message)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"content-security-policy", DEFAULT_CSP.encode()),
            (b"cache-control", b"no-store"),
            *SECURITY_HEADERS,
            *extra,
        ],
    })
    await send({"type": "http.response.body", "body": body})


def host_name(host: str) -> str:
    """``Host`` header -> host name without the port (``[::1]:8000`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _cross_origin(headers: Headers) -> bool:
    """True for a browser request sent by another site.

    ``Sec-Fetch-Site`` decides when present (every current browser sends it); otherwise
    ``Origin``, when present, must name this host. (With ``Referrer-Policy: no-referrer``
    a browser sends ``Origin: null`` even on a same-origin form post, so ``Origin`` is
    the fallback, not the rule.) Requests with neither are not from a browser.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return True
    return not netloc or netloc != headers.get("host", "").strip().lower()


class Guard:
    """Refuse what should never reach a route; add security headers to every answer.

    ``allowed_hosts``: host names the ``Host`` header may carry (None: any). A server on
    loopback allows only loopback names and its own address, which defeats DNS rebinding.
    Browsers' cross-site writes (a form on another site posting to this one) are refused
    with 403. ``auth``: requests that need the token and do not carry it get 401 (the
    page's form may carry it as a field instead: its route checks; a valid header is
    noted in ``scope["state"]["authorized"]``).
    """

    def __init__(self, app: ASGIApp, *, max_body: int, allowed_hosts: Iterable[str] | None,
                 auth: Auth | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.allowed = frozenset(h.lower() for h in allowed_hosts) if allowed_hosts else None
        self.auth = auth or Auth()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.allowed is not None and host_name(headers.get("host", "")) not in self.allowed:
            await send_error(send, 400, "invalid Host header")
            return
        if scope["method"] not in SAFE_METHODS and _cross_origin(headers):
            await send_error(send, 403, "cross-origin request refused")
            return
        presented = self.auth.from_headers(headers)
        authorized = self.auth.token is not None and self.auth.matches(presented)
        scope.setdefault("state", {})["authorized"] = authorized
        if self.auth.needed(scope["method"], scope["path"]) and not authorized:
            form_post = scope["path"] in FORM_PATHS and presented is None
            if not form_post:  # the page's form: its route reads the token field
                await send_error(send, 401, unauthorized_message(presented is not None),
                                 ((b"www-authenticate", b'Bearer realm="unspun"'),))
                return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self._call(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, send: Send) -> None:
        await send_error(send, 413, f"request body larger than {self.max_body} bytes (--max-body)")

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = _with_security_headers(message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # never a traceback to the client; the log has it
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await send_error(send, 500, "internal error (the server log has the details)")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_security_headers(raw: Any) -> list[tuple[bytes, bytes]]:
    headers = [(bytes(k), bytes(v)) for k, v in raw]
    have = {k.lower() for k, _ in headers}
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in have)
    if b"content-security-policy" not in have:
        headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
    if b"cache-control" not in have:
        headers.append((b"cache-control", b"no-store"))
    return headers
