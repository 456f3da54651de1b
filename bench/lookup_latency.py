"""What a look-up costs, part by part, on an index built by ``bench.speed`` (warm).

    python -m bench.lookup_latency [--db bench/work/speed-1M.db] [--queries 30] [--max-df 1000,500,200]

Uses the query articles of :func:`bench.speed.make_queries` (1,000-word articles stitched
from documents of that index, spun 30%). For each stop-list threshold (``max_df``; the
first is what ``retrieve`` uses at this size), times in CPU milliseconds of the process
(``time.process_time``; less disturbed by other work on a shared machine than wall time):

* ``features``: fingerprinting the article (``unspun.fingerprint.features``);
* ``postings``: reading the posting lists of its features (``index._posting_arrays``: one
  SQL statement for the packed rows, the in-memory segments binary-searched; on SQLite the
  rows' bytes become one numpy array, no Python object per posting);
* ``count``: counting, per document, the features it shares (numpy) and ranking;
* ``texts``: grouping the best 256 documents into texts (copies count once);
* ``resolve``: document numbers to ids, for the documents in the 10 texts;
* ``retrieve``: ``unspun.retrieve(article, index, k=10)`` end to end, wall and CPU;

with recall@10 of each query's source documents, counted on texts (a source found as a copy
of one of the 10 texts counts) and on documents ranked one by one (``copies=False``).
Writes ``bench/results/lookup.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import unspun
from bench import corpus
from bench.speed import make_queries
from unspun.fingerprint import features
from unspun.retrieve import POOL, SAME_TEXT, default_max_df
from unspun.store import base


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def _cpu() -> float:
    return time.process_time() * 1000


def measure(idx: Any, qs: list[dict[str, Any]], max_df: int, repeats: int) -> dict[str, Any]:
    parts: dict[str, list[list[float]]] = {}

    def put(name: str, i: int, ms: float) -> None:
        parts.setdefault(name, [[] for _ in qs])[i].append(ms)

    rows, rec_t, rec_d = [], [], []
    for _ in range(repeats):
        for i, q in enumerate(qs):
            t = _cpu()
            f = features(q["text"], idx.params)
            put("features", i, _cpu() - t)
            t = _cpu()
            arrays = idx._posting_arrays(f, max_df)
            put("postings", i, _cpu() - t)
            idx._posting_arrays = lambda *_, a=arrays: a  # count the postings just read
            try:
                t = _cpu()
                keys, counts, member, rarity = idx._counted([f], max_df, memberships=True)[0]
                order = base._best_first(keys, counts, 1, rarity)[:POOL]
                put("count", i, _cpu() - t)
            finally:
                del idx._posting_arrays
            t = _cpu()
            groups = base._group_texts(order, counts, member, 10, SAME_TEXT)
            put("texts", i, _cpu() - t)
            t = _cpu()
            idx._resolve_keys({keys[j] for g in groups for j in g})
            put("resolve", i, _cpu() - t)
            t, w = _cpu(), time.perf_counter()
            texts = unspun.retrieve(q["text"], idx, k=10, max_df=max_df)
            put("retrieve_wall", i, (time.perf_counter() - w) * 1000)
            put("retrieve", i, _cpu() - t)
            if len(rows) < len(qs):
                rows.append(0 if arrays[1] is None else len(arrays[1]))
                got = {d for c in texts for d in c.doc_ids}
                rec_t.append(sum(s in got for s in q["sources"]) / len(q["sources"]))
                flat = {c.doc_id for c in unspun.retrieve(q["text"], idx, k=10, max_df=max_df, copies=False)}
                rec_d.append(sum(s in flat for s in q["sources"]) / len(q["sources"]))
    med = {name: [statistics.median(v) for v in per] for name, per in parts.items()}
    out: dict[str, Any] = {"max_df": max_df, "postings_read_mean": statistics.mean(rows)}
    for name, v in med.items():
        out[f"{name}_p50"] = _pct(v, 50)
        out[f"{name}_p90"] = _pct(v, 90)
    out["recall_texts"] = statistics.mean(rec_t)
    out["recall_documents"] = statistics.mean(rec_d)
    return out


def crowd(idx: Any, qs: list[dict[str, Any]], max_df: int) -> dict[str, Any]:
    """What fills the top 10 when documents are ranked one by one: each of the 10 documents
    that is not one of the query's sources, against the source it overlaps most, as shares
    of feature sets: of the larger set (near-duplicate documents, what an index-time
    duplicate check finds, reach 0.8) and of the smaller one (a page holding a part of the
    other)."""
    larger, smaller = [], []
    for q in qs:
        src = [features(idx.get(s).text, idx.params) for s in q["sources"]]
        for c in unspun.retrieve(q["text"], idx, k=10, max_df=max_df, copies=False):
            if c.doc_id in q["sources"]:
                continue
            f = features(idx.get(c.doc_id).text, idx.params)
            g = max(src, key=lambda g: len(f & g))
            larger.append(len(f & g) / max(1, len(f), len(g)))
            smaller.append(len(f & g) / max(1, min(len(f), len(g))))
    n = max(1, len(larger))
    return {
        "others_in_top10": len(larger),
        "near_duplicates": sum(x >= 0.8 for x in larger) / n,
        "larger_median": statistics.median(larger) if larger else None,
        "smaller_median": statistics.median(smaller) if smaller else None,
        "smaller_half_or_more": sum(x >= 0.5 for x in smaller) / n,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.lookup_latency")
    ap.add_argument("--db", default="bench/work/speed-1M.db")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-df", default=None, help="stop-list thresholds, comma-separated (default: retrieve's, 500, 200)")
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        print(f"{args.db} not found: build it with python -m bench.speed first")
        return 0
    idx = unspun.open_index(args.db, readonly=True)
    default = default_max_df(idx.approx_size())
    thresholds = [int(x) for x in args.max_df.split(",")] if args.max_df else sorted({default, 500, 200}, reverse=True)
    qs = make_queries(idx, args.queries, 0)
    for q in qs:  # warm the page cache, the word caches and the stop-list memory
        unspun.retrieve(q["text"], idx, k=10)
    res = {
        "command": "python -m bench.lookup_latency " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "documents": idx.approx_size(), "queries": len(qs), "repeats": args.repeats,
        "load_avg_start": os.getloadavg(),
        "rows": [measure(idx, qs, m, args.repeats) for m in thresholds],
        "load_avg_end": os.getloadavg(),
        "crowd": crowd(idx, qs, default),
    }
    lines = [
        "# What a look-up costs, part by part",
        "",
        f"Command: `{res['command'].strip()}`  ",
        f"Date: {res['date']}; index: {res['documents']:,} documents; {res['queries']} queries of ~1,000 "
        f"words, median of {args.repeats} per query; load average (1 min) {res['load_avg_start'][0]:.2f} at the "
        f"start, {res['load_avg_end'][0]:.2f} at the end (2 shared cores).",
        "",
        "CPU milliseconds of the process, p50 / p90 over queries (wall for `retrieve` too). "
        "*postings read*: posting rows of the features kept. Recall@10 of the queries' source "
        "documents: *texts* as `retrieve` returns them (a source found as a copy of one of the "
        "10 texts counts), *documents* ranked one by one (`copies=False`).",
        "",
        "| max_df | postings read | features | postings | count | texts | resolve | retrieve CPU | retrieve wall | recall@10 texts | recall@10 documents |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    def cell(r: dict[str, Any], k: str) -> str:
        return f"{r[k + '_p50']:.2f} / {r[k + '_p90']:.2f}"

    for r in res["rows"]:
        lines.append(
            f"| {r['max_df']}{' (default)' if r['max_df'] == default else ''} | {r['postings_read_mean']:,.0f} | "
            f"{cell(r, 'features')} | {cell(r, 'postings')} | {cell(r, 'count')} | {cell(r, 'texts')} | "
            f"{cell(r, 'resolve')} | {cell(r, 'retrieve')} | {cell(r, 'retrieve_wall')} | "
            f"{r['recall_texts']:.3f} | {r['recall_documents']:.3f} |"
        )
    c = res["crowd"]
    lines += [
        "",
        f"What fills the top 10 when documents are ranked one by one (max_df {default}): "
        f"{c['others_in_top10']} documents there are not a source of their query. Against the "
        f"source each overlaps most, {c['near_duplicates']:.0%} are near-duplicates (the shared "
        f"features >= 80% of the larger feature set; median {c['larger_median'] or 0:.2f}): an "
        "index-time duplicate check would group only those. The shared features are half or more "
        f"of the smaller set for {c['smaller_half_or_more']:.0%} (median {c['smaller_median'] or 0:.2f}): "
        "pages carrying a part of a source (the part an article took), which grouping by the "
        "article's own features catches.",
    ]
    text = "\n".join(lines) + "\n"
    out = corpus.repo_root() / "bench" / "results"
    (out / "lookup.md").write_text(text)
    (out / "lookup.json").write_text(json.dumps(res, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
