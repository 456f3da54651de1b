"""``-o``: a report goes only over a regular file, never over an input, a folder, a device
or a FIFO; ``-o -`` is stdout; a refusal is one line with exit code 2 (issue 12)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspun.cli import app

EX = Path(__file__).resolve().parent.parent / "examples"
SUSPECT = EX / "suspect.txt"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def refused(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: -o") and r.output.count("\n") == 1, r.output
    assert "Traceback" not in r.output
    for w in words:
        assert w in r.output, r.output


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("idx") / "refs.db"
    r = run("index", "add", EX / "reference.jsonl", "--db", path, "-q")
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def db(built, tmp_path) -> Path:
    path = tmp_path / "refs.db"
    shutil.copy(built, path)
    return path


def documents(db: Path) -> int:
    r = run("index", "stats", "--db", db, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["documents"]


def test_report_over_the_index_being_read_is_refused(db):
    before = db.read_bytes()
    refused(run("check", SUSPECT, "--db", db, "-f", "html", "-o", db), "input")
    assert db.read_bytes() == before and documents(db) == 64


@pytest.mark.parametrize("how", ["symlink", "hardlink", "wal", "shm"])
def test_report_over_the_index_by_another_name_is_refused(db, how):
    before = db.read_bytes()
    if how == "symlink":
        target = db.parent / "report.html"
        target.symlink_to(db)
    elif how == "hardlink":
        target = db.parent / "report.html"
        os.link(db, target)
    else:
        target = db.parent / f"{db.name}-{how}"
    refused(run("check", SUSPECT, "--db", db, "-f", "json", "-o", target), "input")
    assert db.read_bytes() == before and documents(db) == 64


def test_report_over_the_article_or_a_reference_is_refused(tmp_path):
    article = tmp_path / "suspect.txt"
    shutil.copy(SUSPECT, article)
    refs = tmp_path / "refs"
    refs.mkdir()
    shutil.copy(EX / "reference.jsonl", refs / "reference.jsonl")
    refused(run("check", article, "--against", refs, "-o", article), "input")
    assert article.read_bytes() == SUSPECT.read_bytes()
    refused(run("check", article, "--against", refs, "-o", refs / "reference.jsonl"), "input folder")
    assert (refs / "reference.jsonl").read_bytes() == (EX / "reference.jsonl").read_bytes()
    r = run("check", article, "--against", refs, "-f", "json", "-o", refs / "report.json")  # a new name is fine
    assert r.exit_code == 0 and json.loads((refs / "report.json").read_text())["verdict"]


def test_fifo_is_left_alone(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(run("check", SUSPECT, "--db", db, "-f", "json", "-o", fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_device_node_is_left_alone(db, tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    refused(run("check", SUSPECT, "--db", db, "-f", "json", "-o", node), "device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    refused(run("demo", "-o", node), "device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc")
def test_unwritable_places_are_one_line_errors(db, tmp_path):
    refused(run("check", SUSPECT, "--db", db, "-f", "html", "-o", "/proc/x.html"))
    refused(run("demo", "-o", "/proc/x.html"))
    refused(run("check", SUSPECT, "--db", db, "-o", tmp_path / "missing" / "r.txt"), "does not exist")
    (tmp_path / "file").write_text("a file, not a folder\n")
    refused(run("check", SUSPECT, "--db", db, "-o", tmp_path / "file" / "r.txt"), "is not a folder")
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        refused(run("check", SUSPECT, "--db", db, "-o", ro / "r.txt"), "cannot write")


def test_dash_is_stdout(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("check", SUSPECT, "--db", db, "-f", "json", "-o", "-")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["verdict"]["label"] == "stitched"
    r = run("demo", "-o", "-")
    assert r.exit_code == 0, r.output
    assert r.stdout.lstrip().lower().startswith("<!doctype html>") and r.stdout.rstrip().endswith("</html>")
    assert not (tmp_path / "-").exists()
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("refs.db")]


def test_an_existing_report_is_replaced_whole_keeping_its_mode(db, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old\n")
    out.chmod(0o640)
    r = run("check", SUSPECT, "--db", db, "-f", "json", "-o", out)
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["verdict"]["label"] == "stitched"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    link = tmp_path / "latest.json"
    link.symlink_to(out)
    out.write_text("old\n")
    assert run("check", SUSPECT, "--db", db, "-f", "json", "-o", link).exit_code == 0
    assert link.is_symlink() and json.loads(out.read_text())["verdict"]  # written through the link
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".unspun-")] == []
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "elsewhere" / "planted.json")
    (tmp_path / "elsewhere").mkdir()
    refused(run("check", SUSPECT, "--db", db, "-f", "json", "-o", dangling), "symbolic link to nothing")
    assert not (tmp_path / "elsewhere" / "planted.json").exists()


# the index file itself (--db): never a FIFO (the open would block) or a device


@pytest.mark.parametrize("command", [["index", "stats"], ["index", "add", EX / "reference.jsonl", "-q"],
                                     ["check", SUSPECT]])
def test_index_path_that_is_a_fifo_is_refused_not_waited_on(tmp_path, command):
    import subprocess
    import sys

    fifo = tmp_path / "idx.db"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    r = subprocess.run([sys.executable, "-m", "unspun", *map(str, command), "--db", str(fifo)],
                       capture_output=True, text=True, timeout=20, env=env)
    assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_index_name_with_uri_characters_opens_read_only(built, tmp_path):
    odd = tmp_path / "refs?mode=rwc#1.db"
    shutil.copy(built, odd)
    assert documents(odd) == 64
    r = run("check", SUSPECT, "--db", tmp_path / "refs?mode=rwc", "-f", "json")
    assert r.exit_code == 2 and "no index here" in r.output
    assert not (tmp_path / "refs").exists() and not (tmp_path / "refs?mode=rwc").exists()
