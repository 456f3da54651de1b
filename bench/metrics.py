"""Scores for the quality benchmark.

Ground truth is the suspect records of :mod:`bench.generator`; predictions are ranked
candidate lists (``[(doc_id, score), ...]``), claimed source sets, and unspun report dicts
(``report.to_dict()``).

* source retrieval: recall@k per source (each true source of a suspect counts once; for a
  3-source stitched suspect recall@1 is at most 1/3), recall of claimed sources, and the
  false-source rate on negatives (share of negative queries with any claimed source);
* PAN plagdet: character-level macro-averaged recall and precision, granularity and
  ``plagdet = F1 / log2(1 + granularity)``, following the definitions of Potthast et al.,
  "An Evaluation Framework for Plagiarism Detection" (COLING 2010), as computed by PAN's
  evaluation script: a case or detection is the set of its suspect characters plus its
  source characters; a detection counts for a case only if it names the same source and
  overlaps it on both sides; averages run over all cases (recall) or all detections
  (precision) of the whole run;
* edits: recall per truth kind, precision per detected kind, by article-span overlap;
  kinds correspond as in :data:`MATCHES` (``insert``/``delete`` count for a synonym edit
  they overlap: a multi-word swap such as "film" -> "moving picture" is legitimately
  reported as a synonym plus an insertion); a truth ``quote`` edit is matched by any
  detected edit inside quotation marks; when either span is empty (a deletion) or the
  truth edit is a negation, spans separated by at most one character also match (where a
  dropped "not" is attributed -- to the auxiliary or to the next word -- is a convention);
  truth ``grammar`` edits are not scored, and detected edits that only overlap grammar
  edits are left out of precision;
* unsourced spans: character-level precision / recall (non-whitespace characters).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "MATCHES",
    "Annotation",
    "cases_from_truth",
    "claim_scores",
    "detections_from_reports",
    "edit_scores",
    "false_source_rate",
    "granularity",
    "macro_precision",
    "macro_recall",
    "plagdet",
    "plagdet_score",
    "quote_spans",
    "rate_key",
    "recall_at_k",
    "unsourced_scores",
]

# truth edit kind -> detected edit kinds that count as finding it (quote: see module doc)
MATCHES: dict[str, frozenset[str]] = {
    "synonym": frozenset({"synonym", "inflection", "paraphrase", "insert", "delete"}),
    "number": frozenset({"number"}),
    "name": frozenset({"name"}),
    "negation": frozenset({"negation"}),
    "quote": frozenset(),  # any detected edit with in_quote
}
SCORED_TRUTH_KINDS = ("synonym", "number", "quote", "name", "negation")


def rate_key(rate: float) -> str:
    return f"{rate:.1f}"


def _group(s: Mapping[str, Any]) -> tuple[str, str]:
    return s["kind"], rate_key(float(s.get("spin_rate", 0.0)))


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


# ---------------------------------------------------------------------------------------
# source retrieval


def recall_at_k(
    suspects: Iterable[Mapping[str, Any]],
    ranked: Mapping[str, Sequence[tuple[Any, ...]]],
    ks: Sequence[int] = (1, 5),
) -> dict[str, dict[str, dict[str, Any]]]:
    """{kind: {rate: {"recall@k": .., "n_sources": .., "n_suspects": ..}}} over suspects
    with sources (negatives are skipped); a suspect missing from ``ranked`` finds nothing."""
    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(ks))
    n_src: dict[tuple[str, str], int] = defaultdict(int)
    n_sus: dict[tuple[str, str], int] = defaultdict(int)
    for s in suspects:
        truth = set(s.get("source_ids") or {p["source_id"] for p in s["passages"]})
        if not truth:
            continue
        g = _group(s)
        # an entry is (id, score) or (id, score, copies): a text and the other documents
        # carrying it (unspun.retrieve), found when any of them is a source
        got = [{e[0], *(e[2] if len(e) > 2 else ())} for e in ranked.get(s["id"], ())]
        n_src[g] += len(truth)
        n_sus[g] += 1
        for j, k in enumerate(ks):
            hits[g][j] += len(truth & set().union(*got[:k]))
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for g in sorted(n_src):
        row: dict[str, Any] = {f"recall@{k}": hits[g][j] / n_src[g] for j, k in enumerate(ks)}
        row.update(n_sources=n_src[g], n_suspects=n_sus[g])
        out[g[0]][g[1]] = row
    return dict(out)


def claim_scores(
    suspects: Iterable[Mapping[str, Any]], claims: Mapping[str, Iterable[str]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per kind and rate: recall of the claimed (reported) sources and their precision
    (share of claimed sources that are true sources)."""
    tp: dict[tuple[str, str], int] = defaultdict(int)
    n_true: dict[tuple[str, str], int] = defaultdict(int)
    n_claim: dict[tuple[str, str], int] = defaultdict(int)
    for s in suspects:
        truth = set(s.get("source_ids") or {p["source_id"] for p in s["passages"]})
        if not truth:
            continue
        g = _group(s)
        got = set(claims.get(s["id"], ()))
        tp[g] += len(truth & got)
        n_true[g] += len(truth)
        n_claim[g] += len(got)
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for g in sorted(n_true):
        out[g[0]][g[1]] = {
            "recall": tp[g] / n_true[g],
            "precision": _ratio(tp[g], n_claim[g]),
            "n_sources": n_true[g],
            "n_claims": n_claim[g],
            "true_claims": tp[g],
        }
    return dict(out)


def false_source_rate(
    suspects: Iterable[Mapping[str, Any]], claims: Mapping[str, Iterable[str]]
) -> dict[str, dict[str, Any]]:
    """{origin: {"rate", "n", "false"}} over negatives (``negative_of`` groups, plus
    ``all``): the share of negative queries for which any source is claimed."""
    n: dict[str, int] = defaultdict(int)
    bad: dict[str, int] = defaultdict(int)
    for s in suspects:
        if s["kind"] != "negative":
            continue
        claimed = bool(list(claims.get(s["id"], ())))
        for key in (s.get("negative_of", "negative"), "all"):
            n[key] += 1
            bad[key] += claimed
    return {k: {"rate": bad[k] / n[k], "n": n[k], "false": bad[k]} for k in sorted(n)}


# ---------------------------------------------------------------------------------------
# PAN plagdet


class Annotation(NamedTuple):
    """A plagiarism case or detection: suspect chars [toff, toff+tlen) of ``tref``
    taken from source chars [soff, soff+slen) of ``sref``."""

    tref: str
    toff: int
    tlen: int
    sref: str
    soff: int
    slen: int


def _overlaps(a: Annotation, b: Annotation) -> bool:
    return (
        a.tref == b.tref
        and b.toff + b.tlen > a.toff
        and b.toff < a.toff + a.tlen
        and a.sref == b.sref
        and b.soff + b.slen > a.soff
        and b.soff < a.soff + a.slen
    )


def _mark(bits: bytearray, off: int, length: int, off2: int, len2: int) -> None:
    lo = min(max(0, off2 - off), length)
    hi = min(max(0, off2 + len2 - off), length)
    bits[lo:hi] = b"\x01" * (hi - lo)


def _case_recall(case: Annotation, dets: Sequence[Annotation]) -> float:
    """Share of the case's characters (suspect + source side) covered by detections that
    detect it."""
    hits = [d for d in dets if _overlaps(case, d)]
    if not hits:
        return 0.0
    tb, sb = bytearray(case.tlen), bytearray(case.slen)
    for d in hits:
        _mark(tb, case.toff, case.tlen, d.toff, d.tlen)
        _mark(sb, case.soff, case.slen, d.soff, d.slen)
    return (sum(tb) + sum(sb)) / (case.tlen + case.slen)


def _by_tref(anns: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    out: dict[str, list[Annotation]] = defaultdict(list)
    for a in anns:
        out[a.tref].append(a)
    return out


def macro_recall(cases: Sequence[Annotation], dets: Sequence[Annotation]) -> float:
    if not cases and not dets:
        return 1.0
    if not cases or not dets:
        return 0.0
    idx = _by_tref(dets)
    return sum(_case_recall(c, idx.get(c.tref, ())) for c in cases) / len(cases)


def macro_precision(cases: Sequence[Annotation], dets: Sequence[Annotation]) -> float:
    """Macro precision is macro recall with the roles swapped."""
    return macro_recall(dets, cases)


def granularity(cases: Sequence[Annotation], dets: Sequence[Annotation]) -> float:
    """Mean number of detections per detected case (1 when nothing is detected)."""
    if not dets:
        return 1.0
    idx = _by_tref(dets)
    counts = [sum(_overlaps(c, d) for d in idx.get(c.tref, ())) for c in cases]
    detected = [n for n in counts if n > 0]
    return sum(detected) / len(detected) if detected else 1.0


def plagdet_score(rec: float, prec: float, gran: float) -> float:
    if (rec == 0 and prec == 0) or prec < 0 or rec < 0 or gran < 1:
        return 0.0
    return (2 * rec * prec / (rec + prec)) / math.log2(1 + gran)


def plagdet(cases: Sequence[Annotation], dets: Sequence[Annotation]) -> dict[str, float]:
    dets = [d for d in dets if d.tlen + d.slen > 0]
    rec = macro_recall(cases, dets)
    prec = macro_precision(cases, dets)
    gran = granularity(cases, dets)
    return {
        "recall": rec,
        "precision": prec,
        "granularity": gran,
        "plagdet": plagdet_score(rec, prec, gran),
        "n_cases": len(cases),
        "n_detections": len(dets),
    }


def cases_from_truth(suspects: Iterable[Mapping[str, Any]]) -> list[Annotation]:
    out = []
    for s in suspects:
        for p in s["passages"]:
            (a, b), (c, d) = p["article_span"], p["source_span"]
            out.append(Annotation(s["id"], a, b - a, p["source_id"], c, d - c))
    return out


def detections_from_reports(reports: Mapping[str, Mapping[str, Any]]) -> list[Annotation]:
    """Every aligned passage of every listed source in unspun's report dicts."""
    out = []
    for sid, rep in reports.items():
        for src in rep.get("sources", ()):
            for p in src.get("passages", ()):
                (a, b), (c, d) = p["article_span"], p["source_span"]
                out.append(Annotation(sid, a, b - a, str(src["doc_id"]), c, d - c))
    return out


# ---------------------------------------------------------------------------------------
# edits

_QUOTE_RE = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»")


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quotations (straight pairs, curly, guillemets; not across a line break, so
    an unclosed multi-paragraph quote does not pair with the next paragraph's)."""
    return [(m.start(), m.end()) for m in _QUOTE_RE.finditer(text)]


def _hit(x: Sequence[int], y: Sequence[int], slack: int = 0) -> bool:
    """Spans overlap; with ``slack`` (or when one is empty), a gap of up to one character
    still counts."""
    a, b = x
    c, d = y
    if slack or a == b or c == d:
        return max(a, c) <= min(b, d) + 1
    return a < d and c < b


def _match(t: Mapping[str, Any], d: Mapping[str, Any], d_in_quote: bool) -> bool:
    slack = 1 if t["kind"] == "negation" else 0
    return _hit(t["article_span"], d["article_span"], slack) and _corresponds(t, d, d_in_quote)


def _in_quote(edit: Mapping[str, Any], quotes: Sequence[tuple[int, int]]) -> bool:
    if "in_quote" in edit and edit["in_quote"] is not None:
        return bool(edit["in_quote"])
    a, b = edit["article_span"]
    return any(q0 < a + (a == b) and b - (a == b) < q1 for q0, q1 in quotes)


def _corresponds(truth: Mapping[str, Any], det: Mapping[str, Any], det_in_quote: bool) -> bool:
    if truth["kind"] == "quote":
        return det_in_quote
    return det["kind"] in MATCHES.get(truth["kind"], ())


def detected_edits(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        dict(e)
        for src in report.get("sources", ())
        for p in src.get("passages", ())
        for e in p.get("edits", ())
    ]


def edit_scores(
    suspects: Iterable[Mapping[str, Any]], reports: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """{"recall": {truth kind: {value, n, hit}}, "precision": {detected kind: {value, n,
    hit}}, "overall": {recall, precision}} over the suspects that have a report."""
    t_n: dict[str, int] = defaultdict(int)
    t_hit: dict[str, int] = defaultdict(int)
    d_n: dict[str, int] = defaultdict(int)
    d_hit: dict[str, int] = defaultdict(int)
    for s in suspects:
        rep = reports.get(s["id"])
        if rep is None:
            continue
        quotes = quote_spans(s["text"])
        truth = [e for e in s["edits"] if e["kind"] in SCORED_TRUTH_KINDS]
        grammar = [e for e in s["edits"] if e["kind"] == "grammar"]
        dets = detected_edits(rep)
        dq = [_in_quote(d, quotes) for d in dets]
        for t in truth:
            t_n[t["kind"]] += 1
            if any(_match(t, d, q) for d, q in zip(dets, dq, strict=True)):
                t_hit[t["kind"]] += 1
        for d, q in zip(dets, dq, strict=True):
            ok = any(_match(t, d, q) for t in truth)
            if not ok and any(_hit(g["article_span"], d["article_span"]) for g in grammar):
                continue  # grammar damage is not scored
            d_n[d["kind"]] += 1
            d_hit[d["kind"]] += ok
    recall = {
        k: {"value": _ratio(t_hit[k], t_n[k]), "n": t_n[k], "hit": t_hit[k]}
        for k in SCORED_TRUTH_KINDS
    }
    precision = {
        k: {"value": _ratio(d_hit[k], d_n[k]), "n": d_n[k], "hit": d_hit[k]} for k in sorted(d_n)
    }
    return {
        "recall": recall,
        "precision": precision,
        "overall": {
            "recall": _ratio(sum(t_hit.values()), sum(t_n.values())),
            "precision": _ratio(sum(d_hit.values()), sum(d_n.values())),
        },
    }


# ---------------------------------------------------------------------------------------
# unsourced spans


def _chars(text: str, spans: Iterable[Sequence[int]]) -> set[int]:
    out: set[int] = set()
    for a, b in spans:
        out.update(k for k in range(max(0, a), min(b, len(text))) if not text[k].isspace())
    return out


def unsourced_scores(
    suspects: Iterable[Mapping[str, Any]], reports: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Character-level precision / recall of reported unsourced spans, pooled per suspect
    kind and over all suspects that have a report."""
    inter: dict[str, int] = defaultdict(int)
    n_true: dict[str, int] = defaultdict(int)
    n_det: dict[str, int] = defaultdict(int)
    for s in suspects:
        rep = reports.get(s["id"])
        if rep is None:
            continue
        truth = _chars(s["text"], (u["article_span"] for u in s["unsourced"]))
        det = _chars(s["text"], (u["article_span"] for u in rep.get("unsourced", ())))
        for key in (s["kind"], "all"):
            inter[key] += len(truth & det)
            n_true[key] += len(truth)
            n_det[key] += len(det)
    return {
        k: {
            "precision": _ratio(inter[k], n_det[k]),
            "recall": _ratio(inter[k], n_true[k]),
            "true_chars": n_true[k],
            "detected_chars": n_det[k],
        }
        for k in sorted(n_true)
    }
