"""Do two finished scans (e.g. the local and the Spark engine on the same crawl) agree?

    python -m bench.scan_compare bench/work/scan-local-10000 bench/work/scan-spark-10000

Compares the ``alignments`` (as a set: the engines write rows in different orders), and
``families``, ``families/origins`` and ``sites`` row by row; prints one line per table and
exits 1 when any differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from unspun.scan import stages as stg

TABLES = (("alignments", None), ("families", None), ("families", "origins"), ("sites", None))


def compare(x: Path, y: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in x, rows in y, rows that differ)."""
    out = {}
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
