"""Dates and copies of one text: the earliest dated copy is the likely origin, the others
are listed as its copies, a page dated after the article is never its source, and copies
never make a reprint look stitched."""

from __future__ import annotations

import json
from pathlib import Path

import unspun
from unspun.models import Document
from unspun.report.html import render_html
from unspun.report.json_report import validate
from unspun.report.terminal import render_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "reference.jsonl"


def _text(doc_id: str) -> str:
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["id"] == doc_id:
            return r["text"]
    raise KeyError(doc_id)


ORIGIN = _text("cardin-navalny-sanctions-letter-2020")
OTHER = _text("state-pompeo-lavrov-call-2019")


def _index(*docs: Document):
    idx = unspun.memory_index()
    idx.add([Document(id=f"bg-{i}", text=_text(k)) for i, k in enumerate(
        ["engel-mccaul-navalny-findings-letter-2020", "romney-navalny-accountability-bill-2020"])])
    idx.add(list(docs))
    return idx


def test_reprints_of_one_text_count_once_and_the_earliest_is_the_origin():
    origin = Document(id="senate-release", text=ORIGIN, site="senate.gov", published="2020-10-22")
    reprint = Document(id="syndicated", text=ORIGIN.replace("Navalny", "Navalny,", 1) + "\n\nRepublished with permission.",
                       site="wire-copies.example", published="2020-10-23")
    article = Document(id="farm", text=ORIGIN.replace("Senators", "Lawmakers"), published="2020-10-25")
    report = unspun.check(article, _index(reprint, origin))
    assert [s.doc.id for s in report.sources] == ["senate-release"]
    [src] = report.sources
    assert [c.doc.id for c in src.copies] == ["syndicated"]
    assert report.verdict.label in ("verbatim-copy", "light-spin")  # not "stitched"
    assert "other page" in src.evidence["reason"]
    validate(report)
    text = render_text(report, width=120)
    assert "likely origin" in text and "wire-copies.example" in text


def test_a_page_dated_after_the_article_is_a_later_copy_not_a_source():
    later = Document(id="later-blog", text=ORIGIN, site="later.example", published="2021-03-01")
    article = Document(id="early", text=ORIGIN, published="2020-10-22")
    report = unspun.check(article, _index(later))
    assert report.sources == ()
    assert [c.doc.id for c in report.later_copies] == ["later-blog"]
    assert report.later_copies[0].coverage > 0.9
    assert report.verdict.label == "original"
    d = report.to_dict()
    assert d["later_copies"][0]["doc_id"] == "later-blog" and d["sources"] == []
    validate(report)
    page = render_html(report)
    assert "Later copies" in page and "later.example" in page
    # undated, the same page is a source: no date, no direction
    undated = unspun.check(Document(id="early", text=ORIGIN), _index(later))
    assert [s.doc.id for s in undated.sources] == ["later-blog"]


def test_a_day_or_two_of_date_noise_does_not_flip_direction():
    # page dates are often a day off (time zones) or an update date
    src = Document(id="wire", text=ORIGIN, published="2020-10-24")
    article = Document(id="copy", text=ORIGIN, published="2020-10-22")
    report = unspun.check(article, _index(src))
    assert [s.doc.id for s in report.sources] == ["wire"]


def test_a_stitched_page_still_has_two_sources():
    a = Document(id="letter", text=ORIGIN, published="2020-10-22")
    b = Document(id="call", text=OTHER, published="2019-12-10")
    paras_a = [p for p in ORIGIN.split("\n\n") if p.strip()]
    paras_b = [p for p in OTHER.split("\n\n") if p.strip()]
    article = Document(id="stitch", text="\n\n".join(paras_a[:3] + paras_b[:3]), published="2020-11-01")
    report = unspun.check(article, _index(a, b))
    assert {s.doc.id for s in report.sources} == {"letter", "call"}
    assert all(s.copies == () for s in report.sources)
    assert report.verdict.label == "stitched"
