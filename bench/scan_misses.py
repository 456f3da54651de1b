"""Why a finished benchmark scan missed true reuse links: one row per farm.

    python -m bench.scan_misses 100000            # reads bench/work/scan-local-100000

For every true (origin, copy) link of the generated crawl (the crawl is made again from
the same seed), the scan either put both documents in one family or missed the link at
one stage:

* ``no pair: shared < min_shared``: the two share too few winnowed features (frequent
  ones excluded) to become a candidate pair;
* ``no pair: max_sources``: enough features, but the copy had ``max_sources`` better
  candidates;
* ``no pair: other``: enough features but dropped by the filter;
* ``aligned, not accepted``: the aligner found no passage that passes its thresholds;
* ``accepted, not linked``: accepted passages that the family rules do not let link
  (non-prose, or under ``min_evidence`` and not the pair's longest passage).

Also prints the word count of the text a stitched page took from a missed origin (its
opening paragraph) against found ones, since short lifts are the known weak spot.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter, defaultdict

import pyarrow.parquet as pq

from bench.scan_bench import WORK, crawl_texts
from bench.scan_crawl import _paras, make_crawl

REASONS = ("found", "no pair: shared < min_shared", "no pair: max_sources", "no pair: other",
           "aligned, not accepted", "accepted, not linked")


def main() -> None:
    from unspun.scan import stages as stg
    from unspun.scan.settings import load_settings

    p = argparse.ArgumentParser()
    p.add_argument("n", type=int, help="the --n of the bench.scan_bench run")
    p.add_argument("--engine", default="local")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    out = WORK / f"scan-{a.engine}-{a.n}"
    st = load_settings(out)
    crawl = make_crawl(crawl_texts(round(a.n / 1.54), a.seed), seed=a.seed)
    site = {r["id"]: r["site"] for r in crawl.records}
    text = {r["id"]: r["text"] for r in crawl.records}
    did = {r["id"]: r["did"] for r in stg.read_table(out, "docs", columns=["did", "id"]).to_pylist()}
    cands: dict[int, dict[int, int]] = defaultdict(dict)
    for r in stg.read_table(out, "pairs").to_pylist():
        cands[r["b"]][r["a"]] = r["shared"]
    accepted: dict[tuple[int, int], bool] = {}
    for r in stg.read_table(out, "alignments", columns=["a", "b", "accepted"]).to_pylist():
        k = (min(r["a"], r["b"]), max(r["a"], r["b"]))
        accepted[k] = accepted.get(k, False) or r["accepted"]
    fams: dict[str, set[int]] = defaultdict(set)
    for r in stg.read_table(out, "families", columns=["family", "id"]).to_pylist():
        fams[r["id"]].add(r["family"])

    links = [(o, c) for c, origins in crawl.origins.items() for o in origins]
    missed_no_pair = [(o, c) for o, c in links if not fams[c] & fams[o]
                      and did[o] not in cands[did[c]] and did[c] not in cands[did[o]]]
    need = sorted({did[x] for link in missed_no_pair for x in link})
    feats: dict[int, set[int]] = defaultdict(set)
    if need:
        files = sorted(stg.stage_dir(out, "features").glob("*.parquet"))
        for r in pq.read_table(files, filters=[("did", "in", need)]).to_pylist():
            feats[r["did"]].add(r["hash"])
    frequent = set(stg.read_table(out, "pairs", "frequent").column("hash").to_pylist())

    table: dict[str, Counter] = defaultdict(Counter)
    lift: dict[str, list[int]] = {"found": [], "missed": []}
    for o, c in links:
        farm = site[c]
        if fams[c] & fams[o]:
            why = "found"
        elif did[o] in cands[did[c]] or did[c] in cands[did[o]]:
            why = "accepted, not linked" if accepted.get(
                (min(did[o], did[c]), max(did[o], did[c]))) else "aligned, not accepted"
        else:
            shared = len((feats[did[o]] & feats[did[c]]) - frequent)
            full = len(cands[did[c]]) >= st.max_sources and shared <= min(cands[did[c]].values())
            why = ("no pair: shared < min_shared" if shared < st.min_shared
                   else "no pair: max_sources" if full else "no pair: other")
        table[farm][why] += 1
        if farm == "stitchfarm.example":
            lift["found" if why == "found" else "missed"].append(
                len((_paras(text[o]) or [""])[0].split()))

    print(f"{len(crawl.records):,} documents, {len(links):,} true links; scan {out}")
    print("| copying site | links | " + " | ".join(REASONS) + " |")
    print("|---|---:|" + "---:|" * len(REASONS))
    for farm in sorted(table):
        n = sum(table[farm].values())
        print(f"| {farm} | {n:,} | " + " | ".join(f"{table[farm][r]:,}" for r in REASONS) + " |")
    print("\nstitched pages: words in the origin's opening paragraph (what the page took)")
    for k, xs in lift.items():
        if xs:
            xs.sort()
            short = sum(x < 20 for x in xs) / len(xs)
            print(f"  {k}: {len(xs):,} links, median {statistics.median(xs):.0f} words, "
                  f"under 20 words: {short:.1%}")


if __name__ == "__main__":
    main()
