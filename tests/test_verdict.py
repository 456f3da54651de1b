"""Verdict labels at their documented thresholds (unspun.analyze.verdict)."""

from __future__ import annotations

import pytest

from unspun.analyze.verdict import LABELS, VerdictSettings, decide, spin_density
from unspun.models import Document, Edit, Finding, Passage, SourceMatch


def _source(doc_id: str, coverage: float, matched: int = 100, swaps: int = 0, site: str | None = None) -> SourceMatch:
    edits = tuple(Edit("synonym", (i, i + 1), (i, i + 1), "x", "y") for i in range(swaps))
    p = Passage((0, 10), (0, 10), 1.0, matched, edits)
    return SourceMatch(Document(id=doc_id, text="t" * 100, site=site, published="2020-10-22"), coverage, 0.5, (p,))


def test_settings_documented_defaults():
    st = VerdictSettings()
    assert (st.min_copied, st.min_source_share, st.min_covered, st.light_spin, st.heavy_spin) == (
        0.15, 0.10, 0.3, 0.05, 0.20)
    assert (st.min_reproduced, st.min_words, st.min_source_words) == (0.6, 30, 12)


def test_a_lifted_sentence_makes_a_long_article_stitched():
    """A second source that adds one sentence of its own (14 words of a 200-word article,
    7%) is a stitch; one that adds 4 words (a shared name and a date) is not."""
    main, lift = _source("a", 0.70), _source("b", 0.07)
    assert decide([main, lift], 0.77, 0.0, words=200).label == "stitched"
    assert decide([main, _source("b", 0.02)], 0.72, 0.0, words=200).label == "verbatim-copy"
    # without the article's length, only the share counts
    assert decide([main, lift], 0.77, 0.0).label == "verbatim-copy"


@pytest.mark.parametrize(
    "sources, coverage, label",
    [
        ([], 0.0, "original"),
        ([_source("a", 0.14)], 0.14, "original"),  # under min_copied
        ([_source("a", 0.50), _source("b", 0.10)], 0.60, "stitched"),  # both at least 10%
        ([_source("a", 0.70), _source("b", 0.09)], 0.79, "verbatim-copy"),  # second under 10%
        ([_source("a", 0.29)], 0.29, "mostly-unsourced"),
        ([_source("a", 0.15), _source("b", 0.09)], 0.24, "mostly-unsourced"),
        ([_source("a", 0.9, matched=96, swaps=4)], 0.9, "verbatim-copy"),  # 4% swapped
        ([_source("a", 0.9, matched=95, swaps=5)], 0.9, "light-spin"),  # exactly 5%
        ([_source("a", 0.9, matched=81, swaps=19)], 0.9, "light-spin"),  # 19%
        ([_source("a", 0.9, matched=80, swaps=20)], 0.9, "heavy-spin"),  # exactly 20%
    ],
)
def test_labels_at_thresholds(sources, coverage, label):
    assert decide(sources, coverage, 0.0).label == label
    assert label in LABELS


def test_a_short_source_reproduced_whole_is_a_copy_not_mostly_unsourced():
    """An article that reproduces most of a (short, or truncated) source and adds as much
    again of its own is a copy of that source with additions, not 'mostly unsourced'."""
    p = Passage((0, 10), (0, 80), 1.0, 100)
    whole = SourceMatch(Document(id="release", text="t" * 100), 0.25, 0.5, (p,))
    assert decide([whole], 0.25, 0.7).label == "verbatim-copy"
    p = Passage((0, 10), (0, 50), 1.0, 100)
    part = SourceMatch(Document(id="release", text="t" * 100), 0.25, 0.5, (p,))
    assert decide([part], 0.25, 0.7).label == "mostly-unsourced"


def test_too_short_to_judge():
    v = decide([], 0.0, 1.0, words=2)
    assert v.label == "too-short" and "2 words" in v.summary
    assert decide([], 0.0, 1.0, words=31).label == "original"


def test_reworded_sentences_count_as_changed_words():
    text = "one two three four five six seven eight nine ten"
    copied = Passage((0, 9), (0, 9), 1.0, 8)
    reworded = Passage((10, len(text)), (10, 20), 0.5, 0, kind="reworded")
    s = SourceMatch(Document(id="d", text="x" * 30), 0.9, 0.5, (copied, reworded))
    v = decide([s], 0.9, 0.0, text=text)
    assert v.label == "heavy-spin" and "1 reworded sentence" in v.summary


def test_spin_density_counts_words_of_swaps():
    s = _source("a", 0.9, matched=90, swaps=10)
    assert spin_density([s]) == (0.1, 10)


def test_summary_cites_the_numbers():
    sources = [_source("a", 0.6, site="one.example"), _source("b", 0.3, matched=90, swaps=10, site="two.example")]
    findings = [
        Finding("quote-altered", (0, 1), "d", "a", (0, 1)),
        Finding("number-changed", (0, 1), "d", "a", (0, 1)),
        Finding("number-changed", (2, 3), "d", "a", (0, 1)),
        Finding("unsourced", (5, 9), "d", data={"role": "connector"}),
        Finding("unsourced", (9, 12), "d", data={"role": None}),
    ]
    v = decide(sources, 0.9, 0.1, findings=findings)
    assert v.summary == (
        "Stitched from 2 sources: 60% from one.example (2020-10-22), 30% from two.example (2020-10-22); "
        "10 synonym swaps (5% of copied words), 1 altered quote, 2 changed numbers, "
        "1 possible invented connector, 10% unsourced."
    )
    more = sources + [_source(c, 0.01) for c in "cd"]
    assert "1% from c (2020-10-22) and 1 more; 10 synonym swaps" in decide(more, 0.9, 0.1, findings=[]).summary
    assert decide([], 0.05, 0.95).summary == "No source in the index explains more than 5% of the article."
    single = decide([_source("a", 0.9, matched=80, swaps=20, site="one.example")], 0.9, 0.1, findings=[])
    assert single.summary.startswith("Heavily spun copy of one.example (2020-10-22): 90% from one.example")
