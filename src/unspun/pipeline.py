"""The one place where the stages are wired: ``check(article, index) -> Report``."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import __version__
from .align import AlignSettings, align_units, group_passages, prepare, to_passage
from .analyze.findings import find_all
from .analyze.sources import SourceSettings, has_evidence, resolve_overlaps
from .analyze.unsourced import covered_fraction, uncovered_runs
from .analyze.verdict import VerdictSettings, decide
from .errors import IngestError
from .models import Document, Report, SourceMatch
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
    per_source = {}
    docs = {}
    for cand in _candidates(doc, index, st):
        src = index.get(cand.doc_id)
        if src is None or (src.id == doc.id and src.text == doc.text):
            continue
        units = align_units(a, prepare(tokenize(src.text)), st.align)
        if units:
            per_source[src.id] = units
            docs[src.id] = src
    per_source = resolve_overlaps(per_source, st.sources)
    sources: list[SourceMatch] = []
    for sid, units in per_source.items():
        groups = group_passages(units, st.align)
        if not units or not has_evidence(groups, st.sources):
            continue
        passages = tuple(to_passage(g) for g in groups)
        cov = covered_fraction(a_toks, [p.article_span for p in passages])
        score = sum(p.matched_tokens for p in passages) / max(1, len(a_toks))
        sources.append(SourceMatch(doc=docs[sid], coverage=cov, score=score, passages=passages))
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
