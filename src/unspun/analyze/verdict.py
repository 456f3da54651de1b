"""The verdict: one label and a one-sentence summary that cites the numbers.

Labels and the thresholds that decide them (``VerdictSettings``):

``original``          sources cover under ``min_copied`` (15%) of the article
``stitched``          two or more sources each cover at least ``min_source_share`` (10%)
``mostly-unsourced``  one source, but it covers under half of the article
``verbatim-copy``     one source, under ``light_spin`` (2%) of copied words swapped
``light-spin``        one source, under ``heavy_spin`` (15%) of copied words swapped
``heavy-spin``        one source, ``heavy_spin`` or more of copied words swapped
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import SourceMatch, Verdict

SPIN_KINDS = frozenset({"synonym", "paraphrase", "inflection"})


@dataclass(frozen=True)
class VerdictSettings:
    min_copied: float = 0.15
    min_source_share: float = 0.10
    light_spin: float = 0.02
    heavy_spin: float = 0.15


def spin_density(sources: tuple[SourceMatch, ...] | list[SourceMatch]) -> tuple[float, int]:
    """(share of copied words that were swapped, number of swap edits)."""
    swapped = matched = swaps = 0
    for s in sources:
        for p in s.passages:
            matched += p.matched_tokens
            for e in p.edits:
                if e.kind in SPIN_KINDS:
                    swaps += 1
                    swapped += max(1, len(e.article_text.split()))
    total = matched + swapped
    return (swapped / total if total else 0.0), swaps


def _name(s: SourceMatch) -> str:
    d = s.doc
    who = d.site or d.title or d.id
    return f"{who} ({d.published})" if d.published else who


def decide(
    sources: list[SourceMatch], coverage: float, unsourced_share: float, st: VerdictSettings | None = None
) -> Verdict:
    st = st or VerdictSettings()
    if not sources or coverage < st.min_copied:
        return Verdict("original", f"No source in the index explains more than {coverage:.0%} of the article.")
    density, swaps = spin_density(sources)
    altered = sum(
        1 for s in sources for p in s.passages for e in p.edits if e.in_quote and e.kind != "inflection"
    )
    major = [s for s in sources if s.coverage >= st.min_source_share]
    parts = ", ".join(f"{s.coverage:.0%} from {_name(s)}" for s in sources[:3])
    if len(sources) > 3:
        parts += f" and {len(sources) - 3} more"
    tail = f"{swaps} synonym swaps ({density:.0%} of copied words), {altered} edits inside quotations, {unsourced_share:.0%} unsourced"
    if len(major) >= 2:
        return Verdict("stitched", f"Stitched from {len(sources)} sources: {parts}; {tail}.")
    if coverage < 0.5:
        return Verdict("mostly-unsourced", f"Only {coverage:.0%} of the article has a source: {parts}; {tail}.")
    label = "verbatim-copy" if density < st.light_spin else "light-spin" if density < st.heavy_spin else "heavy-spin"
    what = {"verbatim-copy": "Copy", "light-spin": "Lightly spun copy", "heavy-spin": "Heavily spun copy"}[label]
    return Verdict(label, f"{what} of {_name(sources[0])}: {parts}; {tail}.")
