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


def classify_run(a: Tokens, ai: range, d: Tokens, dj: range, tag: str) -> Edit:
    """Classify one differing run (``replace``, ``insert`` or ``delete``)."""
    lex = default_lexicon()
    a_words = [a.base(i) for i in ai]
    d_words = [d.base(j) for j in dj]
    if {w for w in a_words if lex.is_negation(w)} != {w for w in d_words if lex.is_negation(w)}:
        return _edit("negation", a, ai, d, dj)
    a_nums = {a.norm[i] for i in ai if a.is_num[i]}
    d_nums = {d.norm[j] for j in dj if d.is_num[j]}
    if a_nums != d_nums and (a_nums or d_nums):
        return _edit("number", a, ai, d, dj)
    if tag == "replace":
        if lex.are_synonyms(_phrase(a, ai), _phrase(d, dj)):
            return _edit("synonym", a, ai, d, dj)
        if len(ai) == len(dj):
            kinds = {_word_pair_kind(a, i, d, j) for i, j in zip(ai, dj, strict=True)}
            if kinds and kinds <= {"synonym", "inflection"}:
                return _edit("synonym" if "synonym" in kinds else "inflection", a, ai, d, dj)
    a_names = {a.norm[i] for i in ai if _is_name(a, i)}
    d_names = {d.norm[j] for j in dj if _is_name(d, j)}
    if a_names != d_names:
        return _edit("name", a, ai, d, dj)
    if tag == "insert":
        return _edit("insert", a, ai, d, dj)
    if tag == "delete":
        return _edit("delete", a, ai, d, dj)
    return _edit("paraphrase", a, ai, d, dj)


def reorder_edit(a: Tokens, ai: range, d: Tokens, dj: range) -> Edit:
    """A clause found at another place in the source sentence."""
    return _edit("reorder", a, ai, d, dj)
