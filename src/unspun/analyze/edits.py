"""Classification of the differences inside an aligned passage.

Kinds (``Edit.kind``):

``synonym``     the article word or phrase is a lexicon synonym / alias of the source's
``inflection``  same stem or WordNet base form, other form ("sunk" / "sank")
``number``      a figure changed ("1,550" -> "1,650"; formatting alone is not a change)
``negation``    a negation added or removed ("not", "never", "didn't")
``name``        a proper name changed, added or dropped ("Trump administration" -> "Administration")
``paraphrase``  any other rewrite of one or more words
``reorder``     a clause moved to another place in the sentence
``insert``      words only in the article
``delete``      words only in the source
"""

from __future__ import annotations

from ..fingerprint import classify_word
from ..lexicon import default_lexicon
from ..models import Edit
from ..tokens import Tokens, stem


def _edit(kind: str, a: Tokens, ai: range, d: Tokens, dj: range) -> Edit:
    if len(ai):
        a_span = (a.starts[ai.start], a.ends[ai.stop - 1])
    else:  # insertion point
        p = a.starts[ai.start] if ai.start < len(a) else len(a.text)
        a_span = (p, p)
    if len(dj):
        d_span = (d.starts[dj.start], d.ends[dj.stop - 1])
    else:
        p = d.starts[dj.start] if dj.start < len(d) else len(d.text)
        d_span = (p, p)
    in_quote = any(a.in_quote[i] for i in ai) if len(ai) else (
        ai.start < len(a) and a.in_quote[ai.start]
    )
    return Edit(
        kind=kind,
        article_span=a_span,
        source_span=d_span,
        article_text=a.text[a_span[0] : a_span[1]],
        source_text=d.text[d_span[0] : d_span[1]],
        in_quote=bool(in_quote),
    )


def _word_pair_kind(a: Tokens, i: int, d: Tokens, j: int) -> str | None:
    """Kind of a one-word difference, or None when the words are not related."""
    lex = default_lexicon()
    wa, wd = a.base(i), d.base(j)
    if wa == wd:
        return None if a.norm[i] == d.norm[j] else "inflection"
    if a.is_num[i] or d.is_num[j]:
        return "number"
    if lex.is_negation(wa) != lex.is_negation(wd):
        return "negation"
    if classify_word(wa)[1] == classify_word(wd)[1] or lex.are_synonyms(wa, wd):
        return "synonym"
    if stem(wa) == stem(wd) or (lex.base_form(wa) or wa) == (lex.base_form(wd) or wd):
        return "inflection"
    return None


def classify_equal(a: Tokens, ai: range, d: Tokens, dj: range) -> list[Edit]:
    """Edits hidden inside a matched block: word pairs matched as synonyms or inflections."""
    out = []
    for i, j in zip(ai, dj, strict=True):
        if a.norm[i] != d.norm[j]:
            kind = _word_pair_kind(a, i, d, j)
            if kind:
                out.append(_edit(kind, a, range(i, i + 1), d, range(j, j + 1)))
    return out


def _is_name(t: Tokens, i: int) -> bool:
    """A capitalised word that does not start its sentence, or an acronym."""
    if t.is_num[i] or not t.is_cap[i]:
        return False
    first_of_sentence = i == 0 or t.sent[i - 1] != t.sent[i]
    if first_of_sentence:
        return False
    return not default_lexicon().is_stopword(t.norm[i])


def _phrase(t: Tokens, r: range) -> str:
    return " ".join(t.base(i) for i in r)


def _related(lex, pa: str, pd: str) -> bool:
    return pa == pd or lex.are_synonyms(pa, pd)


def _decompose(a: Tokens, ai: range, d: Tokens, dj: range, max_words: int = 4) -> list[tuple[range, range]] | None:
    """Split a replaced run into pairs of synonymous phrases, if it can be done entirely.

    "Inc said" -> "Iraqi national congress same" is two swaps, not one rewrite.
    """
    lex = default_lexicon()
    m, n = len(ai), len(dj)
    memo: dict[tuple[int, int], list[tuple[range, range]] | None] = {}

    def solve(i: int, j: int) -> list[tuple[range, range]] | None:
        if (i, j) in memo:
            return memo[(i, j)]
        out: list[tuple[range, range]] | None = None
        if i == m and j == n:
            out = []
        elif i < m and j < n:
            for k in range(1, min(max_words, m - i) + 1):
                pa = _phrase(a, ai[i : i + k])
                for k2 in range(1, min(max_words, n - j) + 1):
                    if k == k2 == 1:
                        ok = _word_pair_kind(a, ai[i], d, dj[j]) in ("synonym", "inflection")
                    else:
                        ok = _related(lex, pa, _phrase(d, dj[j : j + k2]))
                    if ok:
                        rest = solve(i + k, j + k2)
                        if rest is not None:
                            out = [(ai[i : i + k], dj[j : j + k2]), *rest]
                            break
                if out is not None:
                    break
        memo[(i, j)] = out
        return out

    return solve(0, 0) if m * n <= 144 else None


def _swap_kind(a: Tokens, ai: range, d: Tokens, dj: range) -> str:
    if len(ai) == len(dj) == 1:
        return _word_pair_kind(a, ai[0], d, dj[0]) or "synonym"
    return "synonym"


def _with_neighbour(a: Tokens, ai: range, d: Tokens, dj: range, tag: str) -> Edit | None:
    """A phrase swap that shares a word with the source ("Britain" -> "United Kingdom of
    Great Britain" aligns "Britain" and leaves the rest as an insertion)."""
    lex = default_lexicon()
    if tag == "insert":  # words only in the article, at position dj.start of the source
        j = dj.start
        if ai.stop < len(a) and j < len(d) and a.norm[ai.stop] == d.norm[j]:
            if lex.are_synonyms(_phrase(a, range(ai.start, ai.stop + 1)), d.base(j)):
                return _edit("synonym", a, range(ai.start, ai.stop + 1), d, range(j, j + 1))
        if ai.start > 0 and j > 0 and a.norm[ai.start - 1] == d.norm[j - 1]:
            if lex.are_synonyms(_phrase(a, range(ai.start - 1, ai.stop)), d.base(j - 1)):
                return _edit("synonym", a, range(ai.start - 1, ai.stop), d, range(j - 1, j))
    elif tag == "delete":  # source words the article dropped, at position ai.start
        i = ai.start
        if dj.stop < len(d) and i < len(a) and d.norm[dj.stop] == a.norm[i]:
            if lex.are_synonyms(_phrase(d, range(dj.start, dj.stop + 1)), a.base(i)):
                return _edit("synonym", a, range(i, i + 1), d, range(dj.start, dj.stop + 1))
        if dj.start > 0 and i > 0 and d.norm[dj.start - 1] == a.norm[i - 1]:
            if lex.are_synonyms(_phrase(d, range(dj.start - 1, dj.stop)), a.base(i - 1)):
                return _edit("synonym", a, range(i - 1, i), d, range(dj.start - 1, dj.stop))
    return None


def classify_run(a: Tokens, ai: range, d: Tokens, dj: range, tag: str) -> list[Edit]:
    """Classify one differing run (``replace``, ``insert`` or ``delete``) into edits."""
    lex = default_lexicon()
    a_words = [a.base(i) for i in ai]
    d_words = [d.base(j) for j in dj]
    if {w for w in a_words if lex.is_negation(w)} != {w for w in d_words if lex.is_negation(w)}:
        return [_edit("negation", a, ai, d, dj)]
    a_nums = {a.norm[i] for i in ai if a.is_num[i]}
    d_nums = {d.norm[j] for j in dj if d.is_num[j]}
    if a_nums != d_nums and (a_nums or d_nums):
        return [_edit("number", a, ai, d, dj)]
    if tag == "replace":
        if lex.are_synonyms(_phrase(a, ai), _phrase(d, dj)):
            return [_edit("synonym", a, ai, d, dj)]
        parts = _decompose(a, ai, d, dj)
        if parts:
            kinds = {_swap_kind(a, x, d, y) for x, y in parts}
            if len(parts) == 1 or kinds == {"inflection"}:
                return [_edit(kinds.pop() if len(kinds) == 1 else "synonym", a, ai, d, dj)]
            return [
                _edit(_swap_kind(a, x, d, y), a, x, d, y)
                for x, y in parts
                if _phrase(a, x) != _phrase(d, y)
            ]
    else:
        e = _with_neighbour(a, ai, d, dj, tag)
        if e is not None:
            return [e]
    a_names = {a.norm[i] for i in ai if _is_name(a, i)}
    d_names = {d.norm[j] for j in dj if _is_name(d, j)}
    if a_names != d_names:
        return [_edit("name", a, ai, d, dj)]
    if tag in ("insert", "delete"):
        return [_edit(tag, a, ai, d, dj)]
    return [_edit("paraphrase", a, ai, d, dj)]


def reorder_edit(a: Tokens, ai: range, d: Tokens, dj: range) -> Edit:
    """A clause found at another place in the source sentence."""
    return _edit("reorder", a, ai, d, dj)
