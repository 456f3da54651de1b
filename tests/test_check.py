"""End-to-end: a spun, stitched article made from two public-domain releases."""

from __future__ import annotations

import unspun
from unspun.models import Document


def _span(text: str, piece: str, start: int = 0) -> tuple[int, int]:
    i = text.index(piece, start)
    return (i, i + len(piece))


def test_stitched_article_sources_passages_and_edits(reference_index, suspect):
    report = unspun.check(suspect, reference_index)
    a = suspect.text
    assert report.verdict.label == "stitched"
    assert [s.doc.id for s in report.sources] == [
        "cardin-navalny-sanctions-letter-2020",
        "feinstein-new-start-letter-2020",
    ]
    cardin, feinstein = report.sources
    src = cardin.doc.text

    (p,) = cardin.passages
    assert p.article_span == (a.index("WASHINGTON"), a.index("future attacks.") + len("future attacks"))
    assert p.source_span == (src.index("WASHINGTON"), src.index("future attacks.") + len("future attacks"))
    edits = [(e.kind, e.source_text, e.article_text) for e in p.edits]
    assert edits == [
        ("name", "Trump", ""),  # "the Trump administration" -> "the Administration"
        ("synonym", "Russia", "Russian Federation"),
        ("synonym", "letter", "missive"),
    ]
    swap = p.edits[1]
    assert swap.article_span == _span(a, "Russian Federation")
    assert swap.source_span == _span(src, "Russia for the poisoning")[0:1] + (
        src.index("Russia for the poisoning") + len("Russia"),
    )

    # the release quotes its own letter and then prints it: the unquoted letter sentence
    # is preferred as the source of the copied sentence; the quotation is a second passage
    q, r = feinstein.passages
    f = feinstein.doc.text
    assert a[q.article_span[0] : q.article_span[1]].startswith("Extending the treaty would cap")
    assert q.source_span[0] == f.index("Extending the treaty", f.index("Dear Mr. President"))
    assert [(e.kind, e.source_text, e.article_text, e.in_quote) for e in q.edits] == [
        ("number", "2026", "2028", False),
        ("synonym", "begin", "start", False),
        ("synonym", "nuclear", "atomic", False),
    ]
    number = q.edits[0]
    assert number.article_span == _span(a, "2028")
    assert f[number.source_span[0] : number.source_span[1]] == "2026"
    assert a[r.article_span[0] : r.article_span[1]].startswith("An extension of New START")
    assert [(e.kind, e.source_text, e.article_text, e.in_quote) for e in r.edits] == [
        ("delete", "also", "", True),
        ("delete", "breathing", "", True),
        ("delete", "arms control", "", True),
    ]

    unsourced = [u.text for u in report.unsourced]
    assert unsourced == [
        "Senators press for fresh penalties on Russia",
        "Moscow has repeatedly refused to answer any of these questions.",
    ]
    assert 0.85 < report.coverage < 0.95


def test_report_json_contract(reference_index, suspect):
    d = unspun.check(suspect, reference_index).to_dict()
    assert set(d) >= {"unspun_version", "article", "verdict", "coverage", "sources", "unsourced"}
    assert d["article"]["text"] == suspect.text
    for s in d["sources"]:
        assert set(s) >= {"doc_id", "url", "title", "site", "published", "coverage", "score", "passages"}
        for p in s["passages"]:
            a0, a1 = p["article_span"]
            assert 0 <= a0 < a1 <= len(suspect.text)
            for e in p["edits"]:
                assert set(e) >= {"kind", "article_span", "source_span", "article_text", "source_text"}
                assert suspect.text[e["article_span"][0] : e["article_span"][1]] == e["article_text"]
    covs = [s["coverage"] for s in d["sources"]]
    assert covs == sorted(covs, reverse=True)


def test_original_article_has_no_source(reference_index):
    text = (
        "The county fair opened on Saturday with a record number of livestock entries. "
        "Organisers said the new pavilion, built by volunteers over two summers, drew "
        "long queues from early morning. The pie contest was won by a retired teacher "
        "who has entered every year since 1987."
    )
    report = unspun.check(Document(id="fair", text=text), reference_index)
    assert report.sources == ()
    assert report.verdict.label == "original"
    assert [u.text for u in report.unsourced] == [text]


def test_shared_quotation_alone_is_not_a_source(reference_index):
    # An independent report quoting the same statement is not a copy.
    text = (
        "Lawmakers from both parties on Thursday renewed calls for action over the attack on the "
        "Kremlin critic. In their statement they wrote that \"The United States must lead the "
        "international community and act decisively to deter future attacks both within Russia "
        "and beyond its borders.\" The White House did not immediately respond to a request for comment."
    )
    report = unspun.check(Document(id="indep", text=text), reference_index)
    assert report.sources == ()


def test_verbatim_copy_of_one_source(reference_index, reference_docs):
    src = next(d for d in reference_docs if d.id == "feinstein-new-start-letter-2020")
    copy = Document(id="copy", text=src.text[:900])
    report = unspun.check(copy, reference_index)
    assert report.sources[0].doc.id == src.id
    assert report.verdict.label == "verbatim-copy"
    assert report.sources[0].coverage > 0.9
    assert all(e.kind not in {"synonym", "paraphrase"} for p in report.sources[0].passages for e in p.edits)


def test_reordered_paragraphs_give_separate_passages(reference_index, reference_docs):
    src = next(d for d in reference_docs if d.id == "cardin-navalny-sanctions-letter-2020")
    paras = [p for p in src.text.split("\n\n") if len(p) > 200]
    first, second = paras[0], paras[1]
    text = second + "\n\n" + first
    report = unspun.check(Document(id="reordered", text=text), reference_index)
    (s,) = [s for s in report.sources if s.doc.id == src.id]
    assert len(s.passages) == 2
    spans = sorted(s.passages, key=lambda p: p.article_span)
    # the article's first passage comes from later in the source
    assert spans[0].source_span[0] > spans[1].source_span[0]
    for p in s.passages:
        assert text[p.article_span[0] : p.article_span[1]] == src.text[p.source_span[0] : p.source_span[1]]
