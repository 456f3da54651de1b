"""Property-based fuzzing (Hypothesis) of every reader, format detection, the index and check.

The properties: no input makes a reader raise (every record is a Document or an
IngestFailure); no record is lost without a failure saying where (one record per
JSONL line; every undamaged WARC record read, the damaged one located by its byte
offset); no string that cannot be encoded reaches a document or a failure; the index
stores what it accepts and rejects the rest as failures; ``check`` reports on any text.

About 2,500 cases per run (CI). ``UNSPUN_FUZZ_EXAMPLES=N`` spreads N cases over the
tests in the same proportions, for a long run::

    UNSPUN_FUZZ_EXAMPLES=100000 python -m pytest -q tests/test_fuzz.py -p no:cacheprovider

``UNSPUN_FUZZ_REPORT=FILE`` writes the number of cases each test ran to FILE (JSON).
"""

from __future__ import annotations

import atexit
import dataclasses
import gzip
import io
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import unspun
from bad_corpus import PLACES, sentence, warc_record
from unspun.errors import IngestError
from unspun.ingest import detect_format, from_html, from_text, is_partial, read_article
from unspun.ingest.detect import FORMATS
from unspun.ingest.files import Source, read_stream
from unspun.models import Document, IngestFailure, Report

# --- how many cases -----------------------------------------------------------------------

CI_EXAMPLES = {  # per test, in a normal run: 2,500 in all
    "detect": 600,
    "article": 100,
    "bytes": 250,
    "mutated": 250,
    "jsonl": 300,
    "warc": 300,
    "text": 150,
    "html": 100,
    "store": 150,
    "check": 300,
}
_TOTAL = os.environ.get("UNSPUN_FUZZ_EXAMPLES")
RAN: Counter[str] = Counter()


def examples(name: str) -> int:
    if not _TOTAL:
        return CI_EXAMPLES[name]
    return max(1, round(int(_TOTAL) * CI_EXAMPLES[name] / sum(CI_EXAMPLES.values())))


def fuzz(name: str) -> Callable[[Any], Any]:
    """Hypothesis settings for one property: its share of cases, no deadline."""
    return settings(
        max_examples=examples(name),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _report() -> None:
    if os.environ.get("UNSPUN_FUZZ_REPORT") and RAN:
        Path(os.environ["UNSPUN_FUZZ_REPORT"]).write_text(
            json.dumps({"total": sum(RAN.values()), **dict(sorted(RAN.items()))}, indent=1) + "\n"
        )


atexit.register(_report)

# --- what every record must satisfy -------------------------------------------------------


def encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        return False
    return True


def check_record(record: Document | IngestFailure) -> None:
    assert isinstance(record, Document | IngestFailure), type(record)
    if isinstance(record, IngestFailure):
        assert record.location and record.reason
        assert encodable([record.location, record.reason]), record
        assert "\n" not in record.location
        assert record.kind in ("error", "truncated", "skipped")
        return
    assert record.text and record.text == record.text.strip()
    assert "\x00" not in record.text
    assert encodable(dataclasses.asdict(record)), record.id


def read_all(
    data: bytes, name: str = "input", *, keep_partial: bool = False
) -> list[Document | IngestFailure]:
    source = Source(name or "input", "input")
    records = list(read_stream(io.BytesIO(data), source, hint=name, keep_partial=keep_partial))
    if not detect_format(data[:8192], name).endswith("warc"):  # a WARC of images holds none
        assert records, "every input yields at least one record or failure"
    for record in records:
        check_record(record)
    return records


# --- strategies -------------------------------------------------------------------------

HOSTILE_CHARS = ["\ud83d", "\udc00", "\x00", "\u2028", "\ufeff", "\r", "\n", "\x1b", "\u0301"]
chars = st.characters() | st.sampled_from(HOSTILE_CHARS)
any_text = st.text(alphabet=chars, max_size=80)
words = st.lists(st.sampled_from(sentence(7).split() + list(PLACES)), min_size=1, max_size=30)
prose = st.builds(" ".join, words) | st.integers(0, 500).map(sentence)
names = st.sampled_from(
    ["", "a.txt", "a.html", "a.jsonl", "a.json", "a.warc", "a.warc.gz", "a.jsonl.gz", "x.dat"]
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=12,
)
record_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": any_text | st.integers(),
        "text": prose | any_text | json_values,
        "html": st.builds(lambda t: f"<html><body><article><p>{t}</p></article></body></html>", prose),
        "title": any_text,
        "url": st.just("https://news.example/a") | any_text,
        "published": st.sampled_from(["2024-05-14", "14 May 2024", "yesterday", ""]) | any_text,
        "site": any_text,
        "tags": json_values,
    },
)


def html_page(title: str, body: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1><p>{body}</p></article></body></html>"
    )


def seeds() -> list[bytes]:
    """Well-formed inputs of every format, to be damaged by the mutation strategy."""
    lines = b"".join(
        json.dumps({"id": f"s{i}", "text": sentence(i)}).encode() + b"\n" for i in range(4)
    )
    warc = b"".join(
        warc_record("resource", f"https://news.example/s{i}", sentence(i).encode(), "text/plain")
        for i in range(3)
    )
    page = html_page("Harbour news", sentence(3)).encode()
    return [
        lines, warc, page, sentence(9).encode(), gzip.compress(lines, mtime=0),
        gzip.compress(warc, mtime=0), lines.decode().encode("utf-16"),
    ]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if op == "cut":
            del data[at:]
        elif op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(max_size=12) | st.sampled_from(
                [b"\x00", b"\n", b"\r\n\r\n", b"WARC/1.0\r\n", b"{", b"\xff\xfe", b"\xed\xa0\xbd"]))  # fmt: skip
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


# --- detection and whole inputs ---------------------------------------------------------


@fuzz("detect")
@given(head=st.binary(max_size=300) | mutated(), name=names)
def test_detect_format_always_answers(head: bytes, name: str):
    RAN["detect"] += 1
    assert detect_format(head, name) in FORMATS


@fuzz("bytes")
@given(data=st.binary(max_size=600), name=names)
def test_any_bytes_read_without_error(data: bytes, name: str):
    RAN["bytes"] += 1
    read_all(data, name)


@fuzz("mutated")
@given(data=mutated(), name=names)
def test_damaged_inputs_read_without_error(data: bytes, name: str):
    RAN["mutated"] += 1
    read_all(data, name)


@fuzz("article")
@given(data=st.binary(max_size=400) | mutated(), keep=st.booleans())
def test_read_article_from_stdin_is_a_document_or_a_one_line_error(monkeypatch_stdin, data, keep):
    RAN["article"] += 1
    monkeypatch_stdin(data)
    try:
        doc = read_article("-", keep_partial=keep)
    except IngestError as exc:
        message = str(exc)
        assert message.startswith("<stdin>") and "\n" not in message and encodable(message)
        return
    check_record(doc)


@pytest.fixture(scope="module")
def monkeypatch_stdin():
    import sys

    real = sys.stdin

    class FakeStdin:
        def __init__(self, data: bytes) -> None:
            self.buffer = io.BytesIO(data)

    def feed(data: bytes) -> None:
        sys.stdin = FakeStdin(data)  # type: ignore[assignment]

    yield feed
    sys.stdin = real


# --- JSONL: one record per line, nothing lost ---------------------------------------------


@st.composite
def jsonl_files(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """JSON lines (objects, hostile values, junk, blank lines); the non-blank line numbers."""
    first = json.dumps({"id": "first", "text": sentence(1)}).encode() + b"\n"
    lines = [first]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["object", "object", "junk", "blank", "deep", "raw"]))
        if kind == "object":
            obj = draw(record_objects)
            ascii_only = draw(st.booleans())
            text = json.dumps(obj, ensure_ascii=ascii_only)
            lines.append(text.encode("utf-8", "surrogatepass") + b"\n")
        elif kind == "junk":
            junk = draw(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
            lines.append(junk + b"\n")
        elif kind == "blank":
            lines.append(draw(st.sampled_from([b"\n", b"  \n", b"\t\r\n"])))
        elif kind == "deep":
            depth = draw(st.integers(50, 3000))
            lines.append(b'{"id": "d", "text": "x", "k": ' + b"[" * depth + b"]" * depth + b"}\n")
        else:
            lines.append(json.dumps(draw(json_values)).encode("utf-8", "surrogatepass") + b"\n")
    if draw(st.booleans()) and len(lines) > 1:  # cut off inside the last line
        last = lines[-1]
        lines[-1] = last[: draw(st.integers(1, max(1, len(last) - 1)))]
    numbers = [n for n, line in enumerate(lines, 1) if line.strip()]
    return b"".join(lines), numbers


@fuzz("jsonl")
@given(case=jsonl_files())
def test_jsonl_every_line_is_a_record_or_a_located_failure(case: tuple[bytes, list[int]]):
    RAN["jsonl"] += 1
    data, numbers = case
    records = read_all(data, "w.jsonl")
    where = [r.origin if isinstance(r, Document) else r.location for r in records]
    assert where == [f"input:{n}" for n in numbers]
    assert isinstance(records[0], Document) and records[0].id == "first"


# --- WARC: damage one record, keep the others ---------------------------------------------


@st.composite
def warc_files(draw: st.DrawFn) -> tuple[bytes, str, list[str], list[tuple[int, int]], int]:
    """A WARC of n text/HTML records, maybe damaged: (data, damage, ids, spans, victim).

    ``spans`` are each record's (start, end of block) offsets; ``victim`` the index of
    the damaged record (-1 for none).
    """
    n = draw(st.integers(1, 5))
    parts, ids = [], []
    for i in range(n):
        uri = f"https://news.example/{i}"
        body = draw(prose) + f" Record {i}."
        if draw(st.booleans()):
            block, ctype = body.encode(), "text/plain"
        else:
            page = html_page(f"Story {i}", body).encode()
            block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     + f"Content-Length: {len(page)}\r\n\r\n".encode() + page)  # fmt: skip
            ctype = "application/http; msgtype=response"
        rtype = "resource" if ctype == "text/plain" else "response"
        parts.append(warc_record(rtype, uri, block, ctype))
        ids.append(uri)
    starts = [sum(len(p) for p in parts[:i]) for i in range(n)]
    spans = [(s, s + len(p) - 4) for s, p in zip(starts, parts, strict=True)]
    damage = draw(st.sampled_from(["none", "cut", "inflate", "deflate", "junk"]))
    victim = draw(st.integers(0, n - 1))
    if damage == "cut":
        data = b"".join(parts)
        # at least "WARC/1": fewer bytes are not recognisable as WARC at all
        return data[: draw(st.integers(6, len(data)))], damage, ids, spans, victim
    if damage in ("inflate", "deflate"):
        delta = draw(st.integers(1, 400))
        if victim == n - 1 and damage == "inflate":
            delta = max(delta, 5)  # 1-4 bytes more on the last record only take its trailer
        head, sep, rest = parts[victim].partition(b"Content-Length: ")
        number, nl, tail = rest.partition(b"\r\n")
        length = int(number) + (delta if damage == "inflate" else -min(delta, int(number)))
        if length == int(number):
            damage = "none"
        parts[victim] = head + sep + str(length).encode() + nl + tail
    if damage == "junk":
        junk = draw(st.binary(min_size=1, max_size=60).filter(lambda b: b"WARC/" not in b))
        assume(junk.strip())
        parts.insert(victim + 1, junk)
    return b"".join(parts), damage, ids, spans, victim


@fuzz("warc")
@given(case=warc_files(), gz=st.booleans(), keep=st.booleans())
def test_warc_damage_costs_only_the_damaged_record(case, gz: bool, keep: bool):
    RAN["warc"] += 1
    data, damage, ids, spans, victim = case
    keep = keep and damage == "cut"
    if gz:
        data = gzip.compress(data, mtime=0)
    records = read_all(data, "c.warc", keep_partial=keep)
    docs = [r.id for r in records if isinstance(r, Document)]
    failures = [r for r in records if isinstance(r, IngestFailure)]
    if damage == "none":
        assert docs == ids and not failures
    elif damage == "cut":
        cut = len(gzip.decompress(data)) if gz else len(data)
        whole = [i for i, (_, end) in zip(ids, spans, strict=True) if end <= cut]
        inside = [k for k, (start, end) in enumerate(spans) if start < cut < end]
        if keep and inside and docs != whole:  # the cut record kept, marked partial
            assert docs == [*whole, ids[inside[0]]] and not failures
            assert is_partial(records[-1])
            return
        assert docs == whole
        if inside:
            (failure,) = failures
            assert failure.kind == "truncated"
            assert failure.location == f"input#{inside[0] + 1}@{spans[inside[0]][0]}"
        else:
            assert not failures
    elif damage in ("inflate", "deflate"):
        assert docs == [i for k, i in enumerate(ids) if k != victim]
        # the victim fails; the rest of its bytes may fail too, as junk after it
        assert failures[0].location == f"input#{victim + 1}@{spans[victim][0]}"
        for junk in failures[1:]:
            place, _, offset = junk.location.partition("@")
            assert place == "input" and spans[victim][0] < int(offset) <= spans[victim][1]
    else:  # junk after the victim
        assert docs == ids
        (failure,) = failures
        place, _, offset = failure.location.partition("@")  # at the junk (after blank lines)
        assert place == "input" and 0 <= int(offset) - (spans[victim][1] + 4) < 60


# --- text and HTML ------------------------------------------------------------------------


@fuzz("text")
@given(text=any_text | prose, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
def test_text_reader(text: str, encoding: str):
    RAN["text"] += 1
    try:
        doc = from_text(text, id="t")
    except IngestError:
        doc = None
    if doc is not None:
        check_record(doc)
    data = text.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")
    read_all(data, "a.txt")


@fuzz("html")
@given(title=any_text, body=any_text | prose, raw=st.booleans())
def test_html_reader(title: str, body: str, raw: bool):
    RAN["html"] += 1
    page = html_page(title, body)
    try:
        doc = from_html(page.encode("utf-8", "surrogatepass") if raw else page, id="h")
    except IngestError:
        return
    check_record(doc)


# --- the index and check ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_index(tmp_path_factory):
    with unspun.open_index(tmp_path_factory.mktemp("fuzz") / "fuzz.db", create=True) as idx:
        yield idx


@fuzz("store")
@given(texts=st.lists(any_text | prose, min_size=1, max_size=4), ids=st.lists(any_text, min_size=4, max_size=4))
def test_index_stores_what_it_accepts_and_nothing_it_cannot_encode(sqlite_index, texts, ids):
    RAN["store"] += 1
    docs = [Document(id=f"x{k}{ids[k]}", text=t, title=ids[-1 - k]) for k, t in enumerate(texts)]
    result = sqlite_index.add(docs)
    assert result.added + result.replaced + result.unchanged + result.failed == len(docs)
    for failure in result.failures:
        check_record(failure)
    for doc in docs:
        if encodable([doc.id, doc.text, doc.title]) and doc.text.strip():
            stored = sqlite_index.get(doc.id)
            assert stored is not None  # the last of equal ids wins
        else:
            assert any(f.location.startswith("x") for f in result.failures)


REFERENCES = [
    "The district council voted on Tuesday to close the old swing bridge over the river "
    "Wen for six months while engineers replace its rusting gears and timber deck.",
    "Fishing crews in Porthallow welcomed the decision to dredge the harbour mouth, which "
    "had silted up so badly that boats could leave only at high tide.",
    "A pair of keepers will live on Gullrock Island for the first time in forty years, the "
    "lighthouse trust said, because the automatic lamp failed twice last winter.",
    "The Wenlow community choir won the regional prize on Saturday with a programme of sea "
    "shanties and two pieces written by its own conductor.",
]


@pytest.fixture(scope="module")
def tiny_index():
    idx = unspun.memory_index()
    idx.add(Document(id=f"ref-{i}", text=t) for i, t in enumerate(REFERENCES))
    return idx


article_pieces = st.lists(
    st.sampled_from(REFERENCES) | st.sampled_from([w for r in REFERENCES for w in r.split()])
    | any_text | prose,
    min_size=1, max_size=8,
)  # fmt: skip


@fuzz("check")
@given(pieces=article_pieces, sep=st.sampled_from([" ", "\n", "\n\n", ""]))
def test_check_reports_on_any_text(tiny_index, pieces: list[str], sep: str):
    RAN["check"] += 1
    try:
        doc = from_text(sep.join(pieces), id="article")
    except IngestError:
        return  # empty, or not encodable: a clear error, as the CLI shows it
    report = unspun.check(doc, tiny_index)
    assert isinstance(report, Report)
    assert encodable(report.to_dict())
