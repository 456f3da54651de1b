"""The local engine's pair join under memory bounds: seconds and peak memory of the
``pairs`` stage alone, re-run on the ``docs`` and ``features`` of a finished scan, for each
``--memory`` value, against DuckDB's own default (80% of RAM, the engine before the bound).

    python -m bench.scan_pair_memory bench/work/scan-local-1000000 --memory 1GB 2GB 4GB default

Each run is a fresh process on a copy of the scan's ``docs``/``features`` (hard links), and
its ``pairs`` table must equal the finished scan's (or, when the scan stopped before
``pairs``, the first run's): a bound changes speed, never the result.
Writes ``bench/results/scan_pair_memory.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from bench.memory import TreePeak

RESULTS = Path(__file__).resolve().parent / "results" / "scan_pair_memory.json"

_CHILD = """
import sys
from pathlib import Path
import unspun.scan.local as L
from unspun.scan.settings import load_settings, parse_memory
out, mem = Path(sys.argv[1]), sys.argv[2]
# "default": DuckDB's own limit, the engine before --memory existed
L.stage_pairs(out, load_settings(out), print, None if mem == "default" else parse_memory(mem))
"""


def _link_copy(src: Path, dst: Path) -> None:
    for stage in ("docs", "features"):
        shutil.copytree(src / stage, dst / stage, copy_function=os.link)
    shutil.copy(src / "settings.json", dst / "settings.json")


def run_one(scan: Path, mem: str) -> tuple[dict, tuple[pa.Table, pa.Table]]:
    """The figures of one run of the ``pairs`` stage, and its (pairs, frequent) tables."""
    from unspun.scan import stages

    with tempfile.TemporaryDirectory(dir=scan.parent) as tmp:
        out = Path(tmp) / "scan"
        _link_copy(scan, out)
        t0 = time.time()
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(out), mem])
        with TreePeak(root=proc.pid) as peak:
            rc = proc.wait()
        secs = time.time() - t0
        if rc:
            raise SystemExit(f"pairs stage failed at --memory {mem} (exit {rc})")
        got = (stages.read_table(out, "pairs"), stages.read_table(out, "pairs", "frequent"))
        return ({"memory": mem, "seconds": round(secs, 1),
                 "peak_mb": round(peak.peak_mb) if peak.peak_mb is not None else None,
                 "docs": stages.marker(scan, "docs")["rows"],
                 "feature_rows": stages.marker(scan, "features")["rows"],
                 "pairs": got[0].num_rows}, got)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scan", type=Path, help="a finished local scan folder")
    p.add_argument("--memory", nargs="+", default=["1GB", "2GB", "4GB", "default"])
    a = p.parse_args()
    from unspun.scan import stages

    # the reference: the finished scan's pairs, else the first run's
    ref = ((stages.read_table(a.scan, "pairs"), stages.read_table(a.scan, "pairs", "frequent"))
           if stages.is_complete(a.scan, "pairs") else None)
    rows = []
    for mem in a.memory:
        r, got = run_one(a.scan, mem)
        ref = ref or got
        r["same_pairs"] = got[0].equals(ref[0]) and got[1].equals(ref[1])
        print(json.dumps(r), flush=True)
        rows.append(r)
    base = next((r for r in rows if r["memory"] == "default"), None)
    print(f"\n{rows[0]['docs']:,} documents, {rows[0]['feature_rows']:,} feature rows, "
          f"{rows[0]['pairs']:,} pairs")
    print("| --memory | seconds | time vs default | peak memory (tree PSS) | same pairs |")
    print("|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['seconds'] / base['seconds']:.2f}" if base else "-"
        print(f"| {r['memory']} | {r['seconds']} | {ratio} | {r['peak_mb']} MB | {r['same_pairs']} |")
    prev = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    keep = [x for x in prev if x["docs"] != rows[0]["docs"]]
    RESULTS.write_text(json.dumps(keep + rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
