"""Short lifts: a sentence taken from a page that shares little else with the article is
found even when same-story pages sharing much more fill the top of the ranking."""

from __future__ import annotations

import json
from pathlib import Path

import unspun
from unspun.models import Document
from unspun.pipeline import CheckSettings
from unspun.retrieve import retrieve, retrieve_lifts, stretches

BUDGET = CheckSettings(candidates=10, max_candidates=10)  # the default is 12 to 24
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "reference.jsonl"


def _records() -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, EXAMPLES.read_text(encoding="utf-8").splitlines())}


def _setup():
    recs = _records()
    main = recs["cardin-navalny-sanctions-letter-2020"]["text"]
    paras = [p for p in main.split("\n\n") if p.strip()]
    lifted_from = recs["romney-navalny-accountability-bill-2020"]["text"]
    lift = "The bill also requires a report on the personal wealth amassed by the corrupt practices of Vladimir Putin and his inner circle."
    assert lift in lifted_from
    index = unspun.memory_index()
    # fifteen same-story pages: each carries most of the main text, so each shares far more
    # features with the article than the page the lift came from (more pages than the
    # candidate budget below, and fewer than the query stop-list's document frequency)
    for i in range(15):
        kept = [p for n, p in enumerate(paras) if n != i % len(paras)]
        index.add([Document(id=f"reprint-{i:02d}", text="\n\n".join(kept) + f"\n\nFiled by desk {i}.",
                            published="2020-10-23")])
    index.add([Document(id="romney-bill", text=lifted_from, published="2020-09-30")])
    for rid, r in recs.items():
        if rid not in ("cardin-navalny-sanctions-letter-2020", "romney-navalny-accountability-bill-2020"):
            index.add([Document(id=rid, text=r["text"])])
    article = "\n\n".join([*paras[:2], lift, *paras[2:]])
    return index, Document(id="suspect", text=article, published="2020-10-24"), lift


def test_stretches_cut_whole_sentences():
    parts = stretches("One two three four five six. Seven eight nine ten eleven twelve.\n\nThirteen fourteen.")
    assert parts and all(p.strip() for p in parts)
    assert " ".join(parts).split() == "One two three four five six. Seven eight nine ten eleven twelve. Thirteen fourteen.".split()


def test_a_lift_is_outranked_globally_but_found_by_its_stretch():
    index, article, lift = _setup()
    top = [c.doc_id for c in retrieve(article, index, k=BUDGET.max_candidates, copies=False)]
    assert "romney-bill" not in top  # fifteen reprints share more with the whole article
    assert "romney-bill" in [c.doc_id for c in retrieve_lifts(article, index)]


def test_reprints_count_once_so_the_lift_ranks_among_the_texts():
    index, article, lift = _setup()
    texts = retrieve(article, index, k=3)
    assert len({i for c in texts for i in c.doc_ids}) == sum(len(c.doc_ids) for c in texts)  # each once
    first = texts[0]
    assert first.doc_id.startswith("reprint-")
    assert sorted(first.doc_ids) == [f"reprint-{i:02d}" for i in range(15)]  # one text, 15 documents
    assert all(c.shared_features <= first.shared_features for c in first.copies)
    assert "romney-bill" in [c.doc_id for c in texts]


def test_check_reports_the_lift_source():
    index, article, lift = _setup()
    report = unspun.check(article, index, BUDGET)
    ids = {s.doc.id for s in report.sources}
    assert "romney-bill" in ids
    src = next(s for s in report.sources if s.doc.id == "romney-bill")
    start = article.text.index(lift)
    assert any(p.article_span[0] <= start + 5 and p.article_span[1] >= start + len(lift) - 5 for p in src.passages)
    # without lift retrieval, and with every reprint ranked on its own, it is not found: the
    # test fails on a check that lacks both
    plain = CheckSettings(candidates=10, max_candidates=10, lift_candidates=0, group_copies=False)
    assert "romney-bill" not in {s.doc.id for s in unspun.check(article, index, plain).sources}
    texts_only = CheckSettings(candidates=10, max_candidates=10, lift_candidates=0)
    assert "romney-bill" in {s.doc.id for s in unspun.check(article, index, texts_only).sources}
