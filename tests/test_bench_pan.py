"""Parsing and scoring helpers of bench/pan.py and bench/paraphrase.py on tiny made-up
inputs (no benchmark data needed)."""

from __future__ import annotations

import pytest
from bench import pan, paraphrase
from bench.metrics import Annotation

XML = """<document reference="suspicious-document00001.txt">
<feature name="about" authors="someone" />
<feature name="plagiarism" obfuscation="none" source_length="40" source_offset="7"
 source_reference="source-document00002.txt" this_length="41" this_offset="120"
 type="artificial" />
<feature name="plagiarism" obfuscation="none" source_length="10" source_offset="0"
 source_reference="source-document00003.txt" this_length="12" this_offset="5"
 type="artificial" />
</document>"""

COPIED = (
    "The harbour committee agreed on Tuesday to rebuild the old northern pier before the "
    "storm season, spending most of the reserve fund on timber and labour"
)
SUSP = "Local news in brief. " * 3 + COPIED.replace(" pier ", "\n  pier ") + ". Other words here."
SRC = "An unrelated opening sentence about gardens. " + COPIED.replace("timber", "tlmber") + "."


def test_parse_truth_and_pairs():
    cases = pan.parse_truth(XML)
    assert cases == [
        Annotation("suspicious-document00001.txt", 120, 41, "source-document00002.txt", 7, 40),
        Annotation("suspicious-document00001.txt", 5, 12, "source-document00003.txt", 0, 10),
    ]
    pairs = pan.parse_pairs("s1.txt a.txt\ns1.txt b.txt\n\ns2.txt a.txt\n")
    assert pairs == {"s1.txt": {"a.txt", "b.txt"}, "s2.txt": {"a.txt"}}


def test_common_segments_bridges_altered_word_and_whitespace():
    segs = pan.common_segments(SUSP, SRC)
    assert len(segs) == 1
    s = segs[0]
    assert SUSP[s.a0 : s.a1].startswith("The harbour") and SUSP[s.a0 : s.a1].endswith("labour")
    assert SRC[s.b0 : s.b1].startswith("The harbour") and SRC[s.b0 : s.b1].endswith("labour")
    assert s.words == len(COPIED.split())
    assert pan.common_segments(SUSP, "nothing in common at all here, none whatsoever") == []


def test_reanchor_moves_drifted_case():
    s = pan.common_segments(SUSP, SRC)[0]
    drifted = Annotation("s", s.a0 + 25, s.a1 - s.a0 - 3, "d", s.b0 - 9, s.b1 - s.b0 + 4)
    got = pan.reanchor(drifted, [s])
    assert got == Annotation("s", s.a0, s.a1 - s.a0, "d", s.b0, s.b1 - s.b0)
    # a segment of very different length is not taken
    assert pan.reanchor(drifted._replace(tlen=10 * drifted.tlen), [s]) is None
    # the nearest of two equal-length segments wins
    far = pan.Segment(s.a0 + 5000, s.a1 + 5000, s.b0, s.b1, s.words)
    assert pan.reanchor(drifted, [far, s]).toff == s.a0


def test_doc_scores_recall_at_and_inspection():
    truth = {"q1": {"a", "b"}, "q2": {"c"}}
    got = {"q1": ["a", "x"], "q2": []}
    sc = pan.doc_scores(truth, got)
    assert (sc["found"], sc["false"], sc["true_pairs"]) == (1, 1, 3)
    assert sc["recall"] == pytest.approx(1 / 3) and sc["precision"] == 0.5
    r = pan.recall_at(truth, {"q1": ["b", "a"], "q2": ["z", "c"]}, 1)
    assert r["found"] == 1 and r["ceiling"] == pytest.approx(2 / 3)
    susp = {"q1": SUSP, "q2": "nothing"}
    src = {"a": "", "b": "", "c": "", "x": SRC}
    ins = pan.inspect_false(truth, got, susp, src)
    assert ins["false"] == 1 and ins["verbatim"] == 1 and ins["where"]["outside"] == 1
    case = Annotation("q1", 0, len(SUSP), "a", 0, 1)
    assert pan.inspect_false(truth, got, susp, src, [case])["where"]["in case"] == 1
    src["x"] = "entirely different words"
    assert pan.inspect_false(truth, got, susp, src)["where"]["none"] == 1


def test_quoted_share():
    from unspun.tokens import tokenize

    text = 'He said "the pier will be rebuilt soon" and left the hall.'
    toks = tokenize(text)
    a = text.index("the pier")
    b = text.index(" and")
    assert pan.quoted_share(toks, a, b) == 1.0
    assert pan.quoted_share(toks, b, len(text)) == 0.0
    assert pan.quoted_share(toks, 5, 5) == 0.0


def test_md_table():
    lines = pan.md_table(["a", "b"], [["x", 0.5], [None, 3]])
    assert lines == ["| a | b |", "|---|---|", "| x | 0.500 |", "| – | 3 |"]


def test_paraphrase_helpers():
    assert paraphrase.overlap("The cat sat.", "the cat sat on the mat") == 1.0
    assert paraphrase.overlap("", "x") == 0.0
    assert paraphrase.bin_of(0.2) == "0.0-0.5" and paraphrase.bin_of(1.0) == "0.9-1.0"
    rows = [{"g": "p", "hit": True}, {"g": "p", "hit": False}, {"g": "n", "hit": False}]
    assert paraphrase.rates(rows, ["hit"], "g") == {
        "n": {"n": 1, "hit": 0.0},
        "p": {"n": 2, "hit": 0.5},
    }
