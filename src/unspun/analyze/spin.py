"""The ``spin-density`` finding: how much of the copied text was swapped, and the telling swaps.

Share = words on the article side of ``synonym``, ``paraphrase`` and ``inflection`` edits
/ (matched words + those words), over all passages (the same number the verdict uses,
:func:`unspun.analyze.verdict.spin_density`).

The *telling* swaps are the ones an editor recognises as a spinner's work. Swap pairs
(source wording -> article wording, folded, possessive "'s" ignored; ``synonym`` and
``paraphrase`` edits outside quotations, abbreviations such as "Utah" -> "UT" left out)
are ranked by: a proper name on either side first ("Russia" -> "Russian Federation",
"U.S." -> "USA": a human writer keeps names), then how often the article wording occurs
in the whole article or the pair in passages (a spinner swaps every occurrence, also in
parts no source explains), then lexicon synonyms before free paraphrases. The top
``TOP_SWAPS`` (5) are listed, each with those counts.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..models import Edit, Finding, SourceMatch
from .textmatch import is_abbreviation, short
from .verdict import SPIN_KINDS, spin_density

TOP_SWAPS = 5
MAX_SWAP_WORDS = 4  # a longer replaced stretch is a rewrite, not a telling swap


def _fold(s: str) -> str:
    s = " ".join(s.replace("’", "'").split()).lower()
    return s[:-2] if s.endswith("'s") else s


def _strip_possessive(s: str) -> str:
    return s[:-2] if len(s) > 3 and s[-2:] in ("'s", "’s") else s


def _is_name(s: str) -> bool:
    return any(w[:1].isupper() for w in s.split())


def _occurrences(text: str, phrase: str) -> int:
    if not phrase.strip():
        return 0
    words = phrase.split()
    first = words[0]
    head = f"[{re.escape(first[0].upper())}{re.escape(first[0].lower())}]{re.escape(first[1:])}"
    pat = r"(?<!\w)" + r"\s+".join([head] + [re.escape(w) for w in words[1:]]) + r"(?!\w)"
    return len(re.findall(pat, text))


def _at_most(text: str, phrase: str) -> int:
    """An upper bound of :func:`_occurrences` without a regular expression: every match
    holds the phrase's last word (or, for one word, all of it but the first letter) as it
    is, and matches do not overlap, so there are no more of them than occurrences of that
    literal."""
    words = phrase.split()
    if not words:
        return 0
    literal = words[-1] if len(words) > 1 else words[0][1:]
    return text.count(literal) if literal else len(text) + 1


def telling_swaps(sources: tuple[SourceMatch, ...] | list[SourceMatch], article_text: str) -> list[dict]:
    """The most telling swaps, best first (see the module docstring)."""
    groups: dict[tuple[str, str], list[Edit]] = defaultdict(list)
    for s in sources:
        for p in s.passages:
            for e in p.edits:
                if (e.kind in ("synonym", "paraphrase") and e.article_text and e.source_text
                        and not e.in_quote and not is_abbreviation(e.source_text, e.article_text)
                        and max(len(e.article_text.split()), len(e.source_text.split())) <= MAX_SWAP_WORDS):
                    groups[(_fold(e.source_text), _fold(e.article_text))].append(e)

    def score(es: list[Edit]) -> tuple[int, int, int, int]:
        e = es[0]
        phrase = _strip_possessive(e.article_text)
        # the pair's own count wins unless the article wording may occur more often (a
        # regular expression per swap pair was a sixth of `check`'s time)
        seen = len(es)
        if _at_most(article_text, phrase) > seen:
            seen = max(seen, _occurrences(article_text, phrase))
        return (_is_name(e.source_text) or _is_name(e.article_text), seen, e.kind == "synonym", -e.article_span[0])

    out = []
    for es in sorted(groups.values(), key=score, reverse=True)[:TOP_SWAPS]:
        e = min(es, key=lambda x: len(x.article_text))
        out.append({
            "source": _strip_possessive(e.source_text),
            "article": _strip_possessive(e.article_text),
            "kind": e.kind,
            "count": len(es),
            "in_article": _occurrences(article_text, _strip_possessive(e.article_text)),
            "article_spans": [list(x.article_span) for x in es],
        })
    return out


def spin_finding(sources: tuple[SourceMatch, ...], article_text: str) -> Finding | None:
    """One finding for the whole article; None when nothing was copied."""
    passages = [p for s in sources for p in s.passages]
    if not passages:
        return None
    share, swaps = spin_density(sources)
    swapped = sum(
        max(1, len(e.article_text.split())) for p in passages for e in p.edits if e.kind in SPIN_KINDS
    )
    copied = sum(p.matched_tokens for p in passages) + swapped
    telling = telling_swaps(sources, article_text)
    listed = []
    for t in telling:
        s = f"“{short(t['source'], 30)}” → “{short(t['article'], 30)}”"
        extra = []
        if t["count"] > 1:
            extra.append(f"{t['count']}×")
        if t["in_article"] > t["count"]:
            extra.append(f"“{short(t['article'], 30)}” appears {t['in_article']} times in the article")
        listed.append(s + (f" ({'; '.join(extra)})" if extra else ""))
    detail = f"{swapped} of {copied} copied words were swapped ({share:.0%}, {swaps} swaps)"
    detail += f"; most telling: {', '.join(listed)}." if listed else "."
    by_source = {}
    for s in sources:
        sh, n = spin_density([s])
        by_source[s.doc.id] = {"share": round(sh, 4), "swaps": n}
    span = (min(p.article_span[0] for p in passages), max(p.article_span[1] for p in passages))
    return Finding(
        kind="spin-density",
        article_span=span,
        detail=detail,
        data={
            "share": round(share, 4),
            "swaps": swaps,
            "swapped_words": swapped,
            "copied_words": copied,
            "telling": telling,
            "by_source": by_source,
        },
    )
