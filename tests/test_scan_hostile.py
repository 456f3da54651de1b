"""Hostile input to ``unspun scan`` (issue 12): filters, saved settings and paths read,
write or run nothing beyond the scan that was asked for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

from bench.scan_crawl import make_crawl  # noqa: E402

from unspun.cli import app  # noqa: E402
from unspun.errors import SettingsError, UnspunError  # noqa: E402
from unspun.scan import ScanSettings, run_scan, stage_status  # noqa: E402
from unspun.scan import stages as stg  # noqa: E402

FILTER = "a.site <> b.site"
SECRET = "the vault code is 4711"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crawl") / "crawl.jsonl"
    make_crawl(seed=0).write(str(path))
    return path


@pytest.fixture(scope="module")
def scanned(crawl, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "out"
    run_scan(out, ScanSettings(inputs=(str(crawl),), filter=FILTER), workers=1)
    return out


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def _copy_attack(target: Path) -> str:
    return f"true); COPY (SELECT 'owned') TO '{target}'; SELECT 1 WHERE (true"


def _read_attack(secret: Path) -> str:
    return (f"a.id IN (SELECT column0 FROM read_csv('{secret}', header=false)) OR "
            f"CAST((SELECT string_agg(column0, ',') FROM read_csv('{secret}', header=false)) AS INTEGER) = 1")


def test_filter_cannot_read_a_file_or_leak_it_in_the_error(tmp_path, crawl, secret):
    with pytest.raises(SettingsError, match="--filter") as e:
        run_scan(tmp_path / "o", ScanSettings(inputs=(str(crawl),), filter=_read_attack(secret)))
    assert "4711" not in str(e.value)
    assert not (tmp_path / "o").exists()


def test_filter_cannot_write_a_file(tmp_path, crawl):
    target = tmp_path / "x.csv"
    with pytest.raises(SettingsError, match="--filter"):
        run_scan(tmp_path / "o", ScanSettings(inputs=(str(crawl),), filter=_copy_attack(target)))
    assert not target.exists()
    assert not (tmp_path / "o").exists()


def test_cli_filter_attack_is_one_line_exit_2(tmp_path, crawl):
    target = tmp_path / "x.csv"
    r = CliRunner().invoke(app, ["scan", str(crawl), "--out", str(tmp_path / "o"), "-q",
                                 "--filter", _copy_attack(target)])
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: --filter") and "Traceback" not in r.output
    assert not target.exists()


@pytest.mark.parametrize("key, value", [
    ("filter", "COPY"),
    ("min_shared", "3 HAVING 1=1) x; COPY (SELECT 1) TO 'x.csv'; --"),
    ("max_sources", [30]),
    ("inputs", "crawl.jsonl"),
    ("align", {"min_seed_tokens": "5; DROP"}),
])
def test_tampered_settings_are_refused_on_resume(scanned, tmp_path, key, value):
    out = tmp_path / "resume"
    shutil.copytree(scanned, out)
    target = tmp_path / "x.csv"
    saved = json.loads((out / "settings.json").read_text())
    saved[key] = _copy_attack(target) if value == "COPY" else value
    (out / "settings.json").write_text(json.dumps(saved))
    for stage in ("pairs", "alignments", "families", "sites"):  # the filter would run again
        (out / stage / stg.MARKER).unlink()
    with pytest.raises(SettingsError, match="settings.json") as e:
        run_scan(out, ScanSettings(), workers=1, explicit={})
    assert key in str(e.value)
    assert not target.exists()
    assert not stage_status(out)["pairs"]  # nothing ran
    r = CliRunner().invoke(app, ["scan", "--out", str(out), "-q"])
    assert r.exit_code == 2 and "settings.json" in r.output and "Traceback" not in r.output
    assert not target.exists()


def test_out_path_with_a_quote_and_glob_characters(scanned, crawl, tmp_path):
    out = tmp_path / "it's [a] scan*"
    run_scan(out, ScanSettings(inputs=(str(crawl),), filter=FILTER), workers=1)
    for stage in ("pairs", "families", "sites"):
        assert stg.read_table(out, stage).to_pylist() == stg.read_table(scanned, stage).to_pylist(), stage


def test_filter_literals_with_quotes_run_in_the_scan(scanned, crawl, tmp_path):
    """Literals (quotes and all) are bound parameters: an extra condition that keeps every
    pair gives the same scan."""
    out = tmp_path / "lit"
    f = "a.site <> b.site AND b.site NOT IN ('o''brien.example', 'x'); AND b.chars > 0"
    with pytest.raises(SettingsError):
        run_scan(out, ScanSettings(inputs=(str(crawl),), filter=f), workers=1)
    f = f.replace(";", "")
    run_scan(out, ScanSettings(inputs=(str(crawl),), filter=f), workers=1)
    assert stg.read_table(out, "pairs").to_pylist() == stg.read_table(scanned, "pairs").to_pylist()


# --out: a scan deletes only what it made


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def crawl_dir(crawl, tmp_path) -> Path:
    """A crawl folder whose own subfolders bear stage names."""
    root = tmp_path / "crawl"
    (root / "docs").mkdir(parents=True)
    shutil.copy(crawl, root / "docs" / "crawl.jsonl")
    (root / "features").mkdir()
    (root / "features" / "notes.txt").write_text("Which stories did the farms lift this week?\n")
    return root


def test_out_refuses_a_folder_holding_its_input_and_deletes_nothing(crawl_dir):
    before = _tree(crawl_dir)
    with pytest.raises(UnspunError, match="--out"):
        run_scan(crawl_dir, ScanSettings(inputs=(str(crawl_dir / "docs"),)), workers=1)
    assert _tree(crawl_dir) == before
    r = CliRunner().invoke(app, ["scan", str(crawl_dir / "docs"), "--out", str(crawl_dir), "-q"])
    assert r.exit_code == 2 and r.output.startswith("error: --out") and "Traceback" not in r.output
    assert "holds the input" in r.output
    assert _tree(crawl_dir) == before


def test_out_refuses_a_non_empty_folder_it_did_not_make(crawl, crawl_dir):
    before = _tree(crawl_dir)
    with pytest.raises(UnspunError, match="not made by unspun scan"):
        run_scan(crawl_dir, ScanSettings(inputs=(str(crawl),)), workers=1)
    assert _tree(crawl_dir) == before and sorted(p.name for p in crawl_dir.iterdir()) == ["docs", "features"]


def test_out_refuses_a_folder_inside_an_input(crawl_dir):
    out = crawl_dir / "docs" / "scan"
    with pytest.raises(UnspunError, match="inside the input"):
        run_scan(out, ScanSettings(inputs=(str(crawl_dir / "docs"),)), workers=1)
    assert not out.exists()


def test_out_that_is_a_file_is_refused(crawl, tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("keep me\n")
    with pytest.raises(UnspunError, match="not a folder"):
        run_scan(out, ScanSettings(inputs=(str(crawl),)), workers=1)
    assert out.read_text() == "keep me\n"


def test_failed_start_leaves_nothing_and_the_corrected_command_works(crawl, scanned, tmp_path):
    wrong = tmp_path / "empty.jsonl"
    wrong.write_text("")
    out = tmp_path / "new" / "scan"
    with pytest.raises(UnspunError):
        run_scan(out, ScanSettings(inputs=(str(wrong),), filter=FILTER), workers=1)
    assert not (tmp_path / "new").exists()
    run_scan(out, ScanSettings(inputs=(str(crawl),), filter=FILTER), workers=1)
    assert stg.read_table(out, "sites").to_pylist() == stg.read_table(scanned, "sites").to_pylist()


def test_killed_start_is_replaced_by_the_corrected_command(crawl, scanned, tmp_path):
    """A start killed before any stage finished (no clean-up ran) holds settings nothing
    was made with: the corrected command replaces them."""
    out = tmp_path / "killed"
    shutil.copytree(scanned, out)
    for s in stg.STAGES:
        (out / s / stg.MARKER).unlink()
    saved = json.loads((out / "settings.json").read_text())
    (out / "settings.json").write_text(json.dumps({**saved, "inputs": ["typo.jsonl"]}))
    run_scan(out, ScanSettings(inputs=(str(crawl),), filter=FILTER), workers=1,
             explicit={"inputs": [str(crawl)], "filter": FILTER})
    assert json.loads((out / "settings.json").read_text())["inputs"] == [str(crawl)]
    assert stg.read_table(out, "sites").to_pylist() == stg.read_table(scanned, "sites").to_pylist()


def test_empty_folder_is_used_and_kept_after_a_failure(crawl, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    wrong = tmp_path / "empty.jsonl"
    wrong.write_text("")
    with pytest.raises(UnspunError):
        run_scan(out, ScanSettings(inputs=(str(wrong),)), workers=1)
    assert out.is_dir() and not list(out.iterdir())


def test_scan_folder_from_before_the_owner_file_resumes(scanned, tmp_path):
    out = tmp_path / "legacy"
    shutil.copytree(scanned, out)
    (out / ".unspun-scan").unlink(missing_ok=True)
    (out / "sites" / stg.MARKER).unlink()
    run_scan(out, ScanSettings(), workers=1, explicit={})
    assert stage_status(out)["sites"] and (out / ".unspun-scan").is_file()


def test_a_linked_stage_folder_is_unlinked_not_emptied(scanned, tmp_path):
    out = tmp_path / "linked"
    shutil.copytree(scanned, out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the scan's\n")
    shutil.rmtree(out / "sites")
    (out / "sites").symlink_to(elsewhere, target_is_directory=True)
    run_scan(out, ScanSettings(), workers=1, explicit={})
    assert (elsewhere / "keep.txt").read_text() == "not the scan's\n"
    assert not (out / "sites").is_symlink() and stage_status(out)["sites"]


# scan report -o: never over the scan's own tables, a FIFO, or a folder; - is stdout


@pytest.mark.parametrize("target", ["docs/part-00000.parquet", "settings.json", ".unspun-scan"])
def test_report_never_overwrites_the_scan(scanned, tmp_path, target):
    out = tmp_path / "scan"
    shutil.copytree(scanned, out)
    before = _tree(out)
    r = CliRunner().invoke(app, ["scan", "report", str(out), "-o", str(out / target)])
    assert r.exit_code == 2 and r.output.startswith("error: -o") and "input" in r.output, r.output
    assert _tree(out) == before


def test_report_to_stdout_or_a_fifo(scanned, tmp_path, monkeypatch):
    import os
    import stat

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["scan", "report", str(scanned), "-o", "-"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("<!doctype html>") and "spinfarm.example" in r.stdout
    assert not (tmp_path / "-").exists()
    os.mkfifo(tmp_path / "pipe")
    r = CliRunner().invoke(app, ["scan", "report", str(scanned), "-o", str(tmp_path / "pipe")])
    assert r.exit_code == 2 and "FIFO" in r.output and "Traceback" not in r.output
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


def test_pair_join_cannot_touch_files_even_if_a_filter_got_through(scanned, tmp_path, secret, monkeypatch):
    """Defence in depth: were the filter language ever to let SQL through, DuckDB's pair
    join runs with file access switched off."""
    from unspun.scan import local

    target = tmp_path / "x.csv"
    evil = {"read": f"(a.id IN (SELECT column0 FROM read_csv('{secret}', header=false)))",
            "write": f"(true); COPY (SELECT 'owned') TO '{target}'; SELECT 1 WHERE (true)"}
    for sql in evil.values():
        monkeypatch.setattr(local, "compile_filter", lambda text, dialect, sql=sql: (sql, {}))
        out = tmp_path / "evil"
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(scanned, out)
        (out / "pairs" / stg.MARKER).unlink()
        with pytest.raises(SettingsError) as e:
            run_scan(out, ScanSettings(), workers=1, explicit={})
        assert "4711" not in str(e.value)
        assert not target.exists()
