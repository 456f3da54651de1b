"""Soak: kill ``unspun index add`` and ``unspun serve`` mid-write; the index must stay whole.

    python -m bench.soak [--points 20] [--docs 4000] [--seed 1]

1. ``index add``: a JSONL batch of ``--docs`` documents (recombined sentences of the
   public-domain reference texts, as in :mod:`bench.service_load`) is added with
   ``--batch-size 250`` by a subprocess that gets ``SIGKILL`` at a random moment within
   the time a whole add takes (measured first). ``--points`` kill points, each on a new
   index.
2. ``serve``: ``unspun serve`` on a free loopback port; a client POSTs the documents in
   batches of 100 to ``/api/documents``; the server gets ``SIGKILL`` at a random moment
   while it writes. ``--points`` kill points, each on a new index.

After every kill: the index opens; ``PRAGMA integrity_check`` is ``ok``; no posting
points to a missing document; every document's postings are exactly its features (so no
half-written document); every document is one of the input documents with its text.
Then the same add is run again (``unspun index add`` again, or a restarted server and
every batch POSTed again): it must complete and leave all documents, consistent.

Writes the "Soak" section of ``bench/results/reliability.md`` (other sections of that
file are kept) and ``bench/results/soak.json``; exit 1 unless every point is consistent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.service_load import _reference, fillers, free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECTION = "## Soak"


def consistency(db: Path, expected: dict[str, str]) -> dict[str, Any]:
    """What a kill left behind: opens, integrity, orphans, documents vs their features."""
    import unspun
    from unspun.fingerprint import features

    out: dict[str, Any] = {"opens": False, "integrity": None, "orphans": None, "mismatched": None,
                           "unknown": None, "documents": None}
    if not db.exists():  # killed before the file was made: nothing to be inconsistent
        out.update(opens=True, integrity="ok (no file yet)", orphans=0, mismatched=0, unknown=0, documents=0)
        return out
    try:
        idx = unspun.open_index(db, create=True)  # what the next `index add` does
    except unspun.UnspunError as e:
        out["error"] = str(e)
        return out
    with idx:
        out["opens"] = True
        c: sqlite3.Connection = idx.conn
        out["integrity"] = c.execute("PRAGMA integrity_check").fetchone()[0]
        mismatched = unknown = 0
        docs = c.execute("SELECT num, id, text FROM docs").fetchall()
        postings: dict[int, set[int]] = {}
        for h, num in idx.posting_pairs():  # one scan (keyed by feature, not document)
            postings.setdefault(num, set()).add(h)
        nums = {num for num, _, _ in docs}
        out["orphans"] = sum(len(hs) for num, hs in postings.items() if num not in nums)
        for num, doc_id, text in docs:
            if postings.get(num, set()) != features(text, idx.params):
                mismatched += 1
            if expected.get(doc_id) != text:
                unknown += 1
        out.update(mismatched=mismatched, unknown=unknown, documents=len(docs))
    return out


def consistent(r: dict[str, Any]) -> bool:
    return bool(r["opens"] and str(r["integrity"]).startswith("ok") and r["orphans"] == 0
                and r["mismatched"] == 0 and r["unknown"] == 0)


def unspun_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "unspun", *args]


# -- 1. index add -----------------------------------------------------------------------


def add_once(src: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(unspun_cmd("index", "add", str(src), "--db", str(db), "--batch-size", "250", "-q"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def soak_add(src: Path, expected: dict[str, str], work: Path, points: int, rng: random.Random) -> tuple[list[dict], float]:
    t0 = time.perf_counter()
    full = add_once(src, work / "full.db")
    if full.wait() != 0:
        raise SystemExit(f"index add failed: {full.stderr.read().decode()[-1000:]}")  # type: ignore[union-attr]
    whole = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(unspun_cmd("--version"), check=True, capture_output=True)
    startup = time.perf_counter() - t0  # before this the process only imports: kill within the writes
    rows = []
    for k in range(points):
        db = work / f"add-{k}.db"
        delay = rng.uniform(min(startup, whole * 0.5), whole)
        p = add_once(src, db)
        time.sleep(delay)
        finished = p.poll() is not None
        if not finished:
            p.send_signal(signal.SIGKILL)
        p.wait()
        after = consistency(db, expected)
        rerun = add_once(src, db)
        rc = rerun.wait()
        final = consistency(db, expected)
        row = {"point": k + 1, "kill_at_s": round(delay, 2), "finished_before_kill": finished,
               "docs_after_kill": after["documents"], "after_kill": after, "rerun_rc": rc,
               "docs_after_rerun": final["documents"], "after_rerun": final,
               "consistent": consistent(after) and rc == 0 and consistent(final)
               and final["documents"] == len(expected)}
        rows.append(row)
        print(f"add   point {k + 1:2}: kill at {delay:5.2f} s, {after['documents']} docs, "
              f"integrity {after['integrity']}, orphans {after['orphans']}, mismatched {after['mismatched']}; "
              f"re-run rc {rc}, {final['documents']} docs -> {'ok' if row['consistent'] else 'INCONSISTENT'}",
              flush=True)
    return rows, whole


# -- 2. serve ---------------------------------------------------------------------------


def start_serve(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    p = subprocess.Popen(unspun_cmd("serve", "--db", str(db), "--port", str(port)),
                         stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return p, base
        except httpx.TransportError:
            time.sleep(0.05)
        if p.poll() is not None:
            raise SystemExit(f"unspun serve exited: {log.read_text()[-1500:]}")
    p.kill()
    raise SystemExit("unspun serve did not start")


def post_all(base: str, batches: list[list[dict]], stop: threading.Event | None = None) -> int:
    """POST every batch; the number acknowledged (stops at the first failure)."""
    acked = 0
    with httpx.Client(base_url=base, timeout=60) as c:
        for b in batches:
            if stop is not None and stop.is_set():
                break
            try:
                r = c.post("/api/documents", json=b)
            except httpx.HTTPError:
                break
            if r.status_code != 200:
                break
            acked += 1
    return acked


def _post_into(acked: list[int], base: str, batches: list[list[dict]]) -> None:
    acked.append(post_all(base, batches))


def soak_serve(batches: list[list[dict]], expected: dict[str, str], work: Path, points: int,
               rng: random.Random) -> tuple[list[dict], float]:
    db = work / "serve-full.db"
    p, base = start_serve(db, work / "serve-full.log")
    t0 = time.perf_counter()
    post_all(base, batches)
    whole = time.perf_counter() - t0
    p.terminate()
    p.wait(30)
    rows = []
    for k in range(points):
        db = work / f"serve-{k}.db"
        p, base = start_serve(db, work / f"serve-{k}.log")
        delay = rng.uniform(0.05, whole)
        acked: list[int] = []
        t = threading.Thread(target=_post_into, args=(acked, base, batches))
        t.start()
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        t.join(60)
        after = consistency(db, expected)
        # every acknowledged batch must be in the index (a 200 means committed)
        kept = after["documents"] or 0
        acked_docs = sum(len(b) for b in batches[: acked[0] if acked else 0])
        p, base = start_serve(db, work / f"serve-{k}-again.log")
        redone = post_all(base, batches)
        p.terminate()
        p.wait(30)
        final = consistency(db, expected)
        row = {"point": k + 1, "kill_at_s": round(delay, 2), "batches_acknowledged": acked[0] if acked else 0,
               "docs_after_kill": kept, "acknowledged_docs_kept": kept >= acked_docs, "after_kill": after,
               "rerun_batches": redone, "docs_after_rerun": final["documents"], "after_rerun": final,
               "consistent": consistent(after) and kept >= acked_docs and redone == len(batches)
               and consistent(final) and final["documents"] == len(expected)}
        rows.append(row)
        print(f"serve point {k + 1:2}: kill at {delay:5.2f} s, {row['batches_acknowledged']} batches acked, "
              f"{kept} docs, integrity {after['integrity']}, orphans {after['orphans']}, mismatched "
              f"{after['mismatched']}; re-POST {redone}/{len(batches)}, {final['documents']} docs -> "
              f"{'ok' if row['consistent'] else 'INCONSISTENT'}", flush=True)
    return rows, whole


# -- report -----------------------------------------------------------------------------


def section(r: dict) -> str:
    add, serve = r["add"], r["serve"]
    ok_add = sum(x["consistent"] for x in add)
    ok_serve = sum(x["consistent"] for x in serve)
    lines = [
        SECTION, "",
        f"{r['date']} · {r['machine']}", "",
        f"Command: `{r['command']}`", "",
        f"{r['docs']:,} documents (sentences of the 64 public-domain reference texts recombined). "
        "Every kill is `SIGKILL` at a random moment (seeded) while the write runs (for `index add`, "
        "after the start-up imports and before the time a whole add takes); "
        "each point starts from a new index. After each kill: the index opens, `PRAGMA "
        "integrity_check` is `ok`, no posting points to a missing document, every document's "
        "postings are exactly its features, every document is an input document with its text; "
        "then the write is run again and must complete with all documents, consistent.", "",
        "| what was killed | kill points | consistent after the kill and the re-run | whole write |",
        "| --- | ---: | ---: | ---: |",
        f"| `unspun index add` ({r['docs']:,} docs, `--batch-size 250`) | {len(add)} | **{ok_add} of {len(add)}** | {r['add_whole_s']:.1f} s |",
        f"| `unspun serve` during `POST /api/documents` (batches of {r['batch']}) | {len(serve)} | **{ok_serve} of {len(serve)}** | {r['serve_whole_s']:.1f} s |",
        "",
        f"Kills that landed while the write was running: `index add` {sum(not x['finished_before_kill'] for x in add)} "
        f"of {len(add)}, `serve` {sum(x['batches_acknowledged'] < r['batches'] for x in serve)} of {len(serve)} "
        "(the others came after the write had finished: the shared machine's speed varies; "
        "they still check the re-run).", "",
        "Documents in the index right after each kill (a batch is all or nothing):", "",
        "- `index add`: " + ", ".join(str(x["docs_after_kill"]) for x in add),
        "- `serve`: " + ", ".join(f"{x['docs_after_kill']} ({x['batches_acknowledged']} batches acknowledged)"
                                  for x in serve),
        "",
        "For `serve`, every batch acknowledged with 200 before the kill was in the index after it.",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    """Replace the Soak section of ``path`` (or add it), keeping every other section."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Reliability\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[end + 1:] if end >= 0 else "")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=100, help="documents per POST")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=("add", "serve"), default=None)
    ap.add_argument("--out", type=Path, default=RESULTS / "reliability.md")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section from bench/results/soak.json")
    a = ap.parse_args(argv)
    if a.report_only:
        r = json.loads((a.out.parent / "soak.json").read_text(encoding="utf-8"))
        r.setdefault("batches", -(-r["docs"] // r["batch"]))
        write_section(a.out, section(r))
        print(section(r))
        return 0
    cmd = "python -m bench.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    rng = random.Random(a.seed)
    docs = fillers(_reference(), a.docs, seed=a.seed, prefix="soak")
    expected = {d["id"]: d["text"] for d in docs}
    batches = [docs[i:i + a.batch] for i in range(0, len(docs), a.batch)]
    with tempfile.TemporaryDirectory(prefix="unspun-soak-") as tmp:
        work = Path(tmp)
        src = work / "docs.jsonl"
        src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        add, add_whole = ([], 0.0) if a.only == "serve" else soak_add(src, expected, work, a.points, rng)
        serve, serve_whole = ([], 0.0) if a.only == "add" else soak_serve(batches, expected, work, a.points, rng)
    r = {"date": dt.date.today().isoformat(), "command": cmd.strip(),
         "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
         "docs": a.docs, "batch": a.batch, "batches": len(batches), "add_whole_s": add_whole, "serve_whole_s": serve_whole,
         "add": add, "serve": serve}
    if a.only is None:
        write_section(a.out, section(r))
        (a.out.parent / "soak.json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
        print(section(r))
    return 0 if all(x["consistent"] for x in add + serve) else 1


if __name__ == "__main__":
    raise SystemExit(main())
