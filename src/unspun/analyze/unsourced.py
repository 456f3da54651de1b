"""Spans of the article that no source explains."""

from __future__ import annotations

from bisect import bisect_left

from ..models import UnsourcedSpan
from ..tokens import Tokens

_TRAILING = set(".!?,;:\"'”’)»")


def uncovered_runs(
    toks: Tokens, covered: list[tuple[int, int]], *, min_words: int = 4
) -> list[UnsourcedSpan]:
    """Runs of at least ``min_words`` tokens outside every covered span, split at paragraphs."""
    spans = sorted(covered)
    n = len(toks)
    free = [True] * n
    ci = 0
    for i in range(n):
        s = toks.starts[i]
        while ci < len(spans) and spans[ci][1] <= s:
            ci += 1
        # a token is covered when it lies inside any covered span
        for a, b in spans[ci : ci + 4]:
            if a <= s < b:
                free[i] = False
                break
    out: list[UnsourcedSpan] = []
    text = toks.text
    i = 0
    while i < n:
        if not free[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and free[j + 1] and "\n\n" not in text[toks.ends[j] : toks.starts[j + 1]].replace(" ", ""):
            j += 1
        if j - i + 1 >= min_words:
            start, end = toks.starts[i], toks.ends[j]
            while end < len(text) and text[end] in _TRAILING:
                end += 1
            out.append(UnsourcedSpan((start, end), text[start:end]))
        i = j + 1
    return out


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same positions as ``spans``."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if a >= b:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def covered_fraction(toks: Tokens, covered: list[tuple[int, int]]) -> float:
    """Share of the article's tokens that lie inside the covered spans (the merged spans
    are disjoint: two binary searches of the token starts each)."""
    if not len(toks):
        return 0.0
    starts = toks.starts  # ascending
    hit = sum(bisect_left(starts, b) - bisect_left(starts, a) for a, b in _union(covered))
    return hit / len(toks)
