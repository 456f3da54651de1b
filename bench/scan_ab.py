"""The local scan of one crawl by two versions of unspun, alternating, timed and compared.

    PYTHONPATH=src:. python -m bench.scan_ab bench/work/scan-crawl-10000.jsonl \\
        --base /tmp/wt-main/src --rounds 2 [--from alignments] [--out scan_ab_10k]

``--base`` is the ``src`` folder of the other version (a worktree of main, say); this
checkout's ``src`` is "new". Each round scans the crawl once with each version (the order
flips every round), ``unspun scan run CRAWL --engine local --workers N --filter "a.site <>
b.site"`` (the filter of ``bench.scan_bench``) in a subprocess, into ``bench/work/scan-ab-*``.
With ``--from STAGE`` a first full scan by the base version is made once and each timed run
starts from a copy of it holding only the stages before STAGE (so only STAGE and what
follows are timed; ``alignments`` times alignment, families and sites).

Per run: wall seconds, CPU seconds of the whole process tree (``RUSAGE_CHILDREN``: the
pool's workers are reaped inside the run), each stage's seconds from its completion marker
and the load average before and after. Then every table of the new version's last run is
compared with the base's (``bench.scan_compare``): they must be identical. Prints a table,
ratios base/new of the medians; ``--out NAME`` also writes ``bench/results/NAME.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.scan_compare import compare

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
STAGES = ("docs", "features", "pairs", "alignments", "families", "sites")


def _commit(src: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _prepare(out: Path, seed: Path | None, first: str | None) -> None:
    shutil.rmtree(out, ignore_errors=True)
    if seed is None or first is None:
        return
    shutil.copytree(seed, out)
    for s in STAGES[STAGES.index(first):]:
        shutil.rmtree(out / s, ignore_errors=True)


def scan(src: Path, crawl: Path, out: Path, workers: int, resume: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{src}:{ROOT}"}
    cmd = [sys.executable, "-m", "unspun", "scan", "run"]
    cmd += ["--out", str(out), "--engine", "local", "--workers", str(workers)]
    if not resume:
        cmd[4:4] = [str(crawl)]
        cmd += ["--filter", "a.site <> b.site"]
    load0 = os.getloadavg()[0]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    stages = {}
    for s in STAGES:
        m = out / s / "_COMPLETE"
        if m.exists():
            stages[s] = json.loads(m.read_text())["seconds"]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "stage_s": stages,
            "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scan_ab")
    ap.add_argument("crawl", type=Path)
    ap.add_argument("--base", type=Path, required=True, help="src folder of the other version")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--from", dest="first", choices=STAGES[1:], default=None)
    ap.add_argument("--out", default=None, help="write bench/results/OUT.{md,json}")
    a = ap.parse_args(argv)
    new = ROOT / "src"
    versions = {"base": a.base.resolve(), "new": new}
    WORK.mkdir(exist_ok=True)
    tag = a.crawl.stem
    seed = None
    if a.first:
        seed = WORK / f"scan-ab-{tag}-seed"
        print(f"seed scan (base version, not timed) -> {seed}", flush=True)
        _prepare(seed, None, None)
        scan(versions["base"], a.crawl, seed, a.workers, False)
    runs: dict[str, list[dict]] = {"base": [], "new": []}
    for r in range(a.rounds):
        order = ("base", "new") if r % 2 == 0 else ("new", "base")
        for v in order:
            out = WORK / f"scan-ab-{tag}-{v}"
            _prepare(out, seed, a.first)
            res = scan(versions[v], a.crawl, out, a.workers, seed is not None)
            runs[v].append(res)
            print(f"round {r + 1} {v:4}: wall {res['wall_s']:8.1f} s  cpu {res['cpu_s']:8.1f} s  "
                  f"load {res['load_before']:.1f}->{res['load_after']:.1f}  stages {res['stage_s']}", flush=True)
    same = compare(WORK / f"scan-ab-{tag}-base", WORK / f"scan-ab-{tag}-new")
    identical = all(d == 0 for _, _, d in same.values())
    for label, (nx, ny, d) in same.items():
        print(f"{label:20} {nx:>10,} {ny:>10,}  {'same' if d == 0 else f'{d:,} rows differ'}")

    def med(v: str, f) -> float:  # noqa: ANN001
        return statistics.median(f(x) for x in runs[v])

    timed = [s for s in STAGES if a.first is None or STAGES.index(s) >= STAGES.index(a.first)]
    summary = {
        "wall": med("base", lambda x: x["wall_s"]) / med("new", lambda x: x["wall_s"]),
        "cpu": med("base", lambda x: x["cpu_s"]) / med("new", lambda x: x["cpu_s"]),
        "alignments": med("base", lambda x: x["stage_s"]["alignments"])
        / med("new", lambda x: x["stage_s"]["alignments"]),
    }
    print(f"base/new (medians): wall {summary['wall']:.2f}x, CPU {summary['cpu']:.2f}x, "
          f"alignments stage {summary['alignments']:.2f}x; tables identical: {identical}")
    res = {
        "crawl": str(a.crawl), "from": a.first, "timed_stages": timed, "workers": a.workers,
        "rounds": a.rounds, "base": {"src": str(versions["base"]), "commit": _commit(versions["base"])},
        "new": {"src": str(new), "commit": _commit(new)}, "runs": runs, "ratios_base_over_new": summary,
        "tables": {k: list(v) for k, v in same.items()}, "identical": identical,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench.scan_ab " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    if a.out:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{a.out}.json").write_text(json.dumps(res, indent=2) + "\n")
        lines = [f"# Local scan A/B: {a.crawl.name}", "",
                 f"`{res['command']}` ({res['date']}; base {res['base']['commit']} = `{res['base']['src']}`, "
                 f"new {res['new']['commit']} + working tree; {a.workers} workers). Timed stages: "
                 f"{', '.join(timed)}.", "",
                 "| round | version | wall s | CPU s | alignments s | load before -> after |",
                 "| ---: | --- | ---: | ---: | ---: | --- |"]
        for v in ("base", "new"):
            for i, x in enumerate(runs[v]):
                lines.append(f"| {i + 1} | {v} | {x['wall_s']:.1f} | {x['cpu_s']:.1f} | "
                             f"{x['stage_s'].get('alignments', float('nan')):.1f} | "
                             f"{x['load_before']:.1f} -> {x['load_after']:.1f} |")
        lines += ["", f"Base/new, medians: wall **{summary['wall']:.2f}x**, CPU **{summary['cpu']:.2f}x**, "
                      f"alignments stage {summary['alignments']:.2f}x.", "",
                  "Tables (base rows, new rows, rows differing): " + "; ".join(
                      f"{k} {nx:,}/{ny:,}/{d}" for k, (nx, ny, d) in same.items())
                  + f". Identical: **{'yes' if identical else 'NO'}**.", ""]
        (RESULTS / f"{a.out}.md").write_text("\n".join(lines))
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
