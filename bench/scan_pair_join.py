"""The ``pairs`` stage alone, on the same features: DuckDB (the local engine) against Spark's
join by feature lists (the engine's) and Spark's old self-join, in one run.

    python -m bench.scan_pair_join bench/work/scan-local-100000 [--spark self-join by-feature]

The scan folder must have finished ``docs`` and ``features`` (a local scan's). Each engine
works on a copy of those two stages in a temporary folder next to it (removed after), with
the scan's saved settings; the rows of every ``pairs`` table are compared with DuckDB's.
Writes ``bench/results/scan_pair_join.{md,json}`` (``--out`` for another name).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from unspun.scan import stages
from unspun.scan.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _copy(src: Path, name: str) -> Path:
    out = src.parent / f"{src.name}-{name}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for stage in ("docs", "features"):
        shutil.copytree(src / stage, out / stage)
    shutil.copy(src / "settings.json", out / "settings.json")
    return out


def _rows(out: Path) -> list[tuple[int, int, int]]:
    t = stages.read_table(out, "pairs")
    return sorted(zip(*(t.column(c).to_pylist() for c in ("a", "b", "shared")), strict=True))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scan", type=Path)
    p.add_argument("--spark", nargs="*", default=["by-feature", "self-join"])
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", default="scan_pair_join")
    a = p.parse_args(argv)
    st = load_settings(a.scan)
    assert st is not None, f"{a.scan}: no settings.json"
    features = stages.marker(a.scan, "features")["rows"]
    runs: list[dict[str, Any]] = []
    from unspun.scan.local import stage_pairs

    out = _copy(a.scan, "duckdb")
    t0 = time.time()
    stage_pairs(out, st, print, threads=a.workers)
    m = stages.marker(out, "pairs")
    want = _rows(out)
    runs.append({"engine": "duckdb", "seconds": round(time.time() - t0, 1), "pairs": m["rows"],
                 "candidates": m["candidates_before_filter"], "load_after": os.getloadavg()[0]})
    shutil.rmtree(out)
    if a.spark:
        from unspun.scan import sql
        from unspun.scan.spark_engine import _read, spark_pairs, spark_session

        spark = spark_session(a.workers)
        for name in a.spark:
            fn = {"by-feature": sql.candidate_pairs_by_feature, "self-join": sql.candidate_pairs}[name]
            out = _copy(a.scan, f"spark-{name}")
            docs = _read(spark, out, "docs")
            t0 = time.time()
            spark_pairs(spark, out, st, docs, print, fn)
            secs = time.time() - t0
            m = stages.marker(out, "pairs")
            runs.append({"engine": f"spark {name}", "seconds": round(secs, 1), "pairs": m["rows"],
                         "candidates": m["candidates_before_filter"], "identical": _rows(out) == want,
                         "load_after": os.getloadavg()[0]})
            shutil.rmtree(out)
        spark.stop()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    res = {"scan": str(a.scan), "documents": stages.marker(a.scan, "docs")["rows"], "features": features,
           "workers": a.workers, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "commit": commit, "load_at_end": os.getloadavg(), "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{a.out}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    duck = runs[0]["seconds"]
    lines = [
        "# The pairs stage alone: DuckDB and Spark on the same features\n",
        f"Command: `python -m bench.scan_pair_join {a.scan} --spark {' '.join(a.spark)}`  ",
        f"Date: {res['date']}, commit {commit}, {a.workers} workers (Spark `local[{a.workers}]`), "
        f"load average at the end {res['load_at_end'][0]:.1f} (a shared 2-core machine: compare the "
        "ratios, measured in the same run).\n",
        f"{res['documents']:,} documents, {features:,} feature rows.\n",
        "| engine | seconds | ÷ DuckDB | candidate pairs | pairs kept | same pairs as DuckDB |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        same = "—" if r["engine"] == "duckdb" else ("yes" if r["identical"] else "**no**")
        lines.append(f"| {r['engine']} | {r['seconds']:,.1f} | {r['seconds'] / duck:.2f}x | "
                     f"{r['candidates']:,} | {r['pairs']:,} | {same} |")
    (RESULTS / f"{a.out}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
