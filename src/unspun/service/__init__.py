"""``unspun serve``: the HTTP API and the web page (FastAPI + uvicorn).

::

    from unspun.service import ServiceSettings, create_app
    app = create_app(ServiceSettings(db=Path("refs.db")))

Modules: ``app`` (the factory, error handlers, OpenAPI), ``api`` (JSON routes), ``page``
(the web page and its static files), ``core`` (the service object), ``workers`` (the one
writer thread and the reader pool), ``checkers`` (checks in worker processes with a time
and memory budget), ``inputs`` (request bodies -> documents), ``limits`` (body limit,
Host / origin / token checks, security headers), ``auth`` (the bearer token). See
docs/service.md.
"""

from __future__ import annotations

from .app import create_app
from .core import DEFAULT_CHECK_TIMEOUT, DEFAULT_MAX_BODY, Service, ServiceSettings

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """True for the loopback addresses and ``localhost``."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


WILDCARD_NAMES = ("0.0.0.0", "::", "")


def allowed_hosts(host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The ``Host`` header names a server bound to ``host`` answers: its own address, the
    loopback names when it listens on loopback, and ``extra`` (``--allowed-host``). Bound
    to every address (``0.0.0.0``, ``::``) without ``extra``: any (None)."""
    names = [h.strip().lower().strip("[]") for h in extra if h.strip()]
    host = host.strip().lower().strip("[]")
    if host in WILDCARD_NAMES:
        return (*LOOPBACK_NAMES, *names) if names else None
    if is_loopback(host):
        names = [*LOOPBACK_NAMES, *names]
    return tuple(dict.fromkeys([host, *names]))


__all__ = [
    "allowed_hosts",
    "DEFAULT_CHECK_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "LOOPBACK_NAMES",
    "Service",
    "ServiceSettings",
    "create_app",
    "is_loopback",
]
