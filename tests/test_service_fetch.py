"""The service's URL field (issue 14, part 1): fetched only with --allow-fetch, never a
private, loopback or link-local address (server-side request forgery)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fetch_server import article_page, fixture_server
from service_client import build_db, serving

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    return build_db(tmp_path_factory.mktemp("svcfetch") / "refs.db", reference_docs)


@pytest.fixture(scope="module")
def server():
    with fixture_server() as s:
        s.add("/suspect.html", article_page(SUSPECT, "Spun &lt;b&gt;story"))
        yield s


def test_a_url_alone_is_refused_without_allow_fetch(db, server):
    with serving(db) as c:
        r = c.post("/api/check", json={"url": server.url("/suspect.html")})
        assert r.status_code == 422 and "--allow-fetch" in r.json()["error"]
        assert "/suspect.html" not in server.hits
        # with text, the url stays metadata, as before
        r = c.post("/api/check", json={"text": SUSPECT, "url": server.url("/suspect.html")})
        assert r.status_code == 200 and "/suspect.html" not in server.hits


def test_with_allow_fetch_the_page_is_fetched_and_checked(db, server):
    with serving(db, allow_fetch=True, fetch_allow_private=True) as c:
        r = c.post("/api/check", json={"url": server.url("/suspect.html")})
        assert r.status_code == 200, r.text
        rep = r.json()
        assert rep["verdict"]["label"] == "stitched"
        assert rep["article"]["id"] == server.url("/suspect.html")
        r = c.post("/api/check", json={"url": server.url("/missing.html")})
        assert r.status_code == 422 and "HTTP 404" in r.json()["error"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/suspect.html", "http://localhost:{port}/suspect.html", "http://[::1]:{port}/suspect.html",
    "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:{port}/suspect.html",
])
def test_ssrf_private_loopback_and_link_local_addresses_are_refused(db, server, url):
    port = server.base.rsplit(":", 1)[1]
    before = sum(server.hits.values())
    with serving(db, allow_fetch=True) as c:
        r = c.post("/api/check", json={"url": url.format(port=port)})
    assert r.status_code == 422 and "not a public address" in r.json()["error"]
    assert sum(server.hits.values()) == before


def test_ssrf_a_redirect_to_loopback_is_refused(db, server, monkeypatch):
    from unspun.ingest import fetch as fetch_mod

    # the fixture server stands for a public site: 127.0.0.1 counts as public, ::1 does not
    real = fetch_mod.public_address
    monkeypatch.setattr(fetch_mod, "public_address", lambda a: a == "127.0.0.1" or real(a))
    port = server.base.rsplit(":", 1)[1]
    server.redirect("/bounce", f"http://[::1]:{port}/suspect.html")
    with serving(db, allow_fetch=True) as c:
        assert c.post("/api/check", json={"url": server.url("/suspect.html")}).status_code == 200
        r = c.post("/api/check", json={"url": server.url("/bounce")})
    assert r.status_code == 422 and "not a public address" in r.json()["error"]


def test_no_request_field_can_allow_private_addresses(db, server):
    port = server.base.rsplit(":", 1)[1]
    with serving(db, allow_fetch=True) as c:
        r = c.post("/api/check", json={"url": f"http://127.0.0.1:{port}/suspect.html", "allow_private": True})
        assert r.status_code == 422 and "allow_private" in r.json()["error"]
        r = c.post("/api/check?allow_private=1", json={"url": f"http://127.0.0.1:{port}/suspect.html"})
        assert r.status_code == 422 and "not a public address" in r.json()["error"]


def test_fetches_from_one_host_are_paced_across_a_batch_and_requests(db, server):
    links = [server.url(f"/news/{i}.html") for i in range(3)]
    lines = b"".join(json.dumps({"url": u}).encode() + b"\n" for u in links)
    with serving(db, workers=2, allow_fetch=True, fetch_allow_private=True, fetch_delay=0.5) as c:
        start = len(server.times)
        r = c.post("/api/check/batch?format=summary", content=lines, headers={"content-type": "application/x-ndjson"})
        assert [json.loads(x)["id"] for x in r.text.splitlines()] == links
        assert c.post("/api/check", json={"url": server.url("/news/4.html")}).status_code == 200
        times = [t for _, t in server.times[start:]]
    assert len(times) == 4
    # one fetch every 0.5 s (a little slack: a worker may start late on a busy machine)
    assert times[-1] - times[0] >= 1.3 and all(b - a >= 0.25 for a, b in zip(times, times[1:], strict=False)), times
