"""Human paraphrase: ``python -m bench.paraphrase``.

(a) MRPC (5,801 news sentence pairs labelled paraphrase or not): every distinct ``s2``
sentence is indexed as its own document and every ``s1`` is checked as an article; a
pair is *detected* when the document holding its ``s2`` text is a reported source. Also
``unspun.retrieve`` top-1, and the sentence aligner alone (``unspun.align``: a pair counts
when ``align_units`` produces any unit, the seeds the engine grows passages from), since
the evidence rule deliberately refuses short overlaps. Rates are split by label and by
lexical overlap (share of the shorter sentence's distinct words found in the other).

(b) Clough & Stevenson short answers: the 5 Wikipedia originals are indexed and each
answer is checked; per category (cut, light, heavy, non): share with the right original
reported, with any source, retrieve top-1, mean coverage. 'non' answers should get none.

Data is read from the shared folder at run time, never copied into the repository.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
import shlex
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import corpus
from bench.pan import common_segments, md_table

MRPC = "mrpc.jsonl.gz"
CLOUGH = "clough_stevenson_short_answers.jsonl.gz"
BINS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))
CATEGORIES = ("cut", "light", "heavy", "non")
_WORD = re.compile(r"[^\W_]+")


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's distinct lower-cased words that occur in the other."""
    wa, wb = ({w.lower() for w in _WORD.findall(t)} for t in (a, b))
    return len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0


def bin_of(x: float) -> str:
    for lo, hi in BINS:
        if lo <= x < hi:
            return f"{lo:.1f}-{min(hi, 1.0):.1f}"
    return "?"


def rates(rows: Iterable[Mapping[str, Any]], keys: Sequence[str], by: str) -> dict[str, Any]:
    """{group: {"n", key: share of rows with a true key ...}} grouped on ``row[by]``."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[str(r[by])].append(r)
    return {g: {"n": len(rs), **{k: sum(bool(r[k]) for r in rs) / len(rs) for k in keys}}
            for g, rs in sorted(groups.items())}


def run_mrpc(ddir: Path, limit: int | None = None, log=print) -> dict[str, Any]:
    import unspun
    from unspun.align import align_units, prepare
    from unspun.tokens import tokenize

    pairs = corpus.read_jsonl_gz(ddir / MRPC)[:limit]
    doc_of: dict[str, str] = {}
    for p in pairs:
        doc_of.setdefault(p["s2"], f"s2-{len(doc_of):05d}")
    t0 = time.perf_counter()
    idx = unspun.memory_index()
    idx.add(unspun.Document(id=d, text=t) for t, d in doc_of.items())
    t_index = time.perf_counter() - t0
    rows = []
    t0 = time.perf_counter()
    for i, p in enumerate(pairs):
        doc = unspun.Document(id=f"s1-{i:05d}", text=p["s1"])
        want = doc_of[p["s2"]]
        rep = unspun.check(doc, idx)
        top = unspun.retrieve(doc, idx, k=1)
        units = align_units(prepare(tokenize(p["s1"])), prepare(tokenize(p["s2"])))
        rows.append({
            "id": p["id"], "label": "paraphrase" if p["label"] == 1 else "non-paraphrase",
            "overlap": round(overlap(p["s1"], p["s2"]), 3),
            "reported": any(s.doc.id == want for s in rep.sources),
            "top1": bool(top) and top[0].doc_id == want,
            "aligned": bool(units),
            "evidence": max((u.evidence for u in units), default=0),
            "other_source": any(s.doc.id != want for s in rep.sources),
        })
        if (i + 1) % 1000 == 0:
            log(f"  MRPC {i + 1}/{len(pairs)} ({time.perf_counter() - t0:.0f}s)")
    t_check = time.perf_counter() - t0
    for r in rows:
        r["bin"] = bin_of(r["overlap"])
        r["group"] = f"{r['label']} / overlap {r['bin']}"
    keys = ("reported", "top1", "aligned", "other_source")
    by_label = rates(rows, keys, "label")
    for lab, v in by_label.items():
        v["mean_overlap"] = statistics.fmean(r["overlap"] for r in rows if r["label"] == lab)
    pos = [r for r in rows if r["label"] == "paraphrase"]
    aligned_not_reported = [r for r in pos if r["aligned"] and not r["reported"]]
    log(f"MRPC: {len(pairs)} pairs, index {t_index:.1f}s, checks {t_check:.1f}s")
    return {
        "pairs": len(pairs), "distinct_s2": len(doc_of),
        "by_label": by_label, "by_overlap": rates(rows, keys, "group"),
        "aligned_not_reported": len(aligned_not_reported),
        "aligned_not_reported_why": dict(Counter(
            "another indexed sentence reported instead" if r["other_source"]
            else "under 12 evidence words (runs of 4+ matched words)" if r["evidence"] < 12
            else "12+ evidence words, refused (containment < 0.6 or template)"
            for r in aligned_not_reported).most_common()),
        "missed_high_overlap_examples": [
            r["id"] for r in pos if not r["aligned"] and r["overlap"] >= 0.8][:10],
        "timing": {"index_s": t_index, "check_s": t_check},
    }


def run_clough(ddir: Path, log=print) -> dict[str, Any]:
    import unspun

    recs = corpus.read_jsonl_gz(ddir / CLOUGH)
    origs = [r for r in recs if r["category"] == "orig"]
    answers = [r for r in recs if r["category"] != "orig"]
    t0 = time.perf_counter()
    idx = unspun.memory_index()
    idx.add(unspun.Document(id=r["id"], text=r["text"]) for r in origs)
    rows = []
    for r in answers:
        doc = unspun.Document(id=r["id"], text=r["text"])
        rep = unspun.check(doc, idx)
        top = unspun.retrieve(doc, idx, k=1)
        right = [s for s in rep.sources if s.doc.id == r["source_id"]]
        orig = next(o["text"] for o in origs if o["id"] == r["source_id"])
        rows.append({
            "id": r["id"], "category": r["category"],
            "right": bool(right), "any": bool(rep.sources),
            "wrong": any(s.doc.id != r["source_id"] for s in rep.sources),
            "top1": bool(top) and top[0].doc_id == r["source_id"],
            "coverage": rep.coverage, "right_coverage": right[0].coverage if right else 0.0,
            "verdict": rep.verdict.label,
            "overlap": round(overlap(r["text"], orig), 3),
            "run": max((g.words for g in common_segments(r["text"], orig, min_words=1)), default=0),
        })
    t = time.perf_counter() - t0
    by_cat = rates(rows, ("right", "any", "wrong", "top1"), "category")
    for c, v in by_cat.items():
        sel = [r for r in rows if r["category"] == c]
        v["mean_coverage"] = statistics.fmean(r["coverage"] for r in sel)
        v["mean_right_coverage"] = statistics.fmean(r["right_coverage"] for r in sel)
        v["mean_overlap"] = statistics.fmean(r["overlap"] for r in sel)
        v["verbatim_12"] = sum(r["run"] >= 12 for r in sel)
        v["right_given_verbatim_12"] = sum(r["right"] for r in sel if r["run"] >= 12)
        v["verdicts"] = dict(sorted(
            (lab, sum(r["verdict"] == lab for r in sel)) for lab in {r["verdict"] for r in sel}))
    log(f"Clough & Stevenson: {len(answers)} answers checked in {t:.1f}s")
    return {"answers": len(answers), "by_category": {c: by_cat[c] for c in CATEGORIES if c in by_cat},
            "rows": rows, "timing": {"total_s": t}}


def markdown(res: dict[str, Any]) -> str:
    m, c = res["mrpc"], res["clough"]
    lines = [
        "# Human paraphrase: MRPC and Clough & Stevenson", "",
        f"Command: `{res['command']}`  ", f"Date: {res['date']}", "",
        "## MRPC sentence pairs", "",
        f"{m['pairs']} pairs; the {m['distinct_s2']} distinct `s2` sentences are indexed as "
        "separate documents and each `s1` is checked as an article. reported: the `s2` "
        "document is a source in `unspun.check`'s report; top-1: it is `unspun.retrieve`'s "
        "first candidate; aligned: `unspun.align.align_units(prepare(tokenize(s1)), "
        "prepare(tokenize(s2)))` yields a unit (the sentence-level seed, before the "
        "evidence rule); other source: some other indexed sentence was reported.", "",
        *md_table(["label", "pairs", "mean word overlap", "reported", "top-1", "aligned",
                   "other source reported"],
                  [[k, v["n"], v["mean_overlap"], v["reported"], v["top1"], v["aligned"],
                    v["other_source"]] for k, v in m["by_label"].items()]), "",
        "By word overlap (share of the shorter sentence's distinct words found in the other):",
        "",
        *md_table(["label / overlap", "pairs", "reported", "top-1", "aligned"],
                  [[k, v["n"], v["reported"], v["top1"], v["aligned"]]
                   for k, v in m["by_overlap"].items()]), "",
        f"Paraphrase pairs the sentence aligner aligns but `check` does not report: "
        f"{m['aligned_not_reported']}; why: "
        + "; ".join(f"{k}: {v}" for k, v in m["aligned_not_reported_why"].items()) + ".", "",
        "## Clough & Stevenson short answers", "",
        f"{c['answers']} answers checked against an index of the 5 originals. right: the "
        "answer's original is a reported source; any / wrong: any source, another original; "
        "coverage: the report's share of the answer covered by sources; right coverage: the "
        "right original's coverage (0 when not reported); overlap as above; 12+ run: answers "
        "sharing a verbatim run of 12+ words with their original (word 5-grams, "
        "`bench.pan.common_segments`), and how many of those got it reported.", "",
        *md_table(["category", "answers", "right", "any", "wrong", "top-1", "mean coverage",
                   "mean right coverage", "mean word overlap", "12+ run (reported)",
                   "verdicts"],
                  [[k, v["n"], v["right"], v["any"], v["wrong"], v["top1"], v["mean_coverage"],
                    v["mean_right_coverage"], v["mean_overlap"],
                    f"{v['verbatim_12']} ({v['right_given_verbatim_12']})",
                    ", ".join(f"{a}: {b}" for a, b in v["verdicts"].items())]
                   for k, v in c["by_category"].items()]), "",
        "## Timing (seconds, this machine)", "",
        *md_table(["MRPC index", "MRPC checks", "Clough all"],
                  [[f"{m['timing']['index_s']:.1f}", f"{m['timing']['check_s']:.1f}",
                    f"{c['timing']['total_s']:.1f}"]]),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.paraphrase",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--limit", type=int, default=None,
                    help="only the first N MRPC pairs (results go to bench/work/)")
    args = ap.parse_args(argv)
    ddir = corpus.data_dir(args.data_dir)
    if not (ddir / MRPC).exists() or not (ddir / CLOUGH).exists():
        print(f"{MRPC} / {CLOUGH} not found under {ddir}", file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    res: dict[str, Any] = {"mrpc": run_mrpc(ddir, args.limit), "clough": run_clough(ddir)}
    print(f"total {time.perf_counter() - t0:.1f}s")
    argv = list(argv) if argv is not None else sys.argv[1:]
    res["command"] = " ".join(["python -m bench.paraphrase", *map(shlex.quote, argv)])
    res["date"] = _dt.date.today().isoformat()
    corpus.write_results("paraphrase", res, markdown(res), scratch=bool(args.limit))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
