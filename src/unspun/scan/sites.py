"""Per-site figures: how much a site copies from other sites, how much of it is spun.

A document is a *copy* when at least one of its accepted passages has its inferred origin
on another site (its *origin site* is the one most of its copied text came from); a copy
is *spun* when its spin density (the core's measure: swapped words
/ (matched + swapped), over all its accepted passages) reaches ``spin_threshold``.
Sites are ranked by share of spun copies, then share of copies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .families import DocMeta

TOP_ORIGINS = 3
EVIDENCE_LINKS = 3


def doc_spin(passages: Iterable[dict[str, Any]]) -> tuple[float, int]:
    """(spin density, matched tokens) over a document's accepted passages."""
    matched = swapped = 0
    for p in passages:
        matched += p["matched"]
        swapped += p["spin_words"]
    total = matched + swapped
    return (swapped / total if total else 0.0), matched


def build_sites(
    meta: Mapping[int, DocMeta],
    passages: list[dict[str, Any]],
    origins: list[dict[str, Any]],
    spin_threshold: float,
) -> list[dict[str, Any]]:
    """One row per site (documents without a site are counted under ``None``), ranked."""
    by_copy: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in passages:
        by_copy[p["b"]].append(p)
    cross: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in origins:
        if o["cross_site"]:
            cross[o["b"]].append(o)
    articles: Counter[str | None] = Counter(m.site for m in meta.values())
    copies: Counter[str | None] = Counter()
    spun: Counter[str | None] = Counter()
    spin_sum: dict[str | None, float] = defaultdict(float)
    origin_sites: dict[str | None, Counter[str]] = defaultdict(Counter)
    examples: dict[str | None, list[tuple[float, int, str]]] = defaultdict(list)
    for b, os_ in cross.items():
        site = meta[b].site
        density, _ = doc_spin(by_copy[b])
        copies[site] += 1
        spin_sum[site] += density
        if density >= spin_threshold:
            spun[site] += 1
        weight: Counter[str] = Counter()
        for o in os_:
            weight[o["origin_site"] or ""] += o["b_end"] - o["b_start"]
        main = min(weight, key=lambda s: (-weight[s], s))  # the site most of the copy came from
        origin_sites[site][main] += 1
        best = max(by_copy[b], key=lambda p: (p["matched"], p["pair"]))
        examples[site].append((-density, -best["matched"], best["pair"]))
    rows = []
    for site, n in articles.items():
        c = copies[site]
        rows.append({
            "site": site, "articles": n, "copies": c, "copy_share": c / n,
            "spun": spun[site], "spun_share": spun[site] / n,
            "mean_spin": spin_sum[site] / c if c else 0.0,
            "top_origins": [
                f"{s} ({k})" for s, k in
                sorted(origin_sites[site].items(), key=lambda x: (-x[1], x[0]))[:TOP_ORIGINS]
            ],
            "evidence": [e[2] for e in sorted(examples[site])[:EVIDENCE_LINKS]],
        })
    rows.sort(key=lambda r: (-r["spun_share"], -r["copy_share"], -r["articles"], r["site"] or ""))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows
