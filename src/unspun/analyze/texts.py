"""Which texts an article took: candidates aligned, grouped into texts, decided on evidence.

:func:`trace_sources` aligns an article with candidate sources and applies the evidence
rule to each (the crawl scan uses it pair by pair). :func:`trace_texts` is what ``check``
uses: documents carrying the same text compete as one text and the earliest dated is its
origin (:mod:`.copies`), stock wording of the story is not evidence (:mod:`.rarity`), a
sentence two texts explain counts for the one that explains it best, documents dated after
the article are traced apart, and sentences reworded from an accepted source are added
(:mod:`unspun.reworded`).
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..align import AlignSettings, Prepared, align_units, group_passages, prepare, to_passage
from ..models import Passage
from ..reworded import RewordSettings, reworded_passages
from ..tokens import tokenize
from .copies import CopySettings, best_units, is_later, pick_origin, same_text_groups
from .rarity import RaritySettings, grams, mark_stock_runs
from .sources import SourceSettings, evidence_figures, has_evidence, resolve_overlaps


@dataclass(frozen=True)
class _Settings:
    align: AlignSettings
    sources: SourceSettings
    copies: CopySettings
    rarity: RaritySettings
    reword: RewordSettings


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
    scan drops boilerplate this way); a ``skip`` with a ``many(texts)`` method (one answer
    per text) is asked once for all of them. Sources that align nothing, or whose units are all
    beaten by a stronger source on the same spans, are left out; the rest keep the given order.
    """
    align = align or AlignSettings()
    # no sample of same-story texts here to tell stock wording: a lifted clause inside a
    # sentence of the article's own (a shared footer, an agency's boilerplate) proves nothing
    evidence = dataclasses.replace(evidence or SourceSettings(), min_lift_run=0)
    a = prepare(tokenize(article)) if isinstance(article, str) else article
    text = a.toks.text
    per_source = {}
    for sid, stext in sources.items():
        units = align_units(a, prepare(tokenize(stext)), align)
        if units:
            per_source[sid] = units
    if skip is not None and per_source:
        # each distinct span is tested once (the same article sentence aligns with several
        # sources), all of them in one call when ``skip`` has ``many(texts)``
        spans = list(dict.fromkeys(u.a_span for units in per_source.values() for u in units))
        texts = [text[s:e] for s, e in spans]
        many = getattr(skip, "many", None)
        flags = many(texts) if many is not None else [skip(t) for t in texts]
        dropped = {span for span, f in zip(spans, flags, strict=True) if f}
        if dropped:
            per_source = {
                sid: kept for sid, units in per_source.items()
                if (kept := [u for u in units if u.a_span not in dropped])
            }
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
    *,
    align: AlignSettings | None = None,
    evidence: SourceSettings | None = None,
    copies: CopySettings | None = None,
    rarity: RaritySettings | None = None,
    reword: RewordSettings | None = None,
) -> list[TextTrace]:
    """Like :func:`trace_sources`, but documents carrying the same text compete as one
    text (see :mod:`unspun.analyze.copies`): the earliest dated is its origin, the others
    its copies; copies never beat each other on a span. Runs of wording that other texts
    among the candidates share too are stock phrases of the story, not evidence
    (:mod:`unspun.analyze.rarity`). Documents dated after the article are traced apart
    (``later``): they never take a span from an earlier text."""
    st = _Settings(
        align or AlignSettings(), evidence or SourceSettings(), copies or CopySettings(),
        rarity or RaritySettings(), reword or RewordSettings(),
    )
    prepared = {sid: prepare(tokenize(text)) for sid, text in sources.items()}
    per_source = {}
    for sid, p in prepared.items():
        units = align_units(article, p, st.align)
        if units:
            per_source[sid] = units
    gram_sets = {sid: set(grams(p)) for sid, p in prepared.items()}

    def containment(x: str, y: str) -> float:
        gx, gy = gram_sets[x], gram_sets[y]
        return len(gx & gy) / max(1, min(len(gx), len(gy)))

    groups = same_text_groups(per_source, st.copies, containment)
    group_of = {sid: n for n, g in enumerate(groups) for sid in g}
    for n, sid in enumerate(s for s in prepared if s not in group_of):
        group_of[sid] = len(groups) + n
    mark_stock_runs(article, per_source, gram_sets, group_of, st.rarity)
    late = {sid for sid in per_source if is_later(published.get(sid), article_published)}
    out: list[TextTrace] = []
    for later in (False, True):
        # a text is earlier when one of its documents may be; later texts compete apart
        chosen = [g for g in groups if all(m in late for m in g) == later]
        lead = {g[0]: g for g in chosen}
        best = {g[0]: best_units(g, per_source) for g in chosen}
        member_of = {id(u): sid for b in best.values() for sid, u in b.values()}
        winners = resolve_overlaps(
            {key: [u for _, (_, u) in sorted(b.items())] for key, b in best.items()},
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
            # passages are grouped per document (their source-side order is that document's)
            text_groups = [
                g for sid in lead[key]
                for g in group_passages([u for u in kept if u.a_sent in owned and member_of[id(u)] == sid], st.align)
            ]
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
    st: _Settings,
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
