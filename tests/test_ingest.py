"""unspun.ingest: formats, detection by content, folders, failures, stdin, read_article."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from unspun.errors import IngestError
from unspun.ingest import detect_format, from_html, from_text, read_article, read_records
from unspun.ingest.fields import normalize_date
from unspun.models import Document, IngestFailure

DATA = Path(__file__).parent / "data" / "ingest"
HARBOUR = DATA / "harbour.html"
PARAGRAPHS = (
    "For the first time in forty years, a pair of lighthouse keepers will live on Gullrock Island",
    '"A machine does not notice when the fog comes in sideways," said Morwenna Trist',
    "Fishing crews from the village of Porthallow welcomed the decision.",
    "The trust expects the cottage beside the tower to be repaired by October.",
)
BOILERPLATE = (
    "World desk",
    "Subscribe today",
    "Related stories",
    "Ferry timetable cut again",
    "Other reports by",
    "All rights reserved",
    "SCRIPT-TRACKER-CONTENT",
    "FOOTER-SCRIPT-CONTENT",
    "color: red",
)
PAGE = (
    "<html><head><title>{title}</title>{head}</head><body><nav><a href='/'>Front page</a></nav>"
    "<article><h1>{title}</h1><p>{body}</p></article></body></html>"
)


def docs(records):
    return [r for r in records if isinstance(r, Document)]


def failures(records):
    return [r for r in records if isinstance(r, IngestFailure)]


# --- WARC built by hand -------------------------------------------------------------


def warc_record(rtype: str, uri: str | None, block: bytes, content_type: str, date: str) -> bytes:
    headers = [
        "WARC/1.0",
        f"WARC-Type: {rtype}",
        f"WARC-Record-ID: <urn:uuid:{uuid.UUID(hashlib.md5(block).hexdigest())}>",
        f"WARC-Date: {date}",
    ]
    if uri:
        headers.append(f"WARC-Target-URI: {uri}")
    headers += [f"Content-Type: {content_type}", f"Content-Length: {len(block)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def warc_records() -> list[bytes]:
    dated = PAGE.format(
        title="Mill pond drained",
        head='<meta property="article:published_time" content="2022-07-08T10:00:00Z">',
        body="Engineers drained the mill pond at Wenlow on Thursday so that the sluice gates "
        "can be replaced before the autumn rains, the parish council said.",
    )
    undated = PAGE.format(
        title="Choir wins regional prize",
        head="",
        body="The Wenlow community choir won the regional prize on Saturday with a programme "
        "of sea shanties and two pieces written by its own conductor.",
    )
    http = "application/http; msgtype=response"
    date = "2023-03-04T05:06:07Z"
    return [
        warc_record("warcinfo", None, b"software: hand-written\r\n", "application/warc-fields", date),
        warc_record("response", "https://www.valley-gazette.example/pond",
                    http_response(dated.encode(), "text/html; charset=utf-8"), http, date),
        warc_record("request", "https://www.valley-gazette.example/pond",
                    b"GET /pond HTTP/1.1\r\nHost: valley-gazette.example\r\n\r\n",
                    "application/http; msgtype=request", date),
        warc_record("response", "https://valley-gazette.example/logo.png",
                    http_response(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"), http, date),
        warc_record("response", "https://valley-gazette.example/old",
                    http_response(b"<html>moved</html>", "text/html", "301 Moved Permanently"),
                    http, date),
        warc_record("response", "https://valley-gazette.example/empty",
                    http_response(b"<html><body></body></html>", "text/html"), http, date),
        warc_record("resource", "https://valley-gazette.example/choir",
                    undated.encode("utf-8"), "text/html; charset=utf-8", date),
        warc_record("response", "https://valley-gazette.example/notice.txt",
                    http_response(b"Road closed on Sunday for the village fair.", "text/plain"),
                    http, date),
    ]  # fmt: skip


@pytest.fixture(params=["plain", "gzip-members", "gzip-whole"])
def warc_file(request, tmp_path: Path) -> Path:
    records = warc_records()
    if request.param == "plain":
        data = b"".join(records)
    elif request.param == "gzip-members":  # one gzip member per record, as crawlers write
        data = b"".join(gzip.compress(r) for r in records)
    else:
        data = gzip.compress(b"".join(records))
    path = tmp_path / "crawl.bin"  # no .warc / .gz: detected from the content
    path.write_bytes(data)
    return path


def test_warc_documents(warc_file: Path):
    records = list(read_records([warc_file]))
    loc = warc_file.as_posix()
    pond, choir, notice = docs(records)
    assert pond.id == pond.url == "https://www.valley-gazette.example/pond"
    assert "Engineers drained the mill pond" in pond.text
    assert "Front page" not in pond.text
    assert pond.published == "2022-07-08"  # from the page
    assert pond.site == "valley-gazette.example"
    assert pond.origin == f"{loc}#2"
    assert choir.id == "https://valley-gazette.example/choir"
    assert "community choir won the regional prize" in choir.text
    assert choir.published == "2023-03-04"  # WARC-Date fallback
    assert choir.origin == f"{loc}#7"
    assert notice.text == "Road closed on Sunday for the village fair."
    assert notice.published == "2023-03-04"
    # image and 301 skipped silently; the empty page is a failure at its record number
    # and byte offset (in the uncompressed stream)
    offset = sum(len(r) for r in warc_records()[:5])
    assert failures(records) == [IngestFailure(f"{loc}#6@{offset}", "no main text found in HTML")]


def test_warc_junk_between_records_is_reported_and_reading_goes_on(tmp_path: Path):
    records = warc_records()
    path = tmp_path / "broken.warc"
    junk = b"junk, not a WARC header\r\n\r\n"
    path.write_bytes(records[0] + records[1] + junk + records[6])
    read = list(read_records([path]))
    assert [d.id for d in docs(read)] == [
        "https://www.valley-gazette.example/pond",
        "https://valley-gazette.example/choir",
    ]
    (failure,) = failures(read)
    assert failure.location == f"{path.as_posix()}@{len(records[0] + records[1])}"
    assert failure.reason == f"{len(junk)} bytes of junk, not a WARC record"


# --- detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"Plain words about a harbour.\n", "", "text"),
        (b"\xef\xbb\xbfPlain words with a BOM.", "x.html", "text"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "story.txt", "html"),
        (b"  \n<div class='story'><p>x</p></div>", "", "html"),
        (b'{"id": "a", "text": "b"}\n{"id": "c"}\n', "records.dat", "jsonl"),
        (b'{"id": "a", "text": "a very long line cut off by the he', "", "jsonl"),
        (b"{ not json at all }\nmore\n", "notes.txt", "text"),
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "", "warc"),
        (gzip.compress(b'{"id": "a", "text": "b"}\n'), "data", "gzip-jsonl"),
        (gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n"), "", "gzip-warc"),
        (gzip.compress(b"Just some text."), "", "gzip-text"),
        (gzip.compress(b"<html><body><p>x</p></body></html>"), "", "gzip-html"),
        (gzip.compress(b"\x00\x01\x02\x03binary"), "x.txt.gz", "binary"),
        (b"\x1f\x8bnot really gzip", "", "binary"),
        (b"abc\x00def", "a.txt", "binary"),
        (b"%PDF-1.7\n1 0 obj\n", "a.txt", "binary"),
        (bytes(range(1, 32)) * 4, "", "binary"),
        (b"", "empty.html", "html"),
        (b"", "empty", "text"),
    ],
)
def test_detect_format(head: bytes, name: str, expected: str):
    assert detect_format(head, name) == expected


# --- plain text -----------------------------------------------------------------------


def test_text_file_id_is_path_as_given_and_no_title():
    path = DATA / "corpus" / "bridge.txt"
    (doc,) = read_records([path])
    assert doc.id == doc.origin == path.as_posix()
    assert doc.title is None and doc.url is None and doc.published is None
    assert doc.text.startswith("WENLOW, May 2 - The district council voted")
    assert doc.text.endswith("until the new road opened.")


def test_text_cp1252_and_bom(tmp_path: Path):
    (tmp_path / "cp.txt").write_bytes("Caf\u00e9 owners \u201cwelcomed\u201d it.".encode("cp1252"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfWith a BOM.\r\nSecond line.\r\n")
    (tmp_path / "utf16.txt").write_bytes("Wide text \u00e9.".encode("utf-16"))
    bom, cp, wide = read_records([tmp_path])  # sorted by name
    assert cp.text == "Caf\u00e9 owners \u201cwelcomed\u201d it."
    assert bom.text == "With a BOM.\nSecond line."
    assert wide.text == "Wide text \u00e9."
    assert [cp.id, bom.id, wide.id] == ["cp.txt", "bom.txt", "utf16.txt"]


# --- HTML -----------------------------------------------------------------------------


def test_html_main_text_and_metadata():
    (doc,) = read_records([HARBOUR])
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text
    for junk in BOILERPLATE:
        assert junk not in doc.text, junk
    # trafilatura keeps the <h1> headline as the first line of the main text
    assert doc.text.startswith("Lighthouse keepers return to Gullrock Island\n")
    assert doc.title == "Lighthouse keepers return to Gullrock Island"
    assert doc.url == doc.id == "https://www.meridian-courier.example/news/2024/05/gullrock-keepers"
    assert doc.site == "The Meridian Courier"
    assert doc.published == "2024-05-14"
    assert doc.origin == HARBOUR.as_posix()


def test_from_html_api():
    html = PAGE.format(
        title="Orchard harvest",
        head="",
        body="Apple growers in the valley expect their largest harvest in a decade.",
    )
    doc = from_html(html.encode(), url="https://www.shire-post.example/orchard")
    assert doc.id == doc.url == "https://www.shire-post.example/orchard"
    assert "largest harvest in a decade" in doc.text
    assert doc.site == "shire-post.example"
    assert doc.published is None  # no date stated; not guessed
    doc = from_html(html, origin="saved/page.html")
    assert doc.id == "saved/page.html" and doc.url is None
    with pytest.raises(IngestError, match="no main text"):
        from_html("<html><body><nav></nav></body></html>", id="x")


def test_html_without_url_gets_relative_path_id(tmp_path: Path):
    html = PAGE.format(title="Fair", head="", body="The village fair raised money for the roof.")
    (tmp_path / "fair.htm").write_text(html, encoding="utf-8")
    (doc,) = read_records([tmp_path])
    assert doc.id == "fair.htm" and doc.url is None


# --- JSONL ----------------------------------------------------------------------------


def test_jsonl_fields_aliases_and_meta():
    records = list(read_records([DATA / "wires.jsonl"]))
    library, orchard = records
    assert library.id == "gz-1"
    assert library.url == "https://www.shire-post.example/library"
    assert library.site == "shire-post.example"  # from the url
    assert library.published == "2024-05-14"  # "pubdate" alias, RFC 2822
    assert library.origin == f"{(DATA / 'wires.jsonl').as_posix()}:1"
    # a record carrying html instead of text: main text extracted, record fields win
    assert "Apple growers in the valley" in orchard.text
    assert "Home page link" not in orchard.text
    assert orchard.site == "Shire Post"
    assert orchard.title == "Orchard harvest"
    assert orchard.published == "2024-09-01"
    assert orchard.meta == {"series": "shire"}  # the alias not used stays in meta


def test_jsonl_named_dat_with_bad_lines():
    path = DATA / "corpus" / "wires.dat"
    loc = path.as_posix()
    records = list(read_records([path]))
    ferry, seals = docs(records)
    assert ferry.id == "wire-001"
    assert ferry.site == "coastal-wire"  # passim's "series"
    assert ferry.published == "1987-02-26"  # Reuters' 26-FEB-1987 15:01:01.79
    assert ferry.title == "Ferry timetable restored"
    assert ferry.meta == {"topics": ["transport", "islands"], "lang": "en"}
    assert ferry.origin == f"{loc}:1"
    assert seals.id == f"{loc}:6"  # no id: path:line
    # "source" is not taken as the site (it may name where a text came from): it stays in
    # meta, and the site is the URL's host
    assert seals.site == "tidings.example" and seals.meta["source"] == "Tidings Weekly"
    assert [f.location for f in failures(records)] == [f"{loc}:3", f"{loc}:4", f"{loc}:5"]
    reasons = [f.reason for f in failures(records)]
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1] == "not a JSON object (list)"
    assert reasons[2] == "missing or empty 'text'"


def test_gzip_jsonl_without_gz_suffix(tmp_path: Path):
    path = tmp_path / "export"
    path.write_bytes(gzip.compress((DATA / "wires.jsonl").read_bytes()))
    assert [d.id for d in read_records([path])] == ["gz-1", "gz-2"]


def test_truncated_gzip_jsonl(tmp_path: Path):
    lines = b"".join(
        json.dumps({"id": f"n{i}", "text": f"Note number {i} about the harbour."}).encode() + b"\n"
        for i in range(2000)
    )
    data = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records = list(read_records([path]))
    assert len(docs(records)) > 10
    assert "cannot read further" in failures(records)[-1].reason


# --- folders, failures ----------------------------------------------------------------


def test_folder_recursive_with_bad_records_in_the_middle(tmp_path: Path):
    root = tmp_path / "refs"
    shutil.copytree(DATA / "corpus", root)
    (root / "sub" / "blob.txt").write_bytes(b"\x00\x01\x02 not text")
    (root / "sub" / "zero.txt").write_bytes(b"")
    records = list(read_records([root, tmp_path / "nope"]))
    assert [d.id for d in docs(records)] == [
        "bridge.txt",
        "https://www.meridian-courier.example/news/2024/05/gullrock-keepers",  # HTML named .txt
        "wire-001",
        "wires.dat:6",  # JSONL record without id: name:line
    ]
    sub = (root / "sub").as_posix()
    assert failures(records)[:2] == [
        IngestFailure(f"{sub}/blob.txt", "binary file, not text"),
        IngestFailure(f"{sub}/zero.txt", "empty file"),
    ]
    assert len(failures(records)) == 6  # + 3 bad JSONL lines + the missing path
    assert failures(records)[-1] == IngestFailure(
        (tmp_path / "nope").as_posix(), "no such file or directory"
    )
    assert not any("must not be read" in d.text for d in docs(records))  # hidden skipped


def test_folder_not_recursive():
    ids = [d.id for d in docs(read_records([DATA / "corpus"], recursive=False))]
    assert "bridge.txt" in ids and "wire-001" in ids
    assert not any("gullrock" in i for i in ids)


# --- read_article -----------------------------------------------------------------------


def test_read_article_single_and_selected():
    assert read_article(HARBOUR).title == "Lighthouse keepers return to Gullrock Island"
    assert read_article(DATA / "wires.jsonl", record_id="gz-2").title == "Orchard harvest"
    with pytest.raises(IngestError, match="no record with id 'gz-9'"):
        read_article(DATA / "wires.jsonl", record_id="gz-9")


def test_read_article_several_records():
    with pytest.raises(IngestError) as err:
        read_article(DATA / "wires.jsonl")
    message = str(err.value)
    assert "wires.jsonl" in message and "2 records" in message and "--record ID" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file, not text"),
        (b"\xff\xfe\x00\xd8", "undecodable"),
        (b"<html><head><title>T</title></head><body><script>x()</script></body></html>", "no main"),
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n", "no record"),
    ],
)
def test_read_article_errors(tmp_path: Path, content: bytes, problem: str):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=problem) as err:
        read_article(path)
    assert str(err.value).startswith(path.as_posix())


def test_read_article_missing_and_directory(tmp_path: Path):
    with pytest.raises(IngestError, match="no such file"):
        read_article(tmp_path / "absent.txt")
    with pytest.raises(IngestError, match="directory"):
        read_article(tmp_path)
    assert (
        failures(read_records([tmp_path / "absent.txt"]))[0].reason == "no such file or directory"
    )


class FakeStdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_read_article_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(HARBOUR.read_bytes()))
    doc = read_article("-")
    assert doc.site == "The Meridian Courier" and PARAGRAPHS[0] in doc.text
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"Plain article from a pipe."))
    doc = read_article("-")
    assert doc.text == "Plain article from a pipe." and doc.origin == "<stdin>"
    monkeypatch.setattr(sys, "stdin", FakeStdin(b""))
    with pytest.raises(IngestError, match="<stdin>: empty"):
        read_article("-")


# --- small API pieces -----------------------------------------------------------------


def test_from_text_metadata():
    doc = from_text(
        "  Text body.\r\n",
        id="t1",
        title="T",
        url="https://www.example.org/a",
        published="26-FEB-1987 15:01:01.79",
        desk="metro",
    )
    assert doc.text == "Text body."
    assert (doc.title, doc.site, doc.published) == ("T", "example.org", "1987-02-26")
    assert doc.meta == {"desk": "metro"}
    with pytest.raises(IngestError):
        from_text(" \n", id="t2")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-14T08:30:00+00:00", "2024-05-14"),
        ("2024-05-14T08:30:00Z", "2024-05-14"),
        ("26-FEB-1987 15:01:01.79", "1987-02-26"),
        ("14 May 2024", "2024-05-14"),
        ("May 14, 2024", "2024-05-14"),
        ("Tue, 14 May 2024 08:30:00 GMT", "2024-05-14"),
        ("03/04/2021", "03/04/2021"),  # ambiguous: kept as given
        ("spring 1987", "spring 1987"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(value, expected):
    assert normalize_date(value) == expected


def test_jsonl_source_field_is_kept_as_metadata_not_taken_as_the_site():
    from unspun.ingest.jsonl import record_to_document

    doc = record_to_document({"id": "farm/9", "text": "Some text here.", "source": "wire/17"},
                             default_id="x", origin="t.jsonl:1")
    assert doc.site is None and doc.meta == {"source": "wire/17"}
    doc = record_to_document({"id": "a", "text": "Text.", "source": "wire/17", "series": "Wire"},
                             default_id="x", origin="t.jsonl:1")
    assert doc.site == "Wire" and doc.meta == {"source": "wire/17"}
