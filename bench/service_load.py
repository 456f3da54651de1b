"""Load check of ``unspun serve``: concurrent checks while documents are being added.

    python -m bench.service_load [--clients 8] [--requests 25] [--fillers 2000]

Starts ``unspun serve`` on a free loopback port (a subprocess, a temporary index), then
``--clients`` concurrent clients each send ``--requests`` ``POST /api/check`` requests (the
bundled spun article and articles stitched from paragraphs of the public-domain reference
texts), while one more client adds documents in batches through ``POST /api/documents``
until the checks are done. Bounded: ``clients x requests`` checks, at most ``--add-batches``
add requests, and ``--max-seconds`` overall. Loopback only; no data beyond ``examples/``.

Writes ``bench/results/service.{md,json}``; exit code 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import unspun

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REFERENCE = ROOT / "examples" / "reference.jsonl"
SUSPECT = ROOT / "examples" / "suspect.txt"


def _reference() -> list[dict]:
    return [json.loads(line) for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.strip()]


def _paragraphs(docs: list[dict]) -> list[str]:
    return [p.strip() for d in docs for p in d["text"].split("\n\n") if len(p.split()) >= 25]


def fillers(docs: list[dict], n: int, seed: int, prefix: str) -> list[dict]:
    """``n`` documents recombined from sentences of the reference texts (shared phrasing,
    so retrieval has real competition, but never a whole reference paragraph)."""
    rng = random.Random(seed)
    sentences = [s.strip() + "." for d in docs for s in d["text"].replace("\n", " ").split(". ") if len(s.split()) >= 6]
    return [{"id": f"{prefix}-{i}", "text": " ".join(rng.sample(sentences, 8))} for i in range(n)]


def articles(docs: list[dict], n: int, seed: int) -> list[str]:
    """The bundled suspect, and articles stitched from 2-3 reference paragraphs."""
    rng = random.Random(seed)
    paras = _paragraphs(docs)
    out = [SUSPECT.read_text(encoding="utf-8")]
    while len(out) < n:
        out.append("\n\n".join(rng.sample(paras, rng.choice((2, 3)))))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


async def run_load(base: str, texts: list[str], more: list[dict], a: argparse.Namespace) -> dict:
    lat: list[float] = []
    add_lat: list[float] = []
    errors: list[str] = []
    added = 0
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=a.clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as c:

        async def client(k: int) -> None:
            for i in range(a.requests):
                t0 = time.perf_counter()
                try:
                    r = await c.post("/api/check", json={"text": texts[(k * a.requests + i) % len(texts)]})
                    ok = r.status_code == 200 and "verdict" in r.json()
                    if not ok:
                        errors.append(f"check {r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as e:
                    errors.append(f"check: {type(e).__name__}: {e}")
                    ok = False
                if ok:
                    lat.append(time.perf_counter() - t0)

        async def writer() -> None:
            nonlocal added
            for b in range(a.add_batches):
                if done.is_set():
                    return
                batch = more[b * a.add_size:(b + 1) * a.add_size]
                t0 = time.perf_counter()
                try:
                    r = await c.post("/api/documents", json=batch)
                    if r.status_code != 200 or r.json()["failed"]:
                        errors.append(f"add {r.status_code}: {r.text[:200]}")
                    else:
                        added += r.json()["added"]
                        add_lat.append(time.perf_counter() - t0)
                except httpx.HTTPError as e:
                    errors.append(f"add: {type(e).__name__}: {e}")
                await asyncio.sleep(a.add_pause)

        alone: list[float] = []  # one check at a time first: the latency without load
        for text in texts[: a.alone]:
            t0 = time.perf_counter()
            r = await c.post("/api/check", json={"text": text})
            if r.status_code != 200:
                errors.append(f"check alone {r.status_code}: {r.text[:200]}")
            alone.append(time.perf_counter() - t0)
        w = asyncio.create_task(writer())
        t0 = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(a.clients)))
        wall = time.perf_counter() - t0
        done.set()
        await w
        docs = (await c.get("/api/stats")).json()["documents"]
    return {"alone": alone, "wall_s": wall, "lat": lat, "add_lat": add_lat, "errors": errors, "added": added, "documents_after": docs}


def serve(db: Path, port: int, workers: int | None, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "unspun", "serve", "--db", str(db), "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise SystemExit(f"unspun serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
    proc.kill()
    raise SystemExit("unspun serve did not answer within 20 s")


def report(res: dict, a: argparse.Namespace, index_docs: int, cmd: str) -> dict:
    lat = res["lat"]
    n = a.clients * a.requests
    return {
        "date": dt.date.today().isoformat(),
        "command": cmd,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, unspun {unspun.__version__}",
        "clients": a.clients, "requests_per_client": a.requests, "checks": n,
        "index_documents_at_start": index_docs, "documents_added_during_load": res["added"],
        "documents_after": res["documents_after"], "add_requests": len(res["add_lat"]),
        "wall_s": round(res["wall_s"], 2),
        "throughput_checks_per_s": round(len(lat) / res["wall_s"], 2),
        "latency_s": {"p50": round(pct(lat, .5), 3), "p90": round(pct(lat, .9), 3),
                      "p99": round(pct(lat, .99), 3), "max": round(max(lat, default=float("nan")), 3),
                      "mean": round(statistics.fmean(lat), 3) if lat else None},
        "alone_latency_s": {"p50": round(pct(res["alone"], .5), 3), "p90": round(pct(res["alone"], .9), 3)},
        "add_latency_s": {"p50": round(pct(res["add_lat"], .5), 3), "p90": round(pct(res["add_lat"], .9), 3)},
        "errors": len(res["errors"]), "error_samples": res["errors"][:5],
    }


def write_md(r: dict, path: Path) -> None:
    L = r["latency_s"]
    lines = [
        "# Service load check (`unspun serve`)", "",
        f"{r['date']} · {r['machine']}", "",
        f"Command: `{r['command']}`", "",
        f"`unspun serve` on a free loopback port (a subprocess, default settings), an index of "
        f"{r['index_documents_at_start']:,} documents (the 64 public-domain reference texts and fillers "
        f"recombined from their sentences). {r['clients']} concurrent clients × {r['requests_per_client']} "
        f"`POST /api/check` each (the bundled spun article, and articles stitched from 2-3 reference "
        f"paragraphs), while one more client added {r['documents_added_during_load']:,} documents in "
        f"{r['add_requests']} `POST /api/documents` requests.", "",
        "| measure | value |", "| --- | --- |",
        f"| checks | {r['checks']} |",
        f"| errors | **{r['errors']}** |",
        f"| wall time | {r['wall_s']} s |",
        f"| throughput | **{r['throughput_checks_per_s']} checks/s** |",
        f"| latency p50 / **p90** / p99 / max | {L['p50']} / **{L['p90']}** / {L['p99']} / {L['max']} s |",
        f"| one check at a time, before the load: latency p50 / p90 | {r['alone_latency_s']['p50']} / {r['alone_latency_s']['p90']} s |",
        f"| add request latency p50 / p90 | {r['add_latency_s']['p50']} / {r['add_latency_s']['p90']} s |",
        f"| documents after | {r['documents_after']:,} |", "",
        "Latency is per request as the client sees it, queueing included. Throughput under "
        "load is about that of one check at a time: a check is pure Python and holds the GIL, "
        "so the thread pool keeps the server responsive (the event loop never waits, SQLite "
        "reads run concurrently with the one writer in WAL mode) but does not add cores. With "
        f"{r['clients']} clients a request waits behind up to {r['clients'] - 1} others: latency "
        "under load is the lone latency times the queue, not a slower check.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=25, help="checks per client")
    ap.add_argument("--fillers", type=int, default=2000, help="documents indexed before the load")
    ap.add_argument("--add-batches", type=int, default=40)
    ap.add_argument("--add-size", type=int, default=25)
    ap.add_argument("--add-pause", type=float, default=0.1, help="seconds between add requests")
    ap.add_argument("--alone", type=int, default=10, help="checks sent one at a time before the load")
    ap.add_argument("--workers", type=int, default=None, help="--workers of unspun serve (default its own)")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--out", type=Path, default=RESULTS / "service")
    a = ap.parse_args(argv)
    cmd = "python -m bench.service_load " + " ".join(argv if argv is not None else sys.argv[1:])
    docs = _reference()
    texts = articles(docs, 20, seed=7)
    more = fillers(docs, a.add_batches * a.add_size, seed=2, prefix="live")
    with tempfile.TemporaryDirectory(prefix="unspun-load-") as tmp:
        db = Path(tmp) / "load.db"
        with unspun.open_index(db, create=True) as idx:
            idx.add(unspun.from_text(d["text"], id=d["id"], url=d.get("url"), title=d.get("title"),
                                     site=d.get("site"), published=d.get("published")) for d in docs)
            idx.add(unspun.from_text(d["text"], id=d["id"]) for d in fillers(docs, a.fillers, seed=1, prefix="filler"))
            index_docs = len(idx)
        port = free_port()
        proc = serve(db, port, a.workers, Path(tmp) / "serve.log")
        try:
            res = asyncio.run(asyncio.wait_for(run_load(f"http://127.0.0.1:{port}", texts, more, a), a.max_seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    r = report(res, a, index_docs, cmd.strip())
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    write_md(r, a.out.with_suffix(".md"))
    print(a.out.with_suffix(".md").read_text(encoding="utf-8"))
    return 1 if r["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
