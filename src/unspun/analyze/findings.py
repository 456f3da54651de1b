"""Forensic findings: what was done to the article, each with spans on both sides.

``find_all(article, sources, unsourced)`` turns passages, edits and unsourced spans into
findings (:class:`unspun.models.Finding`), ordered by kind (the order below), then by
position in the article:

``stitched``            one per source when two or more sources supplied passages, with
                        how unrelated it is to the others (:mod:`.stitching`)
``unsourced``           one per span no source explains; invented connectors and headings
                        are called out (:mod:`.stitching`); an article with no source at all
                        gets one finding (``data.role`` = ``whole``)
``quote-altered``       a quotation shortened, reworded or stripped of its quotation marks
                        (:mod:`.quotes`)
``number-changed``      a figure that differs from the source's (``number`` edits with digits
                        on both sides, of at most six words a side, whose figures do not
                        reappear elsewhere in the passage; numbers written out in words are
                        wording, not figures)
``name-changed``        a proper name changed, added or dropped (``name`` edits of at most
                        six words a side and of like size, minus
                        aliases the lexicon knows ("U.S." / "USA"), abbreviations ("Fla." /
                        "FL"), acronyms of source words ("CBW"), dropped names that reappear
                        in the article passage and added names the source mentions)
``negation-flipped``    a negation added or removed (``negation`` edits of at most six words
                        a side and of like size whose count of negations differs, "no more than"-style quantifiers and the words
                        "cant" / "wont" not counted)
``attribution-dropped`` the source said who said it, the copy does not (:mod:`.attribution`)
``reordered``           a clause moved inside a sentence (``reorder`` edits, ``data.scope`` =
                        ``clause``) or a passage taken out of the source's order
                        (``data.scope`` = ``passages``)
``spin-density``        one per article: share of copied words swapped and the most
                        telling swaps (:mod:`.spin`)
"""

from __future__ import annotations

import re

from ..lexicon import default_lexicon
from ..models import Document, Edit, Finding, Passage, SourceMatch, UnsourcedSpan
from ..seqmatch import SequenceMatcher
from ..tokens import Tokens, stem, tokenize
from .attribution import attribution_findings
from .quotes import quote_findings
from .spin import spin_finding
from .stitching import passage_order_findings, stitched_findings, unsourced_findings
from .textmatch import TokenCache, is_abbreviation, short, source_name, token_range

KINDS = (
    "stitched",
    "unsourced",
    "quote-altered",
    "number-changed",
    "name-changed",
    "negation-flipped",
    "attribution-dropped",
    "reordered",
    "spin-density",
)

_QUANTIFIER = re.compile(r"\bno\s+(?:more|less|fewer|later|longer|sooner|earlier|greater)\s+than\b", re.I)
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_CAP = re.compile(r"\b[A-Z][\w.'’-]*")
_CAP_RUN = re.compile(r"\b[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*")


def _nums(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text)}


#: capitalised words that are not names of anyone or anything a copier would swap: days,
#: months, honorifics and company-form suffixes that house styles add or drop
_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december mr mrs ms dr mx sir inc co corp "
    "corporation ltd llc plc lp sa ag nv the a an".split()
)
#: stock tickers as wires print them ("DIS.N", "FOXA.O", "NASDAQ:AMZN")
_TICKER = re.compile(r"^(?:[A-Z]{1,6}\.[A-Z]{1,2}|[A-Z]{2,8}:[A-Z.]{1,6})$")


_NAME = re.compile(r"\b[A-Z][\w.'’&-]*")
_EXCHANGE = re.compile(r"\b(?:NASDAQ|NYSE|AMEX|LSE|TSX|ASX)\s*:\s*[A-Z.]+")
_PRONOUNS = frozenset("he she they it him her them his hers its their theirs we us".split())


def _names(text: str) -> set[str]:
    out = set()
    for m in _NAME.findall(_EXCHANGE.sub(" ", text)):
        n = m.rstrip(".").replace("’", "'")
        if n.lower().removesuffix("'s") in _NOT_NAMES or _TICKER.match(n):
            continue
        out.add(n)
    return out


def _same_name(x: str, y: str) -> bool:
    """Two spellings of one name ("Naypyitaw" / "Naypyidaw", "Harper Collins" / "HarperCollins")."""
    a, b = re.sub(r"[\s.'’-]", "", x).lower(), re.sub(r"[\s.'’-]", "", y).lower()
    if a == b:
        return True
    if min(len(a), len(b)) < 6:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.85


def _stems(text: str) -> set[str]:
    return {stem(w.lower().replace("’", "'").removesuffix("'s")) for w in re.findall(r"[\w'’-]+", text)}


#: an edit longer than this on either side is a rewritten stretch, not a swapped figure or name
MAX_COUNTERPART_WORDS = 6


def _counterparts(e: Edit) -> bool:
    """Both sides of the edit are short and of like size (one may be empty: a dropped or
    added name), so the article side stands in for the source side."""
    na, nd = len(e.article_text.split()), len(e.source_text.split())
    if max(na, nd) > MAX_COUNTERPART_WORDS:
        return False
    return min(na, nd) == 0 or max(na, nd) <= 3 * min(na, nd)


def _explained(name: str, article_after: str, source_passage: str) -> bool:
    """An added name that only renames or abbreviates one in the source passage.

    ``article_after`` is the article text of the edit and a few words after it: phrases of
    one to four of its words holding the name are tried against the source's names
    ("Great Britain" / "UK", "Russian Federation" / "Russia").
    """
    lex = default_lexicon()
    src_runs = _CAP_RUN.findall(source_passage)
    src_words = [w for r in src_runs for w in r.split()]
    words = re.findall(r"[\w.'’-]+", article_after)
    targets = src_runs + src_words
    for k, w in enumerate(words):
        if w.rstrip(".") != name:
            continue
        for start in range(max(0, k - 3), k + 1):  # phrases of 1-4 words holding the name
            for end in range(k + 1, min(len(words), start + 4) + 1):
                phrase = " ".join(words[start:end])
                if any(lex.are_synonyms(phrase, x) for x in targets):
                    return True
        break
    if name.isupper() and len(name) >= 2:  # an acronym of words in the source: "CBW"
        initials = "".join(w[0] for w in src_words)
        it = iter(initials)
        return all(c in it for c in name)
    return False


_NOT_NEGATIONS = frozenset({"cant", "wont"})  # also ordinary words ("cant" = jargon, "wont" = habit)


def _negations(text: str) -> int:
    lex = default_lexicon()
    words = [w.replace("’", "'").lower() for w in re.findall(r"[\w'’]+", _QUANTIFIER.sub(" ", text))]
    return sum(1 for w in words if w not in _NOT_NEGATIONS and lex.is_negation(w))


def _context(t: Tokens, span: tuple[int, int], text: str) -> str:
    """An edit side with the words just before and after it ("the Trump administration")."""
    before = token_range(t, (0, span[0]))
    after = token_range(t, (span[1], len(t.text)))
    prev = t.text[t.starts[before.stop - 1] : t.ends[before.stop - 1]] if len(before) else ""
    nxt = t.text[t.starts[after.start] : t.ends[after.start]] if len(after) else ""
    return " ".join(x for x in (prev, text, nxt) if x)


def _with_context(e: Edit, a: Tokens, d: Tokens) -> tuple[str, str]:
    """Both sides of a pure insertion or deletion, shown with their neighbouring words."""
    if e.article_text and e.source_text:
        return e.source_text, e.article_text
    return _context(d, e.source_span, e.source_text), _context(a, e.article_span, e.article_text)


def _edit_finding(e: Edit, p: Passage, s: SourceMatch, a: Tokens, d: Tokens) -> Finding | None:
    a_side = a.text[p.article_span[0] : p.article_span[1]]
    d_side = d.text[p.source_span[0] : p.source_span[1]]
    base = {"source_doc": s.doc.id, "source_span": e.source_span, "article_span": e.article_span}
    if e.kind in ("number", "name", "negation") and not _counterparts(e):
        return None  # a long stretch rewritten around a figure, a name or a "not": not one swapped for another
    if e.kind == "number":
        if not (_nums(e.article_text) and _nums(e.source_text)):
            return None  # a figure dropped in a rewrite, or written out in words: not a changed figure
        new = _nums(e.article_text) - _nums(d_side)
        old = _nums(e.source_text) - _nums(a_side)
        if not (new or old):
            return None
        return Finding(kind="number-changed", **base,
                       detail=f"Number changed: “{short(e.source_text, 50)}” → “{short(e.article_text, 50)}” "
                              f"(source: “…{short(d.text[max(0, e.source_span[0] - 50):e.source_span[1] + 30], 100)}…”).",
                       data={"source": e.source_text, "article": e.article_text,
                             "removed": sorted(old), "added": sorted(new), "in_quote": e.in_quote})
    if e.kind == "name":
        if default_lexicon().are_synonyms(e.source_text, e.article_text):
            return None  # an alias ("U.S." / "USA"): a swap, reported under spin-density
        a_st, d_st = _stems(a_side), _stems(d.text)
        added = [n for n in _names(e.article_text)
                 if stem(n.lower().removesuffix("'s")) not in d_st and not _explained(n, a.text[e.article_span[0] : e.article_span[1] + 60], d_side)]
        dropped = [n for n in _names(e.source_text) if stem(n.lower().removesuffix("'s")) not in a_st]
        pairs = [(x, y) for x in added for y in dropped if is_abbreviation(x, y) or _same_name(x, y)]
        if " ".join(added) and _same_name(" ".join(added), " ".join(dropped)):
            return None
        # respellings and joined or split spellings ("Mathew" / "Matthew", "Harper Collins" /
        # "HarperCollins") are the same name; a name replaced by a pronoun is not changed
        a_words = re.findall(r"[\w'’-]+", e.article_text)
        d_words = re.findall(r"[\w'’-]+", e.source_text)
        a_flat, d_flat = re.sub(r"\W", "", e.article_text).lower(), re.sub(r"\W", "", e.source_text).lower()
        dropped = [y for y in dropped if not (len(y) >= 4 and y.lower() in a_flat) and not any(_same_name(y, w) for w in a_words)]
        added = [x for x in added if not (len(x) >= 4 and x.lower() in d_flat) and not any(_same_name(x, w) for w in d_words)]
        if dropped and not added and a_words and all(w.lower() in _PRONOUNS for w in a_words):
            return None
        added = [x for x in added if not any(x == p0 for p0, _ in pairs)]
        dropped = [y for y in dropped if not any(y == p1 for _, p1 in pairs)]
        if not (added or dropped):
            return None
        src, art = _with_context(e, a, d)
        how = "dropped" if not added else "added" if not dropped else "changed"
        return Finding(kind="name-changed", **base,
                       detail=f"Name {how}: “{short(src, 50)}” → “{short(art, 50)}”.",
                       data={"source": src, "article": art, "added": sorted(added),
                             "dropped": sorted(dropped), "in_quote": e.in_quote})
    if e.kind == "negation":
        if not (e.article_text.strip() and e.source_text.strip()) and len((e.article_text + e.source_text).split()) > 3:
            return None  # a clause added or cut that holds a "no": new content, not a flipped statement
        na, nd = _negations(e.article_text), _negations(e.source_text)
        if na == nd:
            return None
        how = "added" if na > nd else "removed"
        src, art = _with_context(e, a, d)
        return Finding(kind="negation-flipped", **base,
                       detail=f"Negation {how}: “{short(src, 50)}” → “{short(art, 50)}”.",
                       data={"source": src, "article": art, "in_quote": e.in_quote})
    if e.kind == "reorder":
        return Finding(kind="reordered", **base,
                       detail=f"Clause moved within the sentence: “{short(e.article_text, 70)}” "
                              f"(in {source_name(s.doc)} it stands elsewhere in the sentence).",
                       data={"scope": "clause", "source": e.source_text, "article": e.article_text})
    return None


def edit_findings(a: Tokens, sources: tuple[SourceMatch, ...], cache: TokenCache) -> list[Finding]:
    out = []
    for s in sources:
        d = cache.get(s.doc)
        for p in s.passages:
            for e in p.edits:
                f = _edit_finding(e, p, s, a, d)
                if f is not None:
                    out.append(f)
    return out


def _drop_cut_negations(found: list[Finding]) -> list[Finding]:
    """A negation cut away with the end of a shortened quotation is reported by the quotation."""
    cut = [(f.source_doc, f.source_span) for f in found
           if f.kind == "quote-altered" and f.data.get("change") == "shortened" and f.source_span]

    def inside(f: Finding) -> bool:
        return f.source_span is not None and any(
            doc == f.source_doc and sp[0] <= f.source_span[0] and f.source_span[1] <= sp[1] for doc, sp in cut
        )

    return [f for f in found if not (f.kind == "negation-flipped" and inside(f))]


def find_all(
    article: Document,
    sources: tuple[SourceMatch, ...] | list[SourceMatch],
    unsourced: tuple[UnsourcedSpan, ...] | list[UnsourcedSpan],
    tokens: Tokens | None = None,
) -> tuple[Finding, ...]:
    """Every finding about ``article``, ordered by kind (see :data:`KINDS`), then position."""
    a = tokens if tokens is not None else tokenize(article.text)
    srcs, uns = tuple(sources), tuple(unsourced)
    cache = TokenCache()
    out: list[Finding] = []
    out += stitched_findings(srcs, cache)
    out += unsourced_findings(a, uns, srcs)
    out += quote_findings(a, srcs, cache)
    out += edit_findings(a, srcs, cache)
    out += attribution_findings(a, srcs, cache)
    out += passage_order_findings(srcs)
    out = _drop_cut_negations(out)
    spin = spin_finding(srcs, article.text)
    if spin is not None:
        out.append(spin)
    out.sort(key=lambda f: (KINDS.index(f.kind), f.article_span, f.source_doc or ""))
    return tuple(out)
