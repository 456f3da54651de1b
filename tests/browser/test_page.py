"""The web page in a real browser: `unspun serve` in a subprocess, Debian's chromium via
Playwright (never `playwright install`). Skipped, with the reason, when either is missing;
.ci/run installs both.

UNSPUN_UPDATE_SCREENSHOTS=1 also writes docs/img/service-page.png (the screenshot in
docs/service.md).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "img" / "service-page.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
INJECTED = '<img src=x onerror="window.__pwned=1">'

REQUIRED = os.environ.get("UNSPUN_REQUIRE_BROWSER") == "1"  # .ci/run sets it: no skipping there
if REQUIRED:
    import playwright.sync_api as playwright_api

    assert CHROMIUM, "no chromium on PATH: .ci/run installs it with apt-get install -y chromium"
else:
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed (pip install -e '.[dev]')"
    )
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install -y chromium; .ci/run does it)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "refs.db"
    port = free_port()
    log = (tmp_path_factory.getbasetemp() / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "unspun", "serve", "--db", str(db), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"unspun serve exited with {proc.returncode}")
            time.sleep(0.1)
        else:
            pytest.fail("unspun serve did not answer within 15 s")
        reference = (ROOT / "examples" / "reference.jsonl").read_bytes()
        r = httpx.post(f"{base}/api/documents", files={"file": ("reference.jsonl", reference)}, timeout=60)
        assert r.status_code == 200 and r.json()["added"] == 64, r.text
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.problems = []  # console errors (CSP violations among them) and uncaught exceptions
    pg.on("console", lambda m: pg.problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    yield pg
    context.close()


def test_paste_check_read(server, page, tmp_path):
    article = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
    article = article.replace("Moscow has repeatedly", f"{INJECTED} Moscow has repeatedly")
    page.goto(server + "/")
    assert "64 documents in the index" in page.inner_text(".note")
    page.fill("textarea[name=text]", article)
    page.click("button.go")
    page.wait_for_selector("section.source")
    page.mouse.move(0, 999)
    shot = tmp_path / "service-page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("UNSPUN_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, SCREENSHOT)

    assert page.locator(".sources .card").count() == 2  # the sources panel
    titles = page.inner_text(".sources")
    assert "Cardin" in titles and "Feinstein" in titles
    assert page.locator('.col[data-side="article"] .e-synonym').count() >= 1  # a highlighted edit
    assert page.locator(".findings .finding").count() >= 5
    assert page.inner_text(".verdict .badge").strip().lower() == "stitched"

    assert page.evaluate("typeof window.__pwned") == "undefined", "the injected onerror ran"
    assert page.locator('.col[data-side="article"] img').count() == 0
    assert INJECTED in page.inner_text('.col[data-side="article"] .text'), "shown as text"

    page.locator('.col[data-side="article"] .p').first.click()  # report.js runs under the CSP
    assert page.locator(".p.active").count() >= 2

    with page.expect_download() as d:
        page.click("a.svc-json")
    report = json.loads(Path(d.value.path()).read_text(encoding="utf-8"))
    assert {s["doc_id"] for s in report["sources"]} == {
        "cardin-navalny-sanctions-letter-2020", "feinstein-new-start-letter-2020"}

    assert page.problems == []


def test_drop_html_file_then_check_another(server, page, tmp_path):
    html = tmp_path / "suspect.html"
    body = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8").replace("\n\n", "</p><p>")
    html.write_text(f"<html><head><title>Spun</title></head><body><article><p>{body}</p></article></body></html>")
    page.goto(server + "/")
    page.set_input_files("input[type=file]", str(html))
    assert "suspect.html" in page.inner_text(".drop-file")
    page.click("button.go")
    page.wait_for_selector("section.source")
    assert "suspect.html" in page.inner_text(".svc-what")
    page.click("a.svc-new")  # the form above the report
    page.fill(".svc-again textarea", "A sentence of nobody's making, found in no source at all today.")
    page.click(".svc-again button.go")
    page.wait_for_selector(".verdict")
    assert page.locator("section.source").count() == 0
    assert page.problems == []


def test_file_over_the_limit_is_refused_in_the_page(server, page, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (1_100_000))  # 5.5 MB, over the default 5 MB
    page.goto(server + "/")
    page.set_input_files("input[type=file]", str(big))
    page.click("button.go")
    assert "larger than this server accepts" in page.inner_text(".drop-file")
    assert page.url.rstrip("/") == server  # no request was sent
    assert page.problems == []


def test_api_docs_render_offline(server, page):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/check" in p for p in paths)
    assert all(u.startswith(server) or u.startswith("data:") for u in requests), requests
    assert page.problems == []
