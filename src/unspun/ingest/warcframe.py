"""Splitting a WARC stream into records by its framing, with byte offsets.

A WARC record is a ``WARC/1.x`` line, header lines, a blank line, ``Content-Length``
bytes of block, then ``\\r\\n\\r\\n``. This module checks that framing itself (parsing of
the records is left to fastwarc) so that a damaged record is reported where it is and
the records after it are still read:

- a record cut off by the end of the input (inside its header or its block) is
  *truncated*; what there is of its block is kept for ``--keep-partial``;
- a ``Content-Length`` longer than the record (its block runs into the next record)
  is found by the missing ``\\r\\n\\r\\n`` after the block: the record fails, and reading
  goes on at the next record header inside the block;
- junk between records is reported, and reading goes on at the next record header.

Offsets count bytes of the uncompressed stream (for ``.warc.gz``, after gunzip).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_HEADER = 1 << 20  # bytes of one record's WARC header
_CHUNK = 1 << 16
_NEXT_RECORD = b"\r\n\r\nWARC/"


@dataclass(frozen=True)
class Frame:
    """One record as framed: where it starts, its header and (part of) its block.

    ``problem`` is None for a whole record; otherwise why it is broken, with
    ``truncated`` telling a record cut short (``block`` holds what there is of it).
    """

    index: int
    offset: int
    header: bytes
    block: bytes
    problem: str | None = None
    truncated: bool = False

    @property
    def record_type(self) -> str:
        return header_value(self.header, b"warc-type").lower()

    def as_bytes(self) -> bytes:
        """The record as a well-formed WARC record (Content-Length set to the block kept)."""
        lines = [
            line
            for line in self.header.split(b"\n")
            if line.strip() and not line.lower().startswith(b"content-length:")
        ]
        lines.append(b"Content-Length: %d\r" % len(self.block))
        return b"\n".join(lines) + b"\n\r\n" + self.block + b"\r\n\r\n"


@dataclass(frozen=True)
class Junk:
    """Bytes between records that are not a record (``size`` bytes at ``offset``), or,
    with ``reason``, a stream that fails there (a gzip cut short between records)."""

    offset: int
    size: int
    reason: str | None = None


def header_value(header: bytes, name: bytes) -> str:
    """The value of header ``name`` (lower case, without colon), or ``""``."""
    for line in header.split(b"\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return ""


class _Reader:
    """Buffered reads with a position, one-way except for ``unread``; gzip errors end it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        # read1: one raw read at a time, so data before a gzip error is not lost with it
        self._read = getattr(raw, "read1", raw.read)
        self.buf = bytearray()
        self.pos = 0  # offset of buf[0] in the stream
        self.eof = False
        self.error: str | None = None

    def _fill(self, size: int) -> None:
        while len(self.buf) < size and not self.eof:
            try:
                chunk = self._read(max(_CHUNK, size - len(self.buf)))
            except (EOFError, OSError, zlib.error) as exc:
                self.error = f"compressed stream cut short or corrupt ({exc})"
                chunk = b""
            if not chunk:
                self.eof = True
            self.buf += chunk

    def readline(self, limit: int) -> bytes:
        start = 0
        while True:
            end = self.buf.find(b"\n", start)
            if end >= 0 and end < limit:
                return self._take(end + 1)
            if len(self.buf) >= limit or self.eof:
                return self._take(min(limit, len(self.buf)))
            start = len(self.buf)
            self._fill(len(self.buf) + _CHUNK)

    def read(self, size: int) -> bytes:
        self._fill(size)
        return self._take(min(size, len(self.buf)))

    def unread(self, data: bytes) -> None:
        self.buf[:0] = data
        self.pos -= len(data)

    def _take(self, size: int) -> bytes:
        out = bytes(self.buf[:size])
        del self.buf[:size]
        self.pos += size
        return out


def _skip_to_record(reader: _Reader) -> int:
    """Consume bytes up to the next record header (left unread); the bytes skipped.

    A header starts a line (``WARC/``), or follows junk on its line (``WARC/1.``).
    """
    skipped = 0
    while True:
        line = reader.readline(MAX_HEADER)
        if not line:
            return skipped
        at = 0 if line.startswith(b"WARC/") else line.find(b"WARC/1.")
        if at >= 0:
            reader.unread(line[at:])
            return skipped + at
        skipped += len(line)


def open_warc(stream: BinaryIO) -> BinaryIO:
    """The uncompressed stream of a WARC file (gzip, whole or per record, undone)."""
    start = stream.read(2)
    stream.seek(0)
    if start == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


def frames(stream: BinaryIO) -> Iterator[Frame | Junk]:
    """The records of an uncompressed WARC stream, damaged ones marked, in order.

    Records are numbered from 1 in file order (every ``WARC/`` header counts).
    A failure of the underlying stream (a gzip cut short) ends it like the end of
    input, so the record in progress is truncated.
    """
    reader = _Reader(stream)
    index = 0
    reported = False  # the stream's failure, already told by a truncated record
    while True:
        offset = reader.pos
        line = reader.readline(MAX_HEADER)
        if not line:
            if reader.error and not reported:
                yield Junk(offset, 0, reader.error)
            return
        if not line.strip():
            continue  # blank lines between records
        if reader.eof and not reader.buf and b"WARC/".startswith(line):
            index += 1  # the input ends inside the first bytes of a record header
            yield Frame(index, offset, line, b"", _cut("inside its header", reader), True)
            return
        if not line.startswith(b"WARC/"):
            reader.unread(line)
            yield Junk(offset, _skip_to_record(reader))
            continue
        index += 1
        frame = _one_record(reader, index, offset, line)
        reported = frame.truncated
        yield frame
        if frame.problem and not frame.truncated:
            _skip_to_record(reader)  # bad framing: go on at the next record header


def _one_record(reader: _Reader, index: int, offset: int, first: bytes) -> Frame:
    header = bytearray(first)
    while True:
        line = reader.readline(MAX_HEADER)
        if not line:
            return Frame(index, offset, bytes(header), b"", _cut("inside its header", reader), True)
        header += line
        if line in (b"\r\n", b"\n"):
            break
        if len(header) > MAX_HEADER:
            return Frame(index, offset, bytes(header), b"", f"header longer than {MAX_HEADER} bytes")
    head = bytes(header)
    declared = header_value(head, b"content-length")
    if not declared.isdigit():
        why = "no Content-Length" if not declared else f"invalid Content-Length {declared!r}"
        return Frame(index, offset, head, b"", why)
    length = int(declared)
    block_at = reader.pos
    block = reader.read(length)
    after = reader.read(4)
    if after == b"\r\n\r\n" or (not after or b"\r\n\r\n".startswith(after)) and reader.eof:
        if len(block) == length:
            swallowed = _swallowed_at(block, trailer=after == b"\r\n\r\n")
            if swallowed is not None:  # a length too long by exactly whole records
                reader.unread(block[swallowed + 4 :] + after)
                return Frame(
                    index, offset, head, block[:swallowed],
                    f"Content-Length {length} runs past the end of the record over the "
                    f"whole of the next ones, from byte {block_at + swallowed + 4}",
                )  # fmt: skip
            if _next_is_record(reader) or _NEXT_RECORD not in block:
                return Frame(index, offset, head, block)  # junk after it is told apart
            # else: a record starts inside the block and none after it: a length too long
    # The block does not end where it should: find where the record really ends (the
    # next record header), in the block (a length too long) or just after it (too short).
    more = reader.read(len(_NEXT_RECORD) + 8)
    near = block + after + more
    inner = near.find(_NEXT_RECORD)
    if inner >= 0 and (inner < len(block) or len(block) == length):
        reader.unread(near[inner + 4 :])
        nxt = block_at + inner + 4
        if inner < len(block):
            why = (f"Content-Length {length} runs past the end of the record into the next "
                   f"one, which starts at byte {nxt}")  # fmt: skip
        else:
            why = f"Content-Length {length} is shorter than the record, which ends at byte {nxt}"
        return Frame(index, offset, head, near[:inner], why)
    reader.unread(after + more)
    if len(block) < length:
        what = f"inside its block ({len(block)} of {length} bytes)"
        return Frame(index, offset, head, block, _cut(what, reader), True)
    return Frame(
        index, offset, head, block,
        f"no record end after its Content-Length of {length} bytes (a wrong length, or junk follows)",
    )  # fmt: skip


def _next_is_record(reader: _Reader) -> bool:
    """True when the input ends, or a record header follows (after blank lines)."""
    ahead = reader.read(64)
    reader.unread(ahead)
    rest = ahead.lstrip(b"\r\n")
    return not rest or rest.startswith(b"WARC/") or (len(ahead) < 64 and b"WARC/".startswith(rest))


def _swallowed_at(block: bytes, *, trailer: bool) -> int | None:
    """Where whole records swallowed by a too long Content-Length start in ``block``.

    The mark: from a ``\\r\\n\\r\\nWARC/1.`` in the block, records follow one another and
    the last one ends where ``block`` ends, or inside its own trailer (the input then
    ends: ``trailer`` is false). A WARC file carried as a payload does not match: its
    last trailer is inside the block, and the carrying record's own trailer follows.
    """
    start = block.find(_NEXT_RECORD)
    if start < 0:
        return None
    pos = start + 4
    for _ in range(10_000):
        end = block.find(b"\r\n\r\n", pos)
        if end < 0:
            return None
        declared = header_value(block[pos : end + 2], b"content-length")
        if not declared.isdigit():
            return None
        pos = end + 4 + int(declared)
        rest = block[pos:]
        if not rest or (b"\r\n\r\n".startswith(rest) and (len(rest) < 4 or not trailer)):
            return start
        if block[pos : pos + 4 + 5] != b"\r\n\r\nWARC/":
            return None
        pos += 4
    return None


def _cut(where: str, reader: _Reader) -> str:
    cause = reader.error or "the input ends"
    return f"truncated {where}: {cause}"
