"""Cut a text into runs that each carry the set of layers (passage, edit, finding…) over them.

The HTML report renders every run as one ``<span>`` with the classes of its layers, so
overlapping layers (an edit inside a passage, a finding over both) need no nesting.
A zero-length layer (where the copier dropped words) becomes a marker run with no text.
Runs are computed with one sweep over the boundaries: linear in text and layers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Layer:
    start: int
    end: int
    classes: tuple[str, ...]
    title: str | None = None
    priority: int = 0  # the title of the highest-priority layer wins
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass
class Run:
    text: str
    classes: list[str] = field(default_factory=list)
    title: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    marker: bool = False
    id: str | None = None
    start: int = 0

    @property
    def cls(self) -> str:
        return " ".join(self.classes)


def _merge(layers: list[Layer]) -> tuple[list[str], str | None, dict[str, str]]:
    classes: list[str] = []
    attrs: dict[str, str] = {}
    title, best = None, None
    for layer in sorted(layers, key=lambda x: x.priority):
        for c in layer.classes:
            if c not in classes:
                classes.append(c)
        attrs.update(layer.attrs)
        if layer.title and (best is None or layer.priority >= best):
            title, best = layer.title, layer.priority
    return classes, title, attrs


def runs(text: str, layers: list[Layer], lo: int = 0, hi: int | None = None) -> list[Run]:
    """Runs covering ``text[lo:hi]``; layers are clipped to that window."""
    hi = len(text) if hi is None else hi
    opening: dict[int, list[Layer]] = defaultdict(list)
    closing: dict[int, list[Layer]] = defaultdict(list)
    points: dict[int, list[Layer]] = defaultdict(list)
    cuts = {lo, hi}
    for layer in layers:
        a, b = max(layer.start, lo), min(layer.end, hi)
        if layer.start == layer.end:
            if lo <= layer.start <= hi:
                points[layer.start].append(layer)
                cuts.add(layer.start)
            continue
        if a >= b:
            continue
        opening[a].append(layer)
        closing[b].append(layer)
        cuts.update((a, b))
    bounds = sorted(cuts)
    out: list[Run] = []
    active: list[Layer] = []
    for k, a in enumerate(bounds):
        for layer in closing.get(a, ()):
            active.remove(layer)
        active.extend(opening.get(a, ()))
        if a in points:
            classes, title, attrs = _merge(points[a])
            out.append(Run("", classes + ["mark-point"], title, attrs, marker=True, start=a))
        if k + 1 < len(bounds):
            b = bounds[k + 1]
            classes, title, attrs = _merge(active)
            out.append(Run(text[a:b], classes, title, attrs, start=a))
    return out


def windows(spans: list[tuple[int, int]], n: int, context: int) -> list[tuple[int, int]]:
    """Merged ``[start - context, end + context]`` windows, widened to whole lines when near."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        a, b = max(0, a - context), min(n, b + context)
        if out and a <= out[-1][1] + context // 2:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
