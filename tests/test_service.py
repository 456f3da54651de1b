"""unspun serve, in-process (httpx.ASGITransport): the API and the web page, happy paths."""

from __future__ import annotations

import base64
import gzip
import json
import re
import uuid
from pathlib import Path

import pytest
from markupsafe import Markup, escape

import unspun
from service_client import build_db, serving
from unspun.report.json_report import to_json, validate

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
HARBOUR = (ROOT / "tests" / "data" / "ingest" / "harbour.html").read_bytes()
EXPECTED_SOURCES = {"cardin-navalny-sanctions-letter-2020", "feinstein-new-start-letter-2020"}


@pytest.fixture(scope="module")
def client(tmp_path_factory, reference_docs):
    db = build_db(tmp_path_factory.mktemp("svc") / "refs.db", reference_docs)
    with serving(db) as c:
        yield c


def warc(*pages: tuple[str, bytes]) -> bytes:
    out = b""
    for uri, html in pages:
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
        head = (
            f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
            f"WARC-Date: 2024-05-02T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
        ).encode()
        out += head + http + b"\r\n\r\n"
    return out


def test_healthz_and_stats(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "version": unspun.__version__}
    st = client.get("/api/stats").json()
    assert st["documents"] >= 64 and st["backend"] == "sqlite"
    assert st["path"] == "refs.db", "the file name only, not where it lives on the server"


def test_check_json_is_the_cli_report(client, reference_index):
    r = client.post("/api/check", json={"text": SUSPECT})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    got = r.json()
    validate(got)
    assert {s["doc_id"] for s in got["sources"]} >= EXPECTED_SOURCES
    assert got["verdict"]["label"] == "stitched"
    same = json.loads(to_json(unspun.check(unspun.from_text(SUSPECT, id="article"), reference_index)))
    assert got == same, "the API returns exactly the report the CLI and the library make"


def test_check_html_body_with_url(client):
    r = client.post("/api/check", json={"html": HARBOUR.decode(), "url": "https://example.org/harbour"})
    assert r.status_code == 200
    art = r.json()["article"]
    assert art["id"] == "https://example.org/harbour" and art["url"] == "https://example.org/harbour"
    assert "Gullrock" in art["text"] and "<p>" not in art["text"]


def test_check_uploads_text_html_and_single_record_warc(client):
    r = client.post("/api/check", files={"file": ("suspect.txt", SUSPECT.encode(), "text/plain")})
    assert r.status_code == 200 and r.json()["article"]["id"] == "suspect.txt"
    assert {s["doc_id"] for s in r.json()["sources"]} >= EXPECTED_SOURCES
    r = client.post("/api/check", files={"file": ("../../etc/harbour.html", HARBOUR, "text/html")})
    assert r.status_code == 200 and "Gullrock" in r.json()["article"]["text"]
    one = warc(("https://news.example/a", b"<html><body><article><p>" + SUSPECT.encode() + b"</p></article></body></html>"))
    for data in (one, gzip.compress(one)):
        r = client.post("/api/check", files={"file": ("page.warc.gz", data, "application/octet-stream")})
        assert r.status_code == 200, r.text
        assert r.json()["article"]["id"] == "https://news.example/a"
        assert {s["doc_id"] for s in r.json()["sources"]} >= EXPECTED_SOURCES


def test_check_several_records_needs_record(client):
    two = warc(("https://a.example/1", b"<p>" + SUSPECT.encode() + b"</p>"), ("https://a.example/2", HARBOUR))
    r = client.post("/api/check", files={"file": ("two.warc", two)})
    assert r.status_code == 422 and "2 records" in r.json()["error"]
    r = client.post("/api/check?record=https://a.example/2", files={"file": ("two.warc", two)})
    assert r.status_code == 200 and r.json()["article"]["id"] == "https://a.example/2"


def test_check_format_html_is_the_report_page(client):
    r = client.post("/api/check?format=html", json={"text": SUSPECT})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "'self'" not in csp
    assert '<section class="source' in r.text and 'class="e e-synonym' in r.text
    assert "svc-bar" not in r.text, "the API's HTML is the plain self-contained report"


def test_documents_add_replace_get_delete(client):
    docs = [
        {"id": "svc-a", "text": "The harbour board met on Tuesday to approve a new pier for the fishing fleet.",
         "url": "https://example.org/a", "title": "Pier", "desk": "local"},
        {"id": "svc-b", "text": "Volunteers repainted the old lighthouse over the long weekend in May."},
        {"id": "svc-c"},
        "not an object",
    ]
    r = client.post("/api/documents", json=docs)
    body = r.json()
    assert r.status_code == 200 and body["added"] == 2 and body["failed"] == 2
    assert body["failures"] == [
        {"location": "[2]", "reason": "missing or empty 'text'"},
        {"location": "[3]", "reason": "not a JSON object (str)"},
    ]
    r = client.post("/api/documents", json=[{**docs[0], "text": docs[0]["text"] + " It opens in June."}, docs[1]])
    assert (r.json()["replaced"], r.json()["unchanged"]) == (1, 1)
    got = client.get("/api/documents/svc-a").json()
    assert got["text"].endswith("It opens in June.") and got["url"] == "https://example.org/a"
    assert got["title"] == "Pier" and got["meta"] == {"desk": "local"} and "origin" not in got
    assert client.delete("/api/documents/svc-a").json()["removed"] == "svc-a"
    assert client.get("/api/documents/svc-a").status_code == 404
    assert client.delete("/api/documents/svc-a").status_code == 404
    client.delete("/api/documents/svc-b")


def test_documents_jsonl_upload_and_body(client):
    lines = b"\n".join(json.dumps({"id": f"jl-{i}", "text": f"Line {i} of the wire: the mill reopens after {i} years."}).encode()
                       for i in range(3)) + b"\n{broken\n"
    r = client.post("/api/documents", files={"file": ("wires.jsonl.gz", gzip.compress(lines))})
    assert r.status_code == 200 and r.json()["added"] == 3
    assert r.json()["failures"][0]["location"] == "wires.jsonl.gz:4"
    r = client.post("/api/documents", content=lines, headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200 and r.json()["unchanged"] == 3
    for i in range(3):
        assert client.delete(f"/api/documents/jl-{i}").status_code == 200


def test_ids_with_slashes(client):
    doc_id = "https://example.org/news/2024/x?y=1"
    client.post("/api/documents", json=[{"id": doc_id, "text": "A document whose id is a URL with slashes."}])
    quoted = "/api/documents/https://example.org/news/2024/x%3Fy=1"
    assert client.get(quoted).json()["id"] == doc_id
    assert client.delete(quoted).status_code == 200


def test_added_document_is_found_by_the_next_check(client):
    text = ("The county fair will return to Millbrook this August with a tractor pull, a pie contest "
            "and a new exhibit on the history of the valley's apple orchards, organisers said on Friday.")
    client.post("/api/documents", json=[{"id": "fair", "text": text}])
    spun = text.replace("return to", "come back to").replace("organisers said", "planners stated")
    r = client.post("/api/check", json={"text": spun})
    assert [s["doc_id"] for s in r.json()["sources"]] == ["fair"]
    client.delete("/api/documents/fair")
    assert client.post("/api/check", json={"text": spun}).json()["sources"] == []


def test_openapi_and_docs_are_served_locally(client):
    doc = client.get("/openapi.json").json()
    assert {"/api/check", "/api/documents", "/api/documents/{doc_id}", "/api/stats", "/healthz"} <= set(doc["paths"])
    assert "Report" in doc["components"]["schemas"] and "Report_span" in doc["components"]["schemas"]
    body = doc["paths"]["/api/check"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    r = client.get("/docs")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    srcs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert srcs and all(not s.startswith(("http:", "https:", "//")) for s in srcs), srcs
    assert client.get("/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404


def test_home_page(client):
    r = client.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert '<form class="check" method="post" action="check" enctype="multipart/form-data"' in r.text
    assert f'data-max-body="{5 * 1024 * 1024}"' in r.text
    assert "documents in the index" in r.text
    for asset in ("static/page.css", "static/page.js", "static/report.css"):
        assert asset in r.text and client.get("/" + asset).status_code == 200


def test_page_check_shows_report_with_form_and_json(client):
    r = client.post("/check", data={"text": SUSPECT}, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 200
    html = r.text
    assert 'class="svc-bar"' in html and '<section class="source' in html and 'class="finding' in html
    assert "form-action 'self'" in r.headers["content-security-policy"]
    m = re.search(r'href="data:application/json;base64,([A-Za-z0-9+/=]+)" download="unspun-report.json"', html)
    assert m, "a link downloads the JSON report"
    report = json.loads(base64.b64decode(m.group(1)))
    validate(report)
    assert {s["doc_id"] for s in report["sources"]} >= EXPECTED_SOURCES
    r = client.post("/check", files={"file": ("suspect.html", b"<html><body><article><p>" + SUSPECT.encode() + b"</p></article></body></html>")})
    assert r.status_code == 200 and "suspect.html" in r.text


def test_report_without_a_frame_is_the_self_contained_file():
    from unspun.demo import run_demo
    from unspun.report.html import Frame, render_html, report_csp

    report = run_demo()
    plain = render_html(report)
    assert escape(report_csp()) in plain and "&#39;self&#39;" not in plain
    assert "<link" not in plain and "<script src" not in plain and "svc-bar" not in plain
    framed = render_html(report, frame=Frame(banner=Markup('<div class="svc-bar"></div>'),
                                             styles=("static/page.css",), scripts=("static/page.js",)))
    assert escape(report_csp(Frame(banner=Markup("")))) in framed and "form-action &#39;self&#39;" in framed
    assert '<body>\n<div class="svc-bar"></div>' in framed
    assert '<link rel="stylesheet" href="static/page.css">' in framed
    assert '<script src="static/page.js" defer></script>' in framed
