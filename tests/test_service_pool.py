"""The service's check pool (issue 14, part 3): worker processes that each open the
read-only index once, with results identical to checks run in-process."""

from __future__ import annotations

import asyncio
import json
import os
import random
from pathlib import Path

import pytest

import unspun
from service_client import build_db, serving
from unspun.report.json_report import to_json

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")


def articles(reference_docs, n: int = 7) -> list[str]:
    rng = random.Random(5)
    paras = [p for d in reference_docs for p in d.text.split("\n\n") if len(p.split()) > 25]
    return [SUSPECT, *("\n\n".join(rng.sample(paras, 2 + k % 2)) for k in range(n - 1))]


@pytest.fixture()
def db(tmp_path, reference_docs) -> Path:
    return build_db(tmp_path / "pool.db", reference_docs)


def in_process(db: Path, texts: list[str]) -> list[dict]:
    with unspun.open_index(db, readonly=True) as idx:
        return [json.loads(to_json(unspun.check(unspun.from_text(t, id="article"), idx), indent=None))
                for t in texts]


def opens(pid: int, path: Path) -> bool:
    target = os.stat(path)
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            st = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


def test_pool_results_are_identical_to_in_process_checks(db, reference_docs):
    texts = articles(reference_docs)
    expected = in_process(db, texts)
    assert {e["verdict"]["label"] for e in expected} >= {"stitched"}
    with serving(db, workers=2) as c:
        pool = c.app.state.service.checkers
        assert pool.own_index  # the workers open the index themselves

        async def all_at_once(client):
            return await asyncio.gather(*(client.post("/api/check", json={"text": t}) for t in texts))

        answers = c.together(all_at_once)
        assert [r.status_code for r in answers] == [200] * len(texts)
        assert [r.json() for r in answers] == expected
        pids = pool.pids()
        assert len(pids) == 2 and os.getpid() not in pids
        for pid in pids:  # each worker holds its own connection to the index file
            assert opens(pid, db)
        # the server process answered no index look-up for them: its readers never opened one
        assert c.app.state.service.readers._opened == []


def test_a_worker_sees_documents_added_after_it_opened_the_index(db):
    new = "The harbour authority of Port Vellan reopened the northern quay on Tuesday after storm repairs. " * 6
    with serving(db, workers=1) as c:
        assert c.post("/api/check", json={"text": new}).json()["sources"] == []
        r = c.post("/api/documents", json=[{"id": "vellan-quay", "text": new}])
        assert r.status_code == 200 and r.json()["added"] == 1
        rep = c.post("/api/check", json={"text": new}).json()
        assert [s["doc_id"] for s in rep["sources"]] == ["vellan-quay"]


def test_a_second_service_on_an_index_already_open_here_still_answers_the_same(db, reference_docs):
    texts = articles(reference_docs, 3)
    expected = in_process(db, texts)
    with serving(db, workers=1) as first, serving(db, workers=1) as second:
        assert first.app.state.service.checkers.own_index
        # SQLite's state for an open file must not cross a fork: look-ups go through the server
        assert not second.app.state.service.checkers.own_index
        for t, e in zip(texts, expected, strict=True):
            assert first.post("/api/check", json={"text": t}).json() == e
            assert second.post("/api/check", json={"text": t}).json() == e


def test_a_killed_zygote_is_replaced_and_checks_go_on(db, reference_docs):
    import signal

    texts = articles(reference_docs, 2)
    expected = in_process(db, texts)
    with serving(db, workers=1) as c:
        pool = c.app.state.service.checkers
        assert c.post("/api/check", json={"text": texts[0]}).json() == expected[0]
        os.kill(pool.zygote.pid, signal.SIGKILL)
        for pid in pool.pids():  # and the worker, so that a new one must be forked
            os.kill(pid, signal.SIGKILL)
        r = c.post("/api/check", json={"text": texts[1]})
        assert r.status_code == 503  # the check on the dead worker
        assert c.post("/api/check", json={"text": texts[1]}).json() == expected[1]
        assert not pool.own_index  # the new zygote's workers ask the server
