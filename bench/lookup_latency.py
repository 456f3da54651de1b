"""Posting look-up latency on an index built by ``bench.speed`` (look-up only, warm).

    python -m bench.lookup_latency [--db bench/work/speed-1M.db] [--queries 30]

Uses the query articles of :func:`bench.speed.make_queries` (1,000-word articles stitched
from documents of that index, spun 30%) and times ``index.lookup`` alone, for winnowed and
unwinnowed query features and three stop-list thresholds, with recall@10 of each query's
sources. Writes ``bench/results/lookup.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import time
from pathlib import Path

import unspun
from bench import corpus
from bench.speed import make_queries
from unspun.fingerprint import features


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.lookup_latency")
    ap.add_argument("--db", default="bench/work/speed-1M.db")
    ap.add_argument("--queries", type=int, default=30)
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        print(f"{args.db} not found: build it with python -m bench.speed first")
        return 0
    idx = unspun.open_index(args.db, readonly=True)
    qs = make_queries(idx, args.queries, 0)
    for q in qs:  # warm the page cache and the stop-list memory
        idx.lookup(features(q["text"], idx.params), max_df=1000, k=10)
    rows = []
    for winnowed in (False, True):
        for max_df in (1000, 200, 50):
            lat, rec = [], []
            for q in qs:
                feats = features(q["text"], idx.params, winnowed=winnowed)
                t = time.perf_counter()
                hits = idx.lookup(feats, max_df=max_df, k=10)
                lat.append((time.perf_counter() - t) * 1000)
                got = {h for h, _ in hits}
                rec.append(sum(s in got for s in q["sources"]) / len(q["sources"]))
            lat.sort()
            rows.append((winnowed, max_df, lat[len(lat) // 2], lat[int(len(lat) * 0.9)], statistics.mean(rec)))
    lines = [
        "# Posting look-up latency",
        "",
        f"Command: `python -m bench.lookup_latency --db {args.db} --queries {args.queries}`  ",
        f"Date: {_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')}; index: {idx.approx_size():,} documents",
        "",
        "| query features | max_df | look-up p50 ms | p90 ms | recall@10 of sources |",
        "|---|---:|---:|---:|---:|",
    ]
    for w, m, p50, p90, r in rows:
        lines.append(f"| {'winnowed' if w else 'every n-gram'} | {m} | {p50:.1f} | {p90:.1f} | {r:.3f} |")
    text = "\n".join(lines) + "\n"
    out = corpus.repo_root() / "bench" / "results" / "lookup.md"
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
