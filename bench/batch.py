"""Batch check benchmark: ``unspun check ARTICLES.jsonl --workers N --summary …`` on a
10,000-document index, with 1 and 2 workers.

    PYTHONPATH=src:. python -m bench.batch [--docs 10000] [--articles 200] [--workers 1,2]
                                           [--cli-singles 5] [--workdir bench/work]

1. The index: the first ``--docs`` documents of the speed benchmark's corpus
   (:func:`bench.synth.corpus`: real Reuters, BBC, … documents, then synthetic ones), built
   once into ``WORKDIR/batch-<docs>.db`` and reused.
2. The articles: ``--articles`` articles of ~1,000 words, each stitched from passages of
   4-6 indexed documents spun at 30% (:func:`bench.speed.make_queries`, as the speed
   benchmark's check latency uses), written as one JSONL file.
3. For each worker count: the real command in a subprocess, timed end to end (start-up,
   reading the articles, the pool, writing the summary); articles/s = articles / wall time.
4. Checks: the summaries of every worker count are byte-identical; they equal the rows of
   one ``unspun.check`` per article in this process (the function single-article
   ``unspun check`` runs); and ``--cli-singles`` articles are also checked by the single
   article command (``unspun check FILE --record ID --format json``) and compared.

Writes ``bench/results/batch.{md,json}``. Target: 2 workers give >= 1.7x the articles/s of
1 (2-core machine). The machine is shared with other work: the load average before and
after each run is recorded; compare figures of the same run only. The corpora are
copyrighted: read at run time, never written into the repository (index, articles and
summaries go to the git-ignored ``bench/work/``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import unspun
from bench.corpus import write_results
from bench.speed import make_queries
from bench.synth import corpus, data_dir
from unspun.batch import summary_row

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.7


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build_index(db: Path, n_docs: int, folder: Path) -> float:
    """The index of the first ``n_docs`` corpus documents (reused when already built)."""
    if db.exists():
        with unspun.open_index(db, readonly=True) as idx:
            if len(idx) == n_docs:
                return 0.0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    with unspun.open_index(db, create=True) as idx:
        idx.add(corpus(n_docs, folder), batch_size=2000)
    return time.perf_counter() - t0


def write_articles(db: Path, n: int, path: Path, seed: int) -> None:
    with unspun.open_index(db, readonly=True) as idx:
        queries = make_queries(idx, n, seed)
    with path.open("w", encoding="utf-8") as f:
        for i, q in enumerate(queries):
            f.write(json.dumps({"id": f"batch-{i:04d}", "text": q["text"]}) + "\n")


def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "unspun", *map(str, args)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def run_batch(db: Path, articles: Path, workers: int, summary: Path) -> dict[str, Any]:
    summary.unlink(missing_ok=True)
    load_before = os.getloadavg()[0]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(_cli("check", articles, "--db", db, "--workers", workers, "--summary", summary, "-q"),
                       capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its worker processes
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"batch with {workers} workers failed ({r.returncode}): {r.stderr}")
    n = len(summary.read_text().splitlines())
    return {"workers": workers, "articles": n, "seconds": round(wall, 2),
            "articles_per_s": round(n / wall, 2), "cpu_seconds": round(cpu, 2),
            "cores_busy": round(cpu / wall, 2), "load_avg_before": round(load_before, 2),
            "load_avg_after": round(os.getloadavg()[0], 2), "tally": r.stderr.strip()}


def single_rows(db: Path, articles: Path) -> tuple[list[dict[str, Any]], float]:
    rows = []
    t0 = time.perf_counter()
    with unspun.open_index(db, readonly=True) as idx:
        for doc in unspun.read_records([articles]):
            rows.append(summary_row(unspun.check(doc, idx)))
    return rows, time.perf_counter() - t0


def cli_single(db: Path, articles: Path, article_id: str) -> dict[str, Any]:
    r = subprocess.run(_cli("check", articles, "--record", article_id, "--db", db, "--format", "json"),
                       capture_output=True, text=True, env=_env())
    if r.returncode != 0:
        raise SystemExit(f"single check of {article_id} failed: {r.stderr}")
    return summary_row(json.loads(r.stdout))


def markdown(res: dict[str, Any]) -> str:
    runs = res["runs"]
    lines = [
        "# Batch check: `unspun check ARTICLES.jsonl --workers N --summary FILE`",
        "",
        f"Command: `{res['command']}`",
        "",
        f"{res['articles']} articles of ~1,000 words (each stitched from 4-6 indexed documents, "
        f"spun 30%) checked against a {res['docs']:,}-document SQLite index, the whole command "
        "timed in a subprocess (start-up, reading, pool, summary). "
        f"Machine: {res['machine']['cores']} cores ({res['machine']['cpu']}), **shared with other "
        "work while this ran** (load averages below): absolute figures vary between runs; the "
        "ratio is measured in one run.",
        "",
        "| workers | seconds | articles/s | vs 1 worker | CPU seconds | cores busy (CPU / wall) | load avg before | load avg after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = runs[0]["articles_per_s"]
    for r in runs:
        lines.append(f"| {r['workers']} | {r['seconds']} | {r['articles_per_s']} | "
                     f"{r['articles_per_s'] / base:.2f}x | {r['cpu_seconds']} | {r['cores_busy']} | "
                     f"{r['load_avg_before']} | {r['load_avg_after']} |")
    ok = "yes" if res["ratio_ok"] else "**no**"
    lines += [
        "",
        f"- Target: 2 workers >= {TARGET_RATIO}x the articles/s of 1: **{res['ratio']:.2f}x** ({ok}).",
        "- *cores busy*: CPU time of the command and its workers over its wall time (1.0 = one "
        "core all the time). On an idle 2-core machine 2 workers keep about 2 busy; less means "
        "other work held the cores.",
        f"- Summaries of every worker count byte-identical: {'yes' if res['summaries_identical'] else '**no**'}.",
        f"- Rows equal to one `unspun.check` per article in one process ({res['single_seconds']:.1f} s, "
        f"{res['articles'] / res['single_seconds']:.2f} articles/s, no start-up): "
        f"{'yes' if res['rows_match_single'] else '**no**'}.",
        f"- Rows equal to the single-article command (`unspun check FILE --record ID --format json`) "
        f"for {res['cli_singles']} articles: {'yes' if res['rows_match_cli'] else '**no**'}.",
        f"- Verdicts: {', '.join(f'{k} {v}' for k, v in sorted(res['verdicts'].items()))}.",
        "",
        f"Index built in {res['index_seconds']:.0f} s (0: reused from an earlier run). unspun "
        f"{res['machine']['unspun']}, git {res['machine']['git_commit']}, Python {res['machine']['python']}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--cli-singles", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir")
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "work"))
    a = ap.parse_args(argv)
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    folder = data_dir(a.data_dir)
    db = work / f"batch-{a.docs}.db"
    _log(f"index of {a.docs} documents: {db}")
    index_s = build_index(db, a.docs, folder)
    articles = work / f"batch-articles-{a.articles}.jsonl"
    write_articles(db, a.articles, articles, a.seed)
    runs, texts = [], []
    for w in (int(x) for x in a.workers.split(",")):
        summary = work / f"batch-summary-w{w}.jsonl"
        _log(f"{a.articles} articles, --workers {w} …")
        runs.append(run_batch(db, articles, w, summary))
        texts.append(summary.read_text())
        _log(f"  {runs[-1]['seconds']} s, {runs[-1]['articles_per_s']} articles/s")
    rows = [json.loads(x) for x in texts[0].splitlines()]
    _log("one unspun.check per article …")
    singles, single_s = single_rows(db, articles)
    ids = [r["id"] for r in rows]
    step = max(1, len(ids) // max(1, a.cli_singles))
    picked = ids[::step][: a.cli_singles]
    cli_ok = all(cli_single(db, articles, i) == rows[ids.index(i)] for i in picked)
    by_w = {r["workers"]: r for r in runs}
    ratio = by_w[2]["articles_per_s"] / by_w[1]["articles_per_s"] if 1 in by_w and 2 in by_w else 0.0
    verdicts: dict[str, int] = {}
    for r in rows:
        key = r["verdict"] or "error"
        verdicts[key] = verdicts.get(key, 0) + 1
    res = {
        "command": f"PYTHONPATH=src:. python -m bench.batch --docs {a.docs} --articles {a.articles} "
                   f"--workers {a.workers}",
        "docs": a.docs, "articles": a.articles, "runs": runs, "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO, "ratio_ok": ratio >= TARGET_RATIO,
        "summaries_identical": all(t == texts[0] for t in texts),
        "rows_match_single": singles == rows, "single_seconds": round(single_s, 2),
        "cli_singles": len(picked), "rows_match_cli": cli_ok, "verdicts": verdicts,
        "index_seconds": round(index_s, 1),
        "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "python": sys.version.split()[0],
                    "unspun": unspun.__version__, "git_commit": _commit()},
    }
    out = write_results("batch", res, markdown(res))
    print(markdown(res))
    _log(f"written {out}/batch.md and batch.json")
    assert res["summaries_identical"], "summaries differ between worker counts"
    assert res["rows_match_single"], "batch rows differ from single checks"
    assert res["rows_match_cli"], "batch rows differ from the single-article command"
    return 0


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    raise SystemExit(main())
