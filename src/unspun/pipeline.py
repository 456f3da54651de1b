"""The one place where the stages are wired: ``check(article, index) -> Report``.

retrieve (whole article and stretches; with the semantic layer, also the documents
nearest the article's vector) -> align and decide which texts the article took
(:mod:`unspun.analyze.texts`) -> rewritten sentences and cross-language sources
(:mod:`unspun.analyze.rewrites`, semantic layer only) -> unsourced spans -> findings ->
verdict -> report.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .align import AlignSettings, prepare
from .analyze.copies import CopySettings
from .analyze.findings import find_all
from .analyze.rarity import RaritySettings
from .analyze.rewrites import SemanticSettings, add_rewrites
from .analyze.sources import SourceSettings, reason
from .analyze.texts import SourceTrace, TextTrace, trace_sources, trace_texts
from .analyze.unsourced import covered_fraction, uncovered_runs
from .analyze.verdict import VerdictSettings, decide
from .errors import IngestError
from .models import Document, Passage, Report, SourceMatch
from .retrieve import retrieve, retrieve_lifts, retrieve_with_lifts
from .reworded import RewordSettings
from .store.base import BaseIndex
from .tokens import tokenize

__all__ = ["CheckSettings", "SourceTrace", "TextTrace", "check", "trace_sources", "trace_texts"]


@dataclass(frozen=True)
class CheckSettings:
    """``candidates`` documents are always aligned; up to ``max_candidates`` when further
    ones still share ``extra_min_shared`` features and a third of the best one's (a long
    article stitched from many sources); and up to ``lift_candidates`` documents that are
    the best match of a stretch of the article (:func:`unspun.retrieve.retrieve_with_lifts`: a
    sentence or two lifted from a page that shares little else with the article).

    Retrieval ranks *texts* (``group_copies``): documents carrying the same text as far as
    the article's features show count once, so copies of one source do not use up the
    budget. The budget counts texts; the first ``candidates`` documents as ranked one by one
    (copies among them) then fill the room left up to ``max_candidates`` (they decide the
    likely origin and the copies listed in the report); a lift that is a copy of a text
    chosen is not aligned again."""

    candidates: int = 12
    max_candidates: int = 24
    extra_min_shared: int = 4
    lift_candidates: int = 6  # up to this many more: the best match of a stretch of the article
    group_copies: bool = True  # rank documents carrying the same text once (retrieve's copies)
    min_unsourced_words: int = 4
    align: AlignSettings = field(default_factory=AlignSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    copies: CopySettings = field(default_factory=CopySettings)
    rarity: RaritySettings = field(default_factory=RaritySettings)
    reword: RewordSettings = field(default_factory=RewordSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    #: the semantic layer (:mod:`unspun.semantic`): used when True, the extra is installed
    #: and the index holds sentence vectors; the report says which (``Report.semantic``)
    use_semantic: bool = True
    semantic: SemanticSettings = field(default_factory=SemanticSettings)


def _semantic(doc: Document, index: BaseIndex, st: CheckSettings) -> tuple[dict, object | None]:
    """(the report's ``semantic`` block, the article's vectors when the layer is on)."""
    from .semantic import status

    state = status(index) if st.use_semantic else "off: turned off in the check settings"
    if state != "on":
        return {"status": state, "article_language": None}, None
    from .semantic.vectors import embed_texts

    vecs = embed_texts([doc.text])[0]
    return {"status": "on", "article_language": vecs.lang}, vecs


def _candidates(doc: Document, index: BaseIndex, st: CheckSettings) -> list[str]:
    """The ids of the documents to align, in order: the texts chosen, their copies, lifts."""
    k = max(st.candidates, st.max_candidates)
    if st.lift_candidates and st.group_copies:
        cands, lifts = retrieve_with_lifts(doc, index, k=k)
    else:
        cands, lifts = retrieve(doc, index, k=k, copies=st.group_copies), []
        if st.lift_candidates:
            lifts = retrieve_lifts(doc, index)
    if not cands:
        return []
    floor = max(st.extra_min_shared, cands[0].shared_features // 3)
    chosen = [c for n, c in enumerate(cands) if n < st.candidates or c.shared_features >= floor]
    picked = list(chosen)
    # then the first `candidates` documents as ranked one by one (the texts' copies among
    # them), as many as the budget has room for
    docs = sorted((d for c in chosen for d in (c, *c.copies)), key=lambda d: (d.rank is None, d.rank or 0))
    room = max(st.max_candidates, len(picked)) - len(picked)
    have = {c.doc_id for c in picked}
    for n, d in enumerate(docs):
        if room <= 0 or n >= st.candidates:
            break
        if d.doc_id not in have:
            picked.append(d)
            have.add(d.doc_id)
            room -= 1
    # aligned in the order of the documents' own ranking (texts' copies compete by it)
    picked.sort(key=lambda d: (d.rank is None, d.rank or 0))
    wanted = [d.doc_id for d in picked]
    # a lift that is a copy of a text chosen adds nothing its text's documents do not
    known = have | {x.doc_id for c in chosen for x in c.copies}
    return wanted + [c.doc_id for c in lifts if c.doc_id not in known][: st.lift_candidates]


def candidate_ids(
    doc: Document, index: BaseIndex, st: CheckSettings, article_vectors: Any | None = None
) -> list[str]:
    """Every document ``check`` aligns with ``doc``, in order: the lexical candidates
    (:func:`_candidates`), then, when the article's sentence vectors are given, the
    documents whose vectors are nearest its own."""
    wanted = _candidates(doc, index, st)
    if article_vectors is not None:
        near = index.nearest(article_vectors.vec, st.semantic.candidates)
        wanted += [i for i, _ in near if i not in wanted]
    return wanted


def _match(doc: Document, passages: tuple[Passage, ...], a_toks, evidence: dict | None = None) -> SourceMatch:
    cov = covered_fraction(a_toks, [p.article_span for p in passages])
    score = sum(p.matched_tokens for p in passages) / max(1, len(a_toks))
    return SourceMatch(doc=doc, coverage=cov, score=score, passages=passages, evidence=dict(evidence or {}))


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
    semantic, a_vecs = _semantic(doc, index, st)
    docs: dict[str, Document] = {}
    for doc_id in candidate_ids(doc, index, st, a_vecs):
        src = index.get(doc_id)
        if src is None or (src.id == doc.id and src.text == doc.text):
            continue
        docs[src.id] = src
    sources: list[SourceMatch] = []
    later_copies: list[SourceMatch] = []
    published = {i: d.published for i, d in docs.items()}
    texts = trace_texts(
        a, {i: d.text for i, d in docs.items()}, published, doc.published,
        align=st.align, evidence=st.sources, copies=st.copies, rarity=st.rarity, reword=st.reword,
    )
    for tt in texts:
        if not tt.accepted:
            continue
        first, *rest = tt.members
        copies = tuple(_match(docs[m.source], m.passages, a_toks) for m in rest if m.accepted)
        spans = [p.article_span for m in tt.members for p in m.passages]
        figures = {**tt.evidence, "text_coverage": round(covered_fraction(a_toks, spans), 4)}
        figures["reason"] = reason(figures, len(copies))
        match = dataclasses.replace(_match(docs[first.source], first.passages, a_toks, figures), copies=copies)
        (later_copies if tt.later else sources).append(match)
    if a_vecs is not None:
        sources = add_rewrites(doc, a_vecs, sources, docs, index.vectors(list(docs)), a_toks, st.semantic)
    later_copies.sort(key=lambda s: (-s.evidence["text_coverage"], s.doc.id))
    sources.sort(key=lambda s: (-s.evidence["text_coverage"], -s.score, s.doc.id))
    # what each text adds to the stronger ones: a page that repeats another source's
    # spans (a spun copy of the same wire text) does not make the article stitched
    seen: list[tuple[int, int]] = []
    for s in sources:
        spans = [p.article_span for m in (s, *s.copies) for p in m.passages]
        before = covered_fraction(a_toks, seen) if seen else 0.0
        seen += spans
        s.evidence["adds_coverage"] = round(max(0.0, covered_fraction(a_toks, seen) - before), 4)
    covered = [p.article_span for s in sources for m in (s, *s.copies) for p in m.passages]
    coverage = covered_fraction(a_toks, covered)
    unsourced = uncovered_runs(a_toks, covered, min_words=st.min_unsourced_words)
    unsourced_share = sum(u.article_span[1] - u.article_span[0] for u in unsourced) / max(
        1, len(doc.text.strip())
    )
    findings = find_all(doc, sources, unsourced, a_toks)
    words = sum(1 for w in a_toks.norm if any(ch.isalnum() for ch in w))
    verdict = decide(
        sources, coverage, unsourced_share, st.verdict, findings=findings, words=words, text=doc.text
    )
    return Report(
        article=doc,
        verdict=verdict,
        coverage=coverage,
        sources=tuple(sources),
        unsourced=tuple(unsourced),
        unspun_version=__version__,
        findings=findings,
        later_copies=tuple(later_copies),
        semantic=semantic,
    )
