"""`unspun check` of many articles, and the API under it (unspun.check_many).

Fixtures: examples/ and src/unspun/demo/ (US federal government works, public domain)
and short texts written for these tests.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import unspun
from unspun.batch import ArticleError, report_name, summary_row
from unspun.cli import app
from unspun.models import Document, IngestFailure

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
DEMO = ROOT / "src" / "unspun" / "demo" / "suspect.txt"
ORIGINAL = ("The county fair opened on Saturday with a pie contest, a tractor pull and a "
            "parade of prize goats. Organisers said the rain held off until the evening, "
            "when most of the crowd had gone home and the stalls were packed away.")

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("idx") / "refs.db"
    r = run("index", "add", EX / "reference.jsonl", "--db", path, "-q")
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture(scope="module")
def refs() -> dict[str, dict]:
    return {json.loads(x)["id"]: json.loads(x) for x in (EX / "reference.jsonl").read_text().splitlines()}


@pytest.fixture()
def articles(tmp_path, refs) -> dict[str, Path]:
    """Two suspect articles, a JSONL file of three records, and a folder with bad files."""
    (tmp_path / "in").mkdir()
    suspect = tmp_path / "in" / "suspect.txt"
    suspect.write_text((EX / "suspect.txt").read_text())
    demo = tmp_path / "in" / "demo.txt"
    demo.write_text(DEMO.read_text())
    cardin = refs["cardin-navalny-sanctions-letter-2020"]
    recs = [
        {"id": "copy-1", "url": "https://copies.example/1", "title": "A copy",
         "text": cardin["text"][:1200], "published": "2020-11-01"},
        {"id": "original-1", "text": ORIGINAL},
        {"id": "hostile <script>alert(1)</script>", "text": "<script>alert(1)</script> " + cardin["text"][:700]},
    ]
    jl = tmp_path / "in" / "more.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in recs))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a-empty.txt").write_text("   \n")
    (bad / "b-blob.bin").write_bytes(bytes(range(256)) * 20)
    (bad / "c-good.txt").write_text(DEMO.read_text())
    return {"suspect": suspect, "demo": demo, "jsonl": jl, "bad": bad}


def _jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_summary_rows_match_single_checks_exactly(db, articles, tmp_path):
    summary = tmp_path / "s.jsonl"
    r = run("check", articles["suspect"], articles["demo"], articles["jsonl"], "--db", db,
            "--summary", summary, "--workers", "1", "-q")
    assert r.exit_code == 0, r.output
    rows = _jsonl_rows(summary)
    assert [x["id"] for x in rows] == [str(articles["suspect"]), str(articles["demo"]), "copy-1",
                                       "original-1", "hostile <script>alert(1)</script>"]
    assert all(x["error"] is None for x in rows)
    singles = []
    for path in (articles["suspect"], articles["demo"]):
        single = run("check", path, "--db", db, "--format", "json")
        assert single.exit_code == 0
        singles.append(summary_row(json.loads(single.stdout)))
    for rec in ("copy-1", "original-1", "hostile <script>alert(1)</script>"):
        single = run("check", articles["jsonl"], "--record", rec, "--db", db, "--format", "json")
        assert single.exit_code == 0, single.output
        singles.append(summary_row(json.loads(single.stdout)))
    assert rows == singles
    by = {x["id"]: x for x in rows}
    assert by["copy-1"]["top_source"] == "cardin-navalny-sanctions-letter-2020"
    assert by["copy-1"]["url"] == "https://copies.example/1" and by["copy-1"]["verdict"] == "verbatim-copy"
    assert by["original-1"]["sources"] == 0 and by["original-1"]["spin_share"] is None
    demo = by[str(articles["demo"])]
    assert demo["verdict"] == "stitched" and demo["sources"] == 3 and demo["findings"] == 13
    assert demo["top_sources"].startswith("cardin-navalny-sanctions-letter-2020 (39%); ")
    assert 0.05 < demo["spin_share"] < 0.2


def test_a_failed_article_is_an_error_row_and_the_batch_goes_on(db, articles, tmp_path):
    summary = tmp_path / "s.csv"
    r = run("check", articles["bad"], "--db", db, "--summary", summary, "-q")
    assert r.exit_code == 1, r.output  # some articles failed
    assert "Traceback" not in r.output
    with summary.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [x["id"] for x in rows] == [f"{articles['bad'].as_posix()}/a-empty.txt",
                                       f"{articles['bad'].as_posix()}/b-blob.bin", "c-good.txt"]
    empty, blob, good = rows
    assert "empty" in empty["error"] and "binary" in blob["error"]
    assert empty["verdict"] == "" and blob["findings"] == ""
    assert good["error"] == "" and good["verdict"] == "stitched"
    assert "checked 3 articles: 1 reports, 2 failed" in r.output


def test_an_empty_or_too_long_article_is_an_error_from_the_api(reference_index):
    docs = [Document(id="blank", text="   "), IngestFailure("x.jsonl:3", "invalid JSON"),
            Document(id="long", text=ORIGINAL * 20), Document(id="fine", text=ORIGINAL)]
    out = list(unspun.check_many(docs, reference_index, max_article=1000))
    assert [o.id for o in out] == ["blank", "x.jsonl:3", "long", "fine"]
    blank, failure, long, fine = (o.outcome for o in out)
    assert isinstance(blank, ArticleError) and "no text" in blank.message
    assert isinstance(failure, ArticleError) and "invalid JSON" in failure.message
    assert isinstance(long, ArticleError) and "more than the 1,000" in long.message
    assert isinstance(fine, unspun.Report)
    assert summary_row(long)["error"] == long.message and summary_row(long)["verdict"] is None


def test_rerun_resumes_from_the_summary(db, articles, tmp_path):
    folder = articles["bad"]
    (folder / "b-blob.bin").unlink()
    full = tmp_path / "full.jsonl"
    assert run("check", folder, articles["jsonl"], "--db", db, "--summary", full, "-q").exit_code == 1
    rows = _jsonl_rows(full)
    assert len(rows) == 5
    # an interrupted run: two rows written, the third cut short
    part = tmp_path / "part.jsonl"
    lines = full.read_text().splitlines(keepends=True)
    part.write_text(lines[0] + lines[1] + lines[2][:30])
    r = run("check", folder, articles["jsonl"], "--db", db, "--summary", part, "-q")
    assert r.exit_code == 0, r.output  # the rows checked now all have reports
    assert "checked 3 articles" in r.output and "2 skipped (already in" in r.output
    assert _jsonl_rows(part) == rows
    # the same with CSV, cut inside a row: that article is checked again
    full_csv, part_csv = tmp_path / "full.csv", tmp_path / "part.csv"
    run("check", folder, articles["jsonl"], "--db", db, "--summary", full_csv, "-q")
    text = full_csv.read_text()
    cut = text.index("\n", text.index("\n") + 1) + 1  # the header and one row
    part_csv.write_text(text[: cut + 14])  # and the start of the next row
    r = run("check", folder, articles["jsonl"], "--db", db, "--summary", part_csv, "-q")
    assert "checked 4 articles" in r.output and "1 skipped" in r.output, r.output
    assert part_csv.read_text() == full_csv.read_text()
    # again: nothing left to do; a new article: only it is checked
    r = run("check", folder, articles["jsonl"], "--db", db, "--summary", part, "-q")
    assert "checked 0 articles" in r.output and "5 skipped" in r.output
    (folder / "d-new.txt").write_text((EX / "suspect.txt").read_text())
    r = run("check", folder, articles["jsonl"], "--db", db, "--summary", part, "-q")
    assert "checked 1 articles" in r.output
    assert [x["id"] for x in _jsonl_rows(part)] == [x["id"] for x in rows] + ["d-new.txt"]


def test_workers_2_give_the_same_rows_and_reports_as_workers_1(db, articles, tmp_path):
    out = {}
    for w in (1, 2):
        summary, reports = tmp_path / f"w{w}.jsonl", tmp_path / f"reports{w}"
        r = run("check", articles["suspect"], articles["demo"], articles["jsonl"], articles["bad"],
                "--db", db, "--summary", summary, "--reports", reports, "--reports-format", "json",
                "--workers", w, "-q")
        assert r.exit_code == 1, r.output  # the empty and binary files
        out[w] = (summary.read_text(), {p.name: p.read_text() for p in reports.iterdir()})
    assert out[1][0] == out[2][0]
    assert out[1][1] == out[2][1]
    names = out[1][1]
    rows = [json.loads(x) for x in out[1][0].splitlines()]
    ok = [x for x in rows if x["error"] is None]
    assert sorted(names) == sorted(report_name(x["id"], ".json") for x in ok)  # one per report, none per error
    rep = json.loads(names[report_name("copy-1", ".json")])
    assert summary_row(rep) == next(x for x in rows if x["id"] == "copy-1")


def test_check_many_in_processes_matches_in_process(reference_index, refs):
    cardin = refs["cardin-navalny-sanctions-letter-2020"]["text"]
    docs = [Document(id=f"a{i}", text=cardin[i * 300: i * 300 + 900]) for i in range(5)]
    docs.insert(2, Document(id="empty", text=""))
    one = [(i, summary_row(o)) for i, o in unspun.check_many(docs, reference_index, workers=1)]
    two = [(i, summary_row(o)) for i, o in unspun.check_many(docs, reference_index, workers=2)]
    assert one == two and [i for i, _ in one] == ["a0", "a1", "empty", "a2", "a3", "a4"]
    assert two[2][1]["error"] and two[0][1]["top_source"] == "cardin-navalny-sanctions-letter-2020"


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_a_worker_that_dies_costs_only_its_article(reference_index, monkeypatch):
    import unspun.batch

    real = unspun.batch.run_check

    def deadly(doc, index, settings=None):
        if doc.id == "killer":
            os._exit(3)  # as the kernel's OOM killer would end it
        return real(doc, index, settings)

    monkeypatch.setattr(unspun.batch, "run_check", deadly)  # forked workers inherit it
    docs = [Document(id=f"a{i}", text=ORIGINAL) for i in range(4)]
    docs.insert(2, Document(id="killer", text=ORIGINAL))
    out = list(unspun.check_many(docs, reference_index, workers=2))
    assert [o.id for o in out] == ["a0", "a1", "killer", "a2", "a3"]
    assert isinstance(out[2].outcome, ArticleError) and "died" in out[2].outcome.message
    assert all(isinstance(o.outcome, unspun.Report) for i, o in enumerate(out) if i != 2)


def test_parquet_summary_and_its_journal(db, articles, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    summary = tmp_path / "s.parquet"
    r = run("check", articles["jsonl"], "--db", db, "--summary", summary, "-q")
    assert r.exit_code == 0, r.output
    rows = pq.read_table(summary).to_pylist()
    assert [x["id"] for x in rows] == ["copy-1", "original-1", "hostile <script>alert(1)</script>"]
    assert not (tmp_path / "s.parquet.partial.jsonl").exists()
    # an interrupted run left a journal: the rerun keeps its rows and writes the table whole
    summary.unlink()
    (tmp_path / "s.parquet.partial.jsonl").write_text(json.dumps(rows[0]) + "\n" + '{"id": "orig')
    r = run("check", articles["jsonl"], "--db", db, "--summary", summary, "-q")
    assert "checked 2 articles" in r.output and "1 skipped" in r.output
    assert pq.read_table(summary).to_pylist() == rows
    assert not (tmp_path / "s.parquet.partial.jsonl").exists()


def test_terminal_table_and_html_reports_escape_the_article(db, articles, tmp_path):
    r = run("check", articles["jsonl"], "--db", db, "--reports", tmp_path / "rep", "-q", "--no-color")
    assert r.exit_code == 0, r.output
    assert "copy-1" in r.stdout and "original-1" in r.stdout and "cardin-navalny" in r.stdout
    page = (tmp_path / "rep" / report_name("hostile <script>alert(1)</script>", ".html")).read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize(("extra", "words"), [
    (["--summary", "{tmp}/s.txt"], ".csv, .jsonl or .parquet"),
    (["--format", "json"], "--format is for one article"),
    (["--output", "{tmp}/o.json"], "--output is for one article"),
    (["--reports", "{in}/reports"], "inside the input"),
    (["--summary", "{in}/s.csv"], "inside the input"),
])
def test_batch_usage_errors_are_one_line_and_write_nothing(db, articles, tmp_path, extra, words):
    args = [a.format(tmp=tmp_path, **{"in": articles["suspect"].parent}) for a in extra]
    r = run("check", articles["suspect"].parent, "--db", db, *args)
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, r.output
    assert not (tmp_path / "s.txt").exists() and not (articles["suspect"].parent / "reports").exists()
    assert not (articles["suspect"].parent / "s.csv").exists()


def test_a_summary_unspun_did_not_write_is_refused(db, articles, tmp_path):
    other = tmp_path / "mine.csv"
    other.write_text("name,score\nx,1\n")
    r = run("check", articles["suspect"], articles["demo"], "--db", db, "--summary", other)
    assert r.exit_code == 2 and "not a summary written by unspun check" in r.output
    assert other.read_text() == "name,score\nx,1\n"


def test_single_article_check_is_unchanged(db, articles):
    one = run("check", articles["suspect"], "--db", db, "--no-color")
    assert one.exit_code == 0 and "STITCHED" in one.stdout and "Sources" in one.stdout
    assert "checked" not in one.output  # no batch tally
    r = run("check", articles["jsonl"], "--record", "copy-1", "--db", db, "--format", "json")
    assert json.loads(r.stdout)["article"]["id"] == "copy-1"


def test_csv_summary_guards_formulas_and_reads_them_back(db, tmp_path):
    from unspun.summary import read_summary

    jl = tmp_path / "f.jsonl"
    recs = [{"id": "=HYPERLINK(\"http://evil.example\")", "title": "+1 stock", "text": ORIGINAL},
            {"id": "'quoted", "text": ORIGINAL}]
    jl.write_text("".join(json.dumps(r) + "\n" for r in recs))
    summary = tmp_path / "s.csv"
    r = run("check", jl, "--db", db, "--summary", summary, "-q")
    assert r.exit_code == 0, r.output
    with summary.open(newline="") as f:
        cells = list(csv.reader(f))[1:]
    assert cells[0][0] == "'=HYPERLINK(\"http://evil.example\")" and cells[0][2] == "'+1 stock"
    assert cells[1][0] == "''quoted"
    assert [x["id"] for x in read_summary(summary)] == [recs[0]["id"], "'quoted"]
    r = run("check", jl, "--db", db, "--summary", summary, "-q")
    assert "2 skipped" in r.output  # resumed by the real ids


def test_a_warc_file_of_pages_is_a_batch_with_urls(db, refs, tmp_path):
    import html

    def page(title: str, body: str) -> bytes:
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p.strip())
        return (f"<html><head><title>{html.escape(title)}</title></head><body><article>"
                f"<h1>{html.escape(title)}</h1>{paras}</article></body></html>").encode()

    def record(uri: str, body: bytes) -> bytes:
        http = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-"
                f"{abs(hash(uri)) % 10**12:012d}>\r\nWARC-Date: 2021-01-05T10:00:00Z\r\n"
                f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(http)}\r\n\r\n")
        return head.encode() + http + b"\r\n\r\n"

    cardin = refs["cardin-navalny-sanctions-letter-2020"]["text"]
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(record("https://farm.example/navalny", page("Senators press for sanctions", cardin[:1500]))
                     + record("https://fair.example/goats", page("County fair", ORIGINAL + "\n\n" + ORIGINAL)))
    r = run("check", warc, "--db", db, "--summary", tmp_path / "s.jsonl", "-q")
    assert r.exit_code == 0, r.output
    rows = _jsonl_rows(tmp_path / "s.jsonl")
    assert [x["url"] for x in rows] == ["https://farm.example/navalny", "https://fair.example/goats"]
    assert rows[0]["top_source"] == "cardin-navalny-sanctions-letter-2020" and rows[1]["sources"] == 0
    one = run("check", warc, "--record", rows[0]["id"], "--db", db, "--format", "json")
    assert summary_row(json.loads(one.stdout)) == rows[0]
