"""The PostgreSQL index (a shared index): migrations, same answers as SQLite, several
writers and readers at once, the CLI and the service on a postgresql:// URL.

Needs a server: UNSPUN_TEST_PG (scripts/pg_test_server.sh); skipped without one unless
UNSPUN_REQUIRE_PG=1. The tests that need no server (messages, a missing extra) always run.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import unspun
from unspun.cli import app
from unspun.errors import IndexMismatchError, StoreError
from unspun.fingerprint import features
from unspun.models import Document
from unspun.store.postgres import LATEST, PostgresIndex, PostgresUnavailable, redact

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
runner = CliRunner()


def _need_psycopg():
    if os.environ.get("UNSPUN_REQUIRE_PG") != "1":
        pytest.importorskip("psycopg")


# -- without a server -----------------------------------------------------------------------
def test_redact_hides_passwords():
    assert redact("postgresql://ann:s3cret@db.example:5432/refs") == "postgresql://ann:***@db.example:5432/refs"
    assert redact("postgresql://ann@db/refs?password=s3cret&sslmode=require") == (
        "postgresql://ann@db/refs?password=%2A%2A%2A&sslmode=require")
    assert redact("postgresql://db/refs") == "postgresql://db/refs"


def test_missing_extra_is_a_clear_store_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    with pytest.raises(PostgresUnavailable, match=r"pip install 'unspun\[postgres\]'"):
        unspun.open_index("postgresql://someone@127.0.0.1/refs")
    assert issubclass(PostgresUnavailable, StoreError)
    r = runner.invoke(app, ["index", "stats", "--db", "postgresql://someone@127.0.0.1/refs"])
    assert r.exit_code == 2
    assert "unspun[postgres]" in r.output and "Traceback" not in r.output


def test_unreachable_server_is_a_store_error_without_the_password():
    _need_psycopg()
    url = "postgresql://ann:s3cret@127.0.0.1:1/refs?connect_timeout=3"
    with pytest.raises(StoreError, match="cannot connect") as e:
        unspun.open_index(url)
    assert "s3cret" not in str(e.value)
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), "--db", url])
    assert r.exit_code == 2
    assert "cannot connect" in r.output and "s3cret" not in r.output and "Traceback" not in r.output


# -- migrations --------------------------------------------------------------------------------
def test_upgrade_from_version_1_keeps_the_documents(pg_url, reference_docs):
    old = PostgresIndex(pg_url, create=True, _upto=1)  # what the first release made
    assert old.migrations() == [(1, "documents, postings and settings")]
    assert old.conn.execute("SELECT to_regclass('vectors')").fetchone()[0] is None
    old.add(reference_docs[:20])
    old.close()
    with pytest.raises(StoreError, match="open it once for writing"):
        unspun.open_index(pg_url, readonly=True)  # a reader cannot upgrade it
    idx = unspun.open_index(pg_url)  # applies migration 2
    assert [v for v, _ in idx.migrations()] == list(range(1, LATEST + 1))
    assert idx.conn.execute("SELECT to_regclass('vectors')").fetchone()[0] is not None
    assert len(idx) == 20 and idx.stats()["schema_version"] == str(LATEST)
    assert idx.get(reference_docs[3].id).text == reference_docs[3].text
    hits = unspun.retrieve(reference_docs[7], idx, k=3)
    assert hits[0].doc_id == reference_docs[7].id
    r = idx.add(reference_docs[:25])
    assert (r.added, r.unchanged) == (5, 20)
    idx.close()
    again = unspun.open_index(pg_url, readonly=True)  # nothing left to apply
    assert len(again.migrations()) == LATEST
    again.close()


def test_schema_newer_than_this_unspun_is_refused(pg_url):
    unspun.open_index(pg_url, create=True).close()
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("INSERT INTO schema_migrations (version, description, applied_by) VALUES (99, 'x', 'y')")
    with pytest.raises(IndexMismatchError, match="newer"):
        unspun.open_index(pg_url)


def test_missing_index_and_foreign_tables_are_refused(pg_url):
    with pytest.raises(StoreError, match="no index here"):
        unspun.open_index(pg_url)
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("CREATE TABLE docs (x int)")
    with pytest.raises(StoreError, match="is not one"):
        unspun.open_index(pg_url, create=True)


def test_two_processes_creating_one_index_at_once(pg_url):
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        sizes = pool.map(_open_and_count, [pg_url, pg_url])
    assert sizes == [0, 0]
    idx = unspun.open_index(pg_url)
    assert [v for v, _ in idx.migrations()] == list(range(1, LATEST + 1))
    idx.close()


def _open_and_count(url: str) -> int:
    with unspun.open_index(url, create=True) as idx:
        return len(idx)


# -- reading and writing -------------------------------------------------------------------------
def test_reader_cannot_write(pg_url, reference_docs):
    with unspun.open_index(pg_url, create=True) as w:
        w.add(reference_docs[:3])
    reader = unspun.open_index(pg_url, readonly=True)
    with pytest.raises(StoreError, match="read-only"):
        reader.add(reference_docs[3:5])
    with pytest.raises(StoreError, match="read-only"):
        reader.remove([reference_docs[0].id])
    assert len(reader) == 3
    reader.close()


def test_text_postgres_cannot_hold_is_a_failure_not_a_crash(pg_url):
    idx = unspun.open_index(pg_url, create=True)
    r = idx.add([Document(id="a\x00b", text="Some text about the harbour bridge."),
                 Document(id="ok", text="Some text\x00 about the harbour bridge."),
                 Document(id="fine", text="The harbour bridge opens on Monday.", meta={"k": "v\x00"})])
    assert (r.added, r.failed) == (1, 2)
    assert "NUL" in r.failures[0].reason
    assert idx.get("a\x00b") is None and idx.remove(["a\x00b"]) == 0
    assert idx.get("fine").meta == {"k": "v\x00"}
    idx.close()


def _reports(where, docs, suspect, semantic: bool):
    idx = unspun.open_index(where, create=True, semantic=semantic)
    idx.add(docs)
    idx.close()
    idx = unspun.open_index(where, readonly=True)
    try:
        settings = unspun.CheckSettings(use_semantic=semantic)
        out = [unspun.check(suspect, idx, settings).to_dict()]
        for d in docs[::9]:  # the reference texts themselves, and a stitch of two of them
            out.append(unspun.check(Document(id=f"q-{d.id}", text=d.text), idx, settings).to_dict())
        stitched = docs[1].text[: len(docs[1].text) // 2] + "\n\n" + docs[40].text[len(docs[40].text) // 2:]
        out.append(unspun.check(Document(id="stitched", text=stitched), idx, settings).to_dict())
        return out
    finally:
        idx.close()


@pytest.mark.parametrize("semantic", [False, True])
def test_same_reports_as_sqlite(tmp_path, pg_url, reference_docs, suspect, semantic):
    if semantic and not unspun.semantic.available():
        if os.environ.get("UNSPUN_REQUIRE_SEMANTIC"):
            pytest.fail("the semantic extra is required but not installed")
        pytest.skip("the semantic extra is not installed")
    lite = _reports(tmp_path / "i.db", reference_docs, suspect, semantic)
    pg = _reports(pg_url, reference_docs, suspect, semantic)
    assert lite[0]["sources"], "the suspect article must find its sources"
    for a, b in zip(lite, pg, strict=True):
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# -- several writers and readers at once ----------------------------------------------------
def _writer(url: str, docs: list[dict], rounds: int) -> None:
    idx = unspun.open_index(url)
    for _ in range(rounds):
        idx.add([Document(**d) for d in docs], batch_size=7)
    idx.close()


def _reader(url: str, queries: list[str], stop_after: float, out) -> None:
    idx = unspun.open_index(url, readonly=True)
    n = errors = 0
    end = time.monotonic() + stop_after
    try:
        while time.monotonic() < end:
            for q in queries:
                hits = idx.lookup(features(q, idx.params), max_df=1000, k=3)
                if hits and idx.get(hits[0][0]) is None and hits[0][0] is not None:
                    pass  # removed between the two reads: allowed
                n += 1
    except Exception as e:  # pragma: no cover - reported to the test
        errors += 1
        out.put(("error", repr(e)))
    idx.close()
    out.put(("done", n, errors))


def test_two_writers_and_a_reader_at_once(pg_url, reference_docs):
    unspun.open_index(pg_url, create=True).close()
    docs = [{"id": d.id, "text": d.text, "title": d.title} for d in reference_docs]
    # both writers write docs 20..43 (the same ids): with the same text in one, another text
    # in the other, several rounds each, in batches of 7 (overlapping, in another order)
    a = docs[:44]
    b = [dict(d, text=d["text"] + " Revised by the second writer.") for d in docs[20:44]] + docs[44:]
    b.reverse()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(pg_url, a, 3)), ctx.Process(target=_writer, args=(pg_url, b, 3)),
             ctx.Process(target=_reader, args=(pg_url, [d["text"] for d in docs[::5]], 4.0, out))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    msg = out.get(timeout=10)
    assert msg[0] == "done" and msg[2] == 0 and msg[1] > 0, msg
    idx = unspun.open_index(pg_url)
    assert len(idx) == 64
    c = idx.conn
    # every posting is exactly the features of the text now stored (nothing left over from
    # a replaced text, nothing missing): the index is what one writer alone would have made
    want = sorted((h, num) for num, text in c.execute("SELECT num, text FROM docs")
                  for h in features(text, idx.params))
    got = sorted(c.execute("SELECT h, doc FROM postings").fetchall())
    assert got == want
    for d in docs[::3]:
        stored = idx.get(d["id"])
        assert stored.text in (d["text"], d["text"] + " Revised by the second writer.")
        assert unspun.retrieve(stored, idx, k=1)[0].doc_id == d["id"]
    idx.close()


# -- CLI and service ------------------------------------------------------------------------
def test_cli_on_a_postgresql_url(pg_url, tmp_path):
    with_password = pg_url
    if "@" in pg_url and ":" not in pg_url.split("//", 1)[1].split("@", 1)[0]:
        with_password = pg_url.replace("@", ":hunter2@", 1)  # the test server trusts, ignores it
    r = runner.invoke(app, ["index", "add", str(EX / "reference.jsonl"), "--db", with_password, "-q",
                            "--no-semantic"])
    assert r.exit_code == 0, r.output
    assert "added 64, replaced 0, unchanged 0, failed 0; 64 documents in postgresql://" in r.output
    assert "hunter2" not in r.output
    r = runner.invoke(app, ["index", "stats", "--db", pg_url, "--json"])
    assert r.exit_code == 0, r.output
    st = json.loads(r.output)
    assert (st["backend"], st["documents"], st["schema_version"]) == ("postgresql", 64, str(LATEST))
    out = tmp_path / "report.json"
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), "--db", pg_url, "-f", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    report = json.loads(out.read_text())
    assert report["sources"]
    lite = tmp_path / "refs.db"
    assert runner.invoke(app, ["index", "add", str(EX / "reference.jsonl"), "--db", str(lite), "-q",
                               "--no-semantic"]).exit_code == 0
    out2 = tmp_path / "report2.json"
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), "--db", str(lite), "-f", "json", "-o", str(out2)])
    assert r.exit_code == 0
    assert json.loads(out2.read_text())["sources"] == report["sources"]
    batch = tmp_path / "summary.csv"
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), str(EX / "reference.jsonl"), "--db", pg_url,
                            "--summary", str(batch), "--workers", "2", "-q"])
    assert r.exit_code == 0, r.output
    assert len(batch.read_text().splitlines()) == 1 + 1 + 64
    first = json.loads((EX / "reference.jsonl").read_text().splitlines()[0])["id"]
    r = runner.invoke(app, ["index", "remove", first, "--db", pg_url])
    assert r.exit_code == 0 and "removed 1 of 1" in r.output


def test_service_on_a_postgresql_url(pg_url, reference_docs):
    from service_client import serving

    with unspun.open_index(pg_url, create=True) as idx:
        idx.add(reference_docs)
    with serving(pg_url, workers=1, large_workers=1) as client:
        st = client.get("/api/stats").json()
        assert st["documents"] == 64 and st["backend"] == "postgresql"
        assert "127.0.0.1" not in json.dumps(st)  # where the database lives is not told
        r = client.post("/api/check", json={"text": (EX / "suspect.txt").read_text()})
        assert r.status_code == 200, r.text
        assert r.json()["sources"]


def test_a_lost_connection_is_a_store_error(pg_url, reference_docs, suspect):
    import psycopg

    idx = unspun.open_index(pg_url, create=True)
    idx.add(reference_docs[:5])
    pid = idx.conn.info.backend_pid
    with psycopg.connect(pg_url, autocommit=True) as c:  # the server drops the connection
        c.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreError, match="read failed"):
        idx.get(reference_docs[0].id)
    with pytest.raises(StoreError):
        unspun.check(suspect, idx)
    with pytest.raises(StoreError, match="connection is closed"):
        idx.add(reference_docs[5:7])
    idx.close()
