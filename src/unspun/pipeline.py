"""The one place where the stages are wired: ``check(article, index) -> Report``."""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import __version__
from .align import AlignSettings, Prepared, align_units, group_passages, prepare, to_passage
from .analyze.copies import CopySettings, best_units, is_later, pick_origin, same_text_groups
from .analyze.findings import find_all
from .analyze.rarity import RaritySettings, grams, mark_stock_runs
from .analyze.sources import (
    SourceSettings,
    evidence_figures,
    has_evidence,
    reason,
    resolve_overlaps,
)
from .analyze.unsourced import covered_fraction, uncovered_runs
from .analyze.verdict import VerdictSettings, decide
from .errors import IngestError
from .models import Document, Passage, Report, SourceMatch
from .retrieve import retrieve, retrieve_lifts
from .reworded import RewordSettings, reworded_passages
from .store.base import BaseIndex
from .tokens import tokenize


@dataclass(frozen=True)
class CheckSettings:
    """``candidates`` documents are always aligned; up to ``max_candidates`` when further
    ones still share ``extra_min_shared`` features and a third of the best one's (a long
    article stitched from many sources); and up to ``lift_candidates`` documents that are
    the best match of a stretch of the article (:func:`unspun.retrieve.retrieve_lifts`: a
    sentence or two lifted from a page that shares little else with the article)."""

    candidates: int = 12
    max_candidates: int = 24
    extra_min_shared: int = 4
    lift_candidates: int = 6  # up to this many more: the best match of a stretch of the article
    min_unsourced_words: int = 4
    align: AlignSettings = field(default_factory=AlignSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    copies: CopySettings = field(default_factory=CopySettings)
    rarity: RaritySettings = field(default_factory=RaritySettings)
    reword: RewordSettings = field(default_factory=RewordSettings)
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


@dataclass(frozen=True)
class TextTrace:
    """One text an article took, as carried by one or more documents: ``members`` are the
    documents' traces (passages restricted to the article spans this text wins), the
    ``origin`` the likely first of them (earliest dated); ``later`` when every member is
    dated after the article (copies of it, or of an origin the index does not hold)."""

    origin: str
    members: tuple[SourceTrace, ...]
    accepted: bool
    evidence: dict
    later: bool = False


def trace_texts(
    article: Prepared,
    sources: Mapping[str, str],
    published: Mapping[str, str | None],
    article_published: str | None = None,
    settings: CheckSettings | None = None,
) -> list[TextTrace]:
    """Like :func:`trace_sources`, but documents carrying the same text compete as one
    text (see :mod:`unspun.analyze.copies`): the earliest dated is its origin, the others
    its copies; copies never beat each other on a span. Runs of wording that other texts
    among the candidates share too are stock phrases of the story, not evidence
    (:mod:`unspun.analyze.rarity`). Documents dated after the article are traced apart
    (``later``): they never take a span from an earlier text."""
    st = settings or CheckSettings()
    prepared = {sid: prepare(tokenize(text)) for sid, text in sources.items()}
    per_source = {}
    for sid, p in prepared.items():
        units = align_units(article, p, st.align)
        if units:
            per_source[sid] = units
    gram_sets = {sid: set(grams(p)) for sid, p in prepared.items() if sid in per_source}

    def containment(x: str, y: str) -> float:
        gx, gy = gram_sets[x], gram_sets[y]
        return len(gx & gy) / max(1, min(len(gx), len(gy)))

    groups = same_text_groups(per_source, st.copies, containment)
    group_of = {sid: n for n, g in enumerate(groups) for sid in g}
    for n, sid in enumerate(s for s in prepared if s not in group_of):
        group_of[sid] = len(groups) + n
    mark_stock_runs(article, per_source, prepared, group_of, st.rarity)
    late = {sid for sid in per_source if is_later(published.get(sid), article_published)}
    out: list[TextTrace] = []
    for later in (False, True):
        # a text is earlier when one of its documents may be; later texts compete apart
        chosen = [g for g in groups if all(m in late for m in g) == later]
        lead = {g[0]: g for g in chosen}
        winners = resolve_overlaps(
            {g[0]: [u for _, (_, u) in sorted(best_units(g, per_source).items())] for g in chosen},
            st.sources,
        )
        owner = _owners(winners)
        for key, kept in winners.items():
            sents = {u.a_sent for u in kept}
            if not sents:
                continue
            owned = {s for s in sents if owner[s] == key}
            members = []
            for sid in lead[key]:
                units = [u for u in per_source[sid] if u.a_sent in sents]
                if units:
                    g = group_passages(units, st.align)
                    mine = group_passages([u for u in units if u.a_sent in owned], st.align)
                    trace = SourceTrace(sid, tuple(to_passage(x) for x in g), has_evidence(mine, st.sources))
                    members.append((sid, g, trace))
            if not members:
                continue
            # the text's own evidence: its best unit per sentence (no member need hold it all),
            # on the sentences no other text explains as well (a sentence that two texts
            # share, such as a wire or press-release sentence both carry, is evidence for
            # the one that explains more of the article, not for both)
            text_groups = group_passages([u for u in kept if u.a_sent in owned], st.align)
            figures = evidence_figures(text_groups, st.sources)
            figures["shared_sentences"] = len(sents) - len(owned)
            accepted = has_evidence(text_groups, st.sources) or any(m[2].accepted for m in members)
            explained = {sid: sum(u.matched for x in g for u in x) for sid, g, _ in members}
            eligible = [m[0] for m in members if later or m[0] not in late]
            origin = pick_origin(eligible, published, explained)
            ordered = sorted(members, key=lambda m: (m[0] != origin, -explained[m[0]], m[0]))
            out.append(TextTrace(origin, tuple(m[2] for m in ordered), accepted, figures, later))
    return _add_reworded(article, out, per_source, prepared, st)


def _add_reworded(
    article: Prepared,
    texts: list[TextTrace],
    per_source: Mapping[str, list],
    prepared: Mapping[str, Prepared],
    st: CheckSettings,
) -> list[TextTrace]:
    """Give each accepted earlier text the article sentences reworded from its origin
    (:mod:`unspun.reworded`), strongest text first; a sentence goes to one text only."""
    accepted = [t for t in texts if t.accepted and not t.later]
    taken = {
        _sentence_of(article, p.article_span[0]) for t in accepted for m in t.members for p in m.passages
    }
    free = set(range(len(article.sent_ranges))) - taken
    out = []
    for t in texts:
        if t not in accepted or not free:
            out.append(t)
            continue
        first = t.members[0]
        spans = [p.article_span for p in first.passages]
        units = [u for u in per_source.get(first.source, []) if any(a <= u.a_span[0] < b for a, b in spans)]
        found = reworded_passages(article, prepared[first.source], units, free, st.reword)
        if not found:
            out.append(t)
            continue
        free -= {s for s, _ in found}
        passages = tuple(sorted((*first.passages, *(p for _, p in found)), key=lambda p: p.article_span))
        members = (dataclasses.replace(first, passages=passages), *t.members[1:])
        figures = {**t.evidence, "reworded_sentences": len(found)}
        out.append(dataclasses.replace(t, members=members, evidence=figures))
    return out


def _sentence_of(article: Prepared, char: int) -> int:
    i = bisect_left(article.toks.starts, char)
    return article.toks.sent[min(i, len(article.toks.sent) - 1)]


def _owners(winners: Mapping[str, list]) -> dict[int, str]:
    """Article sentence -> the text that explains it best (on a tie, the text that
    explains more of the article overall)."""
    total = {k: sum(u.matched for u in us) for k, us in winners.items()}
    owner: dict[int, tuple[int, int, str]] = {}
    for k, us in winners.items():
        for u in us:
            rank = (u.matched, total[k], k)
            if u.a_sent not in owner or rank > owner[u.a_sent]:
                owner[u.a_sent] = rank
    return {s: r[2] for s, r in owner.items()}


def _candidates(doc: Document, index: BaseIndex, st: CheckSettings) -> list:
    cands = retrieve(doc, index, k=max(st.candidates, st.max_candidates))
    if not cands:
        return []
    floor = max(st.extra_min_shared, cands[0].shared_features // 3)
    chosen = [c for n, c in enumerate(cands) if n < st.candidates or c.shared_features >= floor]
    if st.lift_candidates:
        have = {c.doc_id for c in chosen}
        lifts = [c for c in retrieve_lifts(doc, index) if c.doc_id not in have]
        chosen += lifts[: st.lift_candidates]
    return chosen


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
    docs: dict[str, Document] = {}
    for cand in _candidates(doc, index, st):
        src = index.get(cand.doc_id)
        if src is None or (src.id == doc.id and src.text == doc.text):
            continue
        docs[src.id] = src
    sources: list[SourceMatch] = []
    later_copies: list[SourceMatch] = []
    published = {i: d.published for i, d in docs.items()}
    for tt in trace_texts(a, {i: d.text for i, d in docs.items()}, published, doc.published, st):
        if not tt.accepted:
            continue
        first, *rest = tt.members
        copies = tuple(_match(docs[m.source], m.passages, a_toks) for m in rest if m.accepted)
        spans = [p.article_span for m in tt.members for p in m.passages]
        figures = {**tt.evidence, "text_coverage": round(covered_fraction(a_toks, spans), 4)}
        figures["reason"] = reason(figures, len(copies))
        match = dataclasses.replace(_match(docs[first.source], first.passages, a_toks, figures), copies=copies)
        (later_copies if tt.later else sources).append(match)
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
    )
