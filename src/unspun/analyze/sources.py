"""Which candidates are sources: resolve overlaps between them, demand real evidence.

Articles about the same event share quotations, names, figures, datelines and short
phrases without any copying. A candidate is kept as a source only on evidence beyond
that: runs of at least four consecutive matched tokens outside quotation marks on both
sides (:data:`unspun.align.EVIDENCE_RUN`; a reporter who paraphrases a statement closely
without quotation marks is not copying the outlet that quoted it), counted only in sentences that are mostly
explained by the candidate (``min_containment`` of the shorter side matched), must add
up to ``min_evidence`` tokens. A sentence in which as many names and figures changed as
stayed is a *template* (wire formulas such as "said it raised its stake in X to N shares,
or P pct") rather than a copy, and does not count. Where two candidates explain the same article span, the
clearly weaker one (under ``dominance`` of the stronger's match) is dropped there.

The thresholds were set on the BASIL triplets (the same event written independently by
three outlets) and the founding case; see bench/results/quality.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..align import Unit


@dataclass(frozen=True)
class SourceSettings:
    min_evidence: int = 12
    min_containment: float = 0.6
    min_passage_tokens: int = 8
    dominance: float = 0.8
    # a sentence mostly not explained by the candidate still counts when it holds one
    # unbroken run this long that no other text among the candidates shares: a clause
    # lifted into a longer sentence of the article's own (0: off; only where stock wording
    # is known, i.e. in check's candidates: see analyze/texts.py)
    min_lift_run: int = 12  # as long as the whole evidence rule asks: the clause alone would do


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def resolve_overlaps(
    per_source: dict[str, list[Unit]], st: SourceSettings
) -> dict[str, list[Unit]]:
    """Drop units that another source explains clearly better on the same article span."""
    everything = [(sid, u) for sid, us in per_source.items() for u in us]
    by_sent: dict[int, list[tuple[str, Unit]]] = {}  # units compete only within a sentence
    for sid, u in everything:
        by_sent.setdefault(u.a_sent, []).append((sid, u))
    kept: dict[str, list[Unit]] = {sid: [] for sid in per_source}
    for sid, u in everything:
        size = u.a_span[1] - u.a_span[0]
        beaten = False
        for sid2, v in by_sent[u.a_sent]:
            if sid2 == sid or v.a_sent != u.a_sent:
                continue
            ov = _overlap(u.a_span, v.a_span)
            if ov * 2 < min(size, v.a_span[1] - v.a_span[0]):
                continue
            if u.matched < st.dominance * v.matched:
                beaten = True
                break
        if not beaten:
            kept[sid].append(u)
    return kept


def is_template(u: Unit) -> bool:
    """More names and figures changed than kept: the same formula about other facts."""
    return u.changed_fixed >= 2 and u.changed_fixed >= u.matched_fixed


def counts(u: Unit, st: SourceSettings) -> bool:
    """Does the unit's copying count as evidence? A sentence mostly explained by the
    candidate (``min_containment``), or a lifted clause: one run of ``min_lift_run`` tokens
    or more, none of it stock wording. A template sentence (the same formula about other
    names and figures) counts only through such a run: around a lifted clause, the rest of
    the article's sentence differs wholesale, names and figures included."""
    if st.min_lift_run and u.stock == 0 and max((b - a for a, b in u.runs), default=0) >= st.min_lift_run:
        return True
    return u.containment >= st.min_containment and not is_template(u)


def evidence_figures(groups: list[list[Unit]], st: SourceSettings) -> dict:
    """What the evidence rule saw: words copied in runs outside quotations (in sentences
    mostly explained by the candidate, templates excluded), the longest passage in matched
    words, the number of passages."""
    counted = [u for g in groups for u in g if counts(u, st)]
    return {
        "copied_run_words": sum(u.evidence - u.stock for u in counted),
        "stock_run_words": sum(u.stock for u in counted),
        "longest_run": max((b - a for u in counted for a, b in u.runs), default=0),
        "longest_passage_words": max((sum(u.matched for u in g) for g in groups), default=0),
        "passages": len(groups),
        "sentences": sum(len(g) for g in groups),
    }


def has_evidence(groups: list[list[Unit]], st: SourceSettings) -> bool:
    """Enough copying outside quotations, in at least one passage of substance."""
    f = evidence_figures(groups, st)
    return f["copied_run_words"] >= st.min_evidence and f["longest_passage_words"] >= st.min_passage_tokens


def reason(figures: dict, copies: int = 0) -> str:
    """Why a source was accepted, in one sentence, from its evidence figures."""
    if figures.get("language_pair"):
        src, _, art = figures["language_pair"].partition("->")
        n, k = figures.get("rewritten_sentences", 0), figures.get("anchored_sentences", 0)
        return (
            f"Translation ({src} to {art}): {n} article sentence{'s' if n != 1 else ''} align in "
            f"order with this text's (mean vector similarity {figures.get('mean_similarity', 0):.2f}), "
            f"{k} of them sharing names or numbers."
        )
    if figures.get("distinctive_sentences"):
        n, k = figures.get("rewritten_sentences", 0), figures["distinctive_sentences"]
        return (
            f"Rewritten: {n} article sentence{'s' if n != 1 else ''} align in order with this text's "
            f"(sentence vectors), {k} of them sharing a name or number that no other report of the "
            "story among the candidates holds."
        )
    parts = [
        f"{figures.get('copied_run_words', 0)} words copied in runs of four or more outside "
        f"quotations (longest {figures.get('longest_run', 0)}), over "
        f"{figures.get('sentences', 0)} sentence{'s' if figures.get('sentences', 0) != 1 else ''}"
    ]
    if figures.get("stock_run_words"):
        parts.append(f"{figures['stock_run_words']} more words not counted: stock wording other reports share")
    if figures.get("shared_sentences"):
        n = figures["shared_sentences"]
        parts.append(f"{n} sentence{'s' if n != 1 else ''} another source explains as well not counted")
    if figures.get("reworded_sentences"):
        n = figures["reworded_sentences"]
        parts.append(f"{n} further sentence{'s' if n != 1 else ''} reworded in the same order")
    if figures.get("rewritten_sentences"):
        n = figures["rewritten_sentences"]
        parts.append(f"{n} further sentence{'s' if n != 1 else ''} rewritten in the same order "
                     "(aligned by sentence vectors)")
    if copies:
        parts.append(f"the same text is on {copies} other page{'s' if copies != 1 else ''} (listed as copies)")
    return "; ".join(parts) + "."
