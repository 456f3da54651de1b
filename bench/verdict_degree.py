"""How well can the verdict's degree (verbatim-copy / light-spin / heavy-spin) be told on real copies?

    PYTHONPATH=src:. python -m bench.verdict_degree [--semantic] [--cases realdev.jsonl]

Checks every case of the real development set as :mod:`bench.real` does (one index of all
pages, the suspect's own page removed), keeps the verbatim, light-spin and heavy-spin cases
whose report gives a degree label (one main source), and asks of each measure the verdict
could use: with the two thresholds that fit these cases best, how many cases agree with
their kind, and how many agree when each case is labelled by thresholds fitted on the
*other* cases only (leave-one-out, the honest figure)? The current rule (changed share,
thresholds 5% and 20%) is scored beside them.

Measures: ``changed`` (the verdict's: words of synonym swaps and of reworded or
rewritten sentences / sourced words), ``swaps`` (synonym swaps only: :func:`spin_density`),
``sentence-mean`` and ``sentence-median`` (per sourced sentence, changed words / words;
a reworded sentence counts 1). Writes ``bench/results/verdict_degree[_semantic].{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.real import (
    cases_path,
    load_cases,
    own_page_removed,
    page_documents,
    pages_of,
    suspect_document,
)

DEGREES = ("verbatim-copy", "light-spin", "heavy-spin")
KIND_DEGREE = {"verbatim": 0, "light-spin": 1, "heavy-spin": 2}
SPIN = frozenset({"synonym", "paraphrase", "inflection"})


def sentence_changes(report: Any) -> list[float]:
    """Per sourced article sentence (4 words or more, at least half covered): the share
    of its words changed (edits of every kind but insertions and deletions); 1 for a
    sentence covered by a reworded or rewritten passage."""
    from unspun.tokens import sentence_spans

    text = report.article.text
    passages = [p for s in report.sources for p in s.passages]
    out = []
    for a, b in sentence_spans(text):
        n = len(text[a:b].split())
        if n < 4:
            continue
        cov = changed = 0
        reworded = False
        for p in passages:
            o = min(b, p.article_span[1]) - max(a, p.article_span[0])
            if o <= 0:
                continue
            cov += o
            if p.kind != "copied":
                reworded = True
                continue
            changed += sum(
                max(1, len(e.article_text.split()))
                for e in p.edits
                if a <= e.article_span[0] < b and e.kind not in ("insert", "delete")
            )
        if cov >= 0.5 * (b - a):
            out.append(1.0 if reworded else min(1.0, changed / n))
    return out


def measures(report: Any) -> dict[str, float]:
    from unspun.analyze.verdict import rewrite_share, spin_density

    per = sentence_changes(report) or [0.0]
    return {
        "changed": rewrite_share(report.sources, report.article.text)[0],
        "swaps": spin_density(report.sources)[0],
        "sentence-mean": statistics.fmean(per),
        "sentence-median": statistics.median(per),
    }


def label(x: float, t1: float, t2: float) -> int:
    return 0 if x < t1 else 1 if x < t2 else 2


def fit(rows: Sequence[tuple[int, float]]) -> tuple[int, float, float]:
    """(cases agreeing, t1, t2): the thresholds that agree with the most cases (ties: the
    lowest thresholds)."""
    grid = sorted({round(x, 4) for _, x in rows} | {1.01})
    best = (-1, 0.0, 0.0)
    for i, t1 in enumerate(grid):
        for t2 in grid[i:]:
            ok = sum(label(x, t1, t2) == y for y, x in rows)
            if ok > best[0]:
                best = (ok, t1, t2)
    return best


def leave_one_out(rows: Sequence[tuple[int, float]]) -> int:
    ok = 0
    for i, (y, x) in enumerate(rows):
        _, t1, t2 = fit([*rows[:i], *rows[i + 1 :]])
        ok += label(x, t1, t2) == y
    return ok


def run(path: Path, semantic: bool) -> dict[str, Any]:
    import unspun

    cases = load_cases(path)
    pages = pages_of(cases)
    index = unspun.memory_index(semantic=semantic)
    by_id = page_documents(pages)
    index.add(by_id.values())
    rows: list[dict[str, Any]] = []
    for case in cases:
        if case["kind"] not in KIND_DEGREE:
            continue
        with own_page_removed(index, case, by_id):
            report = unspun.check(suspect_document(case), index)
        if report.verdict.label not in DEGREES or (report.sources and report.sources[0].evidence.get("language_pair")):
            continue
        rows.append({"id": case["id"], "kind": case["kind"], "label": report.verdict.label, **measures(report)})
    out: dict[str, Any] = {
        "command": "PYTHONPATH=src:. python -m bench.verdict_degree" + (" --semantic" if semantic else ""),
        "date": _dt.date.today().isoformat(),
        "cases": len(rows),
        "current": sum(DEGREES.index(r["label"]) == KIND_DEGREE[r["kind"]] for r in rows),
        "measures": {},
        "rows": rows,
    }
    for m in ("changed", "swaps", "sentence-mean", "sentence-median"):
        data = [(KIND_DEGREE[r["kind"]], r[m]) for r in rows]
        ok, t1, t2 = fit(data)
        out["measures"][m] = {"fitted": ok, "t1": t1, "t2": t2, "leave_one_out": leave_one_out(data)}
    return out


def render(res: dict[str, Any]) -> str:
    n = res["cases"]
    lines = [
        "# The verdict's degree on real copies: what the measures can separate",
        "",
        f"Command: `{res['command']}` ({res['date']}). {n} verbatim, light-spin and heavy-spin cases of the "
        "real development set whose report gives a degree label (one main source).",
        "",
        f"Current rule (changed share; verbatim under 5%, heavy from 20%): **{res['current']} of {n}** agree.",
        "",
        "| measure | best thresholds on all cases | agree | leave-one-out agree |",
        "|---|---|---|---|",
    ]
    for m, v in res["measures"].items():
        lines.append(f"| {m} | {v['t1']:.3f} / {v['t2']:.3f} | {v['fitted']} of {n} | {v['leave_one_out']} of {n} |")
    lines += [
        "",
        "| case | kind | label now | changed | swaps | sentence mean | sentence median |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(res["rows"], key=lambda r: (KIND_DEGREE[r["kind"]], r["changed"])):
        lines.append(
            f"| {r['id']} | {r['kind']} | {r['label']} | {r['changed']:.3f} | {r['swaps']:.3f} | "
            f"{r['sentence-mean']:.3f} | {r['sentence-median']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.verdict_degree", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", help="realdev.jsonl (default $UNSPUN_REALDEV or ../shared/realdev)")
    ap.add_argument("--semantic", action="store_true", help="check with the semantic layer (unspun[semantic])")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args(argv)
    path = cases_path(args.cases)
    if not path.is_file():
        print(f"no real development set at {path} (set $UNSPUN_REALDEV or --cases)", file=sys.stderr)
        return 2
    res = run(path, args.semantic)
    md = render(res)
    print(md)
    stem = "verdict_degree_semantic" if args.semantic else "verdict_degree"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.md").write_text(md, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
