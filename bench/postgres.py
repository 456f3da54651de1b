"""SQLite beside PostgreSQL on the same synthetic corpus, in one run.

    python -m bench.postgres --n 10000 --pg postgresql://unspun@127.0.0.1:55432/unspun_test

For each backend: build rate (documents/s of ``index.add``, default batches, features
included), then look-up latency: ``unspun.retrieve`` (the index look-up of a check) and a
whole ``unspun.check`` of ~1,000-word articles stitched from 4-6 indexed documents and
spun 30% (as ``bench.speed`` makes them), p50 / p90, warm (each query run once before
timing). The retrieved candidates of every query are compared across backends. The
corpus is ``bench.synth`` (documents made from the real corpora in ``../shared/data``):
nothing of it is written into the repository; the SQLite file goes to ``bench/work/``, the
PostgreSQL index into a new schema (dropped at the end). Writes
``bench/results/postgres.{json,md}`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import unspun
from bench.synth import REAL_FILES, Spinner, Synth, data_dir, read_real, sentences

ROOT = Path(__file__).resolve().parent.parent
QUERY_WORDS = 1000
QUERY_SPIN = 0.3


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def make_queries(docs: list[unspun.Document], n: int, seed: int) -> list[dict[str, Any]]:
    spinner = Spinner()
    rng = random.Random(f"pg-queries:{seed}")
    out = []
    for qi in range(n):
        k = rng.randint(4, 6)
        per = QUERY_WORDS / k
        parts, srcs = [], []
        while len(srcs) < k:
            d = docs[rng.randrange(len(docs))]
            if d.id in srcs:
                continue
            sents = sentences(d.text)
            start = rng.randrange(max(1, len(sents)))
            got, end = 0, start
            while got < per and end < len(sents):
                got += len(sents[end].split())
                end += 1
            if got < 0.5 * per:
                continue
            parts.append(spinner.spin(" ".join(sents[start:end]), QUERY_SPIN, rng))
            srcs.append(d.id)
        text = "\n\n".join(parts)
        out.append({"id": f"q{qi}", "text": text, "sources": srcs, "words": len(text.split())})
    return out


def run_backend(where: str, docs: list[unspun.Document], queries: list[dict[str, Any]],
                n_checks: int, batch_size: int) -> dict[str, Any]:
    idx = unspun.open_index(where, create=True)
    t0 = time.perf_counter()
    idx.add(docs, batch_size=batch_size)
    build = time.perf_counter() - t0
    size = idx.stats()
    idx.close()
    idx = unspun.open_index(where, readonly=True)
    settings = unspun.CheckSettings(use_semantic=False)
    try:
        retrieved, times = [], []
        for q in queries:
            unspun.retrieve(q["text"], idx, k=10)  # warm
        for q in queries:
            t = time.perf_counter()
            cands = unspun.retrieve(q["text"], idx, k=10)
            times.append(time.perf_counter() - t)
            # each text with its copies: the backends must agree on both
            retrieved.append([(c.doc_id, round(c.score, 9) if hasattr(c, "score") else None,
                               tuple(getattr(c, "doc_ids", ())[1:])) for c in cands])
        check_times = []
        for q in queries[:n_checks]:
            doc = unspun.Document(id=q["id"], text=q["text"])
            unspun.check(doc, idx, settings)  # warm
            t = time.perf_counter()
            unspun.check(doc, idx, settings)
            check_times.append(time.perf_counter() - t)
        recall = statistics.mean(
            len(set(q["sources"]) & {x for d, _, more in r for x in (d, *more)}) / len(q["sources"])
            for q, r in zip(queries, retrieved, strict=True))
    finally:
        idx.close()
    return {
        "documents": size["documents"], "build_s": round(build, 2), "build_docs_per_s": round(len(docs) / build, 1),
        "bytes": size["file_bytes"], "index_bytes_per_document": size["index_bytes_per_document"],
        "retrieve_ms_p50": round(1000 * _pct(times, 50), 2), "retrieve_ms_p90": round(1000 * _pct(times, 90), 2),
        "check_ms_p50": round(1000 * _pct(check_times, 50), 1), "check_ms_p90": round(1000 * _pct(check_times, 90), 1),
        "recall_at_10": round(recall, 4), "queries": len(queries), "checks": len(check_times),
        "_retrieved": retrieved,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="documents indexed")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--checks", type=int, default=50, help="queries also timed as a whole check")
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pg", default=os.environ.get("UNSPUN_TEST_PG"), help="postgresql:// URL of a server to use")
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "postgres"))
    a = ap.parse_args(argv)
    if not a.pg:
        ap.error("give --pg postgresql://… (or set UNSPUN_TEST_PG)")
    folder = data_dir(a.data)
    if not (folder / REAL_FILES[0][0]).exists():
        print(f"no benchmark data in {folder}: skipped")
        return 0
    import psycopg

    real = list(read_real(folder))
    synth = Synth(real, a.seed)
    docs = [synth.doc(i) for i in range(a.n)]
    queries = make_queries(docs, a.queries, a.seed)
    unspun.memory_index().add(docs[:200])  # load the lexicon and warm the code before timing
    work = ROOT / "bench" / "work"
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"pg-bench-{a.n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(a.pg, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
        server = c.execute("SHOW server_version").fetchone()[0]
        fsync = c.execute("SHOW fsync").fetchone()[0]
    url = f"{a.pg}{'&' if '?' in a.pg else '?'}options=-csearch_path%3D{schema}"
    try:
        res = {"sqlite": run_backend(str(db), docs, queries, a.checks, a.batch_size),
               "postgresql": run_backend(url, docs, queries, a.checks, a.batch_size)}
    finally:
        with psycopg.connect(a.pg, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    same = sum(a_ == b_ for a_, b_ in zip(res["sqlite"].pop("_retrieved"), res["postgresql"].pop("_retrieved"),
                                          strict=True))
    out = {
        "command": "python -m bench.postgres " + " ".join(argv if argv is not None else sys.argv[1:]).replace(a.pg, "URL"),
        "n": a.n, "batch_size": a.batch_size, "seed": a.seed, "queries_with_identical_candidates": same,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "postgresql": server,
                    "postgres_server": f"same machine, TCP on 127.0.0.1, fsync {fsync}"},
        "results": res,
    }
    Path(a.out + ".json").write_text(json.dumps(out, indent=2) + "\n")
    s, p = res["sqlite"], res["postgresql"]
    rows = [("build, documents/s", "build_docs_per_s"), ("build, s", "build_s"),
            ("bytes beyond text per document", "index_bytes_per_document"),
            ("retrieve p50, ms", "retrieve_ms_p50"), ("retrieve p90, ms", "retrieve_ms_p90"),
            ("check p50, ms", "check_ms_p50"), ("check p90, ms", "check_ms_p90"), ("recall@10 of sources", "recall_at_10")]
    md = [f"# SQLite beside PostgreSQL, {a.n:,} documents", "",
          f"`{out['command']}` (one run; {a.queries} queries of ~{QUERY_WORDS} words stitched from 4-6 "
          f"indexed documents, spun {QUERY_SPIN:.0%}; {a.checks} of them also timed as a whole check, "
          "semantic layer off; warm: each query run once before timing).", "",
          f"Machine: {os.cpu_count()} shared cores, PostgreSQL {server} on the same machine "
          f"(`scripts/pg_test_server.sh`: TCP on 127.0.0.1, default settings but fsync {fsync}; "
          "SQLite: WAL, synchronous=NORMAL).", "",
          "| | SQLite | PostgreSQL | PostgreSQL / SQLite |", "| --- | ---: | ---: | ---: |"]
    for label, key in rows:
        ratio = p[key] / s[key] if s[key] else float("nan")
        md.append(f"| {label} | {s[key]:,} | {p[key]:,} | {ratio:.2f} |")
    md += ["", f"Retrieved candidates identical on {same} of {a.queries} queries."]
    Path(a.out + ".md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
