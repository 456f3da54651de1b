from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspun.cli import app

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("idx") / "refs.db"
    r = run("index", "add", str(EX / "reference.jsonl"), "--db", str(path), "-q")
    assert r.exit_code == 0, r.output
    assert "added 64, replaced 0, unchanged 0, failed 0; 64 documents" in r.output
    return path


def test_index_add_again_is_incremental(db):
    r = run("index", "add", str(EX / "reference.jsonl"), "--db", str(db), "-q")
    assert r.exit_code == 0
    assert "added 0, replaced 0, unchanged 64" in r.output


def test_index_stats(db):
    r = run("index", "stats", "--db", str(db), "--json")
    assert r.exit_code == 0
    st = json.loads(r.output)
    assert st["documents"] == 64 and st["postings"] > 0


def test_check_json_with_db(db, tmp_path):
    out = tmp_path / "r.json"
    r = run("check", str(EX / "suspect.txt"), "--db", str(db), "--format", "json", "--output", str(out))
    assert r.exit_code == 0, r.output
    rep = json.loads(out.read_text())
    assert rep["verdict"]["label"] == "stitched"
    assert [s["doc_id"] for s in rep["sources"]][:2] == [
        "cardin-navalny-sanctions-letter-2020",
        "feinstein-new-start-letter-2020",
    ]


def test_check_stdin_against_terminal(tmp_path):
    r = run("check", "-", "--against", str(EX / "reference.jsonl"), "--no-color",
            input=(EX / "suspect.txt").read_text())
    assert r.exit_code == 0, r.output
    assert "STITCHED" in r.output
    assert "Cardin Heads Bipartisan Letter" in r.output
    assert "Moscow has repeatedly refused" in r.output  # unsourced


def test_index_remove(tmp_path):
    path = tmp_path / "r.db"
    run("index", "add", str(EX / "reference.jsonl"), "--db", str(path), "-q")
    r = run("index", "remove", "feinstein-new-start-letter-2020", "--db", str(path))
    assert r.exit_code == 0 and "removed 1 of 1" in r.output
    r = run("check", str(EX / "suspect.txt"), "--db", str(path), "-f", "json")
    assert "feinstein-new-start-letter-2020" not in [s["doc_id"] for s in json.loads(r.output)["sources"]]


@pytest.mark.parametrize(
    "setup, args, message",
    [
        ("missing-db", ["check", "{ex}/suspect.txt", "--db", "{tmp}/nope.db"], "no index here"),
        ("empty", ["check", "{tmp}/empty.txt", "--against", "{ex}/reference.jsonl"], "empty.txt"),
        ("binary", ["check", "{tmp}/blob.bin", "--against", "{ex}/reference.jsonl"], "blob.bin"),
        ("missing", ["check", "{tmp}/absent.txt", "--against", "{ex}/reference.jsonl"], "absent.txt"),
        ("junk-db", ["check", "{ex}/suspect.txt", "--db", "{tmp}/junk.db"], "not an unspun index"),
        ("none", ["check", "{ex}/suspect.txt"], "--db"),
    ],
)
def test_bad_input_one_line_error_exit_2_nothing_written(tmp_path, setup, args, message):
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "junk.db").write_bytes(b"not a database" * 200)
    out = tmp_path / "out.json"
    argv = [a.format(ex=EX, tmp=tmp_path) for a in args] + ["-o", str(out)]
    r = run(*argv)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output
    assert not out.exists()
    assert not (tmp_path / "nope.db").exists()


def test_console_script_and_module_entry_points(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "unspun", "--version"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith("unspun ")
    r = subprocess.run([sys.executable, "-m", "unspun", "check", str(tmp_path / "x.txt"), "--db", str(tmp_path / "y.db")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
