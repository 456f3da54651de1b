"""The ``--out`` folder of a scan: unspun deletes only what it made there.

A scan writes :data:`OWNER_FILE` first thing in a new (or empty) folder; only a folder
holding it is treated as a scan, resumed, and has its stage folders cleared. Any other
non-empty folder is refused untouched, as is a folder that holds an input or lies inside
one. When a fresh scan fails before any stage is complete, what it wrote is removed, so
the corrected command starts clean.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..errors import OutputError
from . import stages

OWNER_FILE = ".unspun-scan"
#: what a scan writes at the top of its folder (``report.html``: ``unspun scan report``'s default)
OWN_NAMES = frozenset({OWNER_FILE, "settings.json", "settings.tmp", "report.html", "_spill", *stages.STAGES})


def _entries(out: Path) -> list[str]:
    try:
        return sorted(p.name for p in out.iterdir())
    except OSError as e:
        raise OutputError(f"--out {out}: cannot read the folder ({e.strerror or e})") from None


def is_ours(out: Path) -> bool:
    """Whether ``out`` is a scan folder (made by unspun scan)."""
    return (out / OWNER_FILE).is_file()


def _is_legacy_scan(out: Path, names: list[str]) -> bool:
    """A scan folder written before :data:`OWNER_FILE` existed: scan settings, and nothing
    but the names a scan writes."""
    if "settings.json" not in names or not set(names) <= OWN_NAMES:
        return False
    try:
        d = json.loads((out / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(d, dict) and "inputs" in d and "fingerprint" in d


def inspect(out: Path) -> bool:
    """True when ``out`` holds a scan (to resume), False when it is missing or empty (a new
    scan); OutputError for anything else, which is left as it is."""
    if not out.exists():
        if out.is_symlink():
            raise OutputError(f"--out {out}: a broken symbolic link")
        return False
    if not out.is_dir():
        raise OutputError(f"--out {out}: not a folder")
    if is_ours(out):
        return True
    names = _entries(out)
    if not names:
        return False
    if _is_legacy_scan(out, names):
        return True
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    raise OutputError(
        f"--out {out}: the folder is not empty ({shown}) and was not made by unspun scan: "
        "give a new or empty folder (nothing was changed)")


def check_inputs(out: Path, inputs: Iterable[str]) -> None:
    """OutputError when ``out`` is, holds, or lies inside one of the inputs."""
    o = out.expanduser().resolve()
    for i in inputs:
        p = Path(i).expanduser().resolve()
        if p == o or p in o.parents:
            raise OutputError(f"--out {out} lies inside the input {i}: give a folder elsewhere")
        if o in p.parents:
            raise OutputError(f"--out {out} holds the input {i}: give a folder that holds no input")


def claim(out: Path) -> list[Path]:
    """Make ``out`` a scan folder (creating it if needed); return the folders created."""
    created = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not is_ours(out):
            info = {"made_by": "unspun scan", "version": __version__}
            (out / OWNER_FILE).write_text(json.dumps(info) + "\n", encoding="utf-8")
    except OSError as e:
        release(out, created)
        raise OutputError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    return created


def release(out: Path, created: list[Path]) -> None:
    """Remove what a failed new scan wrote in ``out`` (only names a scan writes), then the
    folders it created, if empty."""
    if out.is_dir() and not out.is_symlink():
        for name in OWN_NAMES:
            p = out / name
            if p.is_symlink() or p.is_file():
                p.unlink(missing_ok=True)
            elif p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    for d in created:  # deepest first
        try:
            os.rmdir(d)
        except OSError:
            break
