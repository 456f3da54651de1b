"""Small token-level helpers shared by the finding detectors.

The aligner (:mod:`unspun.align`) decides *which* stretches match; the detectors
sometimes need a finer map inside a passage (which source quotation an article
quotation came from, which article sentence a source sentence became). They realign the
two sides of a passage cheaply here, on stems, so that spun words do not matter much.
"""

from __future__ import annotations

from bisect import bisect_left

from ..models import Document, Span
from ..seqmatch import SequenceMatcher
from ..tokens import Tokens, stem, tokenize

Block = tuple[int, int, int]  # (article token, source token, length), absolute indices


class TokenCache:
    """Tokenize each text once per report."""

    def __init__(self) -> None:
        self._by_id: dict[int, Tokens] = {}

    def get(self, doc: Document) -> Tokens:
        key = id(doc)
        if key not in self._by_id:
            self._by_id[key] = tokenize(doc.text)
        return self._by_id[key]


def token_range(toks: Tokens, span: Span) -> range:
    """Tokens that start inside ``span``."""
    return range(bisect_left(toks.starts, span[0]), bisect_left(toks.starts, span[1]))


def key(toks: Tokens, i: int) -> str:
    return toks.norm[i] if toks.is_num[i] else stem(toks.base(i))


def align_blocks(a: Tokens, ar: range, d: Tokens, dr: range) -> list[Block]:
    """Matching runs between two token ranges, on stems (absolute token indices)."""
    ak = [key(a, i) for i in ar]
    dk = [key(d, j) for j in dr]
    sm = SequenceMatcher(None, ak, dk, autojunk=False)
    return [(ar.start + i, dr.start + j, n) for i, j, n in sm.get_matching_blocks() if n]


def sentence_range(toks: Tokens, i: int) -> range:
    """Token range of the sentence holding token ``i``."""
    s = toks.sent[i]
    lo = i
    while lo > 0 and toks.sent[lo - 1] == s:
        lo -= 1
    hi = i + 1
    while hi < len(toks) and toks.sent[hi] == s:
        hi += 1
    return range(lo, hi)


def sentence_span(toks: Tokens, i: int) -> Span:
    """Character span of the sentence holding token ``i``."""
    return toks.sentences[toks.sent[i]]


def sentences_over(toks: Tokens, span: Span) -> range:
    """Token range of the whole sentences that overlap ``span``."""
    r = token_range(toks, span)
    if not len(r):
        return r
    return range(sentence_range(toks, r.start).start, sentence_range(toks, r.stop - 1).stop)


def quote_tokens(toks: Tokens, quote: Span) -> range:
    return token_range(toks, quote)


def short(text: str, n: int = 80) -> str:
    """One line, at most ``n`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def source_name(doc: Document) -> str:
    """How a source is named in sentences: site (date), else title, else id."""
    who = doc.site or doc.title or doc.id
    return f"{who} ({doc.published})" if doc.published else who


def source_name_titled(doc: Document, width: int = 60) -> str:
    """:func:`source_name` followed by the title in quotes, unless the name already is the
    title (a source without a site is named by its title: never say it twice)."""
    name = source_name(doc)
    if doc.title and doc.site:
        return f"{name}, “{short(doc.title, width)}”"
    return name


def is_abbreviation(a: str, b: str) -> bool:
    """"Fla" / "FL", "Utah" / "UT", "Md" / "MD": same first letter, the short one's letters in order."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if a == b:
        return True
    s, long = sorted((a, b), key=len)
    if len(long) > 8 or not s or s[0] != long[0] or not s.isalpha():
        return False
    it = iter(long)
    return all(c in it for c in s)
