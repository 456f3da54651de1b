"""Retrieval of the real development set's sources inside a large index.

    python -m bench.real_scale [--db bench/work/speed-1M.db] [--work bench/work] [--k 10]

Copies the index built by ``bench.speed`` (``--db``), adds every page of every real case
(``../shared/realdev`` or ``$UNSPUN_REALDEV``; ids = URLs, dates kept, as ``bench.real``
does), and asks ``unspun.retrieve(suspect, k)`` for each case with sources, the suspect's own
page removed from the index first (and put back after). Recall@k of the true sources is
counted three ways, in the same run: on the case pages alone (353 pages: the ceiling of
lexical retrieval, where heavy rewrites and translations share no features), and on the
large index with texts (copies count once, a source found as a copy of a text counts) and
with documents ranked one by one (``copies=False``, as before texts). Writes
``bench/results/real_scale.{md,json}``; the texts of the set are never written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import unspun
from bench.real import (
    cases_path,
    load_cases,
    own_page_removed,
    page_documents,
    pages_of,
    suspect_document,
)

RESULTS = Path(__file__).resolve().parent / "results"


def _recall(index: Any, cases: list[dict[str, Any]], by_id: dict[str, Any], k: int) -> dict[str, Any]:
    """Per case: true sources found among the first ``k`` texts (members counted) and among
    the first ``k`` documents (``copies=False``); retrieval times."""
    rows = []
    for case in cases:
        truth = {s["url"] for s in case.get("sources", [])}
        if not truth:
            continue
        art = suspect_document(case)
        with own_page_removed(index, case, by_id):
            t0 = time.perf_counter()
            texts = unspun.retrieve(art, index, k=k)
            ms = (time.perf_counter() - t0) * 1000
            docs = unspun.retrieve(art, index, k=k, copies=False)
        got_texts = {i for c in texts for i in c.doc_ids}
        got_docs = {c.doc_id for c in docs}
        rows.append({
            "id": case["id"], "kind": case["kind"], "sources": len(truth),
            "found_texts": len(truth & got_texts), "found_docs": len(truth & got_docs),
            "retrieve_ms": round(ms, 2),
        })
    n = sum(r["sources"] for r in rows)
    by_kind: dict[str, dict[str, int]] = {}
    for r in rows:
        b = by_kind.setdefault(r["kind"], {"sources": 0, "found_texts": 0, "found_docs": 0})
        for key in b:
            b[key] += r[key]
    return {
        "cases": len(rows), "sources": n,
        "found_texts": sum(r["found_texts"] for r in rows), "found_docs": sum(r["found_docs"] for r in rows),
        "recall_texts": sum(r["found_texts"] for r in rows) / max(1, n),
        "recall_docs": sum(r["found_docs"] for r in rows) / max(1, n),
        "retrieve_ms_p50": statistics.median(r["retrieve_ms"] for r in rows) if rows else None,
        "by_kind": by_kind, "per_case": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.real_scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="bench/work/speed-1M.db", help="a large index built by bench.speed")
    ap.add_argument("--work", default="bench/work", help="where the copy of the index is made (git-ignored)")
    ap.add_argument("--cases", default=None, help="realdev.jsonl (default $UNSPUN_REALDEV or ../shared/realdev)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--keep", action="store_true", help="keep the copy (bench/work/real-scale.db)")
    args = ap.parse_args(argv)
    path = cases_path(args.cases)
    if not path.exists() or not Path(args.db).exists():
        print(f"need {path} and {args.db} (build it with python -m bench.speed)")
        return 0
    cases = load_cases(path)
    pages = pages_of(cases)
    by_id = page_documents(pages)
    docs = list(by_id.values())
    res: dict[str, Any] = {
        "command": "python -m bench.real_scale " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "k": args.k, "pages": len(docs),
    }
    with tempfile.TemporaryDirectory() as tmp:
        small = unspun.open_index(Path(tmp) / "pages.db", create=True)
        small.add(docs)
        res["pages_only"] = _recall(small, cases, by_id, args.k)
        small.close()
    big_path = Path(args.work) / "real-scale.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{big_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(args.db, big_path)
    big = unspun.open_index(big_path)
    big.add(docs)
    res["large_documents"] = big.approx_size()
    for d in docs[:20]:  # warm: page cache and word caches
        unspun.retrieve(d, big, k=args.k)
    res["large"] = _recall(big, cases, by_id, args.k)
    big.close()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{big_path}{suffix}").unlink(missing_ok=True)
    out = Path(args.out)
    (out / "real_scale.json").write_text(json.dumps(res, indent=1))
    small_r, large_r = res["pages_only"], res["large"]
    lines = [
        "# Real development set: retrieval inside a large index",
        "",
        f"Command: `{res['command'].strip()}`  ",
        f"Date: {res['date']}; {res['pages']} pages of {len(cases)} cases; large index: "
        f"{res['large_documents']:,} documents (the `bench.speed` index plus the pages)",
        "",
        f"Recall@{args.k} of the true sources ({small_r['sources']} sources of {small_r['cases']} cases "
        "with sources; the suspect's own page removed while it is checked). *texts*: `unspun.retrieve` "
        "(copies count once; a source found as a copy of a text counts); *documents*: "
        "`retrieve(copies=False)`, each document ranked on its own.",
        "",
        "| index | texts: found | recall | documents: found | recall | retrieve p50 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("case pages only", small_r), (f"{res['large_documents']:,} documents", large_r)):
        lines.append(f"| {name} | {r['found_texts']}/{r['sources']} | {r['recall_texts']:.3f} | "
                     f"{r['found_docs']}/{r['sources']} | {r['recall_docs']:.3f} | {r['retrieve_ms_p50']:.1f} |")
    lines += ["", "By kind (texts, pages only → large index):", "",
              "| kind | sources | pages only | large index |", "|---|---:|---:|---:|"]
    for kind, b in sorted(small_r["by_kind"].items()):
        lb = large_r["by_kind"].get(kind, {})
        lines.append(f"| {kind} | {b['sources']} | {b['found_texts']} | {lb.get('found_texts', 0)} |")
    lost = [(a["id"], a["found_texts"], b["found_texts"]) for a, b in zip(small_r["per_case"], large_r["per_case"], strict=True)
            if b["found_texts"] < a["found_texts"]]
    lines += ["", "Cases whose sources the large index loses: " + (", ".join(f"{i} ({a} → {b})" for i, a, b in lost) or "none")]
    text = "\n".join(lines) + "\n"
    (out / "real_scale.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
