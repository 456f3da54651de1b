"""``check`` by two versions of unspun on one index, alternating: time and identical reports.

    PYTHONPATH=src:. python -m bench.check_ab --db bench/work/speed-100k.db \\
        --base /tmp/wt-main/src --queries 60 --rounds 2 [--out check_ab_100k]

``--base`` is the ``src`` folder of the other version (a worktree of main, say); this
checkout's ``src`` is "new". The queries are :func:`bench.speed.make_queries` (1,000-word
articles stitched from 4-6 documents of the index, spun 30%, seed 0). Each round runs
every query once in a fresh process per version (the order flips every round), after one
untimed warm-up check; per query it records CPU (``time.process_time``) and wall seconds
and the JSON report (``Report.to_dict``, keys sorted). The reports of every run must be
byte-identical to the base's first run. Prints p50 / p90 / total per version and the
ratios base/new of the totals (CPU and wall, summed over rounds); ``--out NAME`` also
writes ``bench/results/NAME.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def child(db: str, n: int, out: str) -> None:
    import unspun
    from bench.speed import make_queries

    idx = unspun.open_index(db, readonly=True)
    qs = make_queries(idx, n, 0)
    unspun.check(qs[0]["text"], idx)  # warm-up: lexicon, caches, page cache
    rows = []
    with open(out, "w", encoding="utf-8") as f:
        for q in qs:
            c0, t0 = time.process_time(), time.perf_counter()
            rep = unspun.check(q["text"], idx)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            body = json.dumps(rep.to_dict(), sort_keys=True, ensure_ascii=False)
            body = body.replace(f'"unspun_version": "{rep.unspun_version}"', '"unspun_version": "-"')
            f.write(body + "\n")
            rows.append({"id": q["id"], "cpu_s": cpu, "wall_s": wall,
                         "sha256": hashlib.sha256(body.encode()).hexdigest()})
    idx.close()
    print(json.dumps(rows))


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.check_ab")
    ap.add_argument("--db", required=True)
    ap.add_argument("--base", type=Path, help="src folder of the other version")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.db, a.queries, a.child)
        return 0
    if a.base is None:
        ap.error("--base is required")
    versions = {"base": a.base.resolve(), "new": ROOT / "src"}
    runs: dict[str, list[list[dict]]] = {"base": [], "new": []}
    loads: list[float] = []
    reference: list[str] | None = None
    identical = True
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            for v in (("base", "new") if r % 2 == 0 else ("new", "base")):
                out = Path(tmp) / f"{v}-{r}.jsonl"
                env = {**os.environ, "PYTHONPATH": f"{versions[v]}:{ROOT}"}
                loads.append(os.getloadavg()[0])
                p = subprocess.run([sys.executable, "-m", "bench.check_ab", "--db", a.db, "--queries",
                                    str(a.queries), "--child", str(out)], env=env, cwd=ROOT,
                                   capture_output=True, text=True, check=True)
                rows = json.loads(p.stdout.strip().splitlines()[-1])
                runs[v].append(rows)
                lines = out.read_text(encoding="utf-8").splitlines()
                if reference is None:
                    reference = lines
                same = lines == reference
                identical &= same
                cpu = [x["cpu_s"] for x in rows]
                wall = [x["wall_s"] for x in rows]
                print(f"round {r + 1} {v:4}: cpu p50 {_pct(cpu, .5) * 1000:6.1f} p90 {_pct(cpu, .9) * 1000:6.1f} "
                      f"total {sum(cpu):6.2f} s | wall p50 {_pct(wall, .5) * 1000:6.1f} p90 "
                      f"{_pct(wall, .9) * 1000:6.1f} total {sum(wall):6.2f} s | load {loads[-1]:.1f} | "
                      f"reports {'identical' if same else 'DIFFER'}", flush=True)

    def total(v: str, k: str) -> float:
        return sum(x[k] for rows in runs[v] for x in rows)

    def pooled(v: str, k: str, p: float) -> float:
        return _pct([x[k] for rows in runs[v] for x in rows], p)

    ratios = {"cpu": total("base", "cpu_s") / total("new", "cpu_s"),
              "wall": total("base", "wall_s") / total("new", "wall_s")}
    print(f"base/new: CPU {ratios['cpu']:.2f}x, wall {ratios['wall']:.2f}x (totals over {a.rounds} rounds); "
          f"reports identical over {a.queries} queries x {2 * a.rounds} runs: {identical}")
    if a.out:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        res = {"command": "python -m bench.check_ab " + " ".join(sys.argv[1:] if argv is None else argv),
               "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
               "base": str(versions["base"]), "queries": a.queries, "rounds": a.rounds, "loads": loads,
               "ratios_base_over_new": ratios, "identical": identical,
               "summary": {v: {f"{k}_{q}": pooled(v, f"{k}_s", p) for k in ("cpu", "wall")
                               for q, p in (("p50", .5), ("p90", .9))} for v in runs},
               "runs": runs}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{a.out}.json").write_text(json.dumps(res, indent=1) + "\n")
        md = [f"# check A/B: {Path(a.db).name}", "",
              f"`{res['command']}` ({res['date']}, commit {commit} + working tree; base `{res['base']}`; "
              f"load average at each run's start: {', '.join(f'{x:.1f}' for x in loads)}).", "",
              "| version | CPU p50 ms | CPU p90 ms | wall p50 ms | wall p90 ms | CPU total s | wall total s |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for v in ("base", "new"):
            s = res["summary"][v]
            md.append(f"| {v} | {s['cpu_p50'] * 1000:.1f} | {s['cpu_p90'] * 1000:.1f} | {s['wall_p50'] * 1000:.1f} | "
                      f"{s['wall_p90'] * 1000:.1f} | {total(v, 'cpu_s'):.2f} | {total(v, 'wall_s'):.2f} |")
        md += ["", f"Base/new: CPU **{ratios['cpu']:.2f}x**, wall **{ratios['wall']:.2f}x** (totals; per-query "
                   f"figures pooled over the {a.rounds} rounds). Reports byte-identical to the base's first run in "
                   f"every run ({a.queries} queries): **{'yes' if identical else 'NO'}**.", ""]
        (RESULTS / f"{a.out}.md").write_text("\n".join(md))
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
