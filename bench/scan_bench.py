"""Scan benchmark: documents/s/core, peak memory and family quality on a generated crawl.

The crawl is :func:`bench.scan_crawl.make_crawl` over real benchmark documents
(``bench.synth.read_real``: Reuters, BBC, ... from ``../shared/data``, copyrighted, read at
run time; outputs go to the git-ignored ``bench/work/``), so the farms and families are
known. The real pool is first scanned alone and every document sharing a passage with
another one is left out (Reuters re-issues stories and fills templates: reuse the
generated ground truth would not know); past the clean pool, originals are
:class:`bench.synth.Babbler` documents (Markov text that shares no passage with anything).

Quality against the truth:

* pairwise precision/recall of "share a family": a true family is an original and every
  document derived from it (a stitched page belongs to one per story it took); a found
  family is a passage family of the ``families`` table;
* adjusted Rand index of document-level components (documents joined when they share a
  family; documents in no family are singletons), against the true components.

    python -m bench.scan_bench --n 10000 --engine local
    python -m bench.scan_bench --n 10000 --engine spark

Each run replaces the run of the same engine and size in ``bench/results/scan_runs.json``
and prints the table of all runs kept there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from math import comb
from pathlib import Path
from typing import Any

from bench.memory import TreePeak
from bench.scan_crawl import FARMS, Crawl, make_crawl
from bench.synth import Babbler, data_dir, read_real
from unspun.models import Document

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


def shared_family_pairs(groups: list[set[str]]) -> set[tuple[str, str]]:
    """Every pair of documents that sit together in at least one of ``groups``."""
    out: set[tuple[str, str]] = set()
    for g in groups:
        ds = sorted(g)
        out.update((x, y) for i, x in enumerate(ds) for y in ds[i + 1 :])
    return out


def true_families(crawl: Crawl) -> list[set[str]]:
    """One per original: it and every document derived from it."""
    fams: dict[str, set[str]] = {}
    for copy, origins in crawl.origins.items():
        for o in origins:
            fams.setdefault(o, {o}).add(copy)
    return list(fams.values())


def family_quality(rows: list[dict[str, Any]], crawl: Crawl) -> dict[str, float]:
    """Quality of the ``families`` rows (family, id, start, end) against the truth.

    * precision/recall of "share a family" over all document pairs (families overlap: a
      stitched page belongs to one per story it took);
    * ARI of story families: each document not stitched gets its primary family (the one
      where its extent is largest; none: a singleton), the truth its original. Stitched
      pages are left out of the ARI because they belong to several true families; the
      pairwise figures cover them.
    """
    found: dict[int, set[str]] = {}
    primary: dict[str, tuple[int, int]] = {}
    for r in rows:
        found.setdefault(r["family"], set()).add(r["id"])
        k = (r["end"] - r["start"], -r["family"])
        if r["id"] not in primary or k > primary[r["id"]]:
            primary[r["id"]] = k
    pred = shared_family_pairs(list(found.values()))
    true = shared_family_pairs(true_families(crawl))
    tp = len(pred & true)
    single = [r["id"] for r in crawl.records if len(crawl.origins.get(r["id"], ())) <= 1]
    truth = {d: next(iter(crawl.origins[d])) if d in crawl.origins else d for d in single}
    t_ids: dict[str, int] = {}
    p_ids: dict[object, int] = {}
    t_lab = {d: t_ids.setdefault(truth[d], len(t_ids)) for d in single}
    p_lab = {d: p_ids.setdefault(-primary[d][1] if d in primary else d, len(p_ids)) for d in single}
    ari = pair_counts(p_lab, t_lab)["ari"]
    return {"precision": tp / len(pred) if pred else 1.0,
            "recall": tp / len(true) if true else 1.0, "ari": ari}


def reuse_free_pool(n: int) -> list[dict[str, Any]]:
    """The first ``n`` real documents that share no passage with any other real document
    (found by scanning the whole pool once; the result is cached in ``bench/work``)."""
    from unspun.scan import ScanSettings, run_scan
    from unspun.scan import stages as stg

    real = [{"id": d.id, "text": d.text, "title": d.title} for d in read_real(data_dir())]
    cache = WORK / "pool-reused-ids.json"
    if cache.exists():
        reused = set(json.loads(cache.read_text()))
    else:
        WORK.mkdir(exist_ok=True)
        src = WORK / "pool.jsonl"
        with open(src, "w", encoding="utf-8") as f:
            for r in real:
                f.write(json.dumps({"id": r["id"], "site": r["id"], "text": r["text"]}) + "\n")
        out = WORK / "scan-pool"
        shutil.rmtree(out, ignore_errors=True)
        run_scan(out, ScanSettings(inputs=(str(src),)), engine="local",
                 log=lambda s: print(f"  pool: {s}"))
        al = stg.read_table(out, "alignments").to_pylist()
        ids = {r["did"]: r["id"] for r in stg.read_table(out, "docs", columns=["did", "id"]).to_pylist()}
        reused = {ids[r[k]] for r in al if r["accepted"] for k in ("a", "b")}
        cache.write_text(json.dumps(sorted(reused)))
    print(f"  pool: {len(reused)} of {len(real)} real documents share passages; left out")
    return [r for r in real if r["id"] not in reused][:n]


def crawl_texts(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` texts for :func:`make_crawl`: the clean real pool, then Markov originals."""
    texts = reuse_free_pool(n)
    if len(texts) < n:
        babbler = Babbler([Document(id=t["id"], text=t["text"]) for t in texts], seed)
        for i in range(n - len(texts)):
            d = babbler.doc(i)
            texts.append({"id": d.id, "text": d.text, "title": None})
    return texts


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000, help="documents in the crawl (about)")
    p.add_argument("--engine", default="local", choices=("local", "spark"))
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    again = p.add_mutually_exclusive_group()
    again.add_argument("--rescore", action="store_true",
                       help="score the finished scan in bench/work again (no new run)")
    again.add_argument("--resume", action="store_true",
                       help="finish an interrupted scan in bench/work (stages with a completion "
                            "marker are kept); time = the sum of the stage times in the markers, "
                            "peak memory = this part's")
    a = p.parse_args()
    from unspun.scan import stages as stg

    commit = _commit()  # at the start: the code that made the crawl and ran the scan

    def build() -> tuple[Crawl, int, int]:
        """The crawl, its real texts, all texts (the crawl file is the same every time)."""
        texts = crawl_texts(round(a.n / 1.54), a.seed)
        real = sum(not t["id"].startswith("babble/") for t in texts)
        return make_crawl(texts, seed=a.seed), real, len(texts)

    WORK.mkdir(exist_ok=True)
    src = WORK / f"scan-crawl-{a.n}.jsonl"
    if a.resume and not src.exists():
        raise SystemExit(f"--resume: no crawl at {src}")
    if not a.resume:  # resuming: the crawl is made again for the scoring, after the scan
        crawl, real, n_texts = build()
    if not a.rescore and not a.resume:
        crawl.write(str(src))
    out = WORK / f"scan-{a.engine}-{a.n}"
    if a.rescore:
        q = family_quality(stg.read_table(out, "families").to_pylist(), crawl)
        print(json.dumps({k: round(v, 4) for k, v in q.items()}))
        return
    if a.resume:  # the saved settings (inputs, filter) are re-used
        kept = [s for s in stg.STAGES if stg.is_complete(out, s)]
        print(f"  resuming {out}: complete stages kept: {', '.join(kept) or 'none'}")
        cmd = [sys.executable, "-m", "unspun", "scan", "run", "--out", str(out),
               "--engine", a.engine, "--workers", str(a.workers)]
    else:
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "unspun", "scan", "run", str(src), "--out", str(out),
               "--engine", a.engine, "--workers", str(a.workers), "--filter", "a.site <> b.site"]
    print("  $ " + " ".join(cmd[1:]), flush=True)
    t0 = time.time()
    env = {**os.environ, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")}
    proc = subprocess.Popen(cmd, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    stage_peaks: dict[str, int] = {}
    with TreePeak(root=proc.pid) as mem:
        for line in proc.stdout:
            stage = line.split(":", 1)[0].strip()
            if stage in stg.STAGES or stage == "families and sites":
                stage_peaks[stage] = round(mem.take())
            print(f"  {time.time() - t0:7.1f}s {line.rstrip()}", flush=True)
        rc = proc.wait()
    secs = time.time() - t0
    if rc:
        raise SystemExit(f"scan failed (exit {rc})")
    if a.resume:
        crawl, real, n_texts = build()
    fam_rows = stg.read_table(out, "families").select(["family", "id", "start", "end"]).to_pylist()
    q = family_quality(fam_rows, crawl)
    family_sizes = Counter(r["family"] for r in fam_rows)
    sites = stg.read_table(out, "sites").to_pylist()
    stage_s = {s: stg.marker(out, s)["seconds"] for s in stg.STAGES}
    if a.resume:
        wall, secs = secs, sum(stage_s.values())
    res = {
        "engine": a.engine, "docs": len(crawl.records), "real_texts": real,
        "markov_texts": n_texts - real, "workers": a.workers,
        "seconds": round(secs, 1), "docs_per_s_per_core": round(len(crawl.records) / secs / a.workers, 1),
        "peak_mb": round(mem.peak_mb) if mem.peak_mb is not None else None,
        "stage_peak_mb": stage_peaks, "stage_seconds": stage_s,
        "ari": round(q["ari"], 4), "pair_precision": round(q["precision"], 4),
        "pair_recall": round(q["recall"], 4),
        "farms_top3": sorted(s["site"] for s in sites[:3]) == sorted(FARMS),
        "pairs": stg.marker(out, "pairs")["rows"], "families": len(family_sizes),
        "largest_family": max(family_sizes.values(), default=0),
    }
    if a.resume:
        res["resumed"] = True
        res["wall_seconds_last_part"] = round(wall, 1)
    res["commit"] = commit
    res["date"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(json.dumps(res, indent=2))
    with open(WORK / "scan_bench.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(res) + "\n")
    runs = save_run(res)
    print(table(runs))


RESULTS = Path(__file__).resolve().parent / "results" / "scan_runs.json"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def save_run(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Keep the latest run per (engine, docs) in bench/results/scan_runs.json."""
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    runs = [r for r in runs if (r["engine"], r["docs"]) != (res["engine"], res["docs"])] + [res]
    runs.sort(key=lambda r: (r["docs"], r["engine"]))
    RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
    return runs


def table(runs: list[dict[str, Any]]) -> str:
    head = ("| engine | docs | seconds | docs/s/core | peak memory (tree PSS) | pairs | alignments s "
            "| families | pair precision | pair recall | ARI | farms = top 3 | commit |")
    lines = [head, "|" + " --- |" * 13]
    for r in runs:
        lines.append(
            f"| {r['engine']} | {r['docs']:,} | {r['seconds']:,.0f} | {r['docs_per_s_per_core']} "
            f"| {r.get('peak_mb') or '?'} MB | {r['pairs']:,} | {r['stage_seconds']['alignments']:,.0f} "
            f"| {r['families']:,} | {r['pair_precision']:.3f} | {r['pair_recall']:.3f} "
            f"| {r['ari']:.3f} | {'yes' if r['farms_top3'] else 'NO'} | {r.get('commit', '?')}"
            f"{' (resumed)' if r.get('resumed') else ''} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
