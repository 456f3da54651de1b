"""Plain text: decoding bytes and building a Document from a string."""

from __future__ import annotations

import codecs
from typing import Any

from unspun.errors import IngestError
from unspun.models import Document

from .fields import make_document

_FIELDS = ("title", "url", "site", "published", "origin")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _keep_lone_surrogate(exc: UnicodeError) -> tuple[str, int]:
    """UTF-16 decode errors keep the bad code unit as a lone surrogate, checked later.

    Invalid UTF-16 is a lone surrogate (or an odd last byte); keeping it as such lets the
    record holding it fail with its location, instead of ending the whole file.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    unit = exc.object[exc.start : exc.start + 2]
    big = "be" in exc.encoding.lower()
    if len(unit) == 2:
        return chr(int.from_bytes(unit, "big" if big else "little")), exc.start + 2
    return chr(0xDC00 | unit[0]), exc.start + 1


codecs.register_error("unspun-utf16", _keep_lone_surrogate)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text bytes: BOM first, then ``charset`` if given, UTF-8, cp1252, latin-1.

    Raises UnicodeDecodeError only for UTF-16 (BOM) data that does not decode.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    candidates = [charset] if charset else []
    for encoding in [*candidates, "utf-8", "cp1252"]:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def from_text(text: str, *, id: str, **metadata: Any) -> Document:
    """A Document from a string.

    Keyword metadata ``title``, ``url``, ``site``, ``published``, ``origin`` fill the
    fields of the same name (``published`` is normalised to YYYY-MM-DD when it parses,
    ``site`` defaults to the url's host); ``meta=`` and any other keyword go to
    ``Document.meta``. Raises IngestError when the text is empty.
    """
    meta = dict(metadata.pop("meta", None) or {})
    fields = {key: metadata.pop(key, None) for key in _FIELDS}
    meta.update(metadata)
    return make_document(text, id=id, meta=meta, **fields)


def text_document(data: bytes, *, id: str, origin: str) -> Document:
    """A Document from a plain-text file's bytes; title stays None (not guessed)."""
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{origin}: undecodable text ({exc.reason})") from None
    if not text.strip():
        raise IngestError(f"{origin}: empty file")
    return make_document(text, id=id, origin=origin)
