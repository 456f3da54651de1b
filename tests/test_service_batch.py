"""POST /api/check/batch (issue 14, part 3): JSON Lines in, JSON Lines out, streamed, one
line per article in order; a failed article is an error line, never the end."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

import unspun
import unspun.pipeline
from service_client import build_db, serving
from unspun.report.json_report import to_json
from unspun.service import ServiceSettings, create_app
from unspun.service.batch import MAX_BATCH_LINES

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
NDJSON = {"content-type": "application/x-ndjson"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    return build_db(tmp_path_factory.mktemp("batch") / "refs.db", reference_docs)


def body(*items: object) -> bytes:
    return b"".join((x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n" for x in items)


def single(db: Path, text: str, doc_id: str) -> dict:
    with unspun.open_index(db, readonly=True) as idx:
        return json.loads(to_json(unspun.check(unspun.from_text(text, id=doc_id), idx), indent=None))


def test_one_line_per_article_in_order_and_errors_are_lines(db, reference_docs):
    other = reference_docs[5].text
    payload = body({"id": "a1", "text": SUSPECT}, b'{"id": "broken", "text": ', {"id": "empty", "text": "  "},
                   {"id": "a4", "html": f"<html><body><article><p>{other}</p></article></body></html>"},
                   [1, 2], {"text": other}, {"id": "both", "text": "x", "html": "<p>y</p>"})
    with serving(db, workers=2) as c:
        r = c.post("/api/check/batch", content=payload, headers=NDJSON)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x["line"] for x in lines] == [1, 2, 3, 4, 5, 6, 7]
    assert lines[0]["id"] == "a1" and lines[0]["report"] == single(db, SUSPECT, "a1")
    assert lines[1]["status"] == 400 and "malformed JSON" in lines[1]["error"] and lines[1]["id"] is None
    assert lines[2]["status"] == 422 and lines[2]["id"] == "empty" and "empty" in lines[2]["error"]
    assert lines[3]["report"]["sources"][0]["doc_id"] == reference_docs[5].id
    assert lines[4]["status"] == 422 and "JSON object" in lines[4]["error"]
    assert lines[5]["id"] == "line-6" and lines[5]["report"] == single(db, other, "line-6")
    assert lines[6]["status"] == 422 and "exactly one" in lines[6]["error"]


def test_summary_rows(db):
    with serving(db, workers=1) as c:
        r = c.post("/api/check/batch?format=summary", content=body({"id": "s", "text": SUSPECT}, {"text": ""}),
                   headers=NDJSON)
    first, second = (json.loads(x) for x in r.text.splitlines())
    assert first["verdict"] == "stitched" and first["error"] is None and first["findings"] > 0
    assert first["sources"][0] == {"doc_id": "cardin-navalny-sanctions-letter-2020", "site": "cardin.senate.gov",
                                   "coverage": pytest.approx(0.6344, abs=1e-3)}
    assert second["status"] == 422 and second["error"]


def test_limits(db):
    with serving(db, workers=1, max_article=500) as c:
        r = c.post("/api/check/batch", content=body({"text": SUSPECT}, {"text": "short enough article " * 5}),
                   headers=NDJSON)
        big, small = (json.loads(x) for x in r.text.splitlines())
        assert big["status"] == 413 and "--max-article" in big["error"] and "report" in small
        too_many = body(*({"text": "x"} for _ in range(MAX_BATCH_LINES + 1)))
        r = c.post("/api/check/batch", content=too_many, headers=NDJSON)
        assert r.status_code == 413 and "split it" in r.json()["error"]
        assert c.post("/api/check/batch", content=b"\n\n", headers=NDJSON).status_code == 422
        assert c.post("/api/check/batch", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    with serving(db, workers=1, max_body=1000) as c:
        r = c.post("/api/check/batch", content=body({"text": SUSPECT}), headers=NDJSON)
        assert r.status_code == 413


def test_the_batch_needs_the_token_like_a_check(db):
    token = "t" * 24
    with serving(db, workers=1, token=token) as c:
        payload = body({"text": SUSPECT})
        assert c.post("/api/check/batch", content=payload, headers=NDJSON).status_code == 401
        r = c.post("/api/check/batch", content=payload, headers={**NDJSON, "authorization": f"Bearer {token}"})
        assert r.status_code == 200 and "report" in r.text


def test_answers_are_streamed_as_they_are_ready(db, monkeypatch):
    real = unspun.pipeline.check

    def slow(doc, index, *a, **kw):
        if "SLOW-ONE" in doc.text:
            time.sleep(2.5)
        return real(doc, index, *a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", slow)
    app = create_app(ServiceSettings(db=db, workers=1))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        arrived = []
        t0 = time.monotonic()
        payload = body({"id": "fast", "text": SUSPECT}, {"id": "slow", "text": "SLOW-ONE " + SUSPECT})
        with httpx.stream("POST", f"http://127.0.0.1:{port}/api/check/batch", content=payload, headers=NDJSON,
                          timeout=30) as r:
            for line in r.iter_lines():
                arrived.append((json.loads(line)["id"], time.monotonic() - t0))
        assert [a for a, _ in arrived] == ["fast", "slow"]
        assert arrived[1][1] - arrived[0][1] > 1.5  # the first line came before the slow check ended
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.service.close()


# -- the web page: links or a JSONL file in, a table and its CSV out --------------------

def csv_of(page: str) -> str:
    import base64
    import re

    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', page)
    assert href, "the page links the CSV"
    return base64.b64decode(href.group(1)).decode("utf-8")


def test_page_batch_upload_gives_an_escaped_table_and_its_csv(db):
    evil = "<script>alert(1)</script>"
    articles = body({"id": evil, "text": SUSPECT}, {"id": "=HYPERLINK(\"http://x.example\")", "text": SUSPECT},
                    b"not json", {"id": "<img src=x onerror=alert(2)>", "text": ""})
    with serving(db, workers=2) as c:
        home = c.get("/").text
        assert 'action="batch"' in home and 'name="articles"' in home and 'name="links"' not in home
        r = c.post("/batch", files={"articles": ("articles.jsonl", articles)})
    assert r.status_code == 200 and "4 articles checked, 2 failed" in r.text
    assert evil not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text and "onerror=alert" not in r.text.replace("onerror=alert(2)&gt;", "")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    table = csv_of(r.text).splitlines()
    assert table[0] == "line,id,url,verdict,coverage,sources,findings,error"
    assert table[1].startswith("1,<script>alert(1)</script>,,stitched,0.89")
    assert "cardin-navalny-sanctions-letter-2020 (63%)" in table[1]
    assert table[2].startswith("2,\"'=HYPERLINK(")  # never a formula in a spreadsheet
    assert table[3].startswith("3,,,,,,,line 3: malformed JSON")
    assert len(table) == 5


def test_page_batch_links_only_with_allow_fetch(db):
    from fetch_server import fixture_server

    with fixture_server() as s:
        s.add("/suspect.html", "<html><body><article>" + "".join(
            f"<p>{p}</p>" for p in SUSPECT.split("\n") if p.strip()) + "</article></body></html>")
        links = f"{s.url('/suspect.html')}\n\n{s.url('/missing.html')}\n"
        with serving(db, workers=1) as c:
            r = c.post("/batch", data={"links": links})
            assert r.status_code == 422 and "--allow-fetch" in r.text and "/suspect.html" not in s.hits
        with serving(db, workers=1, allow_fetch=True, fetch_allow_private=True) as c:
            assert 'name="links"' in c.get("/").text
            r = c.post("/batch", data={"links": links})
            assert r.status_code == 200 and "2 articles checked, 1 failed" in r.text
            table = csv_of(r.text).splitlines()
            assert table[1].startswith(f"1,{s.url('/suspect.html')},{s.url('/suspect.html')},stitched")
            assert "HTTP 404" in table[2]
            r = c.post("/batch", data={"links": "file:///etc/passwd"})
            assert r.status_code == 422 and "not an http" in r.text


def test_page_batch_needs_the_token(db):
    token = "k" * 20
    with serving(db, workers=1, token=token) as c:
        files = {"articles": ("a.jsonl", body({"text": SUSPECT}))}
        r = c.post("/batch", files=files)
        assert r.status_code == 401 and "access token" in r.text
        r = c.post("/batch", files=files, data={"token": token})
        assert r.status_code == 200 and "1 articles checked" in r.text
