"""The verdict: one label and a one-sentence summary that cites the numbers.

Labels and the thresholds that decide them (``VerdictSettings``), checked in this order:

``too-short``         no source, and the article has under ``min_words`` (30) words: too
                      short to hold the evidence copying leaves, so not called original
``original``          no source, or sources cover under ``min_copied`` (15%) of the article
``stitched``          two or more sources each add at least ``min_source_share`` (10%) of the
                      article, or ``min_source_words`` (12) words, that no stronger source explains
                      (a lifted sentence is a stitch, whatever the article's length)
``mostly-unsourced``  otherwise, when sources cover under ``min_covered`` (50%) of the article
``verbatim-copy``     one source, under ``light_spin`` (2%) of copied words swapped
``light-spin``        one source, under ``heavy_spin`` (15%) of copied words swapped
``heavy-spin``        one source, ``heavy_spin`` or more of copied words swapped

"Copied words swapped" is :func:`spin_density`: words on the article side of
``synonym``, ``paraphrase`` and ``inflection`` edits / (matched words + those words).

The summary names up to three sources with their share of the article, then the
evidence: synonym swaps and spin density, and, when there are any, the counts of altered
quotations, changed numbers, changed names, flipped negations, dropped attributions and
possible invented connectors (from the findings), and the share of the article that is
unsourced (characters of unsourced spans / characters of the article). For example:
"Stitched from 3 sources: 41% from cardin.senate.gov (2020-10-22), …; 10 synonym swaps
(7% of copied words), 1 altered quote, 1 changed number, 1 dropped name, 7% unsourced."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Finding, SourceMatch, Verdict

SPIN_KINDS = frozenset({"synonym", "paraphrase", "inflection"})

LABELS = ("original", "stitched", "mostly-unsourced", "verbatim-copy", "light-spin", "heavy-spin", "too-short")


@dataclass(frozen=True)
class VerdictSettings:
    min_copied: float = 0.15
    min_source_share: float = 0.10
    min_source_words: int = 12  # ... or this many words (the evidence rule's shortest lift)
    min_covered: float = 0.3
    min_reproduced: float = 0.6  # ... unless the article reproduces this much of the source's text
    light_spin: float = 0.05
    heavy_spin: float = 0.20
    min_words: int = 30  # below this, an article with no source is too short to call original


def spin_density(sources: Sequence[SourceMatch]) -> tuple[float, int]:
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


def text_coverage(s: SourceMatch) -> float:
    """Share of the article explained by the text ``s`` carries (``s`` and its copies)."""
    return float(s.evidence.get("text_coverage", s.coverage))


def own_coverage(s: SourceMatch) -> float:
    """Share of the article that ``s``'s text explains and no stronger source does."""
    return float(s.evidence.get("adds_coverage", text_coverage(s)))


def rewrite_share(sources: Sequence[SourceMatch], text: str) -> tuple[float, int]:
    """(share of the sourced words that were changed, reworded sentences): words of
    synonym swaps and of reworded sentences / (matched words + those words)."""
    swapped = matched = reworded = sentences = 0
    for s in sources:
        for p in s.passages:
            if p.kind in ("reworded", "rewritten"):
                sentences += 1
                reworded += len(text[p.article_span[0] : p.article_span[1]].split())
                continue
            matched += p.matched_tokens
            for e in p.edits:
                if e.kind in SPIN_KINDS:
                    swapped += max(1, len(e.article_text.split()))
    total = matched + swapped + reworded
    return ((swapped + reworded) / total if total else 0.0), sentences


def _name(s: SourceMatch) -> str:
    d = s.doc
    who = d.site or d.title or d.id
    return f"{who} ({d.published})" if d.published else who


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def evidence_counts(sources: Sequence[SourceMatch], findings: Sequence[Finding] | None) -> list[str]:
    """The counted findings, as phrases ("1 altered quote", "2 changed numbers")."""
    if findings is None:  # called without findings: count edits inside quotations
        altered = sum(
            1 for s in sources for p in s.passages for e in p.edits if e.in_quote and e.kind != "inflection"
        )
        return [_plural(altered, "edit inside quotations", "edits inside quotations")] if altered else []
    count = {k: 0 for k in ("quote-altered", "number-changed", "name-changed", "negation-flipped",
                            "attribution-dropped", "connector")}
    for f in findings:
        if f.kind in count:
            count[f.kind] += 1
        elif f.kind == "unsourced" and f.data.get("role") == "connector":
            count["connector"] += 1
    words = {
        "quote-altered": ("altered quote", "altered quotes"),
        "number-changed": ("changed number", "changed numbers"),
        "name-changed": ("changed name", "changed names"),
        "negation-flipped": ("flipped negation", "flipped negations"),
        "attribution-dropped": ("dropped attribution", "dropped attributions"),
        "connector": ("possible invented connector", "possible invented connectors"),
    }
    return [_plural(n, *words[k]) for k, n in count.items() if n]


def decide(
    sources: Sequence[SourceMatch],
    coverage: float,
    unsourced_share: float,
    st: VerdictSettings | None = None,
    *,
    findings: Sequence[Finding] | None = None,
    words: int | None = None,
    text: str | None = None,
) -> Verdict:
    """Label the article and write the summary sentence (see the module docstring)."""
    st = st or VerdictSettings()
    if not sources and words is not None and words < st.min_words:
        return Verdict(
            "too-short",
            f"Too short to judge: {_plural(words, 'word', 'words')}; copying is shown by runs of "
            "shared wording, and a text this short cannot hold enough of them to tell.",
        )
    if not sources or coverage < st.min_copied:
        return Verdict("original", f"No source in the index explains more than {coverage:.0%} of the article.")
    density, swaps = spin_density(sources)
    changed, reworded = rewrite_share(sources, text or "")
    rewritten = sum(1 for s in sources for p in s.passages if p.kind == "rewritten")
    major = [
        s for s in sources
        if own_coverage(s) >= st.min_source_share or own_coverage(s) * (words or 0) >= st.min_source_words
    ]
    parts = ", ".join(f"{text_coverage(s):.0%} from {_name(s)}" for s in sources[:3])
    if len(sources) > 3:
        parts += f" and {len(sources) - 3} more"
    tail = ", ".join([
        f"{_plural(swaps, 'synonym swap', 'synonym swaps')} ({density:.0%} of copied words)",
        *([_plural(reworded - rewritten, "reworded sentence", "reworded sentences")]
          if reworded > rewritten else []),
        *([_plural(rewritten, "rewritten sentence", "rewritten sentences")] if rewritten else []),
        *evidence_counts(sources, findings),
        f"{unsourced_share:.0%} unsourced",
    ])
    if len(major) >= 2:
        return Verdict("stitched", f"Stitched from {len(major)} sources: {parts}; {tail}.")
    if coverage < st.min_covered and reproduced(sources[0]) < st.min_reproduced:
        return Verdict("mostly-unsourced", f"Only {coverage:.0%} of the article has a source: {parts}; {tail}.")
    label = "verbatim-copy" if changed < st.light_spin else "light-spin" if changed < st.heavy_spin else "heavy-spin"
    what = {"verbatim-copy": "Copy", "light-spin": "Lightly spun copy", "heavy-spin": "Heavily spun copy"}[label]
    pair = sources[0].evidence.get("language_pair")
    if pair:
        label, what = "heavy-spin", f"Translation ({pair.replace('->', ' to ')})"
    return Verdict(label, f"{what} of {_name(sources[0])}: {parts}; {tail}.")


def reproduced(s: SourceMatch) -> float:
    """Share of the source's own text that its passages reproduce."""
    spans = sorted(p.source_span for p in s.passages)
    total = end = 0
    for a, b in spans:
        a = max(a, end)
        if b > a:
            total += b - a
            end = b
    return total / max(1, len(s.doc.text))
