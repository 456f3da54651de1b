"""Can sentence vectors tell a rewrite's source from an independent report of the same event?

    python -m bench.semantic_separation

For every case of the real development set (``../shared/realdev`` or ``$UNSPUN_REALDEV``),
the suspect is aligned with each of its case's pages (true sources and same-story
distractors) by the semantic layer's own alignment (:func:`unspun.semantic.rewrite.pairs`:
monotone, cosine >= 0.7, a pair with no shared name or number needs 0.8). Printed and
written to ``bench/results/semantic_separation.{md,json}``:

1. per kind, for sources and for distractors: the mean cosine of the suspect's three
   best-matching sentences, and the number of aligned pairs sharing a name or number;
2. a sweep of acceptance rules "at least K anchored pairs in order covering at least S of
   the suspect's sentences": how many sources each rule accepts, how many of them the
   lexical engine misses (``bench/results/real.json``, when present), and how many
   distractors it would wrongly accept (all cases, and negative cases alone).

This is the measurement behind the rule in docs/how-it-works.md: the semantic layer
decides cross-language sources only.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["verbatim", "light-spin", "heavy-spin", "stitched", "cross-language", "negative"]


def _q(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[int(p * (len(xs) - 1))] if xs else float("nan")


def main() -> int:
    from bench.real import cases_path, load_cases, missed_by_lexical, pages_of
    from unspun.semantic import available, unavailable_reason
    from unspun.semantic.rewrite import pairs
    from unspun.semantic.vectors import embed_texts

    if not available():
        print(unavailable_reason())
        return 2
    path = cases_path()
    if not path.exists():
        print(f"real development set not found at {path}; set UNSPUN_REALDEV")
        return 2
    cases = load_cases(path)
    pages = pages_of(cases)
    urls = list(pages)
    vecs = dict(zip(urls, embed_texts([pages[u]["text"] for u in urls]), strict=True))
    missed = missed_by_lexical()
    rows: list[dict[str, Any]] = []
    for c in cases:
        su = c["suspect"]["url"]
        a, av = pages[su]["text"], vecs[su]
        n = max(1, len(av.spans))
        for role, group in (("source", c.get("sources", [])), ("distractor", c.get("distractors", []))):
            for p in group:
                dv = vecs[p["url"]]
                sim = np.asarray(av.sents, np.float32) @ np.asarray(dv.sents, np.float32).T if len(av.spans) and len(dv.spans) else np.zeros((1, 1))
                best = np.sort(sim.max(axis=1))[::-1][:3]
                found = pairs(a, av, pages[p["url"]]["text"], dv)
                rows.append({
                    "case": c["id"], "kind": c["kind"], "role": role,
                    "missed_by_lexical": (c["id"], p["url"]) in missed,
                    "top3": float(best.mean()), "anchored": sum(1 for x in found if x.anchors),
                    "aligned": len(found), "share": len(found) / n,
                    "cross_language": bool(av.lang and dv.lang and av.lang != dv.lang),
                })
    table = []
    for kind in KINDS:
        for role in ("source", "distractor"):
            rs = [r for r in rows if r["kind"] == kind and r["role"] == role]
            if not rs:
                continue
            t3 = [r["top3"] for r in rs]
            an = [r["anchored"] for r in rs]
            table.append({"kind": kind, "role": role, "n": len(rs),
                          "top3_min": _q(t3, 0), "top3_median": _q(t3, .5), "top3_max": _q(t3, 1),
                          "anchored_median": _q(an, .5), "anchored_max": _q(an, 1)})
    sweep = []
    for k in (2, 3, 4, 5):
        for share in (0.15, 0.25, 0.35):
            acc = [r for r in rows if r["anchored"] >= k and r["share"] >= share]
            same = [r for r in acc if not r["cross_language"]]
            sweep.append({
                "min_anchored": k, "min_share": share,
                "sources": sum(r["role"] == "source" for r in acc),
                "same_language_sources_lexical_misses": sum(r["role"] == "source" and r["missed_by_lexical"] for r in same),
                "cross_language_sources": sum(r["role"] == "source" and r["cross_language"] for r in acc),
                "false_distractors": sum(r["role"] == "distractor" for r in same),
                "false_in_negative_cases": sum(r["role"] == "distractor" and r["kind"] == "negative" for r in same),
            })
    by_role: dict[str, int] = defaultdict(int)
    for r in rows:
        by_role[r["role"]] += 1
    md = ["# Sentence vectors: rewrite sources against same-story reports", "",
          f"Command: `PYTHONPATH=src:. python -m bench.semantic_separation`. {len(cases)} cases, "
          f"{by_role['source']} source pairs, {by_role['distractor']} distractor pairs "
          "(USE multilingual v3, the semantic layer's alignment).", "",
          "| kind | pages | n | best-3 cosine min / median / max | anchored pairs median / max |",
          "|---|---|---|---|---|"]
    for t in table:
        md.append(f"| {t['kind']} | {t['role']} | {t['n']} | {t['top3_min']:.2f} / {t['top3_median']:.2f} / "
                  f"{t['top3_max']:.2f} | {t['anchored_median']} / {t['anchored_max']} |")
    md += ["", "Rules \"at least K anchored pairs in order, covering at least S of the suspect's sentences\" "
           "(same-language pairs unless said):", "",
           "| K | S | sources accepted | of them missed by the lexical engine | cross-language sources | "
           "distractors accepted | in negative cases |", "|---|---|---|---|---|---|---|"]
    for s in sweep:
        md.append(f"| {s['min_anchored']} | {s['min_share']} | {s['sources']} | "
                  f"{s['same_language_sources_lexical_misses']} | {s['cross_language_sources']} | "
                  f"{s['false_distractors']} | {s['false_in_negative_cases']} |")
    md.append("")
    text = "\n".join(md)
    print(text)
    out = ROOT / "bench" / "results"
    (out / "semantic_separation.md").write_text(text, encoding="utf-8")
    (out / "semantic_separation.json").write_text(json.dumps({"table": table, "sweep": sweep}, indent=1) + "\n",
                                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
