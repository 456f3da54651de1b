"""Passage families (unspun.scan.families.build_families) on hand-made passages."""

from __future__ import annotations

from unspun.scan.families import MIN_PROSE, DocMeta, build_families

META = {
    0: DocMeta("wire/1", "wire.example", "2024-01-01T09:00:00"),
    1: DocMeta("wire/2", "wire.example", "2024-01-01T10:00:00"),
    2: DocMeta("farm/1", "farm.example", "2024-01-02T09:00:00"),
    3: DocMeta("farm/2", "farm.example", "2024-01-03T09:00:00"),
    4: DocMeta("blog/1", "blog.example", "2024-01-04T09:00:00"),
}


def passage(a: int, b: int, n: int, a_span: tuple[int, int], b_span: tuple[int, int],
            matched: int) -> dict:
    return {"pair": f"{a}-{b}", "a": a, "b": b, "passage": n, "a_start": a_span[0],
            "a_end": a_span[1], "b_start": b_span[0], "b_end": b_span[1], "matched": matched}


def families_of(rows: list[dict]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for r in rows:
        out.setdefault(r["id"], set()).add(r["family"])
    return out


def test_stitched_page_sits_in_one_family_per_story_and_the_stories_stay_apart():
    ps = [
        passage(0, 3, 0, (0, 900), (0, 880), 140),      # farm/2 = wire/1 ...
        passage(1, 3, 0, (0, 700), (900, 1600), 110),   # ... + wire/2, stitched
        passage(0, 2, 0, (0, 2000), (0, 1900), 300),    # farm/1 copies all of wire/1
    ]
    fams, origins = build_families(ps, META)
    f = families_of(fams)
    assert len(f["farm/2"]) == 2
    assert not f["wire/1"] & f["wire/2"]
    # the excerpt of wire/1 (0-900) lies inside farm/1's whole copy: one story, one family
    assert f["wire/1"] == f["farm/1"]
    assert f["farm/1"] & f["farm/2"]  # farm/2's wire/1 part is in that family ...
    assert f["farm/2"] - f["farm/1"]  # ... and its wire/2 part in another
    by_doc = {(r["id"], r["family"]): r for r in fams}
    wire2 = next(iter(f["wire/2"]))
    assert by_doc[("farm/2", wire2)]["start"] == 900 and by_doc[("farm/2", wire2)]["end"] == 1600
    assert by_doc[("wire/2", wire2)]["role"] == "origin" and by_doc[("farm/2", wire2)]["role"] == "copy"
    assert {o["origin_id"] for o in origins if o["b"] == 3} == {"wire/1", "wire/2"}


def test_a_stock_phrase_beside_the_story_does_not_join_two_stories():
    ps = [
        passage(0, 3, 0, (0, 800), (0, 790), 120),       # farm/2 stitches wire/1 ...
        passage(0, 3, 1, (1900, 1940), (1000, 1040), 7),  # (a stock phrase of wire/1 that
        passage(1, 3, 0, (0, 800), (800, 1600), 125),    # also sits in the wire/2 part)
    ]
    fams, origins = build_families(ps, META)
    f = families_of(fams)
    assert len(f["farm/2"]) == 2
    assert not f["wire/1"] & f["wire/2"]
    assert len(origins) == 3  # the short passage is still reported, with its origin
    # a pair whose passages are all short still links through its longest one
    fams, _ = build_families([passage(0, 2, 0, (0, 60), (0, 58), 9),
                              passage(0, 2, 1, (100, 150), (90, 140), 8)], META)
    assert families_of(fams)["farm/1"] == families_of(fams)["wire/1"]


def test_family_numbers_do_not_depend_on_input_order():
    ps = [
        passage(0, 2, 0, (0, 900), (0, 880), 140),
        passage(1, 3, 0, (0, 700), (0, 690), 110),
        passage(2, 4, 0, (0, 880), (0, 870), 130),
    ]
    a, _ = build_families(ps, META)
    b, _ = build_families(list(reversed(ps)), META)
    assert a == b
    assert {r["family"] for r in a} == {0, 1}
    assert [r["id"] for r in a if r["family"] == 0] == ["wire/1", "farm/1", "blog/1"]


def test_non_prose_passages_are_reported_but_link_no_family():
    ps = [
        passage(0, 2, 0, (0, 900), (0, 880), 140),       # farm/1 copies wire/1
        passage(1, 4, 0, (0, 700), (0, 690), 110),       # blog/1 copies wire/2
        # the same tweet embed code in farm/1 and blog/1
        {**passage(2, 4, 1, (900, 1100), (700, 900), 30), "prose": 0.3},
    ]
    fams, origins = build_families(ps, META)
    f = families_of(fams)
    assert not f["farm/1"] & f["blog/1"]
    assert len(origins) == 3
    # the same passage as prose would join the two stories (the rule above is what parts them)
    ps[2]["prose"] = 1.0
    f = families_of(build_families(ps, META)[0])
    assert f["farm/1"] & f["blog/1"]


def test_prose_share_tells_text_from_markup_and_tables():
    from unspun.scan.rows import prose_share

    assert prose_share('He said: "We will see," adding that U.S. rates rose 3.5% in 1986.') == 1.0
    assert prose_share("Россия заявила, что «мир» не наступит.") == 1.0
    assert prose_share('<blockquote class="twitter-tweet" data-lang="en"><p lang="en">') < 0.5
    assert prose_share('”hub”:{“hub_title”:”Investing”,”hub_link”:”https:\\/\\/time.com') < 0.5
    assert prose_share("0 obj <>stream 8;Ued?t!SRA7QBnFRsMGFO>7ba=f/:9f<03ao") < MIN_PROSE
    # wire tables of figures are news text
    assert prose_share("Shr 1st half 12-1/2 cts vs 3-for-2 Net 1,835,325 vs 3,157.6 4/2/87") == 1.0
    assert prose_share("") == 0.0
    assert prose_share("Home | World | The minister said on Monday • 3 min read") == 1.0


def test_an_older_page_sharing_one_sentence_is_not_the_origin_of_the_whole_story():
    meta = {
        0: DocMeta("old/quote", "old.example", "2023-06-01T09:00:00"),
        1: DocMeta("wire/1", "wire.example", "2024-01-01T09:00:00"),
        2: DocMeta("farm/1", "farm.example", "2024-01-02T09:00:00"),
        3: DocMeta("farm/2", "farm.example", "2024-01-03T09:00:00"),
    }
    ps = [
        passage(0, 1, 0, (50, 170), (400, 520), 22),  # the wire quotes one sentence of an old page
        passage(1, 2, 0, (0, 1500), (0, 1480), 240),  # a farm takes the whole wire story
        passage(2, 3, 0, (0, 1480), (10, 1490), 236),  # and another farm takes the farm's
    ]
    _, origins = build_families(ps, meta)
    by = {(o["a"], o["b"]): o for o in origins}
    assert by[(1, 2)]["origin_id"] == "wire/1"
    assert by[(2, 3)]["origin_id"] == "wire/1"  # followed back through the first farm
    assert by[(0, 1)]["origin_id"] == "old/quote"  # the quoted sentence itself does come from it
