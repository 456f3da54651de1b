"""Sentences reworded from a source already proven: the part of a rewrite that shares no run.

A newsroom or AI rewrite, a translation round trip or a heavy spinner keeps the facts and the
order of a story but few of its word sequences. Once the evidence rule has accepted a source
(on the sentences that kept their wording), the article's remaining sentences are compared
with that source's sentences on content keys (a word's synonym class, numbers as written,
see :mod:`unspun.align`). A sentence is **reworded** from a source sentence when

* they share at least ``min_shared`` content keys and their Dice coefficient
  (2 * shared / (keys of one + keys of the other)) is at least ``min_dice``;
* the source sentence lies where the order of the copy says it should: between the source
  positions of the copied passages before and after it, give or take ``slack`` sentences
  (rewrites keep the order of the facts; independent reports order them their own way).

This runs only against sources accepted on other evidence: sharing content words is what
independent reports of one event do too, so it never makes a document a source. A reworded
passage carries no token edits (its words were rewritten, there is nothing to classify);
its ``similarity`` is the Dice coefficient.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .align import Prepared, Unit
from .models import Passage


@dataclass(frozen=True)
class RewordSettings:
    min_dice: float = 0.4
    min_shared: int = 4
    slack: int = 2


def _content_keys(p: Prepared) -> list[set[str]]:
    return [{p.keys[t] for t in range(a, b) if p.content[t]} for a, b in p.sent_ranges]


def reworded_passages(
    article: Prepared,
    source: Prepared,
    units: list[Unit],
    free: set[int],
    st: RewordSettings | None = None,
) -> list[tuple[int, Passage]]:
    """(article sentence, passage) for the sentences of ``free`` reworded from ``source``;
    ``units`` are the copied units aligned with ``source`` (they anchor the order)."""
    st = st or RewordSettings()
    if not units:
        return []
    a_keys, d_keys = _content_keys(article), _content_keys(source)
    anchors = sorted((u.a_sent, u.d_first, u.d_last) for u in units)
    a_pos = [x[0] for x in anchors]
    n_d = len(source.sent_ranges)
    out: list[tuple[int, Passage]] = []
    used: set[int] = {j for _, f, last in anchors for j in range(f, last + 1)}
    for s in sorted(free):
        ks = a_keys[s]
        if len(ks) < st.min_shared:
            continue
        before = bisect_left(a_pos, s) - 1
        after = bisect_right(a_pos, s)
        lo = anchors[before][2] - st.slack if before >= 0 else 0
        hi = anchors[after][1] + st.slack if after < len(anchors) else n_d - 1
        best = None
        for j in range(max(0, lo), min(n_d - 1, hi) + 1):
            if j in used:
                continue
            shared = len(ks & d_keys[j])
            if shared < st.min_shared:
                continue
            dice = 2 * shared / (len(ks) + len(d_keys[j]))
            if dice >= st.min_dice and (best is None or dice > best[0]):
                best = (dice, j)
        if best is None:
            continue
        dice, j = best
        used.add(j)
        a0, a1 = article.sent_ranges[s]
        d0, d1 = source.sent_ranges[j]
        out.append(
            (
                s,
                Passage(
                    article_span=article.toks.span(a0, a1),
                    source_span=source.toks.span(d0, d1),
                    similarity=round(dice, 4),
                    matched_tokens=0,
                    kind="reworded",
                ),
            )
        )
    return out
