"""``stitched``, ``unsourced`` and passage-order ``reordered`` findings.

``stitched`` (only when two or more sources): one finding per source, on its first
passage, listing all its passages and saying how unrelated it is to the other sources:
*relatedness* is the cosine similarity of the two documents' content-word stems
(stopwords and numbers left out). Under ``UNRELATED`` (0.15) the texts are on different
subjects; from ``SAME_STORY`` (0.45) they tell the same story; in between, a related
topic. When both documents have a ``published`` date and they lie more than
``DATE_GAP_DAYS`` (60) apart, the gap is stated: a sentence from a four-year-old
statement in today's story is a strong sign of stitching.

``unsourced``: one finding per unsourced span, with ``data.role``:
``connector`` for one whole sentence of at most ``MAX_CONNECTOR_WORDS`` (25) words set
directly between passages of two *different* sources (the sentence a stitcher writes to
make unrelated texts read as one: "China refused to consider this idea."); ``inserted``
for at most two sentences directly between two passages of the same source; ``heading``
for text before the first passage without sentence-final punctuation; else ``None``.

``reordered`` (passage order): a passage taken from earlier in a source than the
article's previous passage from that same source (paragraphs moved).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from datetime import date

from ..lexicon import default_lexicon
from ..models import Document, Finding, SourceMatch, UnsourcedSpan
from ..tokens import Tokens, stem
from .textmatch import TokenCache, short, source_name, source_name_titled

UNRELATED = 0.15
SAME_STORY = 0.45
DATE_GAP_DAYS = 60
MAX_CONNECTOR_WORDS = 25


def _profile(t: Tokens) -> Counter[str]:
    lex = default_lexicon()
    return Counter(
        stem(t.base(i))
        for i in range(len(t))
        if not t.is_num[i] and len(t.norm[i]) > 2 and not lex.is_stopword(t.norm[i])
    )


def relatedness(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two stem profiles."""
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _date(d: Document) -> date | None:
    try:
        return date.fromisoformat((d.published or "")[:10])
    except ValueError:
        return None


def _gap(days: int) -> str:
    if days < 60:
        return f"{days} days"
    if days < 730:
        return f"{round(days / 30.4)} months"
    return f"{round(days / 365.25)} years"


def _relation(r: float) -> str:
    if r < UNRELATED:
        return "a different subject"
    if r < SAME_STORY:
        return "a related topic"
    return "the same story"


def stitched_findings(sources: tuple[SourceMatch, ...], cache: TokenCache) -> list[Finding]:
    if len(sources) < 2:
        return []
    profiles = {s.doc.id: _profile(cache.get(s.doc)) for s in sources}
    out = []
    for s in sources:
        others = [o for o in sources if o is not s]
        rel = {o.doc.id: round(relatedness(profiles[s.doc.id], profiles[o.doc.id]), 4) for o in others}
        closest = max(others, key=lambda o: rel[o.doc.id])
        r = rel[closest.doc.id]
        first = min(s.passages, key=lambda p: p.article_span)
        spans = ", ".join(f"{p.article_span[0]}–{p.article_span[1]}" for p in sorted(s.passages, key=lambda p: p.article_span))
        n = len(s.passages)
        detail = (
            f"{'Passage' if n == 1 else f'{n} passages'} ({spans}; {s.coverage:.0%} of the article) "
            f"from {source_name_titled(s.doc)}"
            + f". Closest other source: {source_name(closest.doc)}, relatedness {r:.2f} ({_relation(r)})"
        )
        gaps = {}
        d0 = _date(s.doc)
        for o in others:
            d1 = _date(o.doc)
            if d0 and d1:
                gaps[o.doc.id] = (d1 - d0).days
        far = [(o, gaps[o.doc.id]) for o in others if o.doc.id in gaps and abs(gaps[o.doc.id]) > DATE_GAP_DAYS]
        if far and len(far) == len(gaps):
            o, g = min(far, key=lambda x: abs(x[1]))
            when = "before" if g > 0 else "after"
            detail += f"; published {_gap(abs(g))} {when} {source_name(o.doc)}"
        out.append(Finding(
            kind="stitched",
            article_span=first.article_span,
            source_doc=s.doc.id,
            source_span=first.source_span,
            detail=detail + ".",
            data={
                "passages": [list(p.article_span) for p in sorted(s.passages, key=lambda p: p.article_span)],
                "coverage": round(s.coverage, 4),
                "relatedness": rel,
                "days_apart": gaps,
            },
        ))
    return out


def _whole_sentence(a: Tokens, span: tuple[int, int], text: str) -> bool:
    first, stop = bisect_left(a.starts, span[0]), bisect_left(a.starts, span[1])
    if first >= stop or (first > 0 and a.sent[first - 1] == a.sent[first]):
        return False
    return text.rstrip("\"'”’»)").endswith((".", "!", "?"))


def unsourced_findings(
    a: Tokens, unsourced: tuple[UnsourcedSpan, ...], sources: tuple[SourceMatch, ...]
) -> list[Finding]:
    items: list[tuple[tuple[int, int], SourceMatch | None]] = sorted(
        [(p.article_span, s) for s in sources for p in s.passages]
        + [(u.article_span, None) for u in unsourced],
        key=lambda x: x[0],
    )
    if not sources and unsourced:
        # an article with no source at all: one finding says so, not one per paragraph
        ranges = [(bisect_left(a.starts, u.article_span[0]), bisect_left(a.starts, u.article_span[1])) for u in unsourced]
        words = sum(t1 - t0 for t0, t1 in ranges)
        span = (unsourced[0].article_span[0], unsourced[-1].article_span[1])
        return [Finding(
            kind="unsourced", article_span=span,
            detail=f"No indexed source explains any part of the article ({words} words in "
                   f"{len(unsourced)} {'span' if len(unsourced) == 1 else 'spans'}).",
            data={"words": words, "sentences": len({a.sent[i] for t0, t1 in ranges for i in range(t0, t1)}),
                  "role": "whole", "after": None, "before": None, "spans": len(unsourced)},
        )]
    # positions looked up once (the loop below stays linear in the article's length)
    where: dict[tuple[int, int], int] = {}
    for k, (span, src) in enumerate(items):
        if src is None:
            where.setdefault(span, k)
    with_source = [k for k, (_, src) in enumerate(items) if src is not None]
    first_source = with_source[0] if with_source else len(items)
    last_source = with_source[-1] if with_source else -1
    out = []
    for u in unsourced:
        u0, u1 = u.article_span
        k = where[u.article_span]
        prev = items[k - 1][1] if k > 0 else None
        nxt = items[k + 1][1] if k + 1 < len(items) else None
        t0, t1 = bisect_left(a.starts, u0), bisect_left(a.starts, u1)
        words = t1 - t0
        sentences = len(set(a.sent[t0:t1]))
        role = None
        quoted = f"“{short(u.text, 100)}”"
        detail = f"No indexed source explains these {words} words: {quoted}."
        if (prev and nxt and prev.doc.id != nxt.doc.id and sentences == 1
                and words <= MAX_CONNECTOR_WORDS and _whole_sentence(a, u.article_span, u.text)):
            role = "connector"
            detail = (f"No source for {quoted} ({words} words), set between a passage from "
                      f"{source_name(prev.doc)} and one from {source_name(nxt.doc)}: possibly an "
                      f"invented sentence joining two unrelated texts.")
        elif prev and nxt and prev.doc.id == nxt.doc.id and sentences <= 2:
            role = "inserted"
            detail = (f"No source for {quoted} ({words} words), between two passages from "
                      f"{source_name(prev.doc)}: the publisher's own words, or a rewrite too heavy to align.")
        elif (k <= first_source and last_source >= k
              and not any(c in u.text for c in ".!?")):
            role = "heading"
            detail = f"No source for the opening lines (headline or byline): {quoted}."
        out.append(Finding(
            kind="unsourced", article_span=u.article_span, detail=detail,
            data={"words": words, "sentences": sentences, "role": role,
                  "after": prev.doc.id if prev else None, "before": nxt.doc.id if nxt else None},
        ))
    return out


def passage_order_findings(sources: tuple[SourceMatch, ...]) -> list[Finding]:
    out = []
    for s in sources:
        ps = sorted(s.passages, key=lambda p: p.article_span)
        for prev, p in zip(ps, ps[1:], strict=False):
            if p.source_span[0] < prev.source_span[0]:
                out.append(Finding(
                    kind="reordered", article_span=p.article_span, source_doc=s.doc.id,
                    source_span=p.source_span,
                    detail=(f"Paragraph order changed: this passage comes from earlier in "
                            f"{source_name(s.doc)} (characters {p.source_span[0]}–{p.source_span[1]}) "
                            f"than the passage before it in the article "
                            f"({prev.source_span[0]}–{prev.source_span[1]})."),
                    data={"scope": "passages", "previous_article_span": list(prev.article_span),
                          "previous_source_span": list(prev.source_span)},
                ))
    return out
