"""Reuse families (connected components of accepted pairs) and inferred origins.

Both engines call these functions on the accepted passages (small next to the crawl).

*Origin of a passage*: the passages of the copy that overlap it (by half the shorter one)
name its direct sources; each source's own copied passages over the source span are
followed back (a farm copying a farm leads to the wire story). The earliest published
document reached is the origin. ``origin_status`` says how sure the order is:

``dated``           one document is the earliest dated one and every document compared is dated
``tie``             several share the earliest time (a date without a time: the same day);
                    the smallest document id is named
``partly-undated``  the earliest dated one is named, but an undated document took part
``undated``         no date at all: the order is by document id only
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .rows import order_key

MAX_DEPTH = 64


@dataclass(frozen=True)
class DocMeta:
    id: str
    site: str | None
    date: str | None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        p = self.parent.setdefault(x, x)
        root = x
        while p != root:
            root, p = p, self.parent[p]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _overlaps(s1: int, e1: int, s2: int, e2: int) -> bool:
    ov = min(e1, e2) - max(s1, s2)
    return ov > 0 and 2 * ov >= min(e1 - s1, e2 - s2)


def same_time(d1: str | None, d2: str | None) -> bool:
    """Equal stamps, or the same day when either is a date without a time."""
    if d1 is None or d2 is None:
        return False
    if len(d1) == 10 or len(d2) == 10:
        return d1[:10] == d2[:10]
    return d1 == d2


def pick_origin(dids: Iterable[int], meta: Mapping[int, DocMeta]) -> tuple[int, str]:
    """The earliest published of ``dids`` and the status of that choice (module docstring)."""
    ds = sorted(set(dids), key=lambda d: order_key(meta[d].date, meta[d].id))
    first = meta[ds[0]]
    if first.date is None:
        return ds[0], "undated"
    if len(ds) > 1 and same_time(first.date, meta[ds[1]].date):
        return ds[0], "tie"
    if any(meta[d].date is None for d in ds):
        return ds[0], "partly-undated"
    return ds[0], "dated"


def build_families(
    passages: list[dict[str, Any]], meta: Mapping[int, DocMeta]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(family rows, one per document; origin rows, one per accepted passage).

    ``passages`` are accepted alignment rows (keys a, b, pair, passage, b_start, b_end,
    a_start, a_end). Family ids are the smallest document number in the family.
    """
    uf = _UnionFind()
    by_copy: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in passages:
        uf.union(p["a"], p["b"])
        by_copy[p["b"]].append(p)
    memo: dict[tuple[int, int, int], frozenset[int]] = {}

    def roots(doc: int, s: int, e: int, depth: int) -> frozenset[int]:
        key = (doc, s, e)
        if key in memo:
            return memo[key]
        found: set[int] = set()
        if depth < MAX_DEPTH:
            for q in by_copy.get(doc, ()):
                if _overlaps(s, e, q["b_start"], q["b_end"]):
                    found |= roots(q["a"], q["a_start"], q["a_end"], depth + 1)
        out = frozenset(found | {doc}) if found else frozenset({doc})
        memo[key] = out
        return out

    origin_rows = []
    for b in sorted(by_copy):
        for p in sorted(by_copy[b], key=lambda r: (r["a"], r["passage"])):
            reached = roots(b, p["b_start"], p["b_end"], 0) - {b}
            origin, status = pick_origin(reached | {b}, meta)
            if origin == b:  # the copy is no later than anything reached: say so
                origin, status = pick_origin(reached, meta)
                status = "tie" if same_time(meta[b].date, meta[origin].date) else status
            o = meta[origin]
            origin_rows.append({
                "pair": p["pair"], "a": p["a"], "b": b, "passage": p["passage"],
                "b_start": p["b_start"], "b_end": p["b_end"], "origin": origin,
                "origin_id": o.id, "origin_site": o.site, "origin_status": status,
                "cross_site": (o.site or "") != (meta[b].site or ""),
            })
    members: dict[int, list[int]] = defaultdict(list)
    for d in list(uf.parent):
        members[uf.find(d)].append(d)
    family_rows = []
    for fam in sorted(members):
        ds = sorted(members[fam])
        origin, status = pick_origin(ds, meta)
        n_sites = len({meta[d].site for d in ds})
        for d in ds:
            m = meta[d]
            role = "origin" if d == origin else "copy" if d in by_copy else "source"
            family_rows.append({
                "family": fam, "did": d, "id": m.id, "site": m.site, "date": m.date,
                "size": len(ds), "sites": n_sites, "role": role, "origin": origin,
                "origin_id": meta[origin].id, "origin_site": meta[origin].site,
                "origin_status": status,
            })
    return family_rows, origin_rows
