"""The fast paths of the aligner give what the plain ones give.

* :mod:`unspun.seqmatch` (``cydifflib`` when installed) must give difflib's matching
  blocks, opcodes and ratios on the aligner's own token keys;
* :func:`unspun.tokens.tokenize` and :func:`~unspun.tokens.quote_spans` are checked
  against the plain per-character / per-token loops they replaced.
"""

from __future__ import annotations

import difflib
import json
import os
import random
import subprocess
import sys
from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st

from unspun import seqmatch
from unspun.align import _map_keys, prepare
from unspun.normalize import fold_number, fold_token
from unspun.tokens import TOKEN_RE, Tokens, _paragraphs, quote_spans, sentence_spans, tokenize


def _demo_texts() -> tuple[str, list[str]]:
    demo = resources.files("unspun.demo")
    refs = [json.loads(line)["text"] for line in demo.joinpath("reference.jsonl").read_text().splitlines()
            if line.strip()]
    return demo.joinpath("suspect.txt").read_text(), refs


def _same(a: list, b: list, autojunk: bool = False) -> None:
    x = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    y = seqmatch.SequenceMatcher(None, a, b, autojunk=autojunk)
    assert [tuple(m) for m in y.get_matching_blocks()] == [tuple(m) for m in x.get_matching_blocks()]
    assert y.get_opcodes() == x.get_opcodes()
    assert y.ratio() == x.ratio()


def test_accelerated_when_installed() -> None:
    try:
        import cydifflib  # noqa: F401
    except ImportError:
        assert not seqmatch.ACCELERATED
    else:
        assert seqmatch.ACCELERATED or os.environ.get("UNSPUN_PURE_DIFFLIB")


def test_pure_difflib_on_request() -> None:
    code = "import difflib, unspun.seqmatch as s; print(s.SequenceMatcher is difflib.SequenceMatcher)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "UNSPUN_PURE_DIFFLIB": "1"},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_same_as_difflib_on_alignment_keys() -> None:
    """Every sentence pair of the demo's suspect and its 64 references, on the keys the
    aligner builds (synonyms mapped onto the candidate's words), and whole texts."""
    suspect, refs = _demo_texts()
    a = prepare(tokenize(suspect))
    pairs = 0
    for text in refs:
        d = prepare(tokenize(text))
        for s0, s1 in a.sent_ranges:
            for d0, d1 in d.sent_ranges:
                if not a.sent_keys[a.sent_ranges.index((s0, s1))] & d.sent_keys[d.sent_ranges.index((d0, d1))]:
                    continue
                ak, dk = _map_keys(a, range(s0, s1), d, range(d0, d1))
                _same(ak, dk)
                pairs += 1
        _same(a.keys, d.keys)  # long sequences with many repeats (stopwords)
        _same(a.keys, d.keys, autojunk=True)  # difflib's popular-element rule past 200 items
    assert pairs > 500


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("the a of to in said was x y z".split()), max_size=60),
       st.lists(st.sampled_from("the a of to in said was x y w".split()), max_size=60))
def test_same_as_difflib_on_random_repetitive_keys(a: list[str], b: list[str]) -> None:
    _same(a, b)


def test_same_ratio_on_strings() -> None:
    rng = random.Random(7)
    names = ["Naypyitaw", "Naypyidaw", "HarperCollins", "Harper Collins", "Kyiv", "Kiev", "Zelenskyy"]
    for _ in range(200):
        x, y = rng.choice(names), rng.choice(names)
        _same(list(x), list(y), autojunk=True)
        assert seqmatch.SequenceMatcher(None, x, y).ratio() == difflib.SequenceMatcher(None, x, y).ratio()


# --- the plain loops that tokenize and quote_spans replaced -----------------------------


def _quote_spans_plain(text: str) -> list[tuple[int, int]]:
    from unspun.tokens import (
        _CLOSE_DOUBLE,
        _OPEN_DOUBLE,
        _OPEN_SINGLE,
        MAX_DOUBLE_QUOTE,
        MAX_SINGLE_QUOTE,
    )

    spans: list[tuple[int, int]] = []
    paras = _paragraphs(text)
    for k, (ps, pe) in enumerate(paras):
        open_d: int | None = None
        open_s: int | None = None
        for i in range(ps, pe):
            c = text[i]
            if c not in "\"“”„«»'‘’‚‹›":
                continue
            prev = text[i - 1] if i > ps else " "
            nxt = text[i + 1] if i + 1 < pe else " "
            if open_d is not None and i - open_d > MAX_DOUBLE_QUOTE:
                open_d = None
            if open_s is not None and i - open_s > MAX_SINGLE_QUOTE:
                open_s = None
            if c == '"':
                opening = (prev.isspace() or prev in "([{—–-/") and not nxt.isspace()
                closing = not prev.isspace() and (nxt.isspace() or not nxt.isalnum())
                if open_d is not None and closing:
                    spans.append((open_d, i))
                    open_d = None
                elif opening:
                    open_d = i + 1
            elif c in _OPEN_DOUBLE:
                open_d = i + 1
            elif c in _CLOSE_DOUBLE:
                if open_d is not None:
                    spans.append((open_d, i))
                    open_d = None
            else:
                if prev.isalnum() and nxt.isalnum():
                    continue
                if open_s is None:
                    if c in _OPEN_SINGLE or (c == "'" and not prev.isalnum() and (nxt.isalnum() or nxt in "\"“")):
                        open_s = i + 1
                elif c != "‘" and not nxt.isalnum():
                    spans.append((open_s, i))
                    open_s = None
        if open_d is not None and k + 1 < len(paras):
            ns = paras[k + 1][0]
            if ns < len(text) and text[ns] in "\"“«":
                spans.append((open_d, pe))
    return sorted(spans)


def _tokenize_plain(text: str) -> Tokens:
    toks = Tokens(text=text)
    sents = sentence_spans(text)
    quotes = _quote_spans_plain(text)
    toks.sentences, toks.quotes = sents, quotes
    si = qi = 0
    for m in TOKEN_RE.finditer(text):
        s, e = m.span()
        raw = m.group()
        num = m.lastgroup == "num"
        toks.norm.append(fold_number(raw) if num else fold_token(raw))
        toks.is_num.append(num)
        toks.is_cap.append(raw[0].isupper())
        toks.starts.append(s)
        toks.ends.append(e)
        while si + 1 < len(sents) and sents[si][1] <= s:
            si += 1
        toks.sent.append(si)
        while qi < len(quotes) and quotes[qi][1] <= s:
            qi += 1
        toks.in_quote.append(qi < len(quotes) and quotes[qi][0] <= s)
    return toks


_PIECES = ["The", "minister", "said", " ", " ", "\n", "\n\n", ".", ". ", "! ", "? ", ",", '"', "“", "”",
           "'", "‘", "’", "«", "»", "„", "Mr.", "U.S.", "1,550", "3.5", "don't", "(", ")", "—", "Ruѕѕiа",
           "war\u200bheads", "é", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80))
def test_tokenize_as_the_plain_loop(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert quote_spans(text) == _quote_spans_plain(text)
    assert vars(tokenize(text)) == vars(_tokenize_plain(text))


def test_tokenize_as_the_plain_loop_on_the_demo() -> None:
    suspect, refs = _demo_texts()
    for text in [suspect, *refs]:
        assert vars(tokenize(text)) == vars(_tokenize_plain(text))


def test_prepare_as_the_plain_loop() -> None:
    from unspun.align import _word_keys

    suspect, refs = _demo_texts()
    for text in [suspect, *refs[:20], "", "One.", "A b c. D e f.\n\nG"]:
        toks = tokenize(text)
        p = prepare(toks)
        keys, stems, content = [], [], []
        for w, num in zip(toks.norm, toks.is_num, strict=True):
            k, s, c = _word_keys(w, num)
            keys.append(k)
            stems.append(s)
            content.append(c)
        ranges, start = [], 0
        for i in range(1, len(toks.sent) + 1):
            if i == len(toks.sent) or toks.sent[i] != toks.sent[start]:
                ranges.append((start, i))
                start = i
        sent_keys = [{k for t in range(a, b) if content[t] for k in (keys[t], stems[t])} for a, b in ranges]
        assert (p.keys, p.stems, p.content, p.sent_ranges, p.sent_keys) == (keys, stems, content, ranges, sent_keys)


def test_prose_share_letter_test_is_isalnum() -> None:
    from unspun.scan.rows import _ALNUM

    assert all(bool(_ALNUM(c)) == c.isalnum() for c in map(chr, range(0x110000)))
