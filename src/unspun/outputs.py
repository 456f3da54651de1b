"""Where a command writes a file (``check -o``, ``demo -o``, ``scan report -o``).

An output goes to a temporary file in the target's folder, renamed over the target only
when it is whole. The target must be a new name or an existing regular file (a symbolic
link is followed to one); never a folder, a device, a FIFO or a socket, and never one of
the command's inputs (the index being read, with its ``-wal``/``-shm``/``-journal`` files,
the article, a file of a reference folder, a scan's tables). ``-`` means standard output.
Anything else is an :class:`~unspun.errors.OutputError` with a one-line reason, raised
before anything is written.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import OutputError
from .ingest.files import file_kind

STDOUT = "-"
#: files SQLite keeps next to a database while it is open
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def is_stdout(target: str | Path) -> bool:
    return str(target) == STDOUT


def index_files(db: str | Path) -> list[Path]:
    """An SQLite index and the companion files that live beside it."""
    if isinstance(db, str) and db[:13].lower().startswith(("postgresql://", "postgres://")):
        return []  # a database on a server: no file here to protect
    p = Path(db).expanduser()
    return [p, *(p.with_name(p.name + s) for s in SQLITE_COMPANIONS)]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.is_dir() and path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def check_target(target: str | Path, protect: Iterable[str | Path] = ()) -> Path | None:
    """The real path to write (symbolic links followed), or None for ``-`` (stdout).

    ``protect``: the command's inputs: files the output must not replace, and folders
    whose files it must not replace. OutputError says why a target is refused.
    """
    if is_stdout(target):
        return None
    shown = str(target)
    given = Path(target).expanduser()
    if given.is_symlink() and not given.exists():
        raise OutputError(f"-o {shown}: a symbolic link to nothing ({os.readlink(given)}); give a file name")
    path = Path(os.path.realpath(given))
    for p in protect:
        p = Path(p).expanduser()
        real = Path(os.path.realpath(p))
        if path == real or _same(path, p):
            raise OutputError(f"-o {shown}: that is an input of this command ({p}); give another file")
        if path.exists() and _inside(path, p):
            raise OutputError(f"-o {shown}: a file in the input folder {p}; give another file")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"-o {shown}: {Path(shown).expanduser().parent} is not a folder") from None
    except OSError as e:
        raise OutputError(f"-o {shown}: {e.strerror or e}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"-o {shown}: {file_kind(st.st_mode)}, not a regular file; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"-o {shown}: folder {Path(shown).expanduser().parent} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"-o {shown}: cannot write in folder {folder} (permission denied)")
    try:  # some folders refuse new files whatever their mode says (/proc, read-only mounts)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".unspun-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"-o {shown}: cannot write in folder {folder} ({e.strerror or e})") from None
    return path


def write_output(target: str | Path, data: str, protect: Iterable[str | Path] = ()) -> Path | None:
    """Write ``data`` to ``target`` whole, or not at all; return the path (None: stdout)."""
    protect = list(protect)
    path = check_target(target, protect)
    if path is None:
        sys.stdout.write(data)
        sys.stdout.flush()
        return None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".unspun-", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"-o {target}: cannot write in folder {path.parent} ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)  # an existing report keeps its mode
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes 0600; a report is an ordinary file
        os.chmod(tmp, mode)
        check_target(path, protect)  # still a regular file or a new name, just before the rename
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"-o {target}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
