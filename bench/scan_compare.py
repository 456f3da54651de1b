"""Do two finished scans (e.g. the local and the Spark engine on the same crawl) agree?

    python -m bench.scan_compare bench/work/scan-local-10000 bench/work/scan-spark-10000

Compares ``features``, ``pairs`` and ``alignments`` as multisets (the engines write rows
in different orders; the first two, tens of millions of integer rows at 1M, are sorted and
compared in Arrow), and ``families``, ``families/origins`` and ``sites`` row by row;
prints one line per table and exits 1 when any differs.
"""

from __future__ import annotations

import sys
from functools import reduce
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from unspun.scan import stages as stg

INTEGER_TABLES = ("features", "pairs")
TABLES = (("alignments", None), ("families", None), ("families", "origins"), ("sites", None))


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by([(c, "ascending") for c in t.column_names])


def _int_diff(x: pa.Table, y: pa.Table) -> int:
    """Rows that differ between two integer tables taken as multisets."""
    n = min(x.num_rows, y.num_rows)
    x, y = _sorted(x).slice(0, n), _sorted(y).slice(0, n)
    differ = reduce(pc.or_, [pc.not_equal(x[c], y[c]) for c in x.column_names])
    return pc.sum(differ).as_py() or 0


def compare(x: Path, y: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in x, rows in y, rows that differ)."""
    out = {}
    for stage in INTEGER_TABLES:
        tx, ty = (stg.read_table(d, stage) for d in (x, y))
        tx, ty = tx.select(sorted(tx.column_names)), ty.select(sorted(tx.column_names))
        out[stage] = (tx.num_rows, ty.num_rows, _int_diff(tx, ty) + abs(tx.num_rows - ty.num_rows))
    for stage, name in TABLES:
        rx = stg.read_table(x, stage, name).to_pylist()
        ry = stg.read_table(y, stage, name).to_pylist()
        label = stage + (f"/{name}" if name else "")
        if stage == "alignments":
            key = lambda r: (r["b"], r["a"], r["passage"])  # noqa: E731
            rx, ry = sorted(rx, key=key), sorted(ry, key=key)
        diff = sum(a != b for a, b in zip(rx, ry, strict=False)) + abs(len(rx) - len(ry))
        out[label] = (len(rx), len(ry), diff)
    return out


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    res = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for label, (nx, ny, d) in res.items():
        print(f"{label:20} {nx:>10,} {ny:>10,}  {'same' if d == 0 else f'{d:,} rows differ'}")
    sys.exit(1 if any(d for _, _, d in res.values()) else 0)


if __name__ == "__main__":
    main()
