"""How likely is shared wording to arise independently? Stock phrases of a story weigh nothing.

Reports of one event share wording without copying: the tally, the official title, the
statute's name, the agency's background sentence that every outlet repeats. The candidates
retrieved for an article are mostly such same-story pages, so they are the best sample of
what "anyone writing this story" says. A run of copied words (an evidence run of the
aligner) that also occurs in two or more *other* texts among the candidates (documents
carrying the same text as the candidate count once) is **stock wording** for the story:
it is reported, but it is not evidence that the article copied this candidate.

A run "occurs" in a document when at least ``min_found`` of its word 4-grams (on stems, so
inflection does not hide it) are among the document's 4-grams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..align import Prepared, Unit

GRAM = 4


@dataclass(frozen=True)
class RaritySettings:
    max_spread: int = 2
    min_found: float = 0.5


def grams(p: Prepared, start: int = 0, end: int | None = None) -> list[int]:
    """Hashes of the word 4-grams (stems) of a token range."""
    st = p.stems
    end = len(st) if end is None else end
    return [hash(tuple(st[i : i + GRAM])) for i in range(start, max(start, end - GRAM + 1))]


def mark_stock_runs(
    article: Prepared,
    per_source: Mapping[str, Sequence[Unit]],
    gram_sets: Mapping[str, set[int]],
    group_of: Mapping[str, int],
    st: RaritySettings | None = None,
) -> None:
    """Set ``unit.stock`` (tokens of stock runs) on every unit of ``per_source``;
    ``gram_sets`` holds the word 4-grams (:func:`grams`) of every candidate, aligned or not."""
    st = st or RaritySettings()
    cache: dict[tuple[int, int], set[int]] = {}
    for sid, units in per_source.items():
        for u in units:
            stock = 0
            for run in u.runs:
                if run not in cache:
                    gs = grams(article, *run)
                    need = max(1, int(st.min_found * len(gs) + 0.999))
                    cache[run] = {
                        group_of[o]
                        for o, have in gram_sets.items()
                        if gs and sum(g in have for g in gs) >= need
                    }
                others = cache[run] - {group_of[sid]}
                if len(others) >= st.max_spread:
                    stock += run[1] - run[0]
            u.stock = stock
