"""The malformed-input corpus in tests/data/bad/: how each file is made and what to expect.

Run ``python tests/bad_corpus.py`` to rewrite the files and ``expected.json`` (the test
suite checks that the committed files are what this script makes). Every text is
written for this corpus. Each case names the command's exit code for ``unspun index
add FILE``, the number of documents it must keep, and the location and words the
failure line must show (``None`` when no record fails).
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).parent / "data" / "bad"

PLACES = ("Wenlow", "Porthallow", "Gullrock", "Tidemouth", "Ashby Cross", "Marren Fell")
EVENTS = (
    "the ferry timetable was cut to two sailings a day after the storm damaged the slipway",
    "the parish council voted to reopen the library on Saturday mornings from next month",
    "volunteers repaired the footbridge over the mill stream in a single weekend",
    "the harbour master counted forty fishing boats sheltering from the northerly gale",
    "the village school planted an orchard of twelve apple trees beside the playing field",
    "the lifeboat crew rescued two walkers cut off by the tide below the chapel cliffs",
    "the market hall roof will be replaced before the winter fair in December",
    "the bus company added an evening service linking the station and the hospital",
)


def sentence(i: int) -> str:
    """A short, distinct news paragraph (own wording) for record ``i``."""
    place = PLACES[i % len(PLACES)]
    event = EVENTS[i % len(EVENTS)]
    return (
        f"{place}, report {i}: {event}. Residents said report number {i} was the first "
        f"they had heard of it, and the council promised a public meeting in week {i % 50 + 1}."
    )


def jsonl_line(i: int, **fields: object) -> bytes:
    record: dict[str, object] = {"id": f"bad-{i}", "text": sentence(i)}
    record.update(fields)
    return json.dumps(record).encode() + b"\n"


def warc_record(rtype: str, uri: str | None, block: bytes, content_type: str) -> bytes:
    headers = [
        "WARC/1.0",
        f"WARC-Type: {rtype}",
        f"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{len(block):012d}>",
        "WARC-Date: 2024-05-14T08:30:00Z",
    ]
    if uri:
        headers.append(f"WARC-Target-URI: {uri}")
    headers += [f"Content-Type: {content_type}", f"Content-Length: {len(block)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def page(i: int) -> bytes:
    body = sentence(i)
    return (
        f"<html><head><title>Report {i}</title></head><body><article><h1>Report {i}</h1>"
        f"<p>{body}</p><p>{sentence(i + 100)}</p></article></body></html>"
    ).encode()


def response(i: int) -> bytes:
    body = page(i)
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return warc_record(
        "response", f"https://news.example/r{i}", http, "application/http; msgtype=response"
    )


def warc_parts(n: int) -> list[bytes]:
    info = warc_record("warcinfo", None, b"software: hand-written\r\n", "application/warc-fields")
    return [info] + [response(i) for i in range(1, n + 1)]


@dataclass(frozen=True)
class Case:
    """What ``unspun index add`` must do with one bad file."""

    exit_code: int
    kept: int
    location: str | None  # what the failure line's location ends with ("" = the file)
    words: str | None  # words the failure line must hold
    note: str


def _inflate(record: bytes, extra: int) -> bytes:
    head, sep, rest = record.partition(b"Content-Length: ")
    number, nl, tail = rest.partition(b"\r\n")
    return head + sep + str(int(number) + extra).encode() + nl + tail


def build() -> dict[str, tuple[bytes, Case]]:
    """File name -> (content, expectation)."""
    out: dict[str, tuple[bytes, Case]] = {}
    lines = [jsonl_line(i) for i in range(1, 7)]

    def jsonl_with(lineno: int, bad: bytes) -> bytes:
        return b"".join(bad if n == lineno else line for n, line in enumerate(lines, 1))

    out["surrogate_text.jsonl"] = (
        jsonl_with(4, b'{"id": "bad-4", "text": "The ferry \\ud83d left at noon."}\n'),
        Case(1, 5, ":4", "lone surrogate", "a lone surrogate escape in the text"),
    )
    out["surrogate_id.jsonl"] = (
        jsonl_with(2, b'{"id": "bad-\\udc00", "text": "The pier reopened on Friday."}\n'),
        Case(1, 5, ":2", "lone surrogate", "a lone surrogate escape in the id"),
    )
    out["surrogate_title.jsonl"] = (
        jsonl_with(6, b'{"id": "bad-6", "title": "Gale \\ud800", "text": "Boats stayed in."}\n'),
        Case(1, 5, ":6", "lone surrogate", "a lone surrogate escape in the title"),
    )
    out["surrogate_meta.jsonl"] = (
        jsonl_with(3, b'{"id": "bad-3", "tags": ["x\\udfff"], "text": "The fair was held."}\n'),
        Case(1, 5, ":3", "lone surrogate", "a lone surrogate escape in a metadata field"),
    )
    nested = b'{"id": "deep", "text": "Deep.", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    out["nested.jsonl"] = (
        jsonl_with(3, nested),
        Case(1, 5, ":3", "nested", "one line nested 5,000 levels deep"),
    )
    out["nul_byte.jsonl"] = (
        jsonl_with(2, b'{"id": "bad-2", "text": "Null \x00 byte here."}\n'),
        Case(1, 5, ":2", "invalid JSON", "a raw NUL byte inside one line"),
    )
    wide = "".join(line.decode() for line in lines)
    out["utf16_bom.jsonl"] = (
        wide.encode("utf-16"),
        Case(0, 6, None, None, "UTF-16 (little-endian, with a BOM) JSON Lines"),
    )
    broken16 = wide.encode("utf-16-le")
    cut = broken16.index(sentence(3).encode("utf-16-le")) + 8  # inside the text
    out["utf16_lone_surrogate.jsonl"] = (
        b"\xff\xfe" + broken16[:cut] + b"\x00\xd8" + broken16[cut:],
        Case(1, 5, ":3", "lone surrogate", "UTF-16 JSON Lines with one unpaired surrogate unit"),
    )
    out["malformed_first_line.json"] = (
        b'{"id": "bad-0", "text": "Cut short\n' + b"".join(lines),
        Case(1, 6, ":1", "invalid JSON", "JSON Lines named .json whose first line is malformed"),
    )
    out["truncated_last_line.jsonl"] = (
        b"".join(lines)[:-40],
        Case(1, 5, ":6", "truncated", "JSON Lines cut off inside the last record"),
    )
    parts = warc_parts(4)
    whole = b"".join(parts)
    start3 = len(b"".join(parts[:3]))
    out["truncated_block.warc"] = (
        whole[: len(whole) - 150],
        Case(1, 3, f"#5@{len(b''.join(parts[:4]))}", "truncated inside its block",
             "a WARC cut inside the block of its last record"),
    )  # fmt: skip
    out["truncated_header.warc"] = (
        b"".join(parts[:4]) + parts[4][:70],
        Case(1, 3, f"#5@{len(b''.join(parts[:4]))}", "truncated inside its header",
             "a WARC cut inside the header of its last record"),
    )  # fmt: skip
    out["inflated_length.warc"] = (
        b"".join(parts[:2]) + _inflate(parts[2], 300) + b"".join(parts[3:]),
        Case(1, 3, f"#3@{len(b''.join(parts[:2]))}", "runs past the end of the record",
             "a WARC record whose Content-Length is 300 bytes too long"),
    )  # fmt: skip
    out["inflated_past_end.warc"] = (
        b"".join(parts[:2]) + _inflate(parts[2], 100_000) + b"".join(parts[3:]),
        Case(1, 3, f"#3@{len(b''.join(parts[:2]))}", "runs past the end of the record",
             "a WARC record whose Content-Length runs past the end of the file"),
    )  # fmt: skip
    out["inflated_whole_record.warc"] = (
        b"".join(parts[:2]) + _inflate(parts[2], len(parts[3])) + b"".join(parts[3:]),
        Case(1, 3, f"#3@{len(b''.join(parts[:2]))}", "over the whole of the next ones",
             "a WARC record whose Content-Length takes in exactly the whole next record"),
    )  # fmt: skip
    out["short_length.warc"] = (
        b"".join(parts[:2]) + _inflate(parts[2], -40) + b"".join(parts[3:]),
        Case(1, 3, f"#3@{len(b''.join(parts[:2]))}", "no record end",
             "a WARC record whose Content-Length is 40 bytes too short"),
    )  # fmt: skip
    out["junk_between.warc"] = (
        b"".join(parts[:3]) + b"these bytes are not a WARC record\r\n" + b"".join(parts[3:]),
        Case(1, 4, f"@{start3}", "junk", "junk between two WARC records"),
    )  # fmt: skip
    members = [gzip.compress(p, mtime=0) for p in parts]
    out["truncated_members.warc.gz"] = (
        b"".join(members)[:-60],
        Case(1, 3, f"#5@{len(b''.join(parts[:4]))}", "truncated",
             "a per-record gzip WARC cut inside its last member"),
    )  # fmt: skip
    out["binary_junk.bin"] = (
        bytes((i * 73 + 41) % 256 for i in range(3000)),
        Case(2, 0, "", "binary file", "binary bytes"),
    )
    out["empty.txt"] = (b"", Case(2, 0, "", "empty file", "an empty file"))
    out["blank_lines.jsonl"] = (
        b"\n\n   \n",
        Case(2, 0, "", "empty file", "a JSONL file of blank lines"),
    )
    out["not_objects.jsonl"] = (
        b"[1, 2]\n" + lines[0] + b'"a string"\n' + lines[1],
        Case(1, 2, ":1", "not a JSON object", "JSON values that are not objects"),
    )
    return out


def write(dest: Path = HERE) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (data, case) in build().items():
        (dest / name).write_bytes(data)
        expected[name] = asdict(case)
    (dest / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
