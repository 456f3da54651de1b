"""The local scan's alignment stage replayed in one process on a sample of a finished scan.

    PYTHONPATH=src:. python -m bench.scan_align_replay bench/work/scan-local-1000000 --every 100 \\
        [--rows OUT.pkl]
    PYTHONPATH=/tmp/wt-main/src:. python -m bench.scan_align_replay ...   # another version

Takes every ``--every``-th chunk of 50 copies of the scan's ``pairs`` (the chunks the
stage hands its workers), aligns them with the stage's own task (``_align_task``, on the
``docs`` text column and the ``frequent`` hashes of the scan) and prints pairs, passage
rows, wall and CPU seconds and CPU ms per pair. ``--rows`` pickles the passage rows, to
compare two versions' output (``cmp``). The per-pair cost includes a fresh process's cache
warm-up, which the stage's long-running workers pay once.
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from unspun.scan import local, stages
    from unspun.scan.settings import load_settings

    ap = argparse.ArgumentParser(prog="python -m bench.scan_align_replay")
    ap.add_argument("scan", type=Path)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--rows", default=None)
    a = ap.parse_args(argv)
    local._ST = load_settings(a.scan)
    local._TEXTS = stages.read_table(a.scan, "docs", columns=["did", "text"]).sort_by("did").column("text")
    local._FREQUENT = frozenset(stages.read_table(a.scan, "pairs", "frequent").column("hash").to_pylist())
    pairs = stages.read_table(a.scan, "pairs")
    chunks = [ch for n, ch in enumerate(local._copy_chunks(pairs)) if n % a.every == 0]
    t, c = time.perf_counter(), time.process_time()
    rows: list = []
    n_pairs = 0
    for ch in chunks:
        n, r = local._align_task(ch)
        n_pairs += n
        rows.extend(r)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"chunks {len(chunks)} pairs {n_pairs} rows {len(rows)} wall {wall:.2f} s cpu {cpu:.2f} s "
          f"cpu per pair {1000 * cpu / max(1, n_pairs):.3f} ms (of {pairs.num_rows} pairs)")
    if a.rows:
        with open(a.rows, "wb") as f:
            pickle.dump(rows, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
