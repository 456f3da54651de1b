"""Align one document against several candidate sources with the core's functions.

This is exactly what :func:`unspun.check` does after retrieval (tokenize, ``prepare``,
``align_units``, ``resolve_overlaps``, ``group_passages``, ``has_evidence``, ``to_passage``),
packaged so the crawl scan can call it per copy document, in a local process or inside a
Spark task. It is a candidate for the core (``unspun.pipeline``); until then it lives here
and imports nothing but core functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..align import AlignSettings, align_units, group_passages, prepare, to_passage
from ..analyze.sources import SourceSettings, has_evidence, resolve_overlaps
from ..analyze.verdict import SPIN_KINDS
from ..models import Passage
from ..tokens import tokenize


@dataclass(frozen=True)
class SourceTrace:
    """What one candidate source explains of the document: passages and check's decision."""

    source: str
    passages: tuple[Passage, ...]
    accepted: bool  # the evidence rule of ``check`` (has_evidence)


def trace_sources(
    text: str,
    sources: Mapping[str, str],
    align: AlignSettings | None = None,
    evidence: SourceSettings | None = None,
    skip: Callable[[str], bool] | None = None,
) -> list[SourceTrace]:
    """Passages of ``text`` aligned to each of ``sources`` (id -> text), with the decision.

    ``skip(unit_text)`` drops aligned sentences before the decision (the scan drops
    boilerplate this way). Sources whose units are all beaten by a stronger source on the
    same spans, or that align nothing, are left out; the rest are returned in the order given.
    """
    align = align or AlignSettings()
    evidence = evidence or SourceSettings()
    a = prepare(tokenize(text))
    per_source = {}
    for sid, stext in sources.items():
        units = align_units(a, prepare(tokenize(stext)), align)
        if skip is not None:
            units = [u for u in units if not skip(text[u.a_span[0] : u.a_span[1]])]
        if units:
            per_source[sid] = units
    per_source = resolve_overlaps(per_source, evidence)
    out = []
    for sid, units in per_source.items():
        if not units:
            continue
        groups = group_passages(units, align)
        out.append(
            SourceTrace(sid, tuple(to_passage(g) for g in groups), has_evidence(groups, evidence))
        )
    return out


def spin_words(p: Passage) -> int:
    """Words swapped inside a passage (article side of synonym/paraphrase/inflection edits),
    counted as :func:`unspun.analyze.verdict.spin_density` counts them."""
    return sum(max(1, len(e.article_text.split())) for e in p.edits if e.kind in SPIN_KINDS)
