"""Scan benchmark: documents/s/core, peak memory and family quality on a generated crawl.

The crawl is :func:`bench.scan_crawl.make_crawl` over real benchmark documents
(``bench.synth.read_real``: Reuters, BBC, ... from ``../shared/data``, copyrighted, read at
run time; outputs go to the git-ignored ``bench/work/``), so the farms and families are
known. Quality: adjusted Rand index of the families (documents in no family are
singletons) and pairwise precision/recall of "same family" against the truth.

    python -m bench.scan_bench --n 10000 --engine local
    python -m bench.scan_bench --n 10000 --engine spark
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from collections import Counter
from itertools import islice
from math import comb
from pathlib import Path

from bench.scan_crawl import FARMS, make_crawl
from bench.synth import data_dir, read_real

WORK = Path(__file__).resolve().parent / "work"


def pair_counts(labels: dict[str, int], truth: dict[str, int]) -> dict[str, float]:
    """ARI and pairwise precision/recall of two labelings of the same documents."""
    joint = Counter((labels[d], truth[d]) for d in truth)
    a = Counter(labels[d] for d in truth)
    b = Counter(truth[d] for d in truth)
    tp = sum(comb(n, 2) for n in joint.values())
    pred = sum(comb(n, 2) for n in a.values())
    true = sum(comb(n, 2) for n in b.values())
    total = comb(len(truth), 2)
    expected = pred * true / total if total else 0.0
    maxi = (pred + true) / 2
    ari = (tp - expected) / (maxi - expected) if maxi != expected else 1.0
    return {"ari": ari, "precision": tp / pred if pred else 1.0, "recall": tp / true if true else 1.0}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000, help="documents in the crawl (about)")
    p.add_argument("--engine", default="local", choices=("local", "spark"))
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    from unspun.scan import ScanSettings, run_scan
    from unspun.scan import stages as stg

    m = round(a.n / 1.54)
    texts = [{"id": d.id, "text": d.text, "title": d.title}
             for d in islice(read_real(data_dir()), m)]
    crawl = make_crawl(texts, seed=a.seed)
    WORK.mkdir(exist_ok=True)
    src = WORK / f"scan-crawl-{a.n}.jsonl"
    crawl.write(str(src))
    out = WORK / f"scan-{a.engine}-{a.n}"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    run_scan(out, ScanSettings(inputs=(str(src),), filter="a.site <> b.site"),
             engine=a.engine, workers=a.workers, log=lambda s: print(f"  {time.time() - t0:7.1f}s {s}"))
    secs = time.time() - t0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    fams = {r["id"]: r["family"] for r in stg.read_table(out, "families").to_pylist()}
    truth = crawl.families()
    labels = {d: fams.get(d, -1 - i) for i, d in enumerate(truth)}
    q = pair_counts(labels, truth)
    sites = stg.read_table(out, "sites").to_pylist()
    stage_s = {s: stg.marker(out, s)["seconds"] for s in stg.STAGES}
    res = {
        "engine": a.engine, "docs": len(crawl.records), "workers": a.workers,
        "seconds": round(secs, 1), "docs_per_s_per_core": round(len(crawl.records) / secs / a.workers, 1),
        "peak_rss_mb": round(peak), "stage_seconds": stage_s,
        "ari": round(q["ari"], 4), "pair_precision": round(q["precision"], 4),
        "pair_recall": round(q["recall"], 4),
        "farms_top3": sorted(s["site"] for s in sites[:3]) == sorted(FARMS),
        "pairs": stg.marker(out, "pairs")["rows"],
    }
    print(json.dumps(res, indent=2))
    with open(WORK / "scan_bench.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
