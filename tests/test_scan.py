"""Crawl-wide scan, local engine, on a generated crawl with known farms (bench/scan_crawl.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

from bench.scan_crawl import AGENCIES, FARMS, HONEST, SYNDICATE, make_crawl  # noqa: E402

from unspun.cli import app  # noqa: E402
from unspun.errors import SettingsError  # noqa: E402
from unspun.scan import ScanSettings, run_scan, stage_status  # noqa: E402
from unspun.scan import stages as stg  # noqa: E402
from unspun.scan.report import render_report  # noqa: E402

FILTER = "a.site <> b.site"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    c = make_crawl(seed=0)
    for r in c.records:
        if r["site"] == "spinfarm.example":
            r["title"] = "<script>alert(1)</script> & co"
            r["url"] = f"https://{r['id']}?a=1&b=\"x\""
        if r["id"] == "spinfarm.example/6":
            r["url"] = "javascript:alert(1)"
    path = tmp_path_factory.mktemp("crawl") / "crawl.jsonl"
    c.write(str(path))
    return c, path


@pytest.fixture(scope="module")
def scanned(crawl, tmp_path_factory):
    _, path = crawl
    out = tmp_path_factory.mktemp("scan") / "out"
    run_scan(out, ScanSettings(inputs=(str(path),), filter=FILTER), workers=2)
    return out


def _rows(out: Path, stage: str, name: str | None = None) -> list[dict]:
    return stg.read_table(out, stage, name).to_pylist()


def test_every_stage_complete_with_settings(scanned):
    status = stage_status(scanned)
    assert all(status.values()), status
    saved = json.loads((scanned / "settings.json").read_text())
    assert saved["filter"] == FILTER
    assert status["docs"]["rows"] == 75


def test_farms_rank_at_the_top_with_their_true_origins(scanned):
    sites = _rows(scanned, "sites")
    top = [s["site"] for s in sites[:3]]
    assert set(top) == set(FARMS), [(s["site"], s["spun_share"]) for s in sites]
    by = {s["site"]: s for s in sites}
    assert by["spinfarm.example"]["top_origins"][0].split()[0] in AGENCIES[:2]
    assert by["rewriter.example"]["top_origins"][0].startswith("agency-east.example")
    for farm in FARMS:
        assert by[farm]["spun_share"] >= 0.8 and by[farm]["evidence"]
    # verbatim syndication copies but does not spin; agencies and honest sites copy nothing
    assert by[SYNDICATE]["copy_share"] == 1.0 and by[SYNDICATE]["spun"] == 0
    for site in AGENCIES + HONEST:
        assert by[site]["copies"] == 0, by[site]


def test_families_and_origins_match_the_ground_truth(scanned, crawl):
    c, _ = crawl
    fams = _rows(scanned, "families")
    families_of: dict[str, set[int]] = {}
    for r in fams:
        families_of.setdefault(r["id"], set()).add(r["family"])
    # boilerplate footers ("Other reports by ...") glue no honest page into a family
    assert not [i for i in families_of if i.split("/")[0] in HONEST]
    found = [bool(families_of.get(s, set()) & families_of.get(b, set())) for s, b in c.edges]
    assert sum(found) / len(found) >= 0.9, [e for e, ok in zip(c.edges, found, strict=True) if not ok]
    # families are passage clusters: a stitched page sits in one family per wire story it
    # took, and the stories it joins stay apart
    docs = {r["did"]: r["id"] for r in _rows(scanned, "docs")}
    accepted = {(docs[r["a"]], docs[r["b"]]) for r in _rows(scanned, "alignments") if r["accepted"]}
    stitched = [i for i in families_of if i.startswith("stitchfarm")]
    assert stitched
    for i in stitched:
        srcs = [s for s, b in c.edges if b == i]
        found_srcs = [s for s in srcs if (s, i) in accepted]
        assert len(families_of[i]) >= len(found_srcs), (i, found_srcs, families_of[i])
        for x in srcs:
            for y in srcs:
                if x < y:
                    assert not families_of.get(x, set()) & families_of.get(y, set()), (i, x, y)
    for r in fams:  # each row's extent lies in its document
        assert 0 <= r["start"] < r["end"]
    origins = _rows(scanned, "families", "origins")
    right = [o["origin_id"] in c.origins[docs[o["b"]]] for o in origins if docs[o["b"]] in c.origins]
    assert sum(right) / len(right) >= 0.9
    statuses = {o["origin_status"] for o in origins}
    assert {"dated", "tie", "partly-undated"} <= statuses  # ties and undated pages are said so


def test_resume_reruns_only_the_stage_without_marker(scanned, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(scanned, out)
    before = {s: (out / s / stg.MARKER).stat().st_mtime_ns for s in stg.STAGES}
    sites_before = _rows(out, "sites")
    (out / "sites" / stg.MARKER).unlink()
    run_scan(out, ScanSettings(), workers=1, explicit={})
    after = {s: (out / s / stg.MARKER).stat().st_mtime_ns for s in stg.STAGES}
    assert [s for s in stg.STAGES if before[s] != after[s]] == ["sites"]
    assert _rows(out, "sites") == sites_before


def test_killed_stage_without_marker_reruns_with_later_ones(scanned, tmp_path):
    out = tmp_path / "killed"
    shutil.copytree(scanned, out)
    (out / "alignments" / stg.MARKER).unlink()
    for f in (out / "alignments").glob("*.parquet"):
        f.write_bytes(b"half-written")
    before = {s: (out / s / stg.MARKER).stat().st_mtime_ns for s in ("docs", "pairs", "families")}
    fams = _rows(out, "families")
    run_scan(out, ScanSettings(), workers=1, explicit={})
    assert (out / "docs" / stg.MARKER).stat().st_mtime_ns == before["docs"]
    assert (out / "pairs" / stg.MARKER).stat().st_mtime_ns == before["pairs"]
    assert (out / "families" / stg.MARKER).stat().st_mtime_ns != before["families"]
    assert _rows(out, "families") == fams


def test_spawned_workers_give_the_same_result(scanned, tmp_path, monkeypatch):
    """Platforms without fork (Windows) start workers by spawn: they must get the settings
    and read the texts themselves."""
    from unspun.scan import local

    monkeypatch.setattr(local, "START_METHOD", "spawn")
    out = tmp_path / "spawn"
    shutil.copytree(scanned, out)
    for stage in ("features", "alignments"):
        (out / stage / stg.MARKER).unlink()
    run_scan(out, ScanSettings(), workers=2, explicit={})
    for stage in ("features", "pairs", "alignments", "families", "sites"):
        assert _rows(out, stage) == _rows(scanned, stage), stage


def test_resume_refuses_other_settings(scanned):
    with pytest.raises(SettingsError, match="filter"):
        run_scan(scanned, ScanSettings(filter="a.site = b.site"), explicit={"filter": "a.site = b.site"})


def test_memory_bound_changes_speed_not_the_result(scanned, tmp_path, monkeypatch):
    import duckdb

    applied = []
    real_connect = duckdb.connect

    def connect(*a, **k):  # record what the pair join's connection really runs with
        con = real_connect(*a, **k)
        applied.append(con.sql("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0])
        return con

    monkeypatch.setattr(duckdb, "connect", connect)
    out = tmp_path / "mem"
    shutil.copytree(scanned, out)
    (out / "pairs" / stg.MARKER).unlink()
    run_scan(out, ScanSettings(), workers=1, explicit={}, memory="64MB")
    assert (applied[-1][0].replace(" ", "").upper(), applied[-1][1]) == ("64.0MIB", 1), applied
    for stage in ("pairs", "alignments", "families", "sites"):
        assert _rows(out, stage) == _rows(scanned, stage), stage
    assert not (out / "_spill").exists()  # DuckDB's spill folder is removed
    assert "memory" not in json.loads((out / "settings.json").read_text())  # not a setting


@pytest.mark.parametrize("text, size", [("4GB", 4 * 2**30), ("512m", 512 * 2**20), ("1.5G", 3 * 2**29),
                                        ("100000000", 100_000_000)])
def test_memory_sizes(text, size):
    from unspun.scan.settings import parse_memory

    assert parse_memory(text) == size


@pytest.mark.parametrize("text", ["lots", "4 parsecs", "-1GB", "1MB", "", 1000])
def test_bad_memory_is_one_clear_error(text, tmp_path, crawl):
    with pytest.raises(SettingsError, match="--memory"):
        run_scan(tmp_path / "o", ScanSettings(inputs=(str(crawl[1]),)), memory=text)
    assert not (tmp_path / "o").exists()


def test_bad_filter_is_one_clear_error(tmp_path, crawl):
    with pytest.raises(SettingsError, match="--filter"):
        run_scan(tmp_path / "o", ScanSettings(inputs=(str(crawl[1]),), filter="a.nope ="))
    assert not (tmp_path / "o" / "settings.json").exists()


def test_without_filter_same_site_pairs_are_allowed(crawl, tmp_path):
    run_scan(tmp_path / "nf", ScanSettings(inputs=(str(crawl[1]),)), workers=1)
    top = [s["site"] for s in _rows(tmp_path / "nf", "sites")[:3]]
    assert set(top) == set(FARMS)


def test_report_is_self_contained_and_escaped(scanned):
    page = render_report(scanned)
    assert "spinfarm.example" in page and "Content-Security-Policy" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<script" not in page.lower()
    # nothing is loaded: no element with a source, no stylesheet link; URLs are plain links
    assert not re.search(r"\b(src|srcset|data)\s*=|<link|<img|<iframe|@import|url\(", page, re.I)
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page  # shown, not linked
    # the stylesheet is allowed by its hash: the <style> text must hash to the CSP's value
    import base64
    import hashlib
    import html

    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert f"style-src 'sha256-{digest}'" in csp


def test_report_drill_down_shows_the_copied_and_source_text(scanned):
    from markupsafe import escape

    from unspun.scan.report import report_data

    page = render_report(scanned)
    assert "built-in method" not in page and "object at 0x" not in page
    texts = {r["did"]: r["text"] for r in _rows(scanned, "docs")}
    shown = {a["doc"]["did"] for arts in report_data(scanned)["drill"].values() for a in arts}
    passages = [p for p in _rows(scanned, "alignments") if p["accepted"] and p["b"] in shown]
    assert len(passages) >= 10
    for p in passages:  # both sides of every passage, as the tables hold them, autoescaped
        assert str(escape(texts[p["b"]][p["b_start"]:p["b_end"]][:300])) in page
        assert str(escape(texts[p["a"]][p["a_start"]:p["a_end"]][:300])) in page


def test_report_example_pairs_name_documents_and_urls(scanned):
    from unspun.scan.report import report_data

    page = render_report(scanned)
    farm = next(s for s in report_data(scanned)["sites"] if s["site"] == "spinfarm.example")
    assert farm["evidence"] and len(farm["examples"]) == len(farm["evidence"])
    for pair, ex in zip(farm["evidence"], farm["examples"], strict=True):
        a, b = (int(x) for x in pair.split("-"))
        assert (ex["source_doc"]["did"], ex["copy_doc"]["did"]) == (a, b)
        assert ex["copy_doc"]["id"].startswith("spinfarm.example/")
        assert f"<code>{ex['copy_doc']['id']}</code>" in page
        assert f"<code>{ex['source_doc']['id']}</code>" in page
    # the example column names documents, never the pair's row numbers
    assert not re.search(r"<code>\d+-\d+</code>", page)
    assert 'href="https://spinfarm.example/0?a=1&amp;b=&#34;x&#34;"' in page


def test_cli_scan_and_report(crawl, tmp_path):
    out = tmp_path / "cli"
    r = CliRunner().invoke(app, ["scan", str(crawl[1]), "--out", str(out), "--filter", FILTER,
                                 "--workers", "1", "-q"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["scan", "report", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").read_text().startswith("<!doctype html>")
    r = CliRunner().invoke(app, ["scan", "--out", str(out), "--filter", "a.id <> b.id"])
    assert r.exit_code == 2 and "filter" in r.output
    r = CliRunner().invoke(app, ["scan", "report", str(tmp_path / "nothing") + "/"])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
    (tmp_path / "empty").mkdir()
    (tmp_path / "afile").write_text("x")
    r = CliRunner().invoke(app, ["scan", "report", str(tmp_path / "empty")])
    assert r.exit_code == 2 and "not a scan folder" in r.output
    r = CliRunner().invoke(app, ["scan", "report", str(tmp_path / "afile")])
    assert r.exit_code == 2 and "not a folder" in r.output
    assert not (tmp_path / "empty" / "report.html").exists()
    r = CliRunner().invoke(app, ["scan", str(crawl[1]), "--out", str(tmp_path / "m"), "--memory", "lots"])
    assert r.exit_code == 2 and "--memory 'lots'" in r.output and "Traceback" not in r.output


def test_spark_engine_without_pyspark_says_what_to_install(tmp_path, crawl, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_spark(name, *a, **k):
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_spark)
    with pytest.raises(SettingsError, match=r"unspun\[spark\]"):
        run_scan(tmp_path / "s", ScanSettings(inputs=(str(crawl[1]),)), engine="spark")
    assert os.environ.get("UNSPUN_NEVER_SET") is None
