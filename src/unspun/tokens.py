"""Words, numbers, sentences and quotations of a text, with character offsets.

``tokenize(text)`` returns a :class:`Tokens` object whose parallel lists describe each
token: its ``[start, end)`` span in the original text, its folded form (see
:mod:`unspun.normalize`), whether it is a number, whether it starts with a capital
letter, the sentence it belongs to and whether it lies inside quotation marks.
Sentence and quotation spans are offsets into the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from .normalize import INVISIBLE, base_form, fold_number, fold_token

_INV = re.escape(INVISIBLE)
TOKEN_RE = re.compile(
    r"(?P<acr>(?:[A-Za-z]\.){2,})"  # U.S.  U.K.  a.m.
    rf"|(?P<num>\d+(?:[.,]\d+)*(?:-\d+/\d+)?)"  # 1,550  3.5  2014  9-7/8
    rf"|(?P<word>[^\W\d_][\w{_INV}]*(?:['’´][\w{_INV}]+)*)"  # words, Russia's, don't
)
_ABBREV = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col capt sgt st jr sr inc corp ltd co no vs
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft pres est dept univ""".split()
)
# end of sentence: . ! ? (plus closing quotes/brackets) followed by space and an opener
_SENT_END = re.compile(
    r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])"
    r"|[.!?]+(?=[\"'“‘][A-Z])"  # "community.'We urge" (missing space after the stop)
)
_PARA = re.compile(r"\n[ \t]*\n\s*")
_OPEN_DOUBLE = "“„«"
_CLOSE_DOUBLE = "”»"
_OPEN_SINGLE = "‘‚‹"
_CLOSE_SINGLE = "’›"
_QUOTE_MARK = re.compile("[\"“”„«»'‘’‚‹›]")

_stemmer = snowballstemmer.stemmer("english")

#: longest quotation accepted, in characters (longer "quotations" are stray marks)
MAX_DOUBLE_QUOTE = 1500
MAX_SINGLE_QUOTE = 400


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a folded word."""
    return _stemmer.stemWord(word)


@dataclass
class Tokens:
    """Tokens of one text, as parallel lists (cheap to build and to index)."""

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    norm: list[str] = field(default_factory=list)
    is_num: list[bool] = field(default_factory=list)
    is_cap: list[bool] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    in_quote: list[bool] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.norm)

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span covering tokens ``i .. j-1``."""
        return (self.starts[i], self.ends[j - 1])

    def base(self, i: int) -> str:
        """Folded token without a possessive ``'s``."""
        return base_form(self.norm[i])


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split at sentence-final punctuation and at blank lines.

    Abbreviations (``Mr.``, ``Jan.``), initials (``J.``) and acronyms (``U.S.``) do not
    end a sentence. Single line breaks do not end one either (wire copy wraps lines).
    """
    cuts: set[int] = {0, len(text)}
    for m in _PARA.finditer(text):
        cuts.add(m.start())
        cuts.add(m.end())
    for m in _SENT_END.finditer(text):
        dot = m.start()
        if text[dot] == ".":
            k = dot
            while k > 0 and (text[k - 1].isalpha()):
                k -= 1
            word = text[k:dot]
            if word.lower() in _ABBREV or (len(word) == 1 and word.isupper()):
                continue
            if k > 1 and text[k - 1] == "." and len(word) == 1:  # U.S.
                continue
        cuts.add(m.end())
    bounds = sorted(cuts)
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        s, e = a, b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    starts = [0] + [m.end() for m in _PARA.finditer(text)]
    ends = [m.start() for m in _PARA.finditer(text)] + [len(text)]
    return list(zip(starts, ends, strict=True))


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quotations (the text between the marks), per paragraph.

    Curly quotes say which side they are on; a straight ``"`` opens when it follows a
    space or an opening bracket and closes when it is followed by a space or punctuation,
    so one stray mark cannot turn the rest of the paragraph inside out. Single quotes
    count as quotation marks only at word edges (``China's`` and ``don't`` are not
    quotes). A double quotation left open at the end of a paragraph runs to its end when
    the next paragraph opens with a quotation mark (news style for a quotation continued
    over several paragraphs); any other unclosed quotation is ignored, and so is one that
    would run past :data:`MAX_DOUBLE_QUOTE` / :data:`MAX_SINGLE_QUOTE` characters.
    """
    spans: list[tuple[int, int]] = []
    paras = _paragraphs(text)
    for k, (ps, pe) in enumerate(paras):
        open_d: int | None = None
        open_s: int | None = None
        for m in _QUOTE_MARK.finditer(text, ps, pe):
            i = m.start()
            c = text[i]
            prev = text[i - 1] if i > ps else " "
            nxt = text[i + 1] if i + 1 < pe else " "
            # a mark left open this far back was no quotation (texts without paragraphs)
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
                    open_d = i + 1  # a new opening mark: an earlier unclosed one is dropped
            elif c in _OPEN_DOUBLE:
                open_d = i + 1
            elif c in _CLOSE_DOUBLE:
                if open_d is not None:
                    spans.append((open_d, i))
                    open_d = None
            else:  # single quotes and apostrophes
                if prev.isalnum() and nxt.isalnum():
                    continue  # apostrophe inside a word
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


def tokenize(text: str) -> Tokens:
    """Tokenize ``text`` keeping exact character offsets."""
    sents = sentence_spans(text)
    quotes = quote_spans(text)
    found = [(m.start(), m.end(), m.lastgroup == "num", m.group()) for m in TOKEN_RE.finditer(text)]
    starts = [f[0] for f in found]
    toks = Tokens(
        text=text,
        starts=starts,
        ends=[f[1] for f in found],
        norm=[fold_number(f[3]) if f[2] else fold_token(f[3]) for f in found],
        is_num=[f[2] for f in found],
        is_cap=[f[3][0].isupper() for f in found],
        sentences=sents,
        quotes=quotes,
    )
    # each token's sentence: the first whose end lies past the token's start (the last
    # sentence takes whatever follows it; starts increase, so one pointer walks both)
    sent: list[int] = []
    si, last = 0, len(sents) - 1
    end = sents[0][1] if sents else 0
    for s in starts:
        while si < last and end <= s:
            si += 1
            end = sents[si][1]
        sent.append(si)
    toks.sent = sent
    if not quotes:
        toks.in_quote = [False] * len(starts)
        return toks
    in_quote: list[bool] = []
    qi, nq = 0, len(quotes)
    for s in starts:
        while qi < nq and quotes[qi][1] <= s:
            qi += 1
        in_quote.append(qi < nq and quotes[qi][0] <= s)
    toks.in_quote = in_quote
    return toks
