"""Stock wording of a story (a sentence every outlet repeats) is not evidence of copying,
and a sentence two texts carry counts for the one that explains the article best."""

from __future__ import annotations

import unspun
from unspun.analyze.copies import is_later, pick_origin
from unspun.analyze.rarity import RaritySettings
from unspun.models import Document
from unspun.pipeline import CheckSettings

STOCK = ("The agency said the storm had left more than twelve thousand homes without power "
         "across the northern counties by Tuesday evening.")

OUTLETS = [
    "Crews worked through the night on the coast road. " + STOCK + " Schools in two towns stayed closed, "
    "and the ferry service to the islands was suspended until further notice.",
    "Farmers counted the losses in flooded orchards along the river valley. " + STOCK + " A relief fund "
    "opened by the county had collected donations from several hundred residents by noon.",
    "The regional airport reopened after a day of cancelled flights. " + STOCK + " Engineers inspected "
    "the main bridge, which had been closed to lorries as a precaution since Monday.",
]

ARTICLE = ("Residents of the harbour town began clearing fallen trees from their gardens on Wednesday. "
           + STOCK + " The mayor thanked volunteers who had handed out blankets and hot meals at the "
           "community hall, and said repairs to the sea wall would start next month.")


def _index():
    idx = unspun.memory_index()
    idx.add([Document(id=f"outlet-{i}", text=t) for i, t in enumerate(OUTLETS)])
    return idx


def test_a_sentence_every_outlet_repeats_makes_no_source():
    report = unspun.check(Document(id="report", text=ARTICLE), _index())
    assert report.sources == ()
    assert report.verdict.label == "original"


def test_without_the_stock_rule_each_outlet_would_be_a_source():
    # the same check with stock wording counted (a run must be in 99 other texts to be
    # stock): the shared sentence alone makes outlets sources
    loose = CheckSettings(rarity=RaritySettings(max_spread=99))
    report = unspun.check(Document(id="report", text=ARTICLE), _index(), loose)
    assert len(report.sources) >= 1


def test_direction_and_origin_rules():
    assert is_later("2021-03-01", "2020-10-22")
    assert not is_later("2020-10-24", "2020-10-22")  # within two days: dates are often a day off
    assert not is_later(None, "2020-10-22") and not is_later("2021-03-01", None)
    assert not is_later("March 2021", "2020-10-22")  # not a date: direction unknown
    published = {"a": "2020-10-23", "b": "2020-10-21", "c": None}
    # the earliest dated among those explaining at least half as much as the best
    assert pick_origin(["a", "b", "c"], published, {"a": 100, "b": 60, "c": 120}) == "b"
    assert pick_origin(["a", "b", "c"], published, {"a": 100, "b": 40, "c": 120}) == "a"
    assert pick_origin(["c"], published, {"c": 10}) == "c"
