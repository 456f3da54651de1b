"""Finding input files and reading one input stream in whatever format it holds."""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspun.errors import IngestError
from unspun.models import Document, IngestFailure

from .detect import HEAD_SIZE, detect_format
from .fields import failure_from, printable
from .html import from_html
from .jsonl import jsonl_records
from .text import UTF16_BOMS, text_document
from .warc import warc_records

Record = Document | IngestFailure
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer


@dataclasses.dataclass(frozen=True)
class Source:
    """How to name one input: ``name`` builds ids, ``location`` origins and failures."""

    name: str
    location: str


def file_kind(mode: int) -> str | None:
    """What a non-regular, non-folder file is (``a FIFO (named pipe)``...); None if regular."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _skipped(path: Path, what: str) -> IngestFailure:
    return IngestFailure(printable(path.as_posix()), f"{what}, not a regular file", kind="skipped")


def walk(
    root: str | os.PathLike[str], *, recursive: bool = True, follow_symlinks: bool = False
) -> Iterator[Path | IngestFailure]:
    """The files of an input path: itself if a file, else its non-hidden files, sorted.

    A path given is followed if it is a symbolic link; inside folders only regular files
    are read: symbolic links are skipped unless ``follow_symlinks`` (each followed
    folder once), FIFOs, devices and sockets are skipped, each with a failure saying so.
    """
    path = Path(root)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        reason = "no such file or directory" if missing else f"cannot read ({exc.strerror or exc})"
        yield IngestFailure(printable(path.as_posix()), reason)
        return
    if stat.S_ISREG(mode):
        yield path
        return
    if not stat.S_ISDIR(mode):
        yield _skipped(path, file_kind(mode) or "not a regular file")
        return
    found: list[Path] = []
    problems: list[IngestFailure] = []
    seen: set[tuple[int, int]] = set()
    todo = [path]
    while todo:
        folder = todo.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue  # a followed link back to a folder already read
            seen.add((info.st_dev, info.st_ino))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(
                IngestFailure(printable(folder.as_posix()), f"cannot list ({exc.strerror or exc})")
            )
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            item = Path(entry.path)
            try:
                if entry.is_symlink():
                    if not follow_symlinks:
                        problems.append(IngestFailure(
                            printable(item.as_posix()),
                            "symbolic link, not followed (--follow-symlinks follows it)",
                            kind="skipped",
                        ))  # fmt: skip
                        continue
                    mode = item.stat().st_mode  # the target's
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                problems.append(
                    IngestFailure(printable(item.as_posix()), f"cannot read ({exc.strerror or exc})")
                )
                continue
            if stat.S_ISDIR(mode):
                if recursive:
                    todo.append(item)
            elif stat.S_ISREG(mode):
                found.append(item)
            else:
                problems.append(_skipped(item, file_kind(mode) or "not a regular file"))
    yield from sorted(problems, key=lambda f: f.location)
    yield from sorted(found, key=lambda p: p.relative_to(path).as_posix())


def read_path(
    root: str | os.PathLike[str],
    *,
    recursive: bool = True,
    keep_partial: bool = False,
    follow_symlinks: bool = False,
) -> Iterator[Record]:
    """Every record under one input path; ids are relative to it when it is a folder."""
    base = Path(root)
    for item in walk(root, recursive=recursive, follow_symlinks=follow_symlinks):
        if isinstance(item, IngestFailure):
            yield item
            continue
        name = item.as_posix() if item == base else item.relative_to(base).as_posix()
        # a file name that is not valid UTF-8 is named with its bytes escaped (\\xff)
        source = Source(name=printable(name), location=printable(item.as_posix()))
        try:
            yield from read_file(
                item, source, keep_partial=keep_partial,
                follow_symlinks=follow_symlinks or item == base,
            )  # fmt: skip
        except Exception as exc:  # a reader bug must not end a whole corpus run
            yield IngestFailure(
                source.location, printable(f"unexpected error ({type(exc).__name__}: {exc})")
            )


def open_regular(path: Path, *, follow_symlinks: bool = True) -> BinaryIO:
    """``path`` opened for reading, refusing anything but a regular file without blocking.

    Raises IngestError (kind in the message) for a FIFO, device, socket or folder, and
    for a symbolic link when ``follow_symlinks`` is false; OSError when it cannot open.
    """
    flags = os.O_RDONLY | _O_NONBLOCK | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise IngestError(f"{printable(path.as_posix())}: symbolic link, not followed") from None
        raise exc
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise IngestError(f"{printable(path.as_posix())}: {kind}, not a regular file")
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(
    path: Path, source: Source, *, keep_partial: bool = False, follow_symlinks: bool = True
) -> Iterator[Record]:
    try:
        handle = open_regular(path, follow_symlinks=follow_symlinks)  # closed below
    except IngestError as exc:
        reason = str(exc).removeprefix(f"{printable(path.as_posix())}: ")
        yield IngestFailure(source.location, reason, kind="skipped")
        return
    except OSError as exc:
        yield IngestFailure(source.location, f"cannot open ({exc.strerror or exc})")
        return
    with handle:
        yield from read_stream(handle, source, hint=path.name, keep_partial=keep_partial)


def read_stream(
    stream: BinaryIO, source: Source, *, hint: str = "", keep_partial: bool = False
) -> Iterator[Record]:
    """Records from a seekable binary stream, its format detected from the content.

    ``keep_partial`` keeps what a truncated WARC record holds (marked in its metadata)
    instead of reporting it as a failure only.
    """
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
        yield from warc_records(stream, name=source.name, location=where, keep_partial=keep_partial)
    elif fmt == "jsonl":
        yield from jsonl_records(_jsonl_lines(stream), name=source.name, location=where)
    elif fmt == "gzip-jsonl":
        with gzip.GzipFile(fileobj=stream) as lines:
            yield from jsonl_records(_jsonl_lines(lines), name=source.name, location=where)
    else:
        try:
            yield _whole_document(stream, source, fmt)
        except IngestError as exc:
            yield failure_from(exc, where)


def _jsonl_lines(stream: BinaryIO) -> Iterator[bytes] | io.TextIOWrapper:
    """The lines of a JSONL stream: bytes, or str when it is UTF-16 (with a BOM)."""
    try:
        start = stream.read(2)
        stream.seek(0)
    except (OSError, EOFError, zlib.error):
        start = b""  # a gzip cut short: reading the lines reports it, at line 1
    if start not in UTF16_BOMS:
        return stream  # type: ignore[return-value]  # iterating a binary file yields lines
    # invalid UTF-16 becomes a lone surrogate: that record fails, the others are read
    return io.TextIOWrapper(stream, encoding="utf-16", errors="unspun-utf16", newline="")  # type: ignore[arg-type]


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
