"""Issue 12, hostile input: nothing lost, nothing run, nothing frozen.

Each test names a defect found by a probe of the readers and the CLI (lone surrogates,
silent truncation, whole files lost to one bad line, FIFOs, symlinks, bad option
values), plus the corpus of malformed files in tests/data/bad/ run through the CLI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import unspun
from bad_corpus import HERE as BAD
from bad_corpus import build, jsonl_line, sentence, warc_parts
from unspun.cli import app
from unspun.ingest import read_records
from unspun.models import Document, IngestFailure

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
FAILURE_LINE = re.compile(r"^(failed|truncated|skipped) (\S.*?): (.+)$")


def run(*args: object, input: str | bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def documents_in(output: str) -> int:
    found = re.search(r"; (\d+) documents in ", output)
    assert found, output
    return int(found.group(1))


def failure_lines(output: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in output.splitlines() if (m := FAILURE_LINE.match(line))]


def add(tmp_path: Path, *paths: object, extra: tuple[str, ...] = ()):
    return run("index", "add", *paths, "--db", tmp_path / "refs.db", "-q", *extra)


def write_jsonl(path: Path, n: int, bad: dict[int, bytes]) -> Path:
    path.write_bytes(b"".join(bad.get(i, jsonl_line(i)) for i in range(1, n + 1)))
    return path


def cli_subprocess(*args: object, timeout: float = 30, stdin: bytes | None = None):
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "unspun", *map(str, args)], capture_output=True,
        timeout=timeout, env=env, input=stdin,
    )  # fmt: skip


# --- 1. lone surrogates ----------------------------------------------------------------

SURROGATE_TEXT = b'{"id": "r250", "text": "The ferry left at noon \\ud83d and came back."}\n'


def test_surrogate_line_loses_no_good_record(tmp_path: Path):
    path = write_jsonl(tmp_path / "wire.jsonl", 300, {250: SURROGATE_TEXT})
    r = add(tmp_path, path, extra=("--batch-size", "100"))
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 299
    (line,) = failure_lines(r.output)
    assert line[1] == f"{path.as_posix()}:250"
    assert "lone surrogate U+D83D" in line[2]
    assert "added 299, replaced 0, unchanged 0, failed 1;" in r.output


@pytest.mark.parametrize(
    "bad",
    [
        b'{"id": "x\\ud83d", "text": "The pier reopened on Friday."}\n',
        b'{"id": "r2", "title": "\\udc00 gale", "text": "Boats stayed in harbour."}\n',
        b'{"id": "r2", "text": "The fair was held.", "tags": {"k\\ud800": 1}}\n',
        b'{"id": "r2", "text": "The fair was held.", "url": "https://x.example/\\udfff"}\n',
    ],
    ids=["id", "title", "meta-key", "url"],
)
def test_surrogate_in_any_field_fails_only_its_record(tmp_path: Path, bad: bytes):
    path = write_jsonl(tmp_path / "w.jsonl", 5, {2: bad})
    r = add(tmp_path, path)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 4
    ((_, where, reason),) = failure_lines(r.output)
    assert where == f"{path.as_posix()}:2" and "lone surrogate" in reason


def test_check_stdin_with_surrogate_is_a_one_line_error(tmp_path: Path):
    ref = write_jsonl(tmp_path / "ref.jsonl", 5, {})
    r = cli_subprocess("check", "-", "--against", ref, stdin=SURROGATE_TEXT)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "Traceback" not in err
    assert err.strip() == "error: <stdin>:1: invalid Unicode in 'text': lone surrogate U+D83D at character 23"


def test_check_record_and_against_keep_good_records(tmp_path: Path):
    ref = write_jsonl(tmp_path / "ref.jsonl", 6, {3: SURROGATE_TEXT})
    article = tmp_path / "art.jsonl"
    article.write_bytes(SURROGATE_TEXT + jsonl_line(4, id="article-4"))
    r = run("check", article, "--record", "article-4", "--against", ref, "-f", "json")
    assert r.exit_code == 1, r.output  # one --against record failed; the report is made
    assert f"failed {ref.as_posix()}:3: invalid Unicode in 'text'" in r.output
    report = json.loads(r.output[r.output.index("{") :])
    sources = [s["doc_id"] for s in report["sources"]]
    assert "bad-4" in sources and "r250" not in sources  # checked against the 5 good ones
    r = run("check", article, "--record", "r250", "--against", ref)
    assert r.exit_code == 2 and "no record with id 'r250'" in r.output


def test_index_never_stores_unencodable_strings(tmp_path: Path):
    good = Document(id="good", text=sentence(1))
    bad = [
        Document(id="a\ud83d", text=sentence(2)),
        Document(id="b", text=sentence(3) + "\udc00"),
        Document(id="c", text=sentence(4), title="\ud800"),
        Document(id="d", text=sentence(5), meta={"k": ["\udfff"]}),
    ]
    for idx in (unspun.open_index(tmp_path / "x.db", create=True), unspun.memory_index()):
        with idx:
            result = idx.add([*bad, good])
            assert result.added == 1 and result.failed == 4
            assert [f.location for f in result.failures] == ["a\\ud83d", "b", "c", "d"]
            assert all("lone surrogate" in f.reason for f in result.failures)
            assert len(idx) == 1
            assert idx.get("a\ud83d") is None and idx.remove(["a\ud83d", "good"]) == 1
    r = run("index", "remove", "\udcff", "--db", tmp_path / "x.db")  # argv not UTF-8
    assert r.exit_code == 1 and "removed 0 of 1" in r.output


def test_service_and_scan_inputs_share_the_record_layer(tmp_path: Path):
    """The service's JSON/JSONL bodies and pasted text, and scan's reading, go through
    the same record layer: a lone surrogate fails its record with a location."""
    from unspun.service.inputs import ServiceError, json_records, jsonl_body_records
    from unspun.service.inputs import text_document as pasted

    body = b'[{"id": "a", "text": "x \\ud83d"}, {"id": "b", "text": "The wall was mended."}]'
    bad, good = json_records(body)
    assert isinstance(bad, IngestFailure) and bad.location == "[0]" and "lone surrogate" in bad.reason
    assert isinstance(good, Document) and good.id == "b"
    bad, good = jsonl_body_records(SURROGATE_TEXT + jsonl_line(1), 1 << 20)
    assert bad.location == "body:1" and isinstance(good, Document)
    with pytest.raises(ServiceError, match="lone surrogate"):
        pasted("The ferry \ud83d left.")
    records = list(read_records([write_jsonl(tmp_path / "s.jsonl", 3, {2: SURROGATE_TEXT})]))
    assert [type(r).__name__ for r in records] == ["Document", "IngestFailure", "Document"]


# --- 2. silent truncation --------------------------------------------------------------


def test_warc_cut_mid_record_is_reported_truncated(tmp_path: Path):
    parts = warc_parts(3)
    path = tmp_path / "cut.warc"
    path.write_bytes(b"".join(parts)[:-200])
    r = add(tmp_path, path)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 2
    ((verb, where, reason),) = failure_lines(r.output)
    assert (verb, where) == ("truncated", f"{path.as_posix()}#4@{len(b''.join(parts[:3]))}")
    assert reason.startswith("truncated inside its block")
    assert "failed 1 (1 truncated);" in r.output


def test_keep_partial_keeps_the_text_and_says_so(tmp_path: Path):
    from unspun.ingest import is_partial

    parts = warc_parts(3)
    path = tmp_path / "cut.warc"
    path.write_bytes(b"".join(parts)[:-200])
    records = list(read_records([path], keep_partial=True))
    assert all(isinstance(r, Document) for r in records) and len(records) == 3
    assert [is_partial(r) for r in records] == [False, False, True]
    assert "Wenlow, report 3" in records[2].text or "report 3" in records[2].text
    r = add(tmp_path, path, extra=("--keep-partial",))
    assert r.exit_code == 0, r.output
    assert documents_in(r.output) == 3
    assert f"kept partial {path.as_posix()}#4: truncated inside its block" in r.output
    assert "failed 0, kept partial 1;" in r.output


def test_check_a_truncated_warc_article_needs_keep_partial(tmp_path: Path):
    parts = warc_parts(1)
    article = tmp_path / "cut.warc"
    article.write_bytes(b"".join(parts)[:-120])
    ref = write_jsonl(tmp_path / "ref.jsonl", 3, {})
    r = run("check", article, "--against", ref, "-f", "json")
    assert r.exit_code == 2, r.output
    assert f"error: {article.as_posix()}#2@{len(parts[0])}: truncated inside its block" in r.output
    r = run("check", article, "--against", ref, "-f", "json", "--keep-partial")
    assert r.exit_code == 0, r.output
    assert f"kept partial {article.as_posix()}#2: truncated inside its block" in r.output
    assert '"verdict"' in r.output


def test_warc_cut_inside_a_header_is_reported(tmp_path: Path):
    parts = warc_parts(3)
    path = tmp_path / "cut.warc"
    path.write_bytes(b"".join(parts[:3]) + parts[3][:50])
    r = add(tmp_path, path)
    assert r.exit_code == 1 and documents_in(r.output) == 2
    ((verb, where, reason),) = failure_lines(r.output)
    assert verb == "truncated" and where.endswith(f"#4@{len(b''.join(parts[:3]))}")
    assert reason == "truncated inside its header: the input ends"


def test_inflated_content_length_does_not_swallow_the_next_record(tmp_path: Path):
    parts = warc_parts(3)
    head, sep, rest = parts[2].partition(b"Content-Length: ")
    number, nl, tail = rest.partition(b"\r\n")
    inflated = head + sep + str(int(number) + 250).encode() + nl + tail
    path = tmp_path / "inflated.warc"
    path.write_bytes(parts[0] + parts[1] + inflated + parts[3])
    records = list(read_records([path]))
    assert [r.id for r in records if isinstance(r, Document)] == [
        "https://news.example/r1", "https://news.example/r3",
    ]  # fmt: skip
    (failure,) = [r for r in records if isinstance(r, IngestFailure)]
    assert failure.location == f"{path.as_posix()}#3@{len(parts[0] + parts[1])}"
    assert "runs past the end of the record" in failure.reason


def test_a_warc_file_carried_inside_a_record_is_not_split(tmp_path: Path):
    from bad_corpus import warc_record

    inner = b"".join(warc_parts(2))
    parts = warc_parts(2)
    carried = warc_record("resource", "https://news.example/crawl.warc", inner, "application/warc")
    for tail in (parts[1], b""):  # with a record after it, and as the last record
        path = tmp_path / "nested.warc"
        path.write_bytes(parts[0] + carried + tail)
        records = list(read_records([path]))
        assert not [r for r in records if isinstance(r, IngestFailure)], records
        assert [r.id for r in records] == (["https://news.example/r1"] if tail else [])


def test_jsonl_named_json_with_malformed_first_line_stays_jsonl(tmp_path: Path):
    path = tmp_path / "export.json"
    path.write_bytes(b'{"id": "r0", "text": "cut\n' + b"".join(jsonl_line(i) for i in range(1, 101)))
    r = add(tmp_path, path)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 100
    ((_, where, reason),) = failure_lines(r.output)
    assert where == f"{path.as_posix()}:1" and reason.startswith("invalid JSON")


# --- 3. one bad line, one whole file lost ------------------------------------------------


def test_deeply_nested_line_keeps_the_rest_of_the_file(tmp_path: Path):
    deep = b'{"id": "d", "text": "Deep.", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    path = write_jsonl(tmp_path / "deep.jsonl", 10, {3: deep})
    r = add(tmp_path, path)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 9
    ((_, where, reason),) = failure_lines(r.output)
    assert where == f"{path.as_posix()}:3" and "nested" in reason


def test_nul_byte_spoils_only_its_line(tmp_path: Path):
    path = write_jsonl(tmp_path / "nul.jsonl", 8, {2: b'{"id": "n", "text": "a \x00 b"}\n'})
    r = add(tmp_path, path)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 7
    assert [w for _, w, _ in failure_lines(r.output)] == [f"{path.as_posix()}:2"]


def test_utf16_jsonl_with_bom_is_read(tmp_path: Path):
    text = "".join(jsonl_line(i).decode() for i in range(1, 6))
    for encoding in ("utf-16", "utf-16-be"):
        path = tmp_path / f"{encoding}.jsonl"
        data = text.encode(encoding)
        path.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
        records = list(read_records([path]))
        assert [r.id for r in records] == [f"bad-{i}" for i in range(1, 6)], records
        assert records[0].text == sentence(1)


# --- 4. FIFOs, symlinks, option values ---------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_skipped_without_hanging(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", 3, {})
    os.mkfifo(folder / "pipe.txt")
    r = cli_subprocess("index", "add", folder, "--db", tmp_path / "x.db", "-q")
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 1, out
    assert documents_in(out) == 3
    assert f"skipped {(folder / 'pipe.txt').as_posix()}: a FIFO (named pipe), not a regular file" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_named_fifo_is_a_clear_error_not_a_hang(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    ref = write_jsonl(tmp_path / "ref.jsonl", 3, {})
    r = cli_subprocess("check", fifo, "--against", ref)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == (
        f"error: {fifo.as_posix()}: a FIFO (named pipe), not a regular file; "
        "give - to read standard input"
    )
    r = cli_subprocess("index", "add", fifo, "--db", tmp_path / "x.db", "-q")
    assert r.returncode == 2
    assert f"skipped {fifo.as_posix()}: a FIFO (named pipe)" in r.stderr.decode()
    r = cli_subprocess("check", "/dev/zero", "--against", ref)
    assert r.returncode == 2 and "a character device, not a regular file" in r.stderr.decode()


def test_symlinks_in_folders_are_not_followed_unless_asked(tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("A private note that must not be indexed by accident.")
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", 2, {})
    (folder / "link.txt").symlink_to(outside)
    r = add(tmp_path, folder)
    assert r.exit_code == 1, r.output
    assert documents_in(r.output) == 2
    assert failure_lines(r.output) == [
        ("skipped", (folder / "link.txt").as_posix(),
         "symbolic link, not followed (--follow-symlinks follows it)"),
    ]  # fmt: skip
    assert "failed 1 (1 skipped);" in r.output
    r = add(tmp_path, folder, extra=("--follow-symlinks",))
    assert r.exit_code == 0, r.output
    assert documents_in(r.output) == 3
    # a link named on the command line is followed: the user asked for that file
    r = run("index", "add", folder / "link.txt", "--db", tmp_path / "y.db", "-q")
    assert r.exit_code == 0 and documents_in(r.output) == 1


@pytest.mark.parametrize("value", ["0", "-5"])
def test_bad_batch_size_is_a_one_line_error(tmp_path: Path, value: str):
    ref = write_jsonl(tmp_path / "ref.jsonl", 3, {})
    r = cli_subprocess("index", "add", ref, "--db", tmp_path / "x.db", "--batch-size", value)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == f"error: --batch-size must be at least 1 (got {value})"
    assert not (tmp_path / "x.db").exists()
    with pytest.raises(unspun.SettingsError):
        unspun.memory_index().add([], batch_size=0)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("index", "add", "x.jsonl", "--db", "x.db", "--batch-size", "many"), "'--batch-size'"),
        (("check", "x.txt", "--db", "x.db", "--format", "pdf"), "'pdf' is not one of"),
        (("check",), "Missing argument 'article'"),
        (("index", "nosuch"), "No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], words: str):
    r = cli_subprocess(*args)
    err = r.stderr.decode().strip()
    assert r.returncode == 2 and r.stdout == b""
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and words in err, err
    assert "--help)" in err  # names the help to read


# --- the corpus of malformed files -------------------------------------------------------

EXPECTED = json.loads((BAD / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_corpus_through_the_cli(tmp_path: Path, name: str):
    case = EXPECTED[name]
    path = BAD / name
    r = add(tmp_path, path)
    assert "Traceback" not in r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == case["exit_code"], r.output
    assert documents_in(r.output) == case["kept"]
    lines = failure_lines(r.output)
    if case["location"] is None:
        assert lines == []
        return
    assert len(lines) >= 1
    _, where, reason = lines[0]
    assert where == path.as_posix() + case["location"]
    assert case["words"] in reason
    for line in r.output.splitlines():  # every line is one whole message, no traceback
        assert line.startswith(("failed ", "truncated ", "skipped ", "added ")), line


def test_bad_corpus_files_are_what_the_script_makes():
    made = build()
    assert sorted(made) == sorted(EXPECTED)
    for name, (data, _) in made.items():
        assert (BAD / name).read_bytes() == data, f"{name}: run python tests/bad_corpus.py"
