"""A local HTTP server for the fetching tests (http.server in a thread, loopback only).

Pages are built from the public-domain US government texts in examples/reference.jsonl;
feeds (RSS 2.0, Atom) and sitemaps (an index, a plain one and a gzip one) list them; other
routes misbehave on purpose (404, 500, slow, redirect loop, huge, wrong type...).
"""

from __future__ import annotations

import gzip
import html
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = [json.loads(line) for line in (ROOT / "examples" / "reference.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]


def page(i: int, *, title: str | None = None, published: str = "2024-03-0{d}", extra: str = "") -> str:
    ref = REFERENCE[i]
    title = title or ref["title"]
    paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in ref["text"].split("\n") if p.strip())
    date = published.format(d=1 + i % 9)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta property='og:site_name' content='Fixture Wire'>"
            f"<meta property='article:published_time' content='{date}T10:00:00Z'></head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{extra}{paras}</article>"
            f"<footer>Fixture Wire</footer></body></html>")


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


class FixtureServer:
    """Routes by path; ``hits`` counts requests per path (HEAD and GET)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.times: list[tuple[str, float]] = []
        self.agents: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server.lock:
                    server.hits[path] = server.hits.get(path, 0) + 1
                    server.times.append((path, time.monotonic()))
                    server.agents.append(self.headers.get("User-Agent", ""))
                route = server.routes.get(path, Route(404, b"not found", {"Content-Type": "text/plain"}))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    if route.no_length:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    elif "Content-Length" not in route.headers:
                        self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (a timeout test) is expected

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            status: int = 200, **headers: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, data, {"Content-Type": content_type, **headers})

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.routes[path] = Route(status, b"", {"Location": to})

    def rss(self, path: str, items: list[tuple[str, str]]) -> None:
        body = "".join(f"<item><title>{html.escape(t)}</title><link>{html.escape(self.url(p))}</link>"
                       f"<pubDate>Mon, 04 Mar 2024 10:00:00 GMT</pubDate></item>" for p, t in items)
        self.add(path, f"<?xml version='1.0'?><rss version='2.0'><channel><title>Fixture</title>{body}</channel></rss>",
                 "application/rss+xml")

    def atom(self, path: str, items: list[tuple[str, str]]) -> None:
        body = "".join(f"<entry><title>{html.escape(t)}</title><link rel='alternate' href='{html.escape(p)}'/>"
                       f"<updated>2024-03-05T10:00:00Z</updated></entry>" for p, t in items)  # relative links
        self.add(path, f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{body}</feed>",
                 "application/atom+xml")

    def sitemap(self, path: str, pages: list[str], gz: bool = False) -> None:
        body = "".join(f"<url><loc>{html.escape(self.url(p))}</loc><lastmod>2024-03-0{1 + k % 9}</lastmod></url>"
                       for k, p in enumerate(pages))
        xml = (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
               f"{body}</urlset>").encode()
        self.add(path, gzip.compress(xml) if gz else xml, "application/x-gzip" if gz else "application/xml")

    def sitemap_index(self, path: str, maps: list[str]) -> None:
        body = "".join(f"<sitemap><loc>{html.escape(self.url(m))}</loc></sitemap>" for m in maps)
        self.add(path, f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                       f"{body}</sitemapindex>", "application/xml")


def standard_routes(s: FixtureServer) -> None:
    s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    for i in range(8):
        s.add(f"/news/{i}.html", page(i))
    s.add("/private/secret.html", page(9))
    s.routes["/missing.html"] = Route(404, b"<h1>gone</h1>", {"Content-Type": "text/html"})
    s.routes["/broken.html"] = Route(500, b"<h1>oops</h1>", {"Content-Type": "text/html"})
    s.routes["/slow.html"] = Route(200, page(1).encode(), {"Content-Type": "text/html"}, delay=3.0)
    s.redirect("/loop-a", "/loop-b")
    s.redirect("/loop-b", "/loop-a")
    s.redirect("/moved.html", "/news/0.html", 301)
    s.add("/huge.html", b"<html><body><p>" + b"word " * 400_000 + b"</p></body></html>")
    s.routes["/huge-stream.html"] = Route(200, b"<html><body><p>" + b"word " * 400_000, {"Content-Type": "text/html"},
                                          no_length=True)
    s.add("/report.pdf", b"%PDF-1.4 not a page", "application/pdf")
    latin = page(2, extra="<p>Le caf\u00e9 du coin a servi les d\u00e9l\u00e9gu\u00e9s.</p>").replace("<meta charset='utf-8'>", "")
    s.add("/latin1.html", latin.encode("iso-8859-1", "replace"), "text/html; charset=iso-8859-1")
    s.add("/hostile.html", page(3, title="<script>alert(1)</script> Headline"))
    s.rss("/rss.xml", [("/news/0.html", "Zero"), ("/news/1.html", "One"), ("/private/secret.html", "Secret"),
                       ("/missing.html", "Missing")])
    s.atom("/atom.xml", [("/news/3.html", "Three"), ("/news/4.html", "Four")])
    s.sitemap_index("/sitemap.xml", ["/sitemap-a.xml", "/sitemap-b.xml.gz"])
    s.sitemap("/sitemap-a.xml", ["/news/5.html", "/news/6.html"])
    s.sitemap("/sitemap-b.xml.gz", ["/news/7.html"], gz=True)


def article_page(text: str, title: str) -> str:
    """An HTML news page holding ``text`` (one ``<p>`` per non-empty line) under ``title``
    (inserted as given: a test may pass markup to see it escaped downstream)."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return f"<html><head><title>{title}</title></head><body><article>{paras}</article></body></html>"


@contextmanager
def fixture_server(standard: bool = True) -> Iterator[FixtureServer]:
    s = FixtureServer()
    if standard:
        standard_routes(s)
    s.thread.start()
    try:
        yield s
    finally:
        s.httpd.shutdown()
        s.httpd.server_close()
