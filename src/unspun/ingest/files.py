"""Finding input files and reading one input stream in whatever format it holds."""

from __future__ import annotations

import dataclasses
import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .detect import HEAD_SIZE, detect_format
from .fields import failure_from
from .html import from_html
from .jsonl import jsonl_records
from .text import text_document
from .warc import warc_records

Record = Document | IngestFailure


@dataclasses.dataclass(frozen=True)
class Source:
    """How to name one input: ``name`` builds ids, ``location`` origins and failures."""

    name: str
    location: str


def walk(root: str | os.PathLike[str], *, recursive: bool = True) -> Iterator[Path | IngestFailure]:
    """The files of an input path: itself if a file, else its non-hidden files, sorted."""
    path = Path(root)
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        reason = "no such file or directory" if not path.exists() else "not a file or directory"
        yield IngestFailure(path.as_posix(), reason)
        return
    found: list[Path] = []
    errors: list[OSError] = []
    for current, dirs, files in os.walk(path, onerror=errors.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")] if recursive else []
        found.extend(Path(current, f) for f in files if not f.startswith("."))
    for error in errors:
        yield IngestFailure(
            Path(error.filename or path).as_posix(), f"cannot list ({error.strerror})"
        )
    yield from sorted(found, key=lambda p: p.relative_to(path).as_posix())


def read_path(root: str | os.PathLike[str], *, recursive: bool = True) -> Iterator[Record]:
    """Every record under one input path; ids are relative to it when it is a folder."""
    base = Path(root)
    for item in walk(root, recursive=recursive):
        if isinstance(item, IngestFailure):
            yield item
            continue
        name = item.as_posix() if item == base else item.relative_to(base).as_posix()
        try:
            yield from read_file(item, Source(name=name, location=item.as_posix()))
        except Exception as exc:  # a reader bug must not end a whole corpus run
            yield IngestFailure(item.as_posix(), f"unexpected error ({type(exc).__name__}: {exc})")


def read_file(path: Path, source: Source) -> Iterator[Record]:
    try:
        handle = open(path, "rb")  # closed by the with block below
    except OSError as exc:
        yield IngestFailure(source.location, f"cannot open ({exc.strerror or exc})")
        return
    with handle:
        yield from read_stream(handle, source, hint=path.name)


def read_stream(stream: BinaryIO, source: Source, *, hint: str = "") -> Iterator[Record]:
    """Records from a seekable binary stream, its format detected from the content."""
    where = source.location
    try:
        head = stream.read(HEAD_SIZE)
        stream.seek(0)
    except OSError as exc:
        yield IngestFailure(where, f"cannot read ({exc.strerror or exc})")
        return
    if not head:
        yield IngestFailure(where, "empty file")
        return
    fmt = detect_format(head, hint)
    if fmt == "binary":
        yield IngestFailure(where, "binary file, not text")
    elif fmt in ("warc", "gzip-warc"):
        yield from warc_records(stream, name=source.name, location=where)
    elif fmt == "jsonl":
        yield from jsonl_records(stream, name=source.name, location=where)
    elif fmt == "gzip-jsonl":
        with gzip.GzipFile(fileobj=stream) as lines:
            yield from jsonl_records(lines, name=source.name, location=where)
    else:
        try:
            yield _whole_document(stream, source, fmt)
        except IngestError as exc:
            yield failure_from(exc, where)


def _whole_document(stream: BinaryIO, source: Source, fmt: str) -> Document:
    """One document from a text or HTML input (gzipped or not)."""
    where = source.location
    try:
        data = gzip.GzipFile(fileobj=stream).read() if fmt.startswith("gzip-") else stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"{where}: corrupt gzip ({exc})") from None
    if not data.strip():
        raise IngestError(f"{where}: empty file")
    if fmt.endswith("html"):
        doc = from_html(data, origin=where)
        return doc if doc.url else dataclasses.replace(doc, id=source.name)
    return text_document(data, id=source.name, origin=where)
