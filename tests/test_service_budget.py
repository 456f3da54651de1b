"""unspun serve: a check's time and memory budget really stops it, and large checks do not
freeze the service (issue 12, defect 8); the article size cap (defect 7)."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import time
from pathlib import Path

import httpx
import pytest

import unspun.pipeline
from service_client import build_db, serving
from unspun.service import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")


def settings(**wanted):
    """Settings this version of ServiceSettings knows (the tests also run on older code)."""
    return {k: v for k, v in wanted.items() if k in ServiceSettings.__dataclass_fields__}


def reference_article(size: int) -> str:
    paras = [p for line in (ROOT / "examples" / "reference.jsonl").read_text(encoding="utf-8").splitlines()
             for p in json.loads(line)["text"].split("\n\n") if len(p.split()) > 20]
    out, n, i = [], 0, 0
    while n < size:
        out.append(paras[i % len(paras)])
        n += len(out[-1]) + 2
        i += 7
    return "\n\n".join(out)


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    return build_db(tmp_path_factory.mktemp("budget") / "refs.db", reference_docs)


def test_a_timed_out_check_is_stopped_not_left_running(db, tmp_path, monkeypatch):
    marker = tmp_path / "still-running"
    real = unspun.pipeline.check

    def slow(doc, index, *a, **kw):
        if "SLOW-CHECK" in doc.text:
            time.sleep(4)
            marker.write_text("the timed-out check went on working")
        return real(doc, index, *a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", slow)
    with serving(db, **settings(check_timeout=2)) as c:
        r = c.post("/api/check", json={"text": "SLOW-CHECK " + SUSPECT})
        assert r.status_code == 503 and "--check-timeout" in r.json()["error"]
        time.sleep(3.0)  # past the moment the slow check would have finished
        assert not marker.exists(), "a check past its time limit must be stopped, not finish in the background"
        svc = c.app.state.service
        assert svc.checkers.killed == 1
        # its worker was replaced: the next check is answered
        r = c.post("/api/check", json={"text": SUSPECT})
        assert r.status_code == 200 and r.json()["verdict"]["label"] == "stitched"


def test_other_clients_are_answered_while_two_large_checks_run(db, monkeypatch):
    real = unspun.pipeline.check

    def slow(doc, index, *a, **kw):
        if "LARGE-CHECK" in doc.text:
            time.sleep(4)
        return real(doc, index, *a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", slow)
    large = "LARGE-CHECK " + reference_article(30_000)

    async def scenario(c: httpx.AsyncClient):
        done: list[str] = []

        async def go(name: str, coro):
            r = await coro
            done.append(name)
            return r

        bigs = [asyncio.ensure_future(go(f"large-{k}", c.post("/api/check", json={"text": large}))) for k in range(2)]
        await asyncio.sleep(0.5)  # both large checks are running
        small = await go("small", c.post("/api/check", json={"text": SUSPECT}))
        stats = await go("stats", c.get("/api/stats"))
        big = await asyncio.gather(*bigs)
        return done, small, stats, big

    with serving(db, **settings(workers=2, large_workers=2, large_body=20_000, check_timeout=20)) as c:
        done, small, stats, big = c.together(scenario)
    assert small.status_code == 200 and small.json()["verdict"]["label"] == "stitched"
    assert stats.status_code == 200 and stats.json()["documents"] >= 64
    assert [r.status_code for r in big] == [200, 200]
    assert done[:2] == ["small", "stats"], f"an ordinary check and /api/stats waited for the large checks: {done}"


def test_a_check_over_its_memory_budget_is_stopped(db, monkeypatch):
    real = unspun.pipeline.check

    def hungry(doc, index, *a, **kw):
        if "HUNGRY-CHECK" in doc.text:
            hog = bytearray(600 * 2**20)  # 600 MB
            hog[::4096] = b"x" * len(hog[::4096])
        return real(doc, index, *a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", hungry)
    with serving(db, **settings(check_memory=300, check_timeout=30)) as c:
        r = c.post("/api/check", json={"text": "HUNGRY-CHECK " + SUSPECT})
        assert r.status_code == 503, r.text[:200]
        assert "--check-memory" in r.json()["error"]
        r = c.post("/api/check", json={"text": SUSPECT})
        assert r.status_code == 200, "a fresh worker takes over"


def test_a_worker_killed_from_outside_gives_503_and_is_replaced(db, monkeypatch):
    real = unspun.pipeline.check
    server_pid = os.getpid()

    def suicidal(doc, index, *a, **kw):
        if "KILL-MY-WORKER" in doc.text and os.getpid() != server_pid:  # never the test process
            os.kill(os.getpid(), 9)
        return real(doc, index, *a, **kw)

    monkeypatch.setattr(unspun.pipeline, "check", suicidal)
    with serving(db) as c:
        r = c.post("/api/check", json={"text": "KILL-MY-WORKER " + SUSPECT})
        assert r.status_code == 503 and "stopped unexpectedly" in r.json()["error"]
        assert c.post("/api/check", json={"text": SUSPECT}).status_code == 200


def test_article_size_cap_over_the_api(db):
    text = reference_article(200_000)
    upload = gzip.compress(text.encode("utf-8"))  # a small body that grows past the cap
    with serving(db, **settings(max_article=100_000, max_body=150_000)) as c:
        assert len(upload) < 150_000
        r = c.post("/api/check", files={"file": ("long.txt.gz", upload)})
        assert r.status_code == 413, r.text[:300]
        assert "--max-article" in r.json()["error"] and "100,000" in r.json()["error"]
        page = c.post("/check", files={"file": ("long.txt.gz", upload)})
        assert page.status_code == 413 and "--max-article" in page.text
        assert c.post("/api/check", json={"text": SUSPECT}).status_code == 200
