"""Fetching pages over HTTP(S), politely and defensively (httpx).

::

    from unspun.ingest.fetch import FetchSettings, fetch_document
    doc = fetch_document("https://example.org/story")      # FetchError on any failure

Every request: a timeout (``timeout`` seconds to connect, for each read, and for the whole
body), a size cap (``max_bytes``; a larger ``Content-Length`` is refused before the body is
read, a body that grows past it is cut off and refused), at most ``max_redirects``
redirects (each one followed by hand, a loop named as such), a content-type check (a page
must be HTML), the unspun User-Agent, and at most one request per ``delay`` seconds to each
host (robots.txt ``Crawl-delay`` raises it). Proxy settings from the environment are not
used.

**Private addresses.** Unless ``allow_private``, the host of every request (redirects
included) is resolved and *every* address it resolves to must be a public one: loopback
(127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
(169.254/16, fe80::/10: cloud metadata services), shared, reserved, multicast and
unspecified addresses are refused. The check is made where the connection is opened, on
the address connected to, so a name that resolves to a public address when checked and a
private one when connected (DNS rebinding) is still refused.

robots.txt is read (once per host and run) before any URL found in a feed or sitemap,
and before the feed or sitemap itself, is fetched (:mod:`unspun.ingest.feeds`); a URL the
user gives directly is fetched as a browser would.
"""

from __future__ import annotations

import codecs
import ipaddress
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from unspun import __version__
from unspun.errors import IngestError
from unspun.models import Document

from .fields import printable
from .html import from_html

USER_AGENT = f"unspun/{__version__} (news provenance forensics; honours robots.txt)"
ROBOTS_AGENT = "unspun"  # the token robots.txt rules name
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
             "text/xml", "application/x-gzip", "application/gzip", "application/octet-stream", "text/plain")
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECTS = (301, 302, 303, 307, 308)


class FetchError(IngestError):
    """A URL could not be fetched or read: ``url`` and ``reason`` (one line)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = printable(url)
        self.reason = reason
        super().__init__(f"{self.url}: {reason}")


class PrivateAddress(Exception):
    """A request would have connected to a non-public address (see ``allow_private``)."""

    def __init__(self, host: str, address: str) -> None:
        what = host if host.strip("[]") == address else f"{host} resolves to {address}, which"
        super().__init__(f"refused: {what} is not a public address (private, loopback, link-local "
                         "or reserved addresses are never fetched)")


@dataclass(frozen=True)
class FetchSettings:
    """How pages are fetched (see the module's docstring)."""

    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    delay: float = 1.0
    user_agent: str = USER_AGENT
    allow_private: bool = False

    def with_changes(self, **changes: Any) -> FetchSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_shared_pace: Callable[[str], float] | None = None


def set_shared_pace(turn: Callable[[str], float] | None) -> None:
    """In a process that fetches for a service: ``turn(host)`` reserves the next request
    to ``host`` over every process and says how many seconds to wait for it (replaces
    the per-:class:`Fetcher` pace)."""
    global _shared_pace
    _shared_pace = turn


def is_url(value: object) -> bool:
    """True for a string that starts with ``http://`` or ``https://``."""
    return isinstance(value, str) and value[:8].lower().startswith(("http://", "https://"))


def public_address(address: str) -> bool:
    """True when ``address`` (an IP) is a global unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise httpcore.ConnectError(f"cannot resolve {host} ({e})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.SyncBackend):
    """Opens connections only to checked addresses (the check and the connection are one)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        if not self.allow_private:
            for address in addresses:
                if not public_address(address):
                    raise PrivateAddress(host, address)
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        raise last or httpcore.ConnectError(f"no address for {host}")


def _transport(allow_private: bool) -> httpx.HTTPTransport:
    """httpx's transport on a connection pool whose every connection is checked (httpx
    has no public hook for httpcore's network backend; the tests refusing private
    addresses fail if this stops taking effect)."""
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    transport._pool.close()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=10,
        max_keepalive_connections=5, keepalive_expiry=5.0, http1=True, http2=False, retries=0,
        network_backend=_GuardedBackend(allow_private),
    )
    return transport


@dataclass(frozen=True)
class Fetched:
    """A response body: the URL asked for, the URL answered (after redirects), its type."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip("\"'")).name
    except LookupError:
        return None


def _content_type(headers: httpx.Headers) -> tuple[str, str | None]:
    raw = headers.get("content-type", "")
    kind, _, params = raw.partition(";")
    charset = None
    for part in params.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return kind.strip().lower(), charset


class Fetcher:
    """One HTTP client for a run: the per-host pace, robots.txt rules, the settings.

    Thread-safe enough for the CLI and one service worker; close it when done (or use it
    as a context manager).
    """

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        st = self.settings
        self.client = httpx.Client(
            transport=_transport(st.allow_private),
            timeout=httpx.Timeout(st.timeout),
            follow_redirects=False,
            headers={"User-Agent": st.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
        self._next: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # -- pace ---------------------------------------------------------------------------
    def _wait_turn(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if _shared_pace is not None:  # a service worker: the server keeps the pace of all
            wait = _shared_pace(host)
            if wait > 0:
                time.sleep(wait)
            return
        delay = max(self.settings.delay, self._delay.get(host, 0.0))
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + delay
        if start > now:
            time.sleep(start - now)

    # -- one request --------------------------------------------------------------------
    def get(self, url: str, accept: tuple[str, ...] = HTML_TYPES, *, what: str = "an HTML page",
            max_bytes: int | None = None, sniff_html: bool = True) -> Fetched:
        """GET ``url`` (following redirects by hand); :class:`FetchError` on any failure:
        a bad URL, a refused address, a timeout, a connection error, an HTTP error status,
        too many redirects or a loop, a body over the size cap, a content type not in
        ``accept``."""
        if not is_url(url):
            raise FetchError(url, "not an http:// or https:// URL")
        try:
            parts = urlsplit(url)
            if not parts.hostname:
                raise ValueError("no host")
        except ValueError as e:
            raise FetchError(url, f"malformed URL ({e})") from None
        seen = [url]
        current = url
        for _ in range(self.settings.max_redirects + 1):
            status, location, result = self._get_once(url, current, accept, what, max_bytes, sniff_html)
            if result is not None:
                return result
            target = urljoin(current, location or "")
            if not location or not is_url(target):
                raise FetchError(url, f"HTTP {status} redirect without a usable Location")
            if target in seen:
                raise FetchError(url, f"redirect loop ({' -> '.join(printable(s) for s in [*seen, target][-4:])})")
            seen.append(target)
            current = target
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    def _get_once(self, url: str, current: str, accept: tuple[str, ...], what: str,
                  max_bytes: int | None, sniff_html: bool) -> tuple[int, str | None, Fetched | None]:
        st = self.settings
        cap = max_bytes or st.max_bytes
        self._wait_turn(current)
        deadline = time.monotonic() + st.timeout
        try:
            with self.client.stream("GET", current) as r:
                if r.status_code in REDIRECTS:
                    return r.status_code, r.headers.get("location"), None
                if r.status_code >= 400:
                    raise FetchError(url, f"HTTP {r.status_code} {r.reason_phrase}".rstrip())
                if r.status_code != 200:
                    raise FetchError(url, f"HTTP {r.status_code} {r.reason_phrase} (expected 200)".rstrip())
                kind, charset = _content_type(r.headers)
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(url, f"too large: {int(declared):,} bytes, over the {cap:,}-byte cap")
                if accept and kind and kind not in accept:
                    raise FetchError(url, f"not {what} (Content-Type: {printable(kind[:80])})")
                chunks: list[bytes] = []
                size = 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(url, f"too large: over the {cap:,}-byte cap")
                    if time.monotonic() > deadline:
                        raise FetchError(url, f"timed out after {st.timeout:g} s (body still arriving)")
                    chunks.append(chunk)
                body = b"".join(chunks)
                if not kind and sniff_html and b"<html" not in body[:4096].lower():
                    raise FetchError(url, f"not {what} (no Content-Type, and no <html> in it)")
                return 200, None, Fetched(url, str(r.url), 200, kind, charset, body)
        except FetchError:
            raise
        except PrivateAddress as e:
            raise FetchError(url, str(e)) from None
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {st.timeout:g} s") from None
        except httpx.TooManyRedirects:  # pragma: no cover - redirects are followed by hand
            raise FetchError(url, f"more than {st.max_redirects} redirects") from None
        except httpx.DecodingError as e:
            raise FetchError(url, f"undecodable body ({e})") from None
        except (httpx.HTTPError, httpcore.ConnectError, OSError) as e:
            raise FetchError(url, f"cannot fetch ({type(e).__name__}: {printable(str(e))[:200]})") from None
        except ValueError as e:  # httpx: a malformed URL or header
            raise FetchError(url, f"cannot fetch ({printable(str(e))[:200]})") from None

    # -- robots.txt ---------------------------------------------------------------------
    def allowed(self, url: str) -> tuple[bool, str]:
        """(may this URL be crawled, why not) by its host's robots.txt (RFC 9309: a
        missing robots.txt (4xx) allows all, an unreachable one (5xx, network) none)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._load_robots(origin)
            self._robots[origin] = rules
        if isinstance(rules, str):
            return False, rules
        if rules.can_fetch(ROBOTS_AGENT, url):
            return True, ""
        return False, f"disallowed by {origin}/robots.txt"

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | str:
        robots = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            got = self.get(origin + "/robots.txt", accept=(), what="robots.txt",
                           max_bytes=ROBOTS_MAX_BYTES, sniff_html=False)
        except FetchError as e:
            if e.reason.startswith("HTTP 4"):
                robots.parse([])
                return robots
            return f"robots.txt unreadable, so nothing is fetched from {origin} ({e.reason})"
        robots.parse(got.body.decode("utf-8", "replace").splitlines())
        delay = robots.crawl_delay(ROBOTS_AGENT)
        if delay:
            host = (urlsplit(origin).hostname or "").lower()
            self._delay[host] = min(float(delay), 60.0)
        return robots

    def get_allowed(self, url: str, accept: tuple[str, ...], what: str, **kw: Any) -> Fetched:
        ok, why = self.allowed(url)
        if not ok:
            raise FetchError(url, why)
        return self.get(url, accept, what=what, **kw)

    # -- documents ----------------------------------------------------------------------
    def document(self, url: str, *, doc_id: str | None = None, robots: bool = False,
                 title: str | None = None, published: str | None = None,
                 meta: dict[str, Any] | None = None) -> Document:
        """The page at ``url`` as a Document: id ``doc_id`` (default: ``url``), ``url`` the
        address answered (after redirects), title, site and published date from the page
        (trafilatura), else ``title`` / ``published`` (from a feed)."""
        got = (self.get_allowed(url, HTML_TYPES, "an HTML page") if robots
               else self.get(url, HTML_TYPES, what="an HTML page"))
        return page_document(got, doc_id=doc_id, title=title, published=published, meta=meta)


def page_document(got: Fetched, *, doc_id: str | None = None, title: str | None = None,
                  published: str | None = None, meta: dict[str, Any] | None = None) -> Document:
    """A fetched HTML page -> Document (decoded by its declared charset, if it names one
    Python knows; else trafilatura finds the page's own)."""
    codec = _codec(got.charset)
    html: str | bytes = got.body.decode(codec, "replace") if codec else got.body
    try:
        doc = from_html(html, id=doc_id or got.url, url=got.final_url, origin=got.url)
    except IngestError as e:
        raise FetchError(got.url, str(e).removeprefix(f"{got.url}: ")) from None
    extra = dict(meta or {})
    if got.final_url != got.url:
        extra.setdefault("requested_url", got.url)
    return replace(doc, title=doc.title or title, published=doc.published or published,
                   meta={**doc.meta, **extra})


def fetch_document(url: str, settings: FetchSettings | None = None) -> Document:
    """Fetch one page and read it (see :meth:`Fetcher.document`); FetchError on failure."""
    with Fetcher(settings) as f:
        return f.document(url)
