"""Fast tests of the benchmark generator, metrics and gate (tiny made-up corpus, stub
lexicon; no benchmark data needed)."""

from __future__ import annotations

import copy
import math
import re

import pytest
from bench import gate, metrics
from bench.generator import (
    PLANT_KINDS,
    SpinStitchGenerator,
    norm_ws,
    paragraph_spans,
    prepare,
    sentence_spans,
    undo_edits,
    verify_suspect,
)

DOC_A = {
    "id": "a",
    "text": (
        "Russia said on Monday it will cut oil exports by 1,550 barrels a day.\n"
        "    The international community has criticised the decision, but officials in\n"
        "Moscow said the move was necessary.\n"
        '    "We do not want a price war with anyone at all," said Energy Minister Ivan\n'
        "Petrov.\n"
        "    Analysts said prices could rise sharply next month.\n"
        " Reuter"
    ),
}
DOC_B = {
    "id": "b",
    "text": (
        "Shares in Acme Corp rose 12% on Tuesday after the firm reported strong profits.\n\n"
        "The company said sales had grown in every region. Chief executive Jane Smith said the "
        'results were "a clear sign that our strategy is working well for everyone".\n\n'
        "The firm was not expected to raise its dividend this year."
    ),
}
DOC_C = {
    "id": "c",
    "text": (
        "Heavy rain caused flooding in the north of the country on Sunday. Emergency services "
        "said 40 homes were damaged. The weather service warned that more rain would fall "
        "later in the week. Residents were told to stay indoors."
    ),
}
HELD = {
    "id": "held",
    "text": (
        "The mayor praised the volunteers who helped clear the streets. Schools will reopen "
        "on Thursday, officials said. A full report is expected next month."
    ),
}
DOCS = {d["id"]: d["text"] for d in (DOC_A, DOC_B, DOC_C, HELD)}

STOP = frozenset(
    """a an the and but or of in on at by to for with from is are was were be been will
    would could should can do does did not no it its he she they we our this that these
    those has have had said all any every""".split()
)
GROUPS = [
    ("cut", "reduce", "trim"),
    ("international community", "worldwide community", "global community"),
    ("russia", "russian federation"),
    ("exports", "shipments"),
    ("criticised", "slammed"),
    ("decision", "determination"),
    ("officials", "functionaries"),
    ("necessary", "essential"),
    ("prices", "costs"),
    ("sharply", "steeply"),
    ("shares", "stocks"),
    ("strong", "robust"),
    ("profits", "earnings"),
    ("company", "firm", "business"),
    ("results", "outcome"),
    ("heavy", "hard"),
    ("flooding", "inundation"),
    ("damaged", "harmed"),
    ("warned", "cautioned"),
    ("residents", "occupants"),
    ("month", "calendar month"),
    ("rise", "climb", "go up"),
    ("region", "area"),
    ("move", "step"),
    ("want", "desire"),
]


class StubLexicon:
    """The three calls the generator makes on unspun's lexicon."""

    def __init__(self, groups: list[tuple[str, ...]], stopwords: frozenset[str]) -> None:
        self.stopwords = stopwords
        self._index: dict[str, set[str]] = {}
        for g in groups:
            for t in g:
                self._index.setdefault(t, set()).update(x for x in g if x != t)

    @staticmethod
    def _norm(t: str) -> str:
        return " ".join(t.lower().split())

    def synonyms(self, term: str) -> frozenset[str]:
        return frozenset(self._index.get(self._norm(term), ()))

    def has_synonyms(self, term: str) -> bool:
        return self._norm(term) in self._index

    def is_stopword(self, word: str) -> bool:
        return self._norm(word) in self.stopwords


LEX = StubLexicon(GROUPS, STOP)


def make_gen(seed: int = 7, **kw) -> SpinStitchGenerator:
    return SpinStitchGenerator(
        LEX,
        seed=seed,
        name_pool=["Harris", "Lopez", "Tanaka"],
        word_pool=["banana", "carpet", "lantern"],
        **kw,
    )


FIXED = {"truncate": False, "paragraph_reorder": False, "sentence_reorder": False}


# ---------------------------------------------------------------------------------------
# splitting


def test_paragraphs_and_sentences_reuters_layout():
    text = DOC_A["text"]
    paras = paragraph_spans(text)
    assert len(paras) == 4  # sign-off dropped
    assert text[paras[0][0] : paras[0][1]].startswith("Russia said")
    assert text[paras[-1][0] : paras[-1][1]].endswith("next month.")
    sents = sentence_spans(DOC_C["text"])
    assert [DOC_C["text"][s:e].split()[0] for s, e in sents] == [
        "Heavy",
        "Emergency",
        "The",
        "Residents",
    ]
    # an abbreviation does not end a sentence
    t = "The U.S. Treasury said Mr. Baker will speak. He left."
    assert len(sentence_spans(t)) == 2


# ---------------------------------------------------------------------------------------
# whole copies


def test_whole_copy_unspun_is_verbatim_up_to_whitespace():
    s = make_gen().whole(DOC_A, 0.0, "w0", plant=[], **FIXED)
    verify_suspect(s, DOCS)
    assert s["kind"] == "whole" and s["edits"] == [] and s["unsourced"] == []
    [p] = s["passages"]
    doc = prepare(DOC_A)
    assert p["source_span"] == [doc.sentences[0][0], doc.sentences[-1][1]]
    assert p["article_span"] == [0, len(s["text"])]
    assert p["obfuscation"] == "none"
    a, b = p["source_span"]
    assert norm_ws(s["text"]) == norm_ws(DOC_A["text"][a:b])
    assert "Reuter" not in s["text"]


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.7, 1.0])
def test_spin_rate_is_exact_and_edits_are_exact(rate):
    s = make_gen().whole(DOC_A, rate, f"w-{rate}", plant=[], **FIXED)
    verify_suspect(s, DOCS)
    syn = [e for e in s["edits"] if e["kind"] == "synonym"]
    st = s["stats"]
    assert st["spun"] == int(rate * st["candidates"] + 0.5) == len(syn)
    for e in s["edits"]:
        a, b = e["article_span"]
        c, d = e["source_span"]
        assert s["text"][a:b] == e["article_text"]
        assert DOC_A["text"][c:d] == e["source_text"]
        if e["kind"] == "synonym":
            assert LEX.synonyms(e["source_text"]) and e["article_text"].lower() in {
                x.lower() for x in LEX.synonyms(e["source_text"])
            }
    assert s["passages"][0]["obfuscation"] == "spin"


def test_multiword_synonyms_and_capitalisation():
    s = make_gen().whole(DOC_A, 1.0, "w-full", plant=[], **FIXED)
    verify_suspect(s, DOCS)
    by_src = {e["source_text"]: e["article_text"] for e in s["edits"] if e["kind"] == "synonym"}
    # phrase rewrite via a multi-word lexicon entry
    assert by_src["international community"] in {"worldwide community", "global community"}
    # first-letter capitalisation kept
    assert by_src["Russia"] == "Russian federation"
    assert s["text"].startswith("Russian federation said")
    assert by_src["month"] == "calendar month"


def test_inflected_words_and_names():
    lex = StubLexicon(
        [("rate", "grade"), ("howard", "leslie howard"), ("march 17", "st patrick's day")], STOP
    )
    doc = {
        "id": "d",
        "text": "Minister Ivan Howard said interest rates rose sharply by March 17 this year.",
    }
    s = SpinStitchGenerator(lex, seed=1).whole(doc, 1.0, "w-infl", plant=[], **FIXED)
    verify_suspect(s, {"d": doc["text"]})
    assert [(e["source_text"], e["article_text"]) for e in s["edits"]] == [("rates", "grades")]
    off = SpinStitchGenerator(lex, seed=1, inflect=False).whole(doc, 1.0, "w", plant=[], **FIXED)
    assert off["edits"] == []


def test_grammar_damage_is_recorded():
    gen = make_gen(grammar_rate=1.0)
    s = gen.whole(DOC_A, 0.3, "w-gram", plant=[], **FIXED)
    verify_suspect(s, DOCS)
    gram = [e for e in s["edits"] if e["kind"] == "grammar"]
    assert any(e["source_text"] == "but" and e["article_text"] == "dud" for e in gram)
    dropped = [e for e in gram if e["article_text"] == ""]
    assert dropped and all(re.fullmatch(r"(the|a)\s+", e["source_text"]) for e in dropped)
    assert all(e["article_span"][0] == e["article_span"][1] for e in dropped)


def test_planted_integrity_changes():
    s = make_gen().whole(DOC_A, 0.0, "w-plant", plant=PLANT_KINDS, **FIXED)
    verify_suspect(s, DOCS)
    kinds = sorted(e["kind"] for e in s["edits"])
    assert kinds == sorted(PLANT_KINDS)
    ed = {e["kind"]: e for e in s["edits"]}
    num = ed["number"]
    assert num["source_text"] == "1,550"
    assert len(num["article_text"]) == 5 and re.fullmatch(r"\d,\d{3}", num["article_text"])
    assert sum(x != y for x, y in zip(num["source_text"], num["article_text"], strict=True)) == 1
    name = ed["name"]
    assert name["article_text"] in {"Harris", "Lopez", "Tanaka"}
    assert name["source_text"][0].isupper() and name["source_text"] != name["article_text"]
    neg = ed["negation"]
    src_words, art_words = neg["source_text"].split(), neg["article_text"].split()
    assert abs(len(src_words) - len(art_words)) == 1 and "not" in src_words + art_words
    quote = ed["quote"]
    qa, qb = quote["article_span"]
    assert any(
        q0 < qa + (qa == qb) and qb - (qa == qb) < q1 for q0, q1 in metrics.quote_spans(s["text"])
    )


def test_reordering_and_truncation_keep_exact_spans():
    gen = make_gen()
    s = gen.whole(
        DOC_C, 0.5, "w-reo", truncate=False, paragraph_reorder=False, sentence_reorder=True
    )
    verify_suspect(s, DOCS)
    assert len(s["passages"]) >= 2
    assert all("reorder" in p["obfuscation"] for p in s["passages"])
    assert sorted(s["text"].split(". ")) != s["text"].split(". ")  # order changed
    s2 = gen.whole(
        DOC_A, 0.3, "w-para", truncate=False, paragraph_reorder=True, sentence_reorder=False
    )
    verify_suspect(s2, DOCS)
    assert all("paragraph-reorder" in p["obfuscation"] for p in s2["passages"])
    s3 = gen.whole(
        DOC_C,
        0.0,
        "w-trunc",
        truncate=True,
        paragraph_reorder=False,
        sentence_reorder=False,
        plant=[],
    )
    verify_suspect(s3, DOCS)
    [p] = s3["passages"]
    assert p["obfuscation"] == "truncate"
    a, b = p["source_span"]
    assert (a, b) != (0, len(DOC_C["text"])) and b - a < len(DOC_C["text"])


def test_determinism_with_seed():
    one = make_gen(seed=3).whole(DOC_B, 0.5, "w-det")
    two = make_gen(seed=3).whole(DOC_B, 0.5, "w-det")
    assert one == two
    st1 = make_gen(seed=3).stitched([DOC_A, DOC_B, DOC_C], 0.5, "st-det", heldout=HELD)
    st2 = make_gen(seed=3).stitched([DOC_A, DOC_B, DOC_C], 0.5, "st-det", heldout=HELD)
    assert st1 == st2
    # another seed gives other choices (some of these would be identical only by chance)
    others = [make_gen(seed=k).whole(DOC_B, 0.5, "w-det")["text"] for k in range(4, 9)]
    assert any(t != one["text"] for t in others)


# ---------------------------------------------------------------------------------------
# stitched and negatives


def test_stitched_passages_and_unsourced_spans():
    s = make_gen().stitched([DOC_A, DOC_B, DOC_C], 0.3, "st1", heldout=HELD, n_invented=2)
    verify_suspect(s, DOCS)
    assert s["kind"] == "stitched"
    assert set(s["source_ids"]) == {"a", "b", "c"}
    assert s["heldout_ids"] == ["held"]
    assert len(s["unsourced"]) == 2
    held_sents = {norm_ws(HELD["text"][a:b]) for a, b in sentence_spans(HELD["text"])}
    for u in s["unsourced"]:
        a, b = u["article_span"]
        assert norm_ws(s["text"][a:b]) in held_sents
        ha, hb = u["heldout_span"]
        assert s["text"][a:b] == HELD["text"][ha:hb]
        for p in s["passages"]:  # unsourced text lies outside every passage
            pa, pb = p["article_span"]
            assert b <= pa or a >= pb
    for p in s["passages"]:
        doc = prepare({"id": p["source_id"], "text": DOCS[p["source_id"]]})
        n = sum(
            1 for a, b in doc.sentences if p["source_span"][0] <= a and b <= p["source_span"][1]
        )
        assert 1 <= n <= 5


def test_stitched_without_invented_sentences():
    s = make_gen().stitched([DOC_A, DOC_C], 0.7, "st2", heldout=HELD, n_invented=0)
    verify_suspect(s, DOCS)
    assert s["unsourced"] == [] and s["heldout_ids"] == []


def test_negative_record():
    s = make_gen().negative(DOC_C, "neg1", "basil")
    verify_suspect(s, DOCS)
    assert s["kind"] == "negative" and s["passages"] == [] and s["source_ids"] == []
    assert s["unsourced"] == [{"article_span": [0, len(DOC_C["text"])]}]


def test_verify_catches_wrong_truth():
    s = make_gen().whole(DOC_A, 0.5, "w-bad", plant=PLANT_KINDS, **FIXED)
    verify_suspect(s, DOCS)
    bad = copy.deepcopy(s)
    bad["edits"][0]["article_span"][0] += 1
    with pytest.raises(AssertionError):
        verify_suspect(bad, DOCS)
    bad = copy.deepcopy(s)
    bad["edits"].pop()
    with pytest.raises(AssertionError):
        verify_suspect(bad, DOCS)
    bad = copy.deepcopy(s)
    bad["text"] = bad["text"] + " An extra sentence nobody recorded."
    with pytest.raises(AssertionError):
        verify_suspect(bad, DOCS)
    bad = copy.deepcopy(s)
    bad["passages"][0]["source_span"][1] += 400
    with pytest.raises(AssertionError):
        verify_suspect(bad, DOCS)


def test_undo_edits_restores_source():
    s = make_gen(grammar_rate=1.0).whole(DOC_B, 0.7, "w-undo", plant=PLANT_KINDS, **FIXED)
    [p] = s["passages"]
    a, b = p["article_span"]
    c, d = p["source_span"]
    assert norm_ws(undo_edits(s["text"][a:b], a, s["edits"])) == norm_ws(DOC_B["text"][c:d])


# ---------------------------------------------------------------------------------------
# metrics


def test_plagdet_hand_computed():
    A = metrics.Annotation
    cases = [A("s1", 0, 100, "src1", 0, 100), A("s1", 200, 50, "src2", 0, 50)]
    dets = [
        A("s1", 0, 50, "src1", 0, 50),
        A("s1", 50, 50, "src1", 50, 100),
        A("s1", 200, 50, "src3", 0, 50),  # right place, wrong source: detects nothing
    ]
    # recall: case 1 fully covered on both sides (1.0), case 2 missed (0.0) -> 0.5
    # precision: det 1 -> 100/100; det 2 -> (50 + 50) / (50 + 100) = 2/3; det 3 -> 0
    # granularity: case 1 has two detections, case 2 none -> 2
    r = metrics.plagdet(cases, dets)
    assert r["recall"] == pytest.approx(0.5)
    assert r["precision"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert r["granularity"] == pytest.approx(2.0)
    f1 = 2 * 0.5 * (5 / 9) / (0.5 + 5 / 9)
    assert f1 == pytest.approx(10 / 19)
    assert r["plagdet"] == pytest.approx((10 / 19) / math.log2(3))
    # PAN conventions: nothing to find and nothing found -> 1; one side empty -> 0
    assert metrics.macro_recall([], []) == 1.0
    assert metrics.macro_recall(cases, []) == 0.0
    assert metrics.granularity(cases, []) == 1.0
    assert metrics.plagdet_score(0, 0, 1) == 0.0
    perfect = metrics.plagdet(cases, cases)
    assert perfect["plagdet"] == pytest.approx(1.0)


def test_recall_false_source_and_edit_scores():
    s = make_gen().stitched([DOC_A, DOC_B, DOC_C], 0.3, "st-m", heldout=HELD, n_invented=1)
    neg = make_gen().negative(HELD, "neg", "basil")
    sus = [s, neg]
    ranked = {"st-m": [("a", 3.0), ("x", 2.0), ("b", 1.0)], "neg": [("a", 0.5)]}
    r = metrics.recall_at_k(sus, ranked)
    assert r["stitched"]["0.3"]["recall@1"] == pytest.approx(1 / 3)
    assert r["stitched"]["0.3"]["recall@5"] == pytest.approx(2 / 3)
    fs = metrics.false_source_rate(sus, {"st-m": ["a"], "neg": ["a"]})
    assert fs["basil"]["rate"] == 1.0 and fs["all"]["n"] == 1
    # a report that finds every truth edit (same spans) and one wrong number edit
    dets = [
        {
            "kind": e["kind"] if e["kind"] != "quote" else "delete",
            "article_span": e["article_span"],
            "in_quote": e["kind"] == "quote",
        }
        for e in s["edits"]
        if e["kind"] != "grammar"
    ]
    syn = next(e for e in s["edits"] if e["kind"] == "synonym")
    far = len(s["text"]) - 1
    dets.append({"kind": "number", "article_span": [far, far + 1], "in_quote": False})
    rep = {
        "sources": [
            {
                "doc_id": "a",
                "passages": [{"article_span": [0, 1], "source_span": [0, 1], "edits": dets}],
            }
        ],
        "unsourced": [{"article_span": u["article_span"]} for u in s["unsourced"]],
    }
    es = metrics.edit_scores([s], {"st-m": rep})
    assert es["recall"]["synonym"]["value"] == 1.0
    assert es["precision"]["number"]["n"] == sum(1 for e in s["edits"] if e["kind"] == "number") + 1
    assert es["precision"]["synonym"]["value"] == 1.0
    assert syn["article_span"]
    un = metrics.unsourced_scores([s], {"st-m": rep})
    assert un["stitched"]["precision"] == 1.0 and un["stitched"]["recall"] == 1.0


def test_gate_check_bounds():
    gate_values = {"unspun/whole/0.3/recall@5": 0.9, "unspun/negatives/false_source_rate": 0.2}
    assert gate.check(gate_values, {"floors": {"unspun/whole/0.3/recall@5": 0.8}}) == []
    assert gate.check(gate_values, {"floors": {"unspun/whole/0.3/recall@5": 0.95}})
    assert gate.check(gate_values, {"ceilings": {"unspun/negatives/false_source_rate": 0.1}})
    assert gate.check({}, {"floors": {"missing": 0.0}}) == []
    assert gate.check({}, {"floors": {"missing": 0.5}})


def test_baselines_find_a_copied_source():
    pytest.importorskip("datasketch")
    from bench.baselines import MinHashLSHBaseline, NgramBaseline

    docs = [DOC_A, DOC_B, DOC_C]
    copy_text = make_gen().whole(DOC_B, 0.1, "w-base", plant=[], **FIXED)["text"]
    for method in (MinHashLSHBaseline(), NgramBaseline()):
        method.build(docs)
        top = method.query(copy_text, 5)
        assert top and top[0][0] == "b"
        assert method.insert_seconds >= 0 and method.shingle_seconds >= 0
        assert "b" in method.claims(copy_text)
