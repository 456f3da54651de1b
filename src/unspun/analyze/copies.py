"""Copies of one text: dates decide direction, the earliest copy is the likely origin.

The same wire story lives on many sites. When the index holds several pages carrying the
text an article took, they must not count as several sources (that made reprints look
"stitched"), and the strongest copy must not hide the origin. So:

* **Direction.** A document whose ``published`` date is later than the article's cannot be
  its source (:func:`is_later`). It is traced apart and reported as a *later copy*: it may
  have copied the article, or both may come from an origin the index does not hold.
* **Same text.** Two candidates carry the same text when they explain largely the same
  article sentences about as well (:func:`same_text_groups`: at least ``min_shared``
  sentences, ``min_overlap`` of the smaller one's and ``min_of_larger`` of the larger one's)
  and the shorter of the two documents is mostly found in the other
  (``min_containment_docs`` of its word 4-grams). Each group competes for article spans as one
  text (its best unit per sentence), so copies never beat each other.
* **Origin.** Within a group the earliest dated member is the likely origin
  (:func:`pick_origin`); undated members cannot be placed, and when no member is dated the
  one explaining most of the article leads. The others are listed as its copies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..align import Unit


@dataclass(frozen=True)
class CopySettings:
    min_shared: int = 2  # article sentences both explain
    min_overlap: float = 0.6  # of the smaller one's explained sentences
    min_of_larger: float = 0.3  # ... and of the larger one's
    min_match_ratio: float = 0.8  # words matched on the shared sentences, weaker / stronger
    min_containment_docs: float = 0.3  # the shorter document's 4-grams found in the other
    min_containment: float = 0.5  # a sentence counts as explained from this share matched


def is_later(doc_published: str | None, article_published: str | None, slack_days: int = 2) -> bool:
    """True when both dates are known (``YYYY-MM-DD``) and the document's is more than
    ``slack_days`` later: page dates are often a day off (time zones) or the date of a
    later update, so a document dated a day or two after the article may still be its source."""
    a, d = _date(article_published), _date(doc_published)
    if a is None or d is None:
        return False
    return (d - a).days > slack_days


def _date(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _explained(units: Sequence[Unit], st: CopySettings) -> set[int]:
    return {u.a_sent for u in units if u.containment >= st.min_containment}


def same_text_groups(
    per_source: Mapping[str, Sequence[Unit]],
    st: CopySettings | None = None,
    containment: Callable[[str, str], float] | None = None,
) -> list[list[str]]:
    """Candidates grouped by the text they carry (single-member groups included), in the
    order of their first member in ``per_source``. ``containment(x, y)`` (the share of the
    shorter document's wording found in the other) must reach ``min_containment_docs``
    too when given: two pages that quote the same press release explain the same article
    sentences without being copies of one text."""
    st = st or CopySettings()
    ids = list(per_source)
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    explained = {i: _explained(per_source[i], st) for i in ids}
    matched = {i: {u.a_sent: u.matched for u in per_source[i]} for i in ids}
    for n, x in enumerate(ids):
        for y in ids[n + 1 :]:
            ex, ey = explained[x], explained[y]
            shared = ex & ey
            small, large = sorted((len(ex), len(ey)))
            if len(shared) < max(st.min_shared, st.min_overlap * small) or len(shared) < st.min_of_larger * large:
                continue
            mx = sum(matched[x][s] for s in shared)
            my = sum(matched[y][s] for s in shared)
            if min(mx, my) < st.min_match_ratio * max(mx, my):
                continue
            if containment is None or containment(x, y) >= st.min_containment_docs:
                parent[find(y)] = find(x)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def best_units(members: Sequence[str], per_source: Mapping[str, Sequence[Unit]]) -> dict[int, tuple[str, Unit]]:
    """Per article sentence, the group member that matches it best, with its unit."""
    best: dict[int, tuple[str, Unit]] = {}
    for sid in members:
        for u in per_source[sid]:
            got = best.get(u.a_sent)
            if got is None or u.matched > got[1].matched:
                best[u.a_sent] = (sid, u)
    return best


def pick_origin(
    members: Sequence[str], published: Mapping[str, str | None], explained: Mapping[str, float]
) -> str:
    """The earliest dated member among those explaining at least half as much of the article
    as the best one; the best one when none of those is dated."""
    top = max(explained.get(m, 0.0) for m in members)
    strong = [m for m in members if explained.get(m, 0.0) >= 0.5 * top]
    dated = [m for m in strong if _date(published.get(m)) is not None]
    if dated:
        return min(dated, key=lambda m: (_date(published[m]), -explained.get(m, 0.0), m))
    return max(strong, key=lambda m: (explained.get(m, 0.0), m))
