"""unspun serve: every error status, hostile input, limits, the one-writer rule."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import unspun.pipeline
from service_client import Client, build_db, serving
from unspun.cli import app as cli_app
from unspun.service import ServiceSettings, create_app
from unspun.store.sqlite import SQLiteIndex

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
HOSTILE = SUSPECT.replace(
    "Moscow has repeatedly",
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> '
    "<b onmouseover=alert(1)>Moscow</b> has repeatedly",
) + "\n</textarea><script>alert('textarea')</script>"


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    return build_db(tmp_path_factory.mktemp("svc") / "refs.db", reference_docs)


@pytest.fixture(scope="module")
def client(db):
    with serving(db, max_body=200_000) as c:
        yield c


def error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


# -- every error status ---------------------------------------------------------------


def test_400_malformed(client):
    assert "malformed JSON" in error(client.post("/api/check", content=b'{"text": ', headers={"content-type": "application/json"}), 400)
    assert "malformed JSON" in error(client.post("/api/documents", content=b"[{]", headers={"content-type": "application/json"}), 400)
    error(client.post("/api/check", content=b"", headers={"content-type": "application/json"}), 400)
    error(client.post("/api/check", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"}), 400)


def test_403_cross_site_writes(client):
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"sec-fetch-site": "same-site"}, {"origin": "null"}):
        assert "cross-origin" in error(client.post("/api/documents", json=[{"text": "x"}], headers=headers), 403)
    ok = client.post("/api/check", json={"text": SUSPECT}, headers={"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"})
    assert ok.status_code == 200


def test_400_foreign_host_when_bound_to_loopback(db):
    with serving(db, allowed_hosts=("127.0.0.1", "localhost", "::1")) as c:
        assert c.get("/healthz").status_code == 200
        assert Client(c.app, base="http://localhost:8000").get("/healthz").status_code == 200
        assert Client(c.app, base="http://[::1]:8000").get("/healthz").status_code == 200
        error(Client(c.app, base="http://rebind.example").get("/healthz"), 400)


def test_404_405(client):
    error(client.get("/api/documents/nope"), 404)
    error(client.delete("/api/documents/nope"), 404)
    error(client.get("/no/such/page"), 404)
    error(client.get("/static/page.py"), 404)
    error(client.get("/api/check"), 405)


def test_413_body_limit(client):
    big = b"x" * 200_001
    assert "200000 bytes" in error(client.post("/api/check", content=big, headers={"content-type": "application/json"}), 413)

    async def chunks():  # no Content-Length: the limit still holds on what is streamed
        for _ in range(30):
            yield b"y" * 10_000

    error(client.post("/api/documents", content=chunks(), headers={"content-type": "application/x-ndjson"}), 413)
    error(client.post("/api/check", files={"file": ("big.txt", big)}), 413)
    bomb = gzip.compress(b"a" * 5_000_000)  # 5 KB that would grow to 5 MB
    assert len(bomb) < 200_000
    assert "decompressed" in error(client.post("/api/documents", files={"file": ("bomb.jsonl.gz", bomb)}), 413)
    page = client.post("/check", content=big, headers={"content-type": "multipart/form-data; boundary=x"})
    assert page.status_code == 413


def test_415_unsupported_type(client):
    error(client.post("/api/check", content=SUSPECT.encode(), headers={"content-type": "text/plain"}), 415)
    error(client.post("/api/documents", content=b"x", headers={"content-type": "application/xml"}), 415)


def test_422_unusable(client):
    assert "exactly one" in error(client.post("/api/check", json={"url": "https://x.example"}), 422)
    assert "exactly one" in error(client.post("/api/check", json={"text": "a", "html": "<p>b</p>"}), 422)
    assert "text" in error(client.post("/api/check", json={"text": 5}), 422)
    assert "extra" in error(client.post("/api/check", json={"text": "a", "path": "/etc/passwd"}), 422).lower()
    error(client.post("/api/check", json=["text"]), 422)
    assert "empty" in error(client.post("/api/check", json={"text": "   "}), 422)
    assert "no main text" in error(client.post("/api/check", json={"html": "<html><body></body></html>"}), 422)
    assert "binary" in error(client.post("/api/check", files={"file": ("x.pdf", b"%PDF-1.4\x00\x01\x02")}), 422)
    assert "empty" in error(client.post("/api/check", files={"file": ("e.txt", b"")}), 422)
    assert "corrupt gzip" in error(client.post("/api/check", files={"file": ("t.gz", gzip.compress(b"hello")[:12])}), 422)
    error(client.post("/api/check?format=xml", json={"text": SUSPECT}), 422)
    body = client.post("/api/documents", json=[{"id": "a"}, 3]).json()
    assert body["failed"] == 2 and body["added"] == 0 and body["error"]
    error(client.post("/api/documents", json={"id": "a", "text": "not a list"}), 422)
    error(client.post("/api/documents", files={"other": ("a.txt", b"x")}), 422)


def test_503_check_time_limit(db, monkeypatch):
    real = unspun.pipeline.check

    def slow(*a, **kw):
        time.sleep(0.6)
        return real(*a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", slow)
    with serving(db, check_timeout=0.1) as c:
        assert "--check-timeout" in error(c.post("/api/check", json={"text": SUSPECT}), 503)
        page = c.post("/check", data={"text": HOSTILE})
        assert page.status_code == 503 and "longer than 0.1 s" in page.text
        assert_inert(page.text)


def test_500_never_leaks(db, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("secret internals /srv/x.py line 3")

    monkeypatch.setattr(unspun.pipeline, "check", boom)
    with serving(db) as c:
        r = c.post("/api/check", json={"text": SUSPECT})
        assert "secret" not in error(r, 500)


def test_unusable_index_fails_at_start(tmp_path):
    bad = tmp_path / "not-an-index.db"
    bad.write_text("hello, not SQLite")
    with pytest.raises(unspun.StoreError):
        create_app(ServiceSettings(db=bad))
    result = CliRunner().invoke(cli_app, ["serve", "--db", str(bad), "--port", "1"])
    assert result.exit_code == 2 and "not an unspun index" in result.output


def test_security_headers_everywhere(client):
    for r in (client.get("/healthz"), client.get("/"), client.get("/nope"), client.post("/api/check", json={})):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


# -- hostile text ---------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def assert_inert(html: str) -> None:
    """No event handler, no foreign script, no image: the article text stayed text."""
    p = Tags()
    p.feed(html)
    for tag, attrs in p.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert tag != "img", attrs
        if tag == "script":
            assert attrs.get("src") in (None, "static/page.js"), attrs
    assert not any("__pwned" in s or "alert(" in s for s in p.script_text)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html or "&lt;script&gt;" in html


def test_hostile_article_is_escaped_everywhere(client):
    r = client.post("/api/check?format=html", json={"text": HOSTILE, "title": "</title><script>alert(1)</script>"})
    assert r.status_code == 200
    assert_inert(r.text)
    page = client.post("/check", data={"text": HOSTILE})
    assert page.status_code == 200 and 'class="svc-bar"' in page.text
    assert_inert(page.text)
    report = client.post("/api/check", json={"text": HOSTILE}).json()
    assert report["article"]["text"] == HOSTILE.strip(), "JSON keeps the text as it was, unescaped"


def test_error_page_escapes_what_was_pasted(client):
    r = client.post("/check", data={"text": HOSTILE}, files={"file": ("x.bin", b"\x00\x01\x02binary")})
    assert r.status_code == 422 and "binary" in r.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in r.text
    assert_inert(r.text)
    r = client.post("/check", data={"text": "  "})
    assert r.status_code == 422 and "the article is empty" in r.text


def test_upload_names_are_labels_not_paths(client):
    for name, label in (("../../../../etc/passwd", "passwd"), ("C:\\Windows\\evil.txt", "evil.txt"), ("..", "..")):
        r = client.post("/api/check", files={"file": (name, SUSPECT.encode())})
        assert r.status_code == 200 and r.json()["article"]["id"] == label


# -- concurrency: one writer, concurrent readers, a free event loop --------------------


def test_writes_go_through_one_thread_while_checks_run(db, monkeypatch):
    writers: set[str] = set()
    real = SQLiteIndex._write_batch

    def spy(self, docs):
        writers.add(threading.current_thread().name)
        return real(self, docs)

    monkeypatch.setattr(SQLiteIndex, "_write_batch", spy)

    async def mixed(c: httpx.AsyncClient):
        checks = [c.post("/api/check", json={"text": SUSPECT}) for _ in range(12)]
        adds = [c.post("/api/documents", json=[{"id": f"cc-{i}", "text": f"Concurrent document {i} about river {i}."}])
                for i in range(8)]
        return await asyncio.gather(*checks, *adds)

    with serving(db, workers=3) as c:
        rs = c.together(mixed)
        assert all(r.status_code == 200 for r in rs), [r.text for r in rs if r.status_code != 200]
        assert {r.json()["verdict"]["label"] for r in rs[:12]} == {"stitched"}
        assert writers == {"unspun-writer"}
        for i in range(8):
            assert c.delete(f"/api/documents/cc-{i}").status_code == 200


def test_event_loop_answers_while_a_check_runs(db, monkeypatch):
    real = unspun.pipeline.check

    def slow(*a, **kw):
        time.sleep(0.8)
        return real(*a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", slow)

    async def both(c: httpx.AsyncClient):
        check = asyncio.ensure_future(c.post("/api/check", json={"text": SUSPECT}))
        await asyncio.sleep(0.1)
        t0 = time.perf_counter()
        health = await c.get("/healthz")
        waited = time.perf_counter() - t0
        return await check, health, waited

    with serving(db) as c:
        check, health, waited = c.together(both)
    assert check.status_code == 200 and health.status_code == 200
    assert waited < 0.4, f"/healthz waited {waited:.2f} s behind a check"
