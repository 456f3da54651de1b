"""Findings asserted exactly on constructed articles (texts written for these tests)."""

from __future__ import annotations

import pytest

import unspun
from unspun.models import Document

WIRE = (
    "MOSCOW (AP) — The two governments signed a new agreement on grain exports on Tuesday, ending months of talks "
    "over prices and shipping routes. The deal allows each side to ship up to 4,500 tonnes of wheat a month through "
    "the northern port, the AP reported. According to Reuters, the ministers also agreed to meet again in the spring "
    "to review the quotas and the shipping fees. “The time will show how it will work, but we won't give up on it,” "
    "the trade minister said after the signing ceremony in the capital. Officials did not say whether the agreement "
    "covers fertiliser, which both sides had described as a priority during the talks."
)
WEATHER = (
    "The National Weather Service confirmed that a tornado touched down near the county airport on Sunday evening, "
    "damaging several hangars and uprooting trees along the river road. Survey teams rated the tornado EF-1, with "
    "peak winds estimated at 100 miles per hour along a path about two miles long. No injuries were reported, and "
    "power was restored to most homes by Monday morning, the utility said."
)
SUSPECT = (
    "The two governments signed a new agreement on grain exports on Tuesday, ending months of talks over prices "
    "and shipping routes. The deal allows each side to ship up to 5,500 tonnes of wheat a month through the "
    "northern port. The ministers also agreed to meet again in the spring to review the quotas and the shipping "
    "fees.\n\n\"Time will show how it will work,\" the trade minister said after the signing ceremony in the capital. "
    "Officials did say whether the agreement covers fertiliser, which both sides had described as a priority "
    "during the talks.\n\nThe talks were overshadowed by bad weather.\n\nSurvey teams rated the tornado EF-1, with peak "
    "winds estimated at 100 miles per hour along a path about two miles long."
)


@pytest.fixture(scope="module")
def report():
    idx = unspun.memory_index()
    idx.add([
        Document(id="wire-grain", text=WIRE, site="wire.example", published="2024-03-05"),
        Document(id="nws-tornado", text=WEATHER, site="weather.example", published="2021-06-01"),
    ])
    return unspun.check(Document(id="suspect", text=SUSPECT), idx)


def _at(text: str, span) -> str:
    return text[span[0] : span[1]]


def test_constructed_findings_exactly(report):
    a = SUSPECT
    got = [
        (f.kind, _at(a, f.article_span), f.source_doc,
         _at(WIRE if f.source_doc == "wire-grain" else WEATHER, f.source_span) if f.source_span else None)
        for f in report.findings if f.kind not in ("stitched", "spin-density")
    ]
    assert got == [
        ("unsourced", "The talks were overshadowed by bad weather.", None, None),
        ("quote-altered", "Time will show how it will work,", "wire-grain",
         "The time will show how it will work, but we won't give up on it,"),
        ("number-changed", "5,500", "wire-grain", "4,500"),
        ("negation-flipped", "", "wire-grain", "not"),
        ("attribution-dropped",
         "The deal allows each side to ship up to 5,500 tonnes of wheat a month through the northern port.",
         "wire-grain", "the AP reported"),
        ("attribution-dropped",
         "The ministers also agreed to meet again in the spring to review the quotas and the shipping fees.",
         "wire-grain", "According to Reuters"),
    ]
    by_kind = {f.kind: f for f in report.findings}
    q = by_kind["quote-altered"]
    assert q.data["change"] == "shortened"
    assert q.data["changes"] == [
        {"source": "The", "article": ""},
        {"source": "but we won't give up on it", "article": ""},
    ]
    assert "dropping “The” … “but we won't give up on it”" in q.detail
    assert by_kind["number-changed"].data["removed"] == ["4500"]
    assert by_kind["number-changed"].data["added"] == ["5500"]
    neg = by_kind["negation-flipped"]
    assert neg.detail == "Negation removed: “did not say” → “did say”."
    unsourced = by_kind["unsourced"]
    assert unsourced.data["role"] == "connector"
    assert (unsourced.data["after"], unsourced.data["before"]) == ("wire-grain", "nws-tornado")


def test_stitched_findings_say_how_unrelated(report):
    st = [f for f in report.findings if f.kind == "stitched"]
    assert [f.source_doc for f in st] == ["wire-grain", "nws-tornado"]
    wire, weather = st
    assert wire.data["relatedness"]["nws-tornado"] < 0.15
    assert "a different subject" in wire.detail
    assert wire.data["days_apart"] == {"nws-tornado": -1008}
    assert "published 3 years after weather.example (2021-06-01)" in wire.detail
    assert weather.data["passages"] == [list(p.article_span) for p in report.sources[1].passages]


def test_spin_density_of_an_unspun_copy_is_zero(report):
    (spin,) = [f for f in report.findings if f.kind == "spin-density"]
    assert spin.data["share"] == 0 and spin.data["swaps"] == 0 and spin.data["telling"] == []
    assert spin.source_doc is None and spin.source_span is None


def test_verdict_summary_counts_the_findings(report):
    assert report.verdict.label == "stitched"
    s = report.verdict.summary
    assert s.startswith("Stitched from 2 sources: 76% from wire.example (2024-03-05), 18% from weather.example")
    assert ("0 synonym swaps (0% of copied words), 1 altered quote, 1 changed number, 1 flipped negation, "
            "2 dropped attributions, 1 possible invented connector, 6% unsourced.") in s


def test_findings_are_ordered_by_kind_then_position(report):
    from unspun.analyze.findings import KINDS

    keys = [(KINDS.index(f.kind), f.article_span) for f in report.findings]
    assert keys == sorted(keys)


def test_kept_attribution_and_intact_quotation_give_no_finding():
    idx = unspun.memory_index()
    idx.add([Document(id="wire-grain", text=WIRE)])
    copy = WIRE.split("— ", 1)[1]
    report = unspun.check(Document(id="copy", text=copy), idx)
    assert [f.kind for f in report.findings] == ["spin-density"]
    assert report.verdict.label == "verbatim-copy"


def test_original_article_has_no_findings(reference_index):
    text = (
        "The county fair opened on Saturday with a record number of livestock entries. Organisers said the new "
        "pavilion, built by volunteers over two summers, drew long queues from early morning."
    )
    report = unspun.check(Document(id="fair", text=text), reference_index)
    assert [f.kind for f in report.findings] == ["unsourced"]
    assert report.findings[0].data["role"] == "whole"


def test_original_article_is_summarised_once_not_per_paragraph(reference_index):
    paragraphs = [
        "The county fair opened on Saturday with a record number of livestock entries this year.",
        "Organisers said the new pavilion, built by volunteers over two summers, drew long queues.",
        "A brass band from the high school played on the green until the evening fireworks began.",
        "Judges awarded the blue ribbon for the heaviest pumpkin to a farmer from the next valley.",
    ]
    report = unspun.check(Document(id="fair", text="\n\n".join(paragraphs)), reference_index)
    assert report.verdict.label == "original"
    assert len(report.unsourced) == 4  # the spans are all listed in the report
    [f] = report.findings  # but one finding says so
    assert f.kind == "unsourced" and f.data["spans"] == 4 and f.data["words"] >= 55


def test_too_short_to_judge(reference_index):
    report = unspun.check(Document(id="hello", text="Hello world."), reference_index)
    assert report.verdict.label == "too-short"


def test_examples_suspect_findings(reference_index, suspect):
    report = unspun.check(suspect, reference_index)
    a = suspect.text
    got = [(f.kind, _at(a, f.article_span)) for f in report.findings]
    assert ("number-changed", "2028") in got
    assert ("unsourced", "Moscow has repeatedly refused to answer any of these questions.") in got
    (name,) = [f for f in report.findings if f.kind == "name-changed"]
    assert (name.data["source"], name.data["article"]) == ("the Trump administration", "the Administration")
    (quote,) = [f for f in report.findings if f.kind == "quote-altered"]
    assert quote.data["change"] == "shortened"
    assert [c["source"] for c in quote.data["changes"]] == ["also", "breathing", "arms control", "China, and other nuclear powers"]


def test_a_source_without_site_is_named_by_its_title_once():
    import dataclasses
    from pathlib import Path

    import unspun.demo
    from unspun.demo import demo_article
    from unspun.report.html import render_html
    from unspun.report.terminal import render_text

    corpus = Path(unspun.demo.__file__).with_name("reference.jsonl")
    docs = [dataclasses.replace(d, site=None, url=None) for d in unspun.read_records([corpus])]
    idx = unspun.memory_index()
    idx.add(docs)
    report = unspun.check(demo_article(), idx)
    stitched = [f for f in report.findings if f.kind == "stitched"]
    assert len(stitched) >= 2
    for s in report.sources:
        assert s.doc.title and s.doc.site is None
    titles = {s.doc.id: s.doc.title for s in report.sources}
    for f in stitched:
        own = f.detail.split(". Closest other source")[0]
        # was "from <title> (date), “<title>…”": the name fell back to the title, then the title
        assert own.count(titles[f.source_doc][:40]) == 1, f.detail
        assert "), “" + titles[f.source_doc][:20] not in f.detail
    text = " ".join(render_text(report).split())
    for t in titles.values():
        assert "), “" + " ".join(t.split())[:20] not in text
    page = render_html(report)
    import html

    for f in stitched:
        assert html.escape(f.detail, quote=False) in page or html.escape(f.detail) in page
