"""The finding rules one by one, on hand-made passages and edits."""

from __future__ import annotations

from collections import Counter

import pytest

from unspun.analyze.attribution import find_attributions
from unspun.analyze.findings import _edit_finding, _negations, find_all
from unspun.analyze.spin import telling_swaps
from unspun.analyze.stitching import passage_order_findings, relatedness
from unspun.analyze.textmatch import is_abbreviation
from unspun.models import Document, Edit, Passage, SourceMatch, UnsourcedSpan
from unspun.report.segments import Layer, runs, windows
from unspun.tokens import tokenize


def _edit(kind: str, art: str, a_text: str, src: str, d_text: str, a_at: int = 0, d_at: int = 0) -> Edit:
    a0 = a_text.index(art, a_at) if art else a_at
    d0 = d_text.index(src, d_at) if src else d_at
    return Edit(kind, (a0, a0 + len(art)), (d0, d0 + len(src)), art, src)


def _one(kind: str, a_text: str, d_text: str, art: str, src: str, a_at: int = 0, d_at: int = 0):
    e = _edit(kind, art, a_text, src, d_text, a_at, d_at)
    p = Passage((0, len(a_text)), (0, len(d_text)), 0.9, 10, (e,))
    s = SourceMatch(Document(id="src", text=d_text), 1.0, 1.0, (p,))
    return _edit_finding(e, p, s, tokenize(a_text), tokenize(d_text))


@pytest.mark.parametrize("a, b, yes", [
    ("Fla.", "FL", True), ("Utah", "UT", True), ("Md", "MD", True), ("Ill.", "IL", True),
    ("U.S.", "USA", False), ("Texas", "Ohio", False), ("Calif.", "CA", True), ("Administration", "Admin", False), ("Reuters", "AP", False),
])
def test_abbreviations(a, b, yes):
    assert is_abbreviation(a, b) is yes


def test_negations_ignore_quantifiers_and_ordinary_words():
    assert _negations("did not say") == 1
    assert _negations("no more than 1,550 warheads") == 0
    assert _negations("no warheads") == 1
    assert _negations("the cant of the bank") == 0
    assert _negations("they won't, they can't") == 2


@pytest.mark.parametrize("text, found", [
    ("The pact limits each country to 1,550 warheads, the AP reported.", "the AP reported"),
    ("According to Reuters, the talks failed.", "According to Reuters"),
    ("“We will see,” Putin said.", "Putin said"),
    ("The senators write, “Mr. Navalny is”", "The senators write"),
    ("It was good, said Senator Dianne Feinstein on Monday.", "said Senator Dianne Feinstein"),
    ("He told reporters the deal was off.", "told reporters"),
    ("Secretary Pompeo also underlined the position.", "Secretary Pompeo also underlined"),
    ("The Associated Press reported that the vote was close.", "The Associated Press reported"),
    ("Putin pointed to the war games held last year.", None),
    ("The treaty limits warheads to 1,550 each.", None),
])
def test_attribution_patterns(text, found):
    got = find_attributions(text)
    assert (text[got[0][0]:got[0][1]] if got else None) == found


def test_number_change_needs_a_figure_that_is_not_elsewhere_in_the_passage():
    src = "The pact limits each country to no more than 1,550 deployed warheads."
    art = "The pact limits each country to the deployment of 1,550 warheads."
    assert _one("number", art, src, "of 1,550", "") is None  # moved, not changed
    f = _one("number", art.replace("1,550", "1,650"), src, "1,650", "1,550")
    assert f.kind == "number-changed" and f.data["removed"] == ["1550"] and f.data["added"] == ["1650"]


def test_name_change_rules():
    src = "Senator Rick Scott (R-Fla.) joined the Trump administration in pressing Russia on the CBW Elimination Act."
    art = "Senator Rick Scott (R-FL) joined the Administration in pressing Russian Federation on the CBW Elimination Act."
    assert _one("name", art, src, "FL", "Fla") is None  # abbreviation
    assert _one("name", art, src, "Russian Federation", "Russia") is None  # alias in the lexicon
    f = _one("name", art, src, "", "Trump", a_at=art.index("Administration"))
    assert f.kind == "name-changed" and f.data["dropped"] == ["Trump"]
    assert f.detail == "Name dropped: “the Trump administration” → “the Administration”."
    f = _one("name", art.replace("Rick Scott", "Rick Perry"), src, "Perry", "Scott")
    assert f.detail == "Name changed: “Scott” → “Perry”." and f.data["added"] == ["Perry"]


def test_negation_rules():
    src = "Officials did not say whether the deal covers fertiliser."
    art = "Officials did say whether the deal covers fertiliser."
    f = _one("negation", art, src, "", "not", a_at=art.index("say"))
    assert f.kind == "negation-flipped" and f.detail == "Negation removed: “did not say” → “did say”."
    assert _one("negation", "limits it to the 1,550", "limits it to no more than 1,550", "the", "no more than") is None


def test_telling_swaps_rank_names_first_and_count_the_whole_article():
    text = "Russian Federation said. The worldwide community. Russian Federation again. Russian Federation."
    d_text = "Russia said. The international community. Russia again."
    edits = (
        _edit("synonym", "worldwide", text, "international", d_text),
        _edit("synonym", "Russian Federation", text, "Russia", d_text),
        _edit("synonym", "Russian Federation", text, "Russia", d_text, text.index("again") - 20, d_text.index("again") - 8),
        _edit("synonym", "UT", "R-UT", "Utah", "R-Utah"),  # an abbreviation: not telling
    )
    p = Passage((0, len(text)), (0, len(d_text)), 0.9, 10, edits)
    t = telling_swaps([SourceMatch(Document(id="s", text=d_text), 1, 1, (p,))], text)
    assert [(x["source"], x["article"], x["count"], x["in_article"]) for x in t] == [
        ("Russia", "Russian Federation", 2, 3), ("international", "worldwide", 1, 1)]


def test_passages_out_of_source_order():
    p1 = Passage((0, 50), (500, 550), 1, 10)
    p2 = Passage((60, 100), (100, 140), 1, 10)
    p3 = Passage((110, 150), (600, 640), 1, 10)
    s = SourceMatch(Document(id="s", text="x" * 700), 1, 1, (p1, p2, p3))
    (f,) = passage_order_findings((s,))
    assert (f.kind, f.article_span, f.source_span, f.data["scope"]) == ("reordered", (60, 100), (100, 140), "passages")


def test_relatedness():
    a = Counter({"treati": 3, "russia": 2, "warhead": 1})
    assert relatedness(a, a) == pytest.approx(1.0)
    assert relatedness(a, Counter({"tornado": 2, "hangar": 1})) == 0.0


def test_unsourced_roles():
    text = "Headline here\n\nFirst copied sentence is here. An invented joining sentence. Second copied one is here."
    a0 = text.index("First")
    inv = text.index("An invented")
    b0 = text.index("Second")
    pa = Passage((a0, inv - 1), (0, 10), 1, 5)
    pb = Passage((b0, len(text)), (0, 10), 1, 5)
    srcs = (SourceMatch(Document(id="A", text="a" * 20), 0.4, 0.4, (pa,)),
            SourceMatch(Document(id="B", text="b" * 20), 0.4, 0.4, (pb,)))
    uns = (UnsourcedSpan((0, 13), "Headline here"), UnsourcedSpan((inv, b0 - 1), text[inv:b0 - 1]))
    found = [f for f in find_all(Document(id="x", text=text), srcs, uns) if f.kind == "unsourced"]
    assert [(f.data["role"], f.data["after"], f.data["before"]) for f in found] == [
        ("heading", None, "A"), ("connector", "A", "B")]


def test_runs_split_overlapping_layers_and_mark_points():
    text = "abcdefghij"
    rs = runs(text, [Layer(0, 6, ("p",)), Layer(2, 4, ("e",), "edit", 3), Layer(5, 5, ("e", "f1")), Layer(4, 9, ("f0",))])
    assert [(r.text, r.cls, r.marker) for r in rs] == [
        ("ab", "p", False), ("cd", "p e", False), ("e", "p f0", False), ("", "e f1 mark-point", True),
        ("f", "p f0", False), ("ghi", "f0", False), ("j", "", False)]
    assert rs[1].title == "edit"
    assert "".join(r.text for r in rs) == text
    assert windows([(100, 110), (130, 140), (500, 510)], 600, 20) == [(80, 160), (480, 530)]


def test_numbers_change_only_between_counterparts():
    src = "The agency said 4,500 homes lost power after the storm on Tuesday night."
    art = "The agency said 5,400 homes lost power after the storm on Tuesday night."
    f = _one("number", art, src, "5,400", "4,500")
    assert f is not None and f.kind == "number-changed"
    # a long rewritten stretch that merely holds a figure on one side is not a changed number
    src = "A poll of potential 2012 Republican candidates found the governor trailing badly in the state."
    art = "A poll in an interview that plans to look at candidates found the governor trailing badly in the state."
    assert _one("number", art, src, "in an interview that plans to look at", "of potential 2012 Republican") is None


def test_written_out_numbers_are_wording_not_figures():
    src = "He said thirty years of records were lost in the fire."
    art = "He said twenty years of records were lost in the fire."
    assert _one("number", art, src, "twenty", "thirty") is None


def test_names_change_only_between_counterparts():
    src = "The complaint was sent to the Internal Revenue Service on Monday by the group."
    art = "The complaint was sent to the Treasury on Monday by the group."
    f = _one("name", art, src, "Treasury", "Internal Revenue Service")
    assert f is not None and f.kind == "name-changed"
    src = "It accused the Internal Revenue Service of acting as a partisan political tool for the administration."
    art = "It accused the NAACP of racism in a statement that drew wide attention from the press."
    assert _one("name", art, src, "NAACP of racism in a statement that drew wide attention",
                "Internal Revenue Service of acting as a partisan political tool") is None


@pytest.mark.parametrize("src, art, s_edit, a_edit", [
    ("Equifax said Friday it had found the breach in July.", "Equifax said it had found the breach in July.", "Friday ", ""),
    ("Facebook Inc said it would review the data.", "Facebook said it would review the data.", "Inc ", ""),
    ("Walt Disney Co (DIS.N) is in talks to buy the assets.", "Walt Disney is in talks to buy the assets.", "Co (DIS.N) ", ""),
    ("Amazon (NASDAQ:AMZN) and Whole Foods announced the deal.", "Amazon and Whole Foods announced the deal.", "(NASDAQ:AMZN) ", ""),
    ("Mr Bezos will become executive chair later this year.", "Bezos will become executive chair later this year.", "Mr ", ""),
    ("Officials said Mathew Perry was found at his home.", "Officials said Matthew Perry was found at his home.", "Mathew", "Matthew"),
    ("The book was published by Harper Collins in May.", "The book was published by HarperCollins in May.", "Harper Collins", "HarperCollins"),
    ("Police said Perry was found unresponsive at the house.", "Police said he was found unresponsive at the house.", "Perry", "he"),
])
def test_house_style_and_respellings_are_not_name_changes(src, art, s_edit, a_edit):
    assert _one("name", art, src, a_edit, s_edit) is None


def test_a_name_swapped_for_another_is_still_reported():
    src = "The Census Department released the figures for Kansas City on Monday."
    art = "The Census Bureau released the figures for Kansas Burg on Monday."
    f = _one("name", art, src, "Burg", "City")
    assert f is not None and f.kind == "name-changed"


def test_negation_flips_only_between_counterparts():
    src = "The minister said the talks would resume next week in Geneva."
    art = "The minister said the talks would not resume next week in Geneva."
    f = _one("negation", art, src, "not ", "")
    assert f is not None and f.kind == "negation-flipped"
    # a rewritten stretch holding a "not", or an added clause with a "no", is not a flip
    src = "Staff don't recognise the characterisation that he is unkind, they said."
    art = "Staff say he is unkind, they said."
    assert _one("negation", art, src, "say", "don't recognise the characterisation that") is None
    src = "The crash happened at 6 a.m. the police said."
    art = "The crash happened at 6 a.m. and no other cars were involved the police said."
    assert _one("negation", art, src, "and no other cars were involved ", "") is None


def test_quotation_changes_that_alter_no_word_are_not_findings():
    from unspun.analyze.quotes import _trivial

    assert _trivial({"source": "book selling", "article": "bookselling"})
    assert _trivial({"source": "Moon-craft", "article": "mooncraft"})
    assert _trivial({"source": "the", "article": "a"})
    assert not _trivial({"source": "transformational", "article": "revolutionary"})
    assert not _trivial({"source": "crime", "article": "criminal offense"})
