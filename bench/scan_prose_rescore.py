"""Score a finished scan's families, then again with families rebuilt under the scan's
prose rule (a passage links families only when its copy side has at least
``families.MIN_PROSE`` prose words, ``rows.prose_share``), for scans whose alignment
tables predate the ``prose`` column. With ``--strict SYNTH_PY`` the passages kept are
instead those whose source span passes the generator's stricter test
(``Babbler.is_prose`` of that ``synth.py``, which also rejects columns of figures).

The ground truth is rebuilt by the generator, so run this with the generator that made
the crawl (``unspun`` itself is the installed one). The 1M figures in
``bench/results/scan.md`` came from a git worktree at commit 57efa1d (the first
generator), with this file copied in and the worktree's ``bench/work`` linked to this
one's:

    git worktree add /tmp/wt 57efa1d && ln -s $PWD/bench/work /tmp/wt/bench/work
    cp bench/scan_prose_rescore.py /tmp/wt/bench/
    cd /tmp/wt && UNSPUN_DATA=$PWD/../shared/data \
        python -m bench.scan_prose_rescore 1000000
        python -m bench.scan_prose_rescore 1000000 --strict /work/main/bench/synth.py

Argument: N, the crawl size of ``bench/work/scan-local-N``.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable

from bench.scan_bench import WORK, crawl_texts, family_quality
from bench.scan_crawl import make_crawl
from unspun.scan import stages as stg
from unspun.scan.common import accepted_passages, doc_meta
from unspun.scan.families import MIN_PROSE, build_families
from unspun.scan.rows import prose_share


def _strict_test(synth_py: str) -> Callable[[list[str]], bool]:
    spec = importlib.util.spec_from_file_location("strict_synth", synth_py)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.Babbler.is_prose


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--strict", metavar="SYNTH_PY", help="keep passages by Babbler.is_prose instead")
    args = ap.parse_args()
    crawl = make_crawl(crawl_texts(round(args.n / 1.54)), seed=0)
    out = WORK / f"scan-local-{args.n}"
    rows = stg.read_table(out, "families", columns=["family", "id", "start", "end"]).to_pylist()
    print("as run", family_quality(rows, crawl), flush=True)
    docs = stg.read_table(out, "docs", columns=["did", "id", "site", "date", "text"])
    meta = doc_meta(docs)
    texts = docs.column("text").to_pylist()
    assert docs.column("did").to_pylist() == list(range(len(texts)))
    passages = accepted_passages(stg.read_table(out, "alignments"))
    if args.strict:
        is_prose = _strict_test(args.strict)
        passages = [p for p in passages
                    if is_prose(texts[p["a"]][p["a_start"] : p["a_end"]].split())]
        n_prose = len(passages)
    else:
        for p in passages:
            p["prose"] = prose_share(texts[p["b"]][p["b_start"] : p["b_end"]])
        n_prose = sum(p["prose"] >= MIN_PROSE for p in passages)
    print("prose passages", n_prose, flush=True)
    del texts
    fam, _ = build_families(passages, meta)
    print("rebuilt", family_quality(fam, crawl),
          "largest", max((r["size"] for r in fam), default=0))


if __name__ == "__main__":
    main()
