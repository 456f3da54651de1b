"""Reuse families (clusters of copied passages) and inferred origins.

Both engines call these functions on the accepted passages (small next to the crawl).

*Families* are clusters of passages, not of whole documents (as passim's extents and
clusters): every accepted alignment joins a span of the source to a span of the copy;
spans of one document that overlap (by half the shorter one) are one node; a family is a
connected set of nodes. Passages of at least ``min_tokens`` matched tokens (the
evidence rule's minimum) link nodes, and so does the longest passage of each pair; a
short stock sentence aligned beside a pair's story ("This article was produced by our
newsroom") does not join two stories. Nor does text that is not prose: a passage whose
copy side has fewer than ``min_prose`` prose words (``rows.prose_share``: embed code,
URLs, JSON, PDF streams left in a page's text) is reported but links
nothing. A page stitched from three wire stories therefore sits in three
families, and the three stories stay apart; a boilerplate sentence two pages share makes
a small family of its own instead of gluing their stories together.

*Origin of a passage*: the passages of the copy that overlap it (by half the shorter one)
name its direct sources; each source's own copied passages over the source span are
followed back (a farm copying a farm leads to the wire story), but only one that is
evidence on its own (``min_tokens`` matched tokens, prose) and covers at least half of the
span traced: an inferred origin needs more than one shared sentence, so a quotation a
wire story shares with an older page does not make that page the origin of the story. The earliest published
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
#: share of prose words a passage needs to link families (module docstring)
MIN_PROSE = 0.9


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


def _span_nodes(passages: list[dict[str, Any]]) -> tuple[list[int], list[int],
                                                          list[tuple[int, int, int]]]:
    """Node of each passage's source side and copy side; nodes as (did, start, end).

    A document's spans are swept in (start, end) order; a span overlapping the current
    node's extent by half the shorter of the two joins it (the extent grows), else it opens
    a new node.
    """
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # did -> (s, e, slot)
    for i, p in enumerate(passages):
        spans[p["a"]].append((p["a_start"], p["a_end"], 2 * i))
        spans[p["b"]].append((p["b_start"], p["b_end"], 2 * i + 1))
    slot_node = [0] * (2 * len(passages))
    nodes: list[tuple[int, int, int]] = []
    for did in sorted(spans):
        cur = -1
        cs = ce = 0
        for s, e, slot in sorted(spans[did]):
            if cur >= 0 and _overlaps(s, e, cs, ce):
                ce = max(ce, e)
                nodes[cur] = (did, cs, ce)
            else:
                cur, cs, ce = len(nodes), s, e
                nodes.append((did, s, e))
            slot_node[slot] = cur
    return slot_node[0::2], slot_node[1::2], nodes


def _supplies(q: dict[str, Any], s: int, e: int, min_tokens: int, min_prose: float) -> bool:
    """Whether the copied passage ``q`` of a source supplied most of its span ``s:e``.

    An inferred origin needs more than one shared sentence: ``q`` must be evidence on its
    own (``min_tokens`` matched, prose) and cover at least half of the span being traced,
    so a sentence or a quotation the source shares with an older page, inside a longer
    passage, does not make that older page the origin of the whole passage.
    """
    if q["matched"] < min_tokens or q.get("prose", 1.0) < min_prose:
        return False
    ov = min(e, q["b_end"]) - max(s, q["b_start"])
    return ov > 0 and 2 * ov >= e - s


def build_families(
    passages: list[dict[str, Any]], meta: Mapping[int, DocMeta], min_tokens: int = 12,
    min_prose: float = MIN_PROSE,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(family rows, one per document and family; origin rows, one per accepted passage).

    ``passages`` are accepted alignment rows (keys a, b, pair, passage, b_start, b_end,
    a_start, a_end, matched). Families are numbered from 0 in order of their first node (smallest
    document number, then offset), so both engines number them alike. A family row gives
    the document's extent in the family (``start``, ``end``: the outermost offsets of its
    spans there), the family's size in documents and sites, the document's role (``origin``:
    the family's earliest published document; ``copy``: it copied a passage of the family;
    ``source``: only copied from) and the family's origin.
    """
    longest: dict[str, dict[str, Any]] = {}  # pair -> its longest passage (lowest number on ties)
    for p in passages:
        best = longest.get(p["pair"])
        if best is None or (p["matched"], -p["passage"]) > (best["matched"], -best["passage"]):
            longest[p["pair"]] = p
    linking = [p for p in passages if p.get("prose", 1.0) >= min_prose
               and (p["matched"] >= min_tokens or longest[p["pair"]] is p)]
    a_node, b_node, nodes = _span_nodes(linking)
    uf = _UnionFind()
    for i in range(len(nodes)):
        uf.find(i)
    copy_nodes: set[int] = set()
    for i in range(len(linking)):
        uf.union(a_node[i], b_node[i])
        copy_nodes.add(b_node[i])
    by_copy: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in passages:
        by_copy[p["b"]].append(p)
    memo: dict[tuple[int, int, int], frozenset[int]] = {}

    def roots(doc: int, s: int, e: int, depth: int) -> frozenset[int]:
        key = (doc, s, e)
        if key in memo:
            return memo[key]
        found: set[int] = set()
        if depth < MAX_DEPTH:
            for q in by_copy.get(doc, ()):
                if _supplies(q, s, e, min_tokens, min_prose):
                    found |= roots(q["a"], q["a_start"], q["a_end"], depth + 1)
        out = frozenset(found | {doc}) if found else frozenset({doc})
        memo[key] = out
        return out

    origin_rows = []
    for b in sorted(by_copy):
        for p in sorted(by_copy[b], key=lambda r: (r["a"], r["passage"])):
            reached: set[int] = set()
            for q in by_copy[b]:  # the copy's own passages over it name its direct sources
                if _overlaps(p["b_start"], p["b_end"], q["b_start"], q["b_end"]):
                    reached |= roots(q["a"], q["a_start"], q["a_end"], 1)
            reached.discard(b)
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
    # nodes are numbered in (did, start) order, so a component's root (its smallest
    # node) is its first node and sorting roots numbers families in that order
    members: dict[int, list[int]] = defaultdict(list)
    for n in range(len(nodes)):
        members[uf.find(n)].append(n)
    family_rows = []
    for fam, root in enumerate(sorted(members)):
        extent: dict[int, list[int]] = {}
        copies: set[int] = set()
        for n in members[root]:
            did, s, e = nodes[n]
            x = extent.setdefault(did, [s, e])
            x[0], x[1] = min(x[0], s), max(x[1], e)
            if n in copy_nodes:
                copies.add(did)
        ds = sorted(extent)
        origin, status = pick_origin(ds, meta)
        n_sites = len({meta[d].site for d in ds})
        for d in ds:
            m = meta[d]
            role = "origin" if d == origin else "copy" if d in copies else "source"
            family_rows.append({
                "family": fam, "did": d, "id": m.id, "site": m.site, "date": m.date,
                "start": extent[d][0], "end": extent[d][1],
                "size": len(ds), "sites": n_sites, "role": role, "origin": origin,
                "origin_id": meta[origin].id, "origin_site": meta[origin].site,
                "origin_status": status,
            })
    return family_rows, origin_rows
