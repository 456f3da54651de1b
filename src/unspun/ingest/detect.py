"""Format sniffing from the first bytes of an input (the file name is only a hint)."""

from __future__ import annotations

import json
import re
import zlib

HEAD_SIZE = 8192
GZIP_MAGIC = b"\x1f\x8b"

FORMATS = (
    "text", "html", "jsonl", "warc",
    "gzip-jsonl", "gzip-warc", "gzip-text", "gzip-html", "binary",
)  # fmt: skip

# Magic numbers of common binary formats that may look like text in their first bytes.
_BINARY_MAGIC = (
    b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"BZh",
    b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf", b"\x04\x22\x4d\x18", b"Rar!",
)  # fmt: skip
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|p|span|section|header|"
    r"nav|table|h[1-6]|br|a|link|script|style|!--)[\s>/]",
    re.IGNORECASE,
)
_HTML_ANYWHERE = re.compile(r"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)


def looks_binary(head: bytes) -> bool:
    """NUL bytes, a known binary magic number, or more than 5% control characters."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text carries NULs legitimately
        return False
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        return True
    controls = sum(1 for b in head if b < 32 and b not in _ALLOWED_CONTROLS)
    return controls / len(head) > 0.05


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _is_jsonl(text: str, name: str, *, strict: bool = False) -> bool:
    """JSON Lines, judged from the head of a file.

    Named ``.jsonl`` / ``.ndjson``: always. Otherwise the first line must open an
    object, confirmed by a first line cut off by the end of the head, or by any complete
    line of the head that parses as a JSON object (so one malformed first line does not
    turn a JSONL file into one text document).
    ``strict`` (a head that looks binary) accepts only the last kind of evidence.
    """
    first, sep, rest = text.lstrip().partition("\n")
    named = name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"))
    if not strict and named:
        return True  # named as JSONL: its lines are records, each one read or reported
    if not first.startswith("{"):
        return False
    if not strict and not sep:
        return True  # line cut off by the end of the head
    lines = [first, *rest.split("\n")[:-1]]  # the last piece may be cut off by the head
    for line in lines[:200]:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            if isinstance(json.loads(line), dict):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def _hint(name: str) -> str:
    base = name.lower().removesuffix(".gz")
    if base.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if base.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if base.endswith(".warc"):
        return "warc"
    return "text"


def _plain_format(head: bytes, name: str) -> str:
    if not head.strip():
        return _hint(name)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"WARC/"):
        return "warc"
    text = _head_text(head).lstrip()
    binary = looks_binary(head)
    if _is_jsonl(text, name.lower(), strict=binary) and not head.startswith(_BINARY_MAGIC):
        return "jsonl"  # a NUL byte inside one line spoils that line, not the file
    if binary:
        return "binary"
    if text.startswith("<") and _HTML_START.search(text[:2048]):
        return "html"
    if _HTML_ANYWHERE.search(text[:1024]):
        return "html"
    return "text"


def gunzip_head(head: bytes) -> bytes | None:
    """As much of a gzip stream's start as ``head`` decompresses to; None when corrupt."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, HEAD_SIZE)
    except zlib.error:
        return None


def detect_format(head: bytes, name: str = "") -> str:
    """The format of an input, judged from its first bytes (a few KB).

    One of ``text``, ``html``, ``jsonl``, ``warc``, ``gzip-jsonl``, ``gzip-warc``,
    ``gzip-text``, ``gzip-html`` or ``binary``. ``name`` only decides when the content
    cannot (an empty head, a JSONL line longer than the head).
    """
    name = str(name)
    if head.startswith(GZIP_MAGIC):
        inner = gunzip_head(head)
        if inner is None:
            return "binary"
        fmt = _plain_format(inner, name.lower().removesuffix(".gz"))
        return "binary" if fmt == "binary" else f"gzip-{fmt}"
    return _plain_format(head, name)
