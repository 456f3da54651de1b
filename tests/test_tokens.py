from __future__ import annotations

from unspun.normalize import fold_number, fold_token
from unspun.tokens import quote_spans, sentence_spans, tokenize


def test_fold_token_homoglyphs_zero_width_quotes():
    assert fold_token("Russia") == "russia"
    assert fold_token("Ruѕѕiа") == "russia"  # Cyrillic dze and a mixed into a Latin word
    assert fold_token("Rus\u200bsia") == "russia"
    assert fold_token("China’s") == "china's"
    assert fold_token("Россия") == "россия"  # a real Cyrillic word is left alone


def test_fold_number_thousands():
    assert fold_number("1,550") == "1550"
    assert fold_number("1550") == "1550"
    assert fold_number("3.5") == "3.5"


def test_tokens_keep_offsets_into_original_text():
    text = "The U.S. limits each side to 1,550 war\u200bheads, “Putin’s” aides said."
    t = tokenize(text)
    assert t.norm == ["the", "u.s.", "limits", "each", "side", "to", "1550", "warheads", "putin's", "aides", "said"]
    spans = [text[a:b] for a, b in zip(t.starts, t.ends, strict=True)]
    assert spans[1] == "U.S." and spans[6] == "1,550" and spans[7] == "war\u200bheads" and spans[8] == "Putin’s"
    assert "u.s." in t.norm
    assert "1550" in t.norm
    assert "warheads" in t.norm
    assert "putin's" in t.norm


def test_sentences_ignore_abbreviations_and_line_wraps():
    text = "Sen. Ben Cardin (D-Md.) spoke on Jan. 5 in\nWashington. The U.S. Senate voted. It passed!\n\nNew paragraph"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == [
        "Sen. Ben Cardin (D-Md.) spoke on Jan. 5 in\nWashington.",
        "The U.S. Senate voted.",
        "It passed!",
        "New paragraph",
    ]


def test_sentence_split_without_space_after_stop():
    text = "It was reprehensible to the worldwide community.'We urge you to act now,' they wrote."
    assert len(sentence_spans(text)) == 2


def test_quote_spans_curly_straight_single_and_apostrophes():
    text = (
        "He said “time will show” and \"we won't exclude it\". "
        "'Without any doubt, China's army is stronger, ' he said. Don't quote this."
    )
    qs = [text[a:b] for a, b in quote_spans(text)]
    assert qs == ["time will show", "we won't exclude it", "Without any doubt, China's army is stronger, "]
    t = tokenize(text)
    inq = {t.norm[i] for i in range(len(t)) if t.in_quote[i]}
    assert "exclude" in inq and "army" in inq
    assert "don't" not in inq and "said" not in inq


def test_unclosed_quote_is_ignored():
    assert quote_spans("He said 'we urge you to act and then walked away.") == []


def test_stray_straight_quote_does_not_invert_the_paragraph():
    text = (
        '"We are guilty of it. They will appear in court on Monday. '
        'The dollar stayed weak on Friday, analysts said. He called it "a non-starter" today.'
    )
    qs = [text[a:b] for a, b in quote_spans(text)]
    assert qs == ["a non-starter"]


def test_quotation_continued_over_paragraphs():
    text = '"The first part of the statement.\n\n"And the second part," she said.'
    qs = [text[a:b] for a, b in quote_spans(text)]
    assert qs == ["The first part of the statement.", "And the second part,"]


def test_far_apart_single_quotes_are_not_a_quotation():
    filler = "The committee met again and reviewed the budget in detail. " * 12
    text = "He sold the 'Alpha model in March. " + filler + "It was the dealers' best year."
    assert quote_spans(text) == []
