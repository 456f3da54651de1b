"""Stage tables under the output folder: written whole, then marked complete.

Each stage is a folder ``DIR/<stage>/`` holding Parquet files and, written last, the
marker ``_COMPLETE`` (JSON: rows, seconds, engine). A stage with its marker is skipped on
the next run; a stage without it (killed half-way) is cleared and run again, and so is
every stage after it, since they were made from the old one.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

STAGES = ("docs", "features", "pairs", "alignments", "families", "sites")
MARKER = "_COMPLETE"


def stage_dir(out: Path, stage: str) -> Path:
    return out / stage


def is_complete(out: Path, stage: str) -> bool:
    return (stage_dir(out, stage) / MARKER).exists()


def marker(out: Path, stage: str) -> dict[str, Any]:
    return json.loads((stage_dir(out, stage) / MARKER).read_text(encoding="utf-8"))


def clear(out: Path, stage: str) -> Path:
    """Remove a stage's folder and every later stage's marker; return the empty folder.

    Only called inside a scan folder (:mod:`unspun.scan.outdir`): the stage folders there
    are the scan's own."""
    d = stage_dir(out, stage)
    if d.is_symlink() or d.is_file():
        d.unlink()  # not a folder the scan made: remove the link or file, never what it points to
    elif d.exists():
        shutil.rmtree(d)
    for later in STAGES[STAGES.index(stage) + 1 :]:
        (stage_dir(out, later) / MARKER).unlink(missing_ok=True)
    d.mkdir(parents=True)
    return d


def complete(out: Path, stage: str, rows: int, started: float, **info: Any) -> None:
    """Write the marker last: the stage is done."""
    data = {"stage": stage, "rows": rows, "seconds": round(time.time() - started, 3), **info}
    path = stage_dir(out, stage) / MARKER
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_table(out: Path, stage: str, table: pa.Table, name: str = "part-0") -> None:
    pq.write_table(table, stage_dir(out, stage) / f"{name}.parquet")


def read_table(out: Path, stage: str, name: str | None = None,
               columns: list[str] | None = None) -> pa.Table:
    """A stage's table (all its part files, or the one named); only ``columns`` if given
    (Parquet is columnar: the texts of ``docs`` are not read for its metadata)."""
    d = stage_dir(out, stage)
    if name is not None:
        return pq.read_table(d / f"{name}.parquet", columns=columns)
    files = sorted(d.glob("part-*.parquet"))
    if not files:
        raise FileNotFoundError(f"{d}: no table")
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files],
                            promote_options="default")


def files(out: Path, stage: str, name: str = "part-*") -> list[str]:
    """A stage's Parquet files, sorted (for DuckDB's ``read_parquet``, as a list: no path
    is ever written into SQL)."""
    found = sorted(str(f) for f in stage_dir(out, stage).glob(f"{name}.parquet"))
    if not found:
        raise FileNotFoundError(f"{stage_dir(out, stage)}: no table")
    return found
