"""Copies count once: retrieval ranks texts, not documents.

A wire story reprinted by many sites shares as many features with an article built on it
as the story itself; ranked one by one, the reprints fill the top ranks and push out the
other sources of a stitched article. ``unspun.retrieve`` groups them: the best document
leads its text, the others are its ``copies``, and the text is ranked once. Texts here are
public-domain US government texts from ``examples/reference.jsonl``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import unspun
from unspun.models import Document
from unspun.pipeline import CheckSettings
from unspun.retrieve import retrieve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "reference.jsonl"
MAIN = "nws-north-platte-tornado-survey-2019"
SECOND = "noaa-arctic-report-card-2018"
THIRD = "usaid-cyclone-idai-food-assistance-2019"
REPRINTS = 10


def _records() -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, EXAMPLES.read_text(encoding="utf-8").splitlines())}


def _sentences(text: str, n: int) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split()))[:n])


def _corpus() -> tuple[list[Document], Document]:
    recs = _records()
    main = recs[MAIN]
    paras = [p for p in main["text"].split("\n\n") if p.strip()]
    docs = [Document(id=MAIN, text=main["text"], published="2019-05-19")]
    # reprints: each drops a different paragraph and adds a line of its own; dated later
    for i in range(REPRINTS):
        kept = [p for n, p in enumerate(paras) if n != i]
        docs.append(Document(id=f"reprint-{i:02d}", text="\n\n".join(kept) + f"\n\nPosted by the news desk of station {i}.",
                             published="2019-05-21"))
    for rid, r in recs.items():
        if rid != MAIN:
            docs.append(Document(id=rid, text=r["text"], published=r.get("published")))
    docs.sort(key=lambda d: d.id)  # one insertion order for every backend: ties go the same way
    article = "\n\n".join([
        *paras[:10],
        _sentences(recs[SECOND]["text"], 4),
        _sentences(recs[THIRD]["text"], 4),
    ])
    return docs, Document(id="suspect", text=article, published="2019-05-25")


def _index(backend: str, request, tmp_path):
    if backend == "memory":
        return unspun.memory_index()
    where = tmp_path / "i.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    return unspun.open_index(where, create=True)


def _shape(cands):
    return [(c.doc_id, c.shared_features, c.rank, [(x.doc_id, x.shared_features, x.rank) for x in c.copies])
            for c in cands]


def test_reprints_fill_the_documents_ranking_but_count_once_as_a_text():
    docs, article = _corpus()
    idx = unspun.memory_index()
    idx.add(docs)
    one_by_one = [c.doc_id for c in retrieve(article, idx, k=3, copies=False)]
    assert SECOND not in one_by_one and THIRD not in one_by_one  # the reprints take every rank
    texts = retrieve(article, idx, k=3)
    assert sorted(c.doc_id for c in texts[1:]) == [SECOND, THIRD]
    first = texts[0]
    assert sorted(first.doc_ids) == sorted([MAIN, *(f"reprint-{i:02d}" for i in range(REPRINTS))])
    assert all(x.shared_features <= first.shared_features for x in first.copies)
    # ranks are the documents' positions when ranked one by one
    ranks = sorted(r for c in texts for r in (c.rank, *(x.rank for x in c.copies)))
    assert ranks[: REPRINTS + 1] == list(range(REPRINTS + 1))
    assert [c.doc_id for c in retrieve(article, idx, k=3, copies=False)] == [
        d for _, d in sorted((x.rank, x.doc_id) for c in texts for x in (c, *c.copies))
    ][:3]


def test_a_page_sharing_a_phrase_is_no_copy():
    """A document whose few shared features all lie inside a text's (a stock phrase) ranks
    on its own: a copy must share a good part of what the text's lead document shares."""
    docs, article = _corpus()
    idx = unspun.memory_index()
    idx.add(docs)
    texts = retrieve(article, idx, k=10)
    copies = {x.doc_id for c in texts for x in c.copies}
    assert copies == {MAIN, *(f"reprint-{i:02d}" for i in range(REPRINTS))} - {texts[0].doc_id}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_store_finds_the_same_texts(request, tmp_path, backend):
    docs, article = _corpus()
    mem = unspun.memory_index()
    mem.add(docs)
    idx = _index(backend, request, tmp_path)
    idx.add(docs)
    try:
        assert _shape(retrieve(article, idx, k=5)) == _shape(retrieve(article, mem, k=5))
        assert _shape(retrieve(article, idx, k=5, copies=False)) == _shape(retrieve(article, mem, k=5, copies=False))
    finally:
        idx.close()


def test_check_finds_every_source_and_names_the_origin_of_the_copies():
    docs, article = _corpus()
    idx = unspun.memory_index()
    idx.add(docs)
    budget = dict(candidates=3, max_candidates=6, lift_candidates=0)  # room for 3 copies
    report = unspun.check(article, idx, CheckSettings(**budget))
    ids = [s.doc.id for s in report.sources]
    assert set(ids) == {MAIN, SECOND, THIRD}  # the earliest dated document is the origin
    main = next(s for s in report.sources if s.doc.id == MAIN)
    assert {c.doc.id for c in main.copies} and all(c.doc.id.startswith("reprint-") for c in main.copies)
    # ranked one by one, the reprints use the whole budget and the other sources are lost
    plain = unspun.check(article, idx, CheckSettings(**budget, group_copies=False))
    assert {s.doc.id for s in plain.sources} == {MAIN}


def test_a_removed_copy_is_never_returned(tmp_path):
    docs, article = _corpus()
    idx = unspun.open_index(tmp_path / "i.db", create=True)
    idx.add(docs)
    idx.remove(["reprint-03", MAIN])
    texts = retrieve(article, idx, k=3)
    got = {i for c in texts for i in c.doc_ids}
    assert "reprint-03" not in got and MAIN not in got
    assert sorted(c.doc_id for c in texts[1:]) == [SECOND, THIRD]
    idx.close()
