"""The one place where the stages are wired: ``check(article, index) -> Report``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import __version__
from .align import AlignSettings, Prepared, align_units, group_passages, prepare, to_passage
from .analyze.findings import find_all
from .analyze.sources import SourceSettings, has_evidence, resolve_overlaps
from .analyze.unsourced import covered_fraction, uncovered_runs
from .analyze.verdict import VerdictSettings, decide
from .errors import IngestError
from .models import Document, Passage, Report, SourceMatch
from .retrieve import retrieve
from .store.base import BaseIndex
from .tokens import tokenize


@dataclass(frozen=True)
class CheckSettings:
    """``candidates`` documents are always aligned; up to ``max_candidates`` when further
    ones still share ``extra_min_shared`` features and a third of the best one's (a long
    article stitched from many sources)."""

    candidates: int = 12
    max_candidates: int = 24
    extra_min_shared: int = 4
    min_unsourced_words: int = 4
    align: AlignSettings = field(default_factory=AlignSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)


@dataclass(frozen=True)
class SourceTrace:
    """What one candidate source explains of an article: its passages, and whether the
    evidence rule accepts it as a source."""

    source: str
    passages: tuple[Passage, ...]
    accepted: bool


def trace_sources(
    article: str | Prepared,
    sources: Mapping[str, str],
    align: AlignSettings | None = None,
    evidence: SourceSettings | None = None,
    skip: Callable[[str], bool] | None = None,
) -> list[SourceTrace]:
    """Align an article with candidate sources (id -> text): ``check`` after retrieval.

    ``skip(sentence_text)`` drops aligned article sentences before the decision (the crawl
    scan drops boilerplate this way). Sources that align nothing, or whose units are all
    beaten by a stronger source on the same spans, are left out; the rest keep the given order.
    """
    align = align or AlignSettings()
    evidence = evidence or SourceSettings()
    a = prepare(tokenize(article)) if isinstance(article, str) else article
    text = a.toks.text
    per_source = {}
    for sid, stext in sources.items():
        units = align_units(a, prepare(tokenize(stext)), align)
        if skip is not None:
            units = [u for u in units if not skip(text[u.a_span[0] : u.a_span[1]])]
        if units:
            per_source[sid] = units
    out = []
    for sid, units in resolve_overlaps(per_source, evidence).items():
        if units:
            groups = group_passages(units, align)
            passages = tuple(to_passage(g) for g in groups)
            out.append(SourceTrace(sid, passages, has_evidence(groups, evidence)))
    return out


def _candidates(doc: Document, index: BaseIndex, st: CheckSettings) -> list:
    cands = retrieve(doc, index, k=max(st.candidates, st.max_candidates))
    if not cands:
        return []
    floor = max(st.extra_min_shared, cands[0].shared_features // 3)
    return [c for n, c in enumerate(cands) if n < st.candidates or c.shared_features >= floor]


def _as_document(article: Document | str) -> Document:
    if isinstance(article, Document):
        return article
    return Document(id="article", text=article)


def check(
    article: Document | str, index: BaseIndex, settings: CheckSettings | None = None
) -> Report:
    """Trace ``article`` to its sources in ``index`` and say what was done to it."""
    st = settings or CheckSettings()
    doc = _as_document(article)
    if not doc.text.strip():
        raise IngestError(f"{doc.id}: the article has no text")
    a_toks = tokenize(doc.text)
    a = prepare(a_toks)
    docs: dict[str, Document] = {}
    for cand in _candidates(doc, index, st):
        src = index.get(cand.doc_id)
        if src is None or (src.id == doc.id and src.text == doc.text):
            continue
        docs[src.id] = src
    sources: list[SourceMatch] = []
    for tr in trace_sources(a, {i: d.text for i, d in docs.items()}, st.align, st.sources):
        if not tr.accepted:
            continue
        cov = covered_fraction(a_toks, [p.article_span for p in tr.passages])
        score = sum(p.matched_tokens for p in tr.passages) / max(1, len(a_toks))
        sources.append(SourceMatch(doc=docs[tr.source], coverage=cov, score=score, passages=tr.passages))
    sources.sort(key=lambda s: (-s.coverage, -s.score, s.doc.id))
    covered = [p.article_span for s in sources for p in s.passages]
    coverage = covered_fraction(a_toks, covered)
    unsourced = uncovered_runs(a_toks, covered, min_words=st.min_unsourced_words)
    unsourced_share = sum(u.article_span[1] - u.article_span[0] for u in unsourced) / max(
        1, len(doc.text.strip())
    )
    findings = find_all(doc, sources, unsourced, a_toks)
    verdict = decide(sources, coverage, unsourced_share, st.verdict, findings=findings)
    return Report(
        article=doc,
        verdict=verdict,
        coverage=coverage,
        sources=tuple(sources),
        unsourced=tuple(unsourced),
        unspun_version=__version__,
        findings=findings,
    )
