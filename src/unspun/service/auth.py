"""Who may do what: the bearer token and the open paths.

With a token configured (``--token`` / ``UNSPUN_TOKEN``; required when the service is
bound beyond loopback) every write (``POST /api/documents``, ``DELETE /api/documents/…``)
needs ``Authorization: Bearer <token>``, and so does every read of the index (checks,
documents, stats) unless ``public_read``. The web page and its static files, ``/docs``,
``/openapi.json`` and ``/healthz`` are always open: they hold nothing from the index.
The page's form cannot send a header, so ``POST /check`` may carry the token as a form
field instead (the page's script fills it from ``sessionStorage``); the route checks it.

Tokens are compared in constant time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import Enum

from starlette.datastructures import Headers

OPEN_PATHS = frozenset({"/", "/check", "/batch", "/docs", "/openapi.json", "/healthz"})
READ_ONLY_POSTS = frozenset({"/api/check", "/api/check/batch"})  # POSTs that read the index, never change it
FORM_PATH = "/check"  # the page's form: token in a form field, checked by the route
FORM_PATHS = frozenset({FORM_PATH, "/batch"})  # the page's forms (one article; a batch)
TOKEN_FIELD = "token"
MIN_TOKEN_LENGTH = 16


class Access(Enum):
    OPEN = "open"
    READ = "read"
    WRITE = "write"


def access(method: str, path: str) -> Access:
    """What a request does: open (no index data), reads the index, or writes it."""
    if path in OPEN_PATHS and method in ("GET", "HEAD", "OPTIONS"):
        return Access.OPEN
    if path.startswith("/static/"):
        return Access.OPEN
    if path in FORM_PATHS:  # POST /check, /batch: a read, checked by the route (form field or header)
        return Access.READ
    if method in ("GET", "HEAD", "OPTIONS") or path in READ_ONLY_POSTS:
        return Access.READ
    return Access.WRITE


def token_problem(token: str) -> str | None:
    """Why ``token`` is not fit to protect a service (None when it is)."""
    if len(token) < MIN_TOKEN_LENGTH:
        return f"the token must have at least {MIN_TOKEN_LENGTH} characters"
    if not token.isprintable() or any(c.isspace() for c in token):
        return "the token must be printable characters without spaces"
    return None


@dataclass(frozen=True)
class Auth:
    """The service's token (None: no authentication) and whether reads are public."""

    token: str | None = None
    public_read: bool = False

    def needed(self, method: str, path: str) -> bool:
        """True when this request must prove it holds the token."""
        if self.token is None:
            return False
        kind = access(method, path)
        return kind is Access.WRITE or (kind is Access.READ and not self.public_read)

    def matches(self, presented: str | None) -> bool:
        """Constant-time comparison of a presented token with the service's."""
        if self.token is None:
            return True
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8"), self.token.encode("utf-8"))

    def from_headers(self, headers: Headers) -> str | None:
        """The bearer token of ``Authorization: Bearer <token>``, if any."""
        value = headers.get("authorization", "")
        scheme, _, credential = value.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return credential.strip() or None


def unauthorized_message(header_given: bool) -> str:
    if header_given:
        return "invalid token"
    return "authentication required: send the service's token as 'Authorization: Bearer <token>'"
