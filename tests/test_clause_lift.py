"""A clause lifted into a longer sentence of the article's own is a passage and counts as
evidence when the run alone is as long as the evidence rule asks (12 words); a shorter
run inside a sentence the candidate does not mostly explain does not."""

from __future__ import annotations

import unspun
from unspun.align import AlignSettings, align_units, prepare
from unspun.analyze.sources import SourceSettings, counts
from unspun.models import Document
from unspun.tokens import tokenize

SOURCE = (
    "A levee on the Cedar River failed before dawn on Tuesday, flooding the east side of Millbrook "
    "and forcing about 1,200 residents from their homes as water rose through the streets, cut power "
    "to the hospital and swept parked cars into the rail yard near the old grain elevator.\n\n"
    "County officials said the breach was about 60 meters wide and that pumps brought in overnight "
    "could not keep pace with the water coming over the sandbags.\n\n"
    "The National Weather Service said more rain was expected on Thursday."
)

# the article's own long sentences, each carrying one lifted clause of the source's
ARTICLE = (
    "Residents of Millbrook woke to sirens and the sound of rushing water on Tuesday, a scene that "
    "neighbours compared with the spring of 1993, as the river broke through, cut power to the hospital "
    "and swept parked cars into the rail yard near the old grain elevator.\n\n"
    "Volunteers from three churches filled sandbags in the high school car park while the mayor, "
    "speaking from the steps of the town hall, promised that nobody would be left without a bed "
    "tonight and that the cost of the clean-up would be met in full.\n\n"
    "Forecasters expect more rain later in the week, and the school district has closed every "
    "building on the east side until further notice."
)

OTHER = (
    "The school board met on Monday to discuss the budget for the coming year, including new buses, "
    "repairs to the gymnasium roof and a raise for substitute teachers, which passed by five votes to two."
)


def test_a_lifted_clause_in_a_long_sentence_is_aligned():
    a, d = prepare(tokenize(ARTICLE)), prepare(tokenize(SOURCE))
    units = align_units(a, d)
    lifted = [u for u in units if "swept parked cars" in ARTICLE[u.a_span[0]:u.a_span[1]]]
    assert lifted, "the clause's sentence pair was not seeded"
    u = lifted[0]
    assert u.containment < SourceSettings().min_containment  # the article's sentence is mostly its own
    assert max(b - a for a, b in u.runs) >= 12 and counts(u, SourceSettings())
    # with the run rule off, the pair is not seeded at all (the sentences share too little)
    off = align_units(a, d, AlignSettings(min_seed_run=10_000))
    assert not [u for u in off if "swept parked cars" in ARTICLE[u.a_span[0]:u.a_span[1]]]


def test_the_lifted_clause_makes_its_page_a_source():
    index = unspun.memory_index()
    index.add([Document(id="millbrook-wire", text=SOURCE, published="2024-04-02"),
               Document(id="school-board", text=OTHER, published="2024-04-01")])
    report = unspun.check(Document(id="article", text=ARTICLE, published="2024-04-03"), index)
    assert [s.doc.id for s in report.sources] == ["millbrook-wire"]
    spans = [ARTICLE[p.article_span[0]:p.article_span[1]] for p in report.sources[0].passages]
    assert any("swept parked cars into the rail yard near the old grain elevator" in s for s in spans)


def test_a_shorter_run_in_a_sentence_of_its_own_is_not_evidence():
    short = ARTICLE.replace(
        "as the river broke through, cut power to the hospital and swept parked cars into the rail yard "
        "near the old grain elevator",
        "as the river broke through and swept parked cars into the rail yard",
    )
    # the pair is still aligned (a run of 9 words seeds it) but its run is under 12 words
    units = align_units(prepare(tokenize(short)), prepare(tokenize(SOURCE)))
    lifted = [u for u in units if "swept parked cars" in short[u.a_span[0]:u.a_span[1]]]
    assert lifted and not counts(lifted[0], SourceSettings())
    index = unspun.memory_index()
    index.add([Document(id="millbrook-wire", text=SOURCE, published="2024-04-02"),
               Document(id="school-board", text=OTHER, published="2024-04-01")])
    report = unspun.check(Document(id="article", text=short, published="2024-04-03"), index)
    assert report.sources == ()
