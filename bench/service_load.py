"""Load check of ``unspun serve``: concurrent checks while documents are being added.

    python -m bench.service_load [--clients 8] [--requests 25] [--fillers 2000]

Starts ``unspun serve`` on a free loopback port (a subprocess, a temporary index), then
``--clients`` concurrent clients each send ``--requests`` ``POST /api/check`` requests (the
bundled spun article and articles stitched from paragraphs of the public-domain reference
texts), while one more client adds documents in batches through ``POST /api/documents``
until the checks are done. Bounded: ``clients x requests`` checks, at most ``--add-batches``
add requests, and ``--max-seconds`` overall. Loopback only; no data beyond ``examples/``.

Writes ``bench/results/service.{md,json}``; exit code 1 when any request failed.

    python -m bench.service_load --max-checks 2 [--max-clients 2]

    python -m bench.service_load --scaling 1,2,4

Throughput by worker count: for each ``--workers`` value, a fresh ``unspun serve`` on the
same index; one check at a time first (a single check's latency), then ``--clients``
concurrent clients (8) and as many clients as workers, no documents added meanwhile; the
CPU seconds of the server process and of its check workers (``/proc``) and the machine's
load average are kept, since other work on a shared machine changes the figures. Writes
the section "Workers" of ``bench/results/service.md`` and the key ``workers`` of
``bench/results/service.json``. Targets: 2 workers at least 1.7x the checks/s of 1 at 8
clients; p90 under load at most 2x a single check's.

The other case: ``--max-checks`` clients each send one maximum-size check (a JSON body
just under the server's 5 MB ``--max-body``: reference paragraphs, about 5 million
characters) at once; while they run (until they end: answered, or stopped at
``--check-timeout``), ``--max-clients`` clients send ordinary checks one after another
and one more reads ``/api/stats`` every 0.5 s. The latency of those requests is the
figure (target: p90 under 1 s). Writes the section "Two maximum-size checks" of
``bench/results/service.md`` and ``bench/results/service_max.json``.
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


WORKERS_SECTION = "## Workers"


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(kids.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


async def _burst(c: httpx.AsyncClient, texts: list[str], clients: int, requests: int, errors: list[str]) -> tuple[list[float], float]:
    lat: list[float] = []

    async def client(k: int) -> None:
        for i in range(requests):
            t0 = time.perf_counter()
            try:
                r = await c.post("/api/check", json={"text": texts[(k * requests + i) % len(texts)]})
            except httpx.HTTPError as e:
                errors.append(f"check: {type(e).__name__}: {e}")
                continue
            if r.status_code == 200 and b'"verdict"' in r.content:
                lat.append(time.perf_counter() - t0)
            else:
                errors.append(f"check {r.status_code}: {r.text[:200]}")

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return lat, time.perf_counter() - t0


async def run_workers(base: str, server_pid: int, texts: list[str], workers: int, a: argparse.Namespace) -> dict:
    """One server with ``workers``: a single check's latency, then the two loads."""
    errors: list[str] = []
    limits = httpx.Limits(max_connections=a.clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as c:
        await _burst(c, texts, 2 * workers, 2, errors)  # every worker forked, its index opened
        alone, _ = await _burst(c, texts, 1, a.alone, errors)
        procs = [p for p in _descendants(server_pid)]
        before = {p: _cpu_seconds(p) for p in [server_pid, *procs]}
        load = os.getloadavg()[0]
        client0 = time.process_time()
        lat, wall = await _burst(c, texts, a.clients, a.requests, errors)
        client_cpu = time.process_time() - client0
        procs = _descendants(server_pid)
        server_cpu = _cpu_seconds(server_pid) - before[server_pid]
        workers_cpu = sum(_cpu_seconds(p) - before.get(p, 0.0) for p in procs)
        few, few_wall = await _burst(c, texts, workers, max(4, a.requests // 2), errors)
    single = pct(alone, .5)
    return {
        "workers": workers, "single_check_p50_s": round(single, 3),
        "clients": a.clients, "checks": len(lat), "wall_s": round(wall, 2),
        "checks_per_s": round(len(lat) / wall, 2),
        "p50_s": round(pct(lat, .5), 3), "p90_s": round(pct(lat, .9), 3),
        "p90_over_single": round(pct(lat, .9) / single, 2),
        "server_cpu_s": round(server_cpu, 2), "workers_cpu_s": round(workers_cpu, 2),
        "client_cpu_s": round(client_cpu, 2), "cores_used_by_checks": round(workers_cpu / wall, 2),
        "load_average_before": round(load, 2),
        "clients_equal_workers": {"clients": workers, "checks_per_s": round(len(few) / few_wall, 2),
                                  "p50_s": round(pct(few, .5), 3), "p90_s": round(pct(few, .9), 3),
                                  "p90_over_single": round(pct(few, .9) / single, 2)},
        "errors": len(errors), "error_samples": errors[:3],
    }


def write_workers_section(r: dict, path: Path) -> None:
    rows = r["runs"]
    base = rows[0]["checks_per_s"]
    lines = [
        WORKERS_SECTION, "",
        f"{r['date']} · {r['machine']}", "",
        f"Command: `{r['command']}`", "",
        f"For each `--workers` value a fresh `unspun serve` on the same index of {r['index_documents']:,} "
        "documents; first one check at a time (a single check's latency), then "
        f"{r['clients']} concurrent clients × {r['requests_per_client']} `POST /api/check` (no documents "
        "added meanwhile), then as many clients as workers. CPU seconds during the "
        f"{r['clients']}-client load are read from `/proc` for the server process and for its check "
        "workers. The machine's 2 cores are shared with other work (the load average before "
        "each run is shown): figures move with it.", "",
        f"| workers | single check p50 | checks/s at {r['clients']} clients | × 1 worker | p50 / **p90** | p90 ÷ single | "
        "CPU s: server / workers / client (cores the workers got) | clients = workers: checks/s, p90 (÷ single) | load avg | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for x in rows:
        few = x["clients_equal_workers"]
        lines.append(
            f"| {x['workers']} | {x['single_check_p50_s']} s | **{x['checks_per_s']}** | "
            f"{x['checks_per_s'] / base:.2f}x | {x['p50_s']} / **{x['p90_s']}** s | {x['p90_over_single']} | "
            f"{x['server_cpu_s']} / {x['workers_cpu_s']} / {x['client_cpu_s']} ({x['cores_used_by_checks']}) | {few['checks_per_s']}, {few['p90_s']} s ({few['p90_over_single']}) | "
            f"{x['load_average_before']} | {x['errors']} |")
    lines += ["", *r["notes"], ""]
    _replace_section(path, WORKERS_SECTION, "\n".join(lines))


def _replace_section(path: Path, heading: str, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(heading + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(heading))
        new = old[:start] + text + (old[end + 1:] if end >= 0 else "")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def scaling_notes(rows: list[dict], clients: int) -> list[str]:
    by = {x["workers"]: x for x in rows}
    notes = []
    if 1 in by and 2 in by:
        ratio = by[2]["checks_per_s"] / by[1]["checks_per_s"]
        notes.append(f"- 2 workers: **{ratio:.2f}x** the checks/s of 1 at {clients} clients "
                     f"(target ≥ 1.7x: {'met' if ratio >= 1.7 else 'not met'}).")
    for x in rows:
        share = x["server_cpu_s"] / max(1e-9, x["server_cpu_s"] + x["workers_cpu_s"])
        notes.append(f"- {x['workers']} worker(s): the server process used {share:.0%} of the CPU the checks took; "
                     f"p90 at {clients} clients is {x['p90_over_single']}x a single check "
                     f"({'within' if x['p90_over_single'] <= 2 else 'over'} the 2x target), with "
                     f"{x['workers']} client(s) {x['clients_equal_workers']['p90_over_single']}x.")
    notes.append(f"- With {clients} closed-loop clients and W busy workers a request waits behind about "
                 f"{clients}/W - 1 others (Little's law: latency ≈ clients ÷ throughput), so on 2 cores p90 "
                 "at 8 clients cannot come within 2x a single check; with as many clients as workers it is "
                 "the check's own time. More workers than cores add no throughput.")
    return notes


MAX_SECTION = "## Maximum-size checks"
MAX_BODY = 5 * 1024 * 1024


def max_article(docs: list[dict], limit: int = MAX_BODY - 64 * 1024) -> str:
    """Reference paragraphs, shuffled and repeated, whose JSON body stays under ``limit``."""
    rng = random.Random(3)
    paras = _paragraphs(docs)
    out: list[str] = []
    size = 0
    while True:
        p = rng.choice(paras)
        grow = len(json.dumps(p)) + 4
        if size + grow > limit:
            return "\n\n".join(out)
        out.append(p)
        size += grow


async def run_max(base: str, texts: list[str], big: str, a: argparse.Namespace) -> dict:
    """``a.max_checks`` maximum-size checks at once; ordinary checks and stats meanwhile."""
    lat: list[float] = []
    stats_lat: list[float] = []
    errors: list[str] = []
    bigs_out: list[dict] = []
    async with httpx.AsyncClient(base_url=base, timeout=600) as c:
        async def one_big(k: int) -> None:
            t0 = time.perf_counter()
            r = await c.post("/api/check", json={"text": big})
            bigs_out.append({"status": r.status_code, "seconds": round(time.perf_counter() - t0, 2),
                             "answer": r.json().get("error", "report") if r.status_code != 200 else "report"})

        bigs = [asyncio.create_task(one_big(k)) for k in range(a.max_checks)]
        await asyncio.sleep(2.0)  # the bodies are sent and parsed: both checks run

        def running() -> bool:
            return not all(b.done() for b in bigs)

        async def client(k: int) -> None:
            i = 0
            while running():
                t0 = time.perf_counter()
                r = await c.post("/api/check", json={"text": texts[(k * 7 + i) % len(texts)]})
                i += 1
                if r.status_code == 200 and "verdict" in r.json():
                    if running():
                        lat.append(time.perf_counter() - t0)
                else:
                    errors.append(f"check {r.status_code}: {r.text[:200]}")

        async def stats() -> None:
            while running():
                t0 = time.perf_counter()
                r = await c.get("/api/stats")
                if r.status_code == 200:
                    stats_lat.append(time.perf_counter() - t0)
                else:
                    errors.append(f"stats {r.status_code}: {r.text[:200]}")
                await asyncio.sleep(0.5)

        t0 = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(a.max_clients)), stats(), *bigs)
        wall = time.perf_counter() - t0
    return {"lat": lat, "stats_lat": stats_lat, "errors": errors, "bigs": bigs_out, "wall_s": wall}


def write_max_section(r: dict, path: Path) -> None:
    L, S = r["latency_s"], r["stats_latency_s"]
    text = "\n".join([
        MAX_SECTION, "",
        f"{r['date']} · {r['machine']}", "",
        f"Command: `{r['command']}`", "",
        f"{r['max_checks']} clients each sent one maximum-size check at once (a JSON body of "
        f"{r['big_body_bytes']:,} bytes, under the 5 MB `--max-body`: {r['big_chars']:,} characters of "
        f"reference paragraphs); while they ran ({r['wall_s']} s), {r['max_clients']} clients sent ordinary "
        "checks one after another and one more read `/api/stats` every 0.5 s. Default settings "
        "(`--check-timeout 30`, 2 check workers, 2 large-request workers).", "",
        "| measure | value |", "| --- | --- |",
        "| the maximum-size checks | " + "; ".join(f"{b['status']} after {b['seconds']} s ({b['answer']})" for b in r["bigs"]) + " |",
        f"| ordinary checks answered meanwhile | {r['checks']} |",
        f"| their latency p50 / **p90** / max | {L['p50']} / **{L['p90']}** / {L['max']} s |",
        f"| `/api/stats` latency p50 / p90 / max ({r['stats']} requests) | {S['p50']} / {S['p90']} / {S['max']} s |",
        f"| errors | {r['errors']} |", "",
        "Each check runs in a worker process; requests over 256 KB (`--large-body`) use their own "
        "workers (`--large-workers`), so the maximum-size checks never take the workers ordinary "
        "checks need, and a check past `--check-timeout` is killed (its worker replaced), not left "
        "running. Before this (threads), two 1.5 MB checks filled both workers and every other "
        "check got 503 for minutes.", "",
    ])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(MAX_SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(MAX_SECTION))
        new = old[:start] + text + (old[end + 1:] if end >= 0 else "")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


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
        "Latency is per request as the client sees it, queueing included. Each check runs in "
        "a worker process (`--workers`, by default the number of cores, at most 4) that opens "
        "the index read-only itself, once; the event loop never waits, SQLite "
        "reads run concurrently with the one writer in WAL mode, and throughput is bounded by "
        f"the cores. With {r['clients']} clients a request waits behind up to {r['clients'] - 1} "
        "others: latency under load is mostly queueing, not a slower check.",
        "",
    ]
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    keep = old[old.find("\n## ") + 1:] if "\n## " in old else ""  # the other runs' sections
    path.write_text("\n".join(lines) + ("\n" + keep if keep else ""), encoding="utf-8")


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
    ap.add_argument("--max-checks", type=int, default=0, help="the other case: this many maximum-size checks at once")
    ap.add_argument("--max-clients", type=int, default=2, help="ordinary clients during the maximum-size checks")
    ap.add_argument("--scaling", default=None, help="comma-separated worker counts to compare, e.g. 1,2,4")
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
        if a.scaling:
            counts = [int(x) for x in a.scaling.split(",") if x.strip()]
            runs = []
            for w in counts:
                port = free_port()
                proc = serve(db, port, w, Path(tmp) / f"serve-{w}.log")
                try:
                    runs.append(asyncio.run(asyncio.wait_for(
                        run_workers(f"http://127.0.0.1:{port}", proc.pid, texts, w, a), a.max_seconds)))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                print(json.dumps(runs[-1]), flush=True)
            return _write_scaling(runs, a, index_docs, cmd.strip())
        port = free_port()
        proc = serve(db, port, a.workers, Path(tmp) / "serve.log")
        try:
            if a.max_checks:
                big = max_article(docs)
                res = asyncio.run(asyncio.wait_for(run_max(f"http://127.0.0.1:{port}", texts, big, a), a.max_seconds))
            else:
                res = asyncio.run(asyncio.wait_for(run_load(f"http://127.0.0.1:{port}", texts, more, a), a.max_seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if a.max_checks:
        lat, sl = res["lat"], res["stats_lat"]
        r = {"date": dt.date.today().isoformat(), "command": cmd.strip(),
             "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, unspun {unspun.__version__}",
             "max_checks": a.max_checks, "max_clients": a.max_clients, "big_chars": len(big),
             "big_body_bytes": len(json.dumps({"text": big}).encode("utf-8")), "bigs": res["bigs"],
             "wall_s": round(res["wall_s"], 1), "checks": len(lat), "stats": len(sl),
             "latency_s": {"p50": round(pct(lat, .5), 3), "p90": round(pct(lat, .9), 3), "max": round(max(lat, default=float("nan")), 3)},
             "stats_latency_s": {"p50": round(pct(sl, .5), 3), "p90": round(pct(sl, .9), 3), "max": round(max(sl, default=float("nan")), 3)},
             "errors": len(res["errors"]), "error_samples": res["errors"][:5]}
        (RESULTS / "service_max.json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
        write_max_section(r, a.out.with_suffix(".md"))
        print(json.dumps(r, indent=2))
        return 1 if r["errors"] or not lat or r["latency_s"]["p90"] > 1.0 else 0
    r = report(res, a, index_docs, cmd.strip())
    a.out.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(a.out.with_suffix(".json").read_text(encoding="utf-8")) if a.out.with_suffix(".json").exists() else {}
    if "workers" in old:  # the --scaling figures stay
        r["workers"] = old["workers"]
    a.out.with_suffix(".json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    write_md(r, a.out.with_suffix(".md"))
    print(a.out.with_suffix(".md").read_text(encoding="utf-8"))
    return 1 if r["errors"] else 0


def _write_scaling(runs: list[dict], a: argparse.Namespace, index_docs: int, cmd: str) -> int:
    r = {"date": dt.date.today().isoformat(), "command": cmd,
         "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, unspun {unspun.__version__}",
         "index_documents": index_docs, "clients": a.clients, "requests_per_client": a.requests,
         "runs": runs, "notes": scaling_notes(runs, a.clients)}
    out = a.out.with_suffix(".json")
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    data["workers"] = r
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_workers_section(r, a.out.with_suffix(".md"))
    print("\n".join(r["notes"]))
    return 1 if any(x["errors"] for x in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
