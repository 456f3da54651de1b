"""The summary file of a batch check (``unspun check … --summary FILE``): one row per
article, columns :data:`unspun.batch.SUMMARY_COLUMNS`, format from the file's suffix.

* ``.csv``: a header line, then rows; an empty field is null; text that a spreadsheet
  would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) is written behind a
  ``'`` (as is text starting with ``'``), which reading takes off.
* ``.jsonl``: one JSON object per line.
* ``.parquet``: one table (needs pyarrow). Parquet cannot be appended to, so while a
  batch runs its rows go to ``FILE.partial.jsonl`` beside it; at the end the table is
  written whole (existing rows first) and the journal removed.

Rows are written as each article is done (CSV and JSONL flushed per row), so an
interrupted batch keeps every finished row. Running the same batch with the same
summary again resumes: :meth:`SummaryFile.done` is the set of article ids already in it
(an error row counts as done; delete it to try that article again).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, TextIO

from .batch import SUMMARY_COLUMNS
from .errors import OutputError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
JOURNAL = ".partial.jsonl"
_FLOATS = ("coverage", "top_coverage", "spin_share")
_INTS = ("sources", "findings")


def summary_format(path: str | os.PathLike[str]) -> str:
    """``csv``, ``jsonl`` or ``parquet`` from the suffix; OutputError for anything else."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"--summary {path}: the file name must end in .csv, .jsonl or .parquet "
                          "(the format is taken from it)")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise OutputError(f"--summary {path}: Parquet needs pyarrow (pip install pyarrow)") from None
    return fmt


#: a spreadsheet runs a cell starting with one of these as a formula (CSV injection)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(v: Any) -> Any:
    """A CSV cell: null as '', text that a spreadsheet would run as a formula (an article's
    id or title is hostile input) behind a ' (taken off again by :func:`_typed`)."""
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith(_FORMULA + ("'",)):
        return "'" + v
    return v


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (all text, '' for null) with its numbers, nulls and guarded text back."""
    out: dict[str, Any] = {}
    for k in SUMMARY_COLUMNS:
        v = row.get(k)
        if v in ("", None):
            out[k] = None
        elif k in _FLOATS:
            out[k] = float(v)
        elif k in _INTS:
            out[k] = int(v)
        else:
            out[k] = v[1:] if v.startswith("'") else v
    return out


def read_summary(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of a summary file (and of a Parquet summary's journal), typed."""
    path = Path(path)
    fmt = summary_format(path)
    rows: list[dict[str, Any]] = []
    if path.exists():
        try:
            if fmt == "csv":
                with path.open(newline="", encoding="utf-8") as f:
                    reader = csv.DictReader(io.StringIO(_whole_lines(f.read())))
                    if reader.fieldnames is not None and tuple(reader.fieldnames) != SUMMARY_COLUMNS:
                        raise OutputError(f"--summary {path}: not a summary written by unspun check "
                                          f"(columns {', '.join(reader.fieldnames)})")
                    rows = [_typed(r) for r in reader]
            elif fmt == "jsonl":
                rows = _read_jsonl(path)
            else:
                import pyarrow.parquet as pq

                table = pq.read_table(path)
                if tuple(table.column_names) != SUMMARY_COLUMNS:
                    raise OutputError(f"--summary {path}: not a summary written by unspun check")
                rows = table.to_pylist()
        except OutputError:
            raise
        except (OSError, ValueError, UnicodeDecodeError, csv.Error) as e:
            raise OutputError(f"--summary {path}: cannot read it to resume ({e})") from None
        except Exception as e:  # pyarrow's own errors
            raise OutputError(f"--summary {path}: cannot read it to resume ({type(e).__name__}: {e})") from None
    journal = path.with_name(path.name + JOURNAL)
    if fmt == "parquet" and journal.exists():
        rows += _read_jsonl(journal)
    return rows


def _whole_lines(text: str) -> str:
    """``text`` without a last line cut short (no line end): an interrupted run's last row,
    whose article is checked again (:meth:`SummaryFile._open` drops it from the file)."""
    return text if text.endswith("\n") or not text else text[: text.rfind("\n") + 1]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        lines = _whole_lines(f.read()).split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise OutputError(f"--summary {path}:{n}: not a JSON line; not a summary written by unspun check") from None
        if not isinstance(obj, dict) or "id" not in obj:
            raise OutputError(f"--summary {path}:{n}: not a summary row")
        rows.append({k: obj.get(k) for k in SUMMARY_COLUMNS})
    return rows


class SummaryFile:
    """Append rows to a summary, resuming the one already there."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.format = summary_format(self.path)
        self.previous = read_summary(self.path)
        self.done = {r["id"] for r in self.previous}
        self._f: TextIO | None = None
        self._csv: Any = None
        self.written = 0

    def _open(self) -> None:
        if self.format == "parquet":
            target = self.path.with_name(self.path.name + JOURNAL)
        else:
            target = self.path
        if target.exists() and target.stat().st_size:
            with target.open("r+b") as f:  # a last line cut short by an interruption: drop it
                data = f.read()
                if not data.endswith(b"\n"):
                    f.truncate(data.rfind(b"\n") + 1)
        new = not target.exists() or target.stat().st_size == 0
        self._f = target.open("a", newline="" if self.format == "csv" else None, encoding="utf-8")
        if self.format == "csv":
            self._csv = csv.writer(self._f)
            if new:
                self._csv.writerow(SUMMARY_COLUMNS)

    def write(self, row: dict[str, Any]) -> None:
        if self._f is None:
            self._open()
        assert self._f is not None
        if self.format == "csv":
            self._csv.writerow([_cell(row[k]) for k in SUMMARY_COLUMNS])
        else:
            self._f.write(json.dumps({k: row[k] for k in SUMMARY_COLUMNS}, ensure_ascii=False) + "\n")
        self._f.flush()
        self.written += 1

    def close(self, complete: bool = True) -> None:
        """Close; for Parquet, when ``complete``, write the table whole and drop the journal."""
        if self._f is not None:
            self._f.close()
            self._f = None
        if self.format == "parquet" and complete:
            self._write_parquet()

    def _write_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .outputs import check_target

        journal = self.path.with_name(self.path.name + JOURNAL)
        rows = read_summary(self.path)  # previous rows and the journal's
        schema = pa.schema([
            (k, pa.float64() if k in _FLOATS else pa.int64() if k in _INTS else pa.string())
            for k in SUMMARY_COLUMNS
        ])
        table = pa.Table.from_pylist([{k: r.get(k) for k in SUMMARY_COLUMNS} for r in rows], schema=schema)
        path = check_target(self.path)
        assert path is not None
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
