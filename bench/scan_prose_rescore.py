"""Score a finished scan's families, then again with families rebuilt from prose passages
only (passages whose source span has at least 90% prose words, ``Babbler.is_prose``).

The ground truth is rebuilt by the generator, so run this with the generator that made
the crawl. The 1M figures in ``bench/results/scan.md`` came from a git worktree at
commit 57efa1d (the first generator), with this file copied in, the worktree's
``bench/work`` linked to this one's, and the new ``Babbler.is_prose`` loaded from here:

    git worktree add /tmp/wt 57efa1d && ln -s $PWD/bench/work /tmp/wt/bench/work
    cp bench/scan_prose_rescore.py /tmp/wt/bench/
    cd /tmp/wt && UNSPUN_DATA=$PWD/../shared/data \
        python -m bench.scan_prose_rescore 1000000 /work/main/bench/synth.py

Arguments: N (the crawl size of ``scan-local-N``) and, optionally, the path of a
``synth.py`` that has ``Babbler.is_prose`` (default: this repository's).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from bench.scan_bench import WORK, crawl_texts, family_quality
from bench.scan_crawl import make_crawl
from unspun.scan import stages as stg
from unspun.scan.common import accepted_passages, doc_meta
from unspun.scan.families import build_families


def main() -> None:
    n = int(sys.argv[1])
    synth = sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).with_name("synth.py"))
    spec = importlib.util.spec_from_file_location("prose_synth", synth)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    is_prose = mod.Babbler.is_prose
    crawl = make_crawl(crawl_texts(round(n / 1.54)), seed=0)
    out = WORK / f"scan-local-{n}"
    rows = stg.read_table(out, "families", columns=["family", "id", "start", "end"]).to_pylist()
    print("as run", family_quality(rows, crawl), flush=True)
    docs = stg.read_table(out, "docs", columns=["did", "id", "site", "date", "text"])
    meta = doc_meta(docs)
    texts = docs.column("text").to_pylist()
    assert docs.column("did").to_pylist() == list(range(len(texts)))
    passages = accepted_passages(stg.read_table(out, "alignments"))
    prose = [p for p in passages if is_prose(texts[p["a"]][p["a_start"] : p["a_end"]].split())]
    print("accepted passages", len(passages), "prose", len(prose), flush=True)
    del texts
    fam, _ = build_families(prose, meta)
    print("prose only", family_quality(fam, crawl),
          "largest", max((r["size"] for r in fam), default=0))


if __name__ == "__main__":
    main()
