"""``retrieve`` and ``check`` timed on one index, for comparing two versions of unspun.

    PYTHONPATH=src:. python -m bench.retrieve_ab --db bench/work/speed-1M.db --queries 30 texts docs check
    git archive 48ce2f7 src | tar -x -C /tmp/base48          # an older version, beside it
    PYTHONPATH=/tmp/base48/src:. python -m bench.retrieve_ab --db bench/work/speed-1M.db --queries 30 docs check

The queries are :func:`bench.speed.make_queries` (1,000-word articles stitched from 4-6
documents of the index, spun 30%). Each measure runs once over all queries to warm up,
then 3 times per query; the median per query, then p50 / p90 over queries, in CPU time of
the process (``time.process_time``) and wall time. Measures: ``texts`` =
``retrieve(k=10)`` (texts), ``docs`` = documents ranked one by one (``copies=False``, or
plain ``retrieve`` in a version without texts), ``feat`` = fingerprinting alone,
``check`` = ``unspun.check``. Prints one line per measure; run the versions one after the
other, alternating, on a machine as quiet as can be had.
"""

from __future__ import annotations

import argparse
import statistics
import time

import unspun
from bench.speed import make_queries
from unspun.fingerprint import features


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.retrieve_ab")
    ap.add_argument("--db", default="bench/work/speed-1M.db")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("what", nargs="*", default=["texts", "docs", "check"])
    args = ap.parse_args(argv)
    idx = unspun.open_index(args.db, readonly=True)
    qs = make_queries(idx, args.queries, 0)
    has_texts = "copies" in unspun.retrieve.__code__.co_varnames
    fns = {
        "texts": lambda q: unspun.retrieve(q["text"], idx, k=10),
        "docs": (lambda q: unspun.retrieve(q["text"], idx, k=10, copies=False)) if has_texts
        else (lambda q: unspun.retrieve(q["text"], idx, k=10)),
        "feat": lambda q: features(q["text"], idx.params),
        "check": lambda q: unspun.check(q["text"], idx),
    }
    for name in args.what:
        f = fns[name]
        for q in qs:
            f(q)
        cpu, wall = [], []
        for q in qs:
            c, t = [], []
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                f(q)
                c.append(time.process_time() - c0)
                t.append(time.perf_counter() - t0)
            cpu.append(statistics.median(c) * 1000)
            wall.append(statistics.median(t) * 1000)
        cpu.sort()
        wall.sort()

        def pct(xs: list[float], p: float) -> float:
            return xs[min(len(xs) - 1, int(len(xs) * p))]

        print(f"{name} cpu p50 {pct(cpu, 0.5):.1f} p90 {pct(cpu, 0.9):.1f} | "
              f"wall p50 {pct(wall, 0.5):.1f} p90 {pct(wall, 0.9):.1f}", flush=True)
    idx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
