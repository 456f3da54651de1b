"""Spin-and-stitch generator: suspect articles with exact ground truth.

A content farm takes wire stories, runs them through a synonym spinner, stitches passages
of several sources together, adds sentences of its own and plants small changes (a
number, a quote, a name, a negation). This module does the same to real corpus records
and records exactly what it did:

* ``passages``: which character span of the suspect came from which span of which source
  (``[start, end)`` offsets into the suspect text and into the source record's ``text``
  exactly as stored in the corpus);
* ``edits``: every change inside a passage (synonym swaps, planted number / quote / name /
  negation changes, spinner grammar damage), with both spans and both texts;
* ``unsourced``: the invented sentences (taken from a held-out document that is never
  indexed, so they are realistic and guaranteed to have no source in the index).

Whitespace is reflowed (a passage's internal line breaks become single spaces, passages
become paragraphs separated by a blank line); whitespace is not content and is not
recorded as an edit. :func:`verify_suspect` checks every record: spans in range, edit
texts equal to the text at their spans, and each passage's article text, with its
recorded edits undone, equal to its source span text up to whitespace.

Usage as a program (writes JSONL; the output contains corpus text, so keep it out of the
repository -- the default goes to the git-ignored ``bench/work/``)::

    python -m bench.generator --n 5 --seed 1 --out bench/work/suspects.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "EDIT_KINDS",
    "SPIN_RATES",
    "LexiconLike",
    "Prepared",
    "SpinStitchGenerator",
    "build_pools",
    "long_sentence_keys",
    "norm_ws",
    "paragraph_spans",
    "prepare",
    "sentence_spans",
    "undo_edits",
    "verify_suspect",
]

SPIN_RATES: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7)
EDIT_KINDS: tuple[str, ...] = ("synonym", "number", "quote", "name", "negation", "grammar")
PLANT_KINDS: tuple[str, ...] = ("number", "quote", "name", "negation")
_LABEL_ORDER = ("spin", "reorder", "paragraph-reorder", "truncate")


class LexiconLike(Protocol):
    """The part of :class:`unspun.lexicon.Lexicon` the generator uses."""

    stopwords: frozenset[str]

    def synonyms(self, term: str) -> frozenset[str]: ...

    def is_stopword(self, word: str) -> bool: ...

    def has_synonyms(self, term: str) -> bool: ...


def load_default_lexicon() -> LexiconLike:
    """unspun's shipped lexicon (needs ``src`` on the path)."""
    from unspun.lexicon import default_lexicon

    return default_lexicon()


# ---------------------------------------------------------------------------------------
# splitting (own regexes: the benchmark must not depend on unspun's tokenizer)

_PARA_SEP = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")
_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
_ABBREV = frozenset(
    """mr mrs ms dr st jr sr inc corp co ltd bros gov sen rep gen col lt sgt capt prof no
    vs jan feb mar apr jun jul aug sep sept oct nov dec mt ft dept""".split()
)
_SIGNOFF = re.compile(r"\s*reuter\s*", re.I)
_TAIL_WORD = re.compile(r"([A-Za-z.]+)$")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")
TOKEN_RE = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<w>(?:[A-Za-z]\.){2,}|[^\W_]+(?:['’\-.,&/][^\W_]+)*)"
    r"|(?P<p>.)",
    re.S,
)
_WORDS = re.compile(r"[^\W_]+")


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blank lines (BBC, BASIL) or a line break plus indentation
    (Reuters). A trailing Reuters sign-off ("Reuter") is dropped."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _PARA_SEP.finditer(text):
        s, e = _strip(text, pos, m.start())
        if s < e:
            spans.append((s, e))
        pos = m.end()
    s, e = _strip(text, pos, len(text))
    if s < e:
        spans.append((s, e))
    while spans and _SIGNOFF.fullmatch(text[spans[-1][0] : spans[-1][1]]):
        spans.pop()
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (end punctuation, then a capital/digit)."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    cur = start
    for m in _SENT_END.finditer(text, start, end):
        if m.group().rstrip("\"'”’)]") == ".":
            tail = _TAIL_WORD.search(text, cur, m.start())
            if tail:
                w = tail.group(1).lower().rstrip(".")
                if w in _ABBREV or len(w) == 1 or _INITIALS.fullmatch(w):
                    continue
        s, e = _strip(text, cur, m.end())
        if s < e:
            out.append((s, e))
        cur = m.end()
    s, e = _strip(text, cur, end)
    if s < e:
        out.append((s, e))
    return out


def norm_ws(text: str) -> str:
    """Whitespace runs -> one space, ends stripped."""
    return " ".join(text.split())


def long_sentence_keys(text: str, min_words: int = 8) -> set[str]:
    """Normalised keys of the sentences with at least ``min_words`` words (near-duplicate
    and leak checks)."""
    keys = set()
    for ps, pe in paragraph_spans(text):
        for s, e in sentence_spans(text, ps, pe):
            words = _WORDS.findall(text[s:e].lower())
            if len(words) >= min_words:
                keys.add(" ".join(words))
    return keys


@dataclass(frozen=True)
class Prepared:
    """A corpus record split into sentences (spans into ``text``)."""

    id: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    para_of: tuple[int, ...]  # paragraph number of each sentence

    def paragraphs(self, lo: int = 0, hi: int | None = None) -> list[list[int]]:
        hi = len(self.sentences) if hi is None else hi
        out: list[list[int]] = []
        last = None
        for i in range(lo, hi):
            if self.para_of[i] != last:
                out.append([])
                last = self.para_of[i]
            out[-1].append(i)
        return out


def prepare(doc: Mapping[str, Any]) -> Prepared:
    text = doc["text"]
    sents: list[tuple[int, int]] = []
    para_of: list[int] = []
    for p, (ps, pe) in enumerate(paragraph_spans(text)):
        for span in sentence_spans(text, ps, pe):
            sents.append(span)
            para_of.append(p)
    return Prepared(str(doc["id"]), text, tuple(sents), tuple(para_of))


# ---------------------------------------------------------------------------------------
# pieces: a sentence as a list of source-anchored pieces, some replaced by edits


@dataclass
class Piece:
    start: int  # source offsets [start, end)
    end: int
    text: str  # article text of this piece
    kind: str | None  # None: copied; "ws": whitespace (reflowed); else an edit kind
    word: bool = False


def tokenize(text: str, start: int, end: int) -> list[Piece]:
    out = []
    for m in TOKEN_RE.finditer(text, start, end):
        g = m.lastgroup
        out.append(Piece(m.start(), m.end(), m.group(), "ws" if g == "ws" else None, g == "w"))
    return out


def _merge(sent: list[Piece], i: int, j: int, text: str, kind: str) -> None:
    """Replace pieces ``i..j-1`` by one edited piece."""
    sent[i:j] = [Piece(sent[i].start, sent[j - 1].end, text, kind, True)]


def _free(sent: list[Piece], i: int, j: int) -> bool:
    return all(p.kind in (None, "ws") for p in sent[i:j])


def _recase(src: str, new: str) -> str:
    letters = [c for c in src if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in new:
        return new.upper()
    if src[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


_NUM = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_NAME = re.compile(r"[A-Z][a-z]{2,}")
_AUX = frozenset(
    "is are was were will would can could should has have had does did do may might must".split()
)
_CALENDAR = frozenset(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday""".split()
)
_QUOTES_OPEN = {'"': '"', "“": "”"}


def _prev_nonws(sent: list[Piece], i: int) -> Piece | None:
    k = i - 1
    while k >= 0 and sent[k].kind == "ws":
        k -= 1
    return sent[k] if k >= 0 else None


def _quote_regions(sent: list[Piece]) -> list[tuple[int, int]]:
    """(open, close) piece indices of quotations inside one sentence."""
    out = []
    i = 0
    while i < len(sent):
        p = sent[i]
        if not p.word and p.text in _QUOTES_OPEN:
            close = _QUOTES_OPEN[p.text]
            for j in range(i + 1, len(sent)):
                if not sent[j].word and sent[j].text == close:
                    out.append((i, j))
                    i = j
                    break
        i += 1
    return out


# (suffix, replacement, class): lemma = word[:-len(suffix)] + replacement; first match wins
_SUFFIX_RULES = (
    ("ies", "y", "s"),
    ("s", "", "s"),
    ("es", "", "s"),
    ("ied", "y", "ed"),
    ("d", "", "ed"),
    ("ed", "", "ed"),
    ("ing", "e", "ing"),
    ("ing", "", "ing"),
)
_VOWELS = frozenset("aeiou")


def _inflect(word: str, cls: str) -> str:
    """Regular English inflection (a spinner's, not a grammarian's)."""
    w = word.lower() if word.isupper() else word
    cons_y = len(w) > 1 and w.endswith("y") and w[-2] not in _VOWELS
    if cls == "s":
        if w.endswith(("s", "x", "z", "ch", "sh")):
            return w + "es"
        return w[:-1] + "ies" if cons_y else w + "s"
    if cls == "ed":
        if w.endswith("e"):
            return w + "d"
        return w[:-1] + "ied" if cons_y else w + "ed"
    if w.endswith("e") and not w.endswith("ee") and len(w) > 2:
        return w[:-1] + "ing"
    return w + "ing"


def build_pools(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """(name_pool, word_pool) from corpus texts: capitalised mid-sentence words never seen
    in lower case (proper names), and common lower-case content words."""
    caps: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        prev_word = False
        for m in TOKEN_RE.finditer(text):
            g = m.lastgroup
            if g == "ws":
                continue
            tok = m.group()
            if g == "w":
                if prev_word and _NAME.fullmatch(tok):
                    caps[tok] += 1
                elif tok.isalpha() and tok.islower():
                    lower[tok] += 1
                prev_word = True
            else:
                prev_word = False
    names = sorted(
        w
        for w, c in caps.items()
        if c >= 2 and w.lower() not in lower and w.lower() not in _CALENDAR
    )
    words = sorted(w for w, c in lower.items() if c >= 3 and len(w) >= 4)
    return names, words


# ---------------------------------------------------------------------------------------
# the generator


@dataclass
class _Unit:
    """A run of sentences placed in the article: consecutive source sentences, or one
    invented sentence."""

    doc: Prepared
    sent_ids: list[int]
    sents: list[list[Piece]]
    labels: set[str] = field(default_factory=set)
    invented: bool = False


class SpinStitchGenerator:
    """Makes ``whole``, ``stitched`` and ``negative`` suspects (see module doc).

    Every suspect gets its own ``random.Random`` seeded by ``(seed, suspect_id)``, so one
    suspect does not depend on which others were generated.
    """

    def __init__(
        self,
        lexicon: LexiconLike,
        *,
        seed: int = 0,
        name_pool: Sequence[str] = (),
        word_pool: Sequence[str] = (),
        grammar_rate: float = 0.05,
        plant_prob: float = 0.5,
        plant_kinds: Sequence[str] = PLANT_KINDS,
        p_truncate: float = 0.3,
        p_paragraph_reorder: float = 0.3,
        p_sentence_reorder: float = 0.25,
        max_phrase_words: int = 3,
        inflect: bool = True,
    ) -> None:
        self.lex = lexicon
        self.seed = seed
        self.name_pool = sorted(set(name_pool))
        self.word_pool = sorted(set(word_pool))
        self.grammar_rate = grammar_rate
        self.plant_prob = plant_prob
        self.plant_kinds = tuple(plant_kinds)
        self.p_truncate = p_truncate
        self.p_paragraph_reorder = p_paragraph_reorder
        self.p_sentence_reorder = p_sentence_reorder
        self.max_phrase_words = max_phrase_words
        self.inflect = inflect
        self._syn_cache: dict[str, list[str]] = {}
        self._infl_cache: dict[str, tuple[str, str, list[str]] | None] = {}

    @classmethod
    def from_corpus(
        cls, lexicon: LexiconLike, texts: Iterable[str], **kwargs: Any
    ) -> SpinStitchGenerator:
        names, words = build_pools(texts)
        return cls(lexicon, name_pool=names, word_pool=words, **kwargs)

    def rng_for(self, suspect_id: str) -> random.Random:
        return random.Random(f"{self.seed}|{suspect_id}")

    # -- public -------------------------------------------------------------------------
    def whole(
        self,
        source: Mapping[str, Any],
        spin_rate: float,
        suspect_id: str,
        *,
        truncate: bool | None = None,
        paragraph_reorder: bool | None = None,
        sentence_reorder: bool | None = None,
        plant: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """A copy of one source (possibly truncated, reordered), spun at ``spin_rate``."""
        rng = self.rng_for(suspect_id)
        doc = source if isinstance(source, Prepared) else prepare(source)
        n = len(doc.sentences)
        if n == 0:
            raise ValueError(f"source {doc.id} has no sentences")
        labels: set[str] = set()
        lo, hi = 0, n
        if truncate is None:
            truncate = n >= 3 and rng.random() < self.p_truncate
        if truncate and n >= 3:
            length = rng.randint(max(2, -(-2 * n // 5)), n - 1)
            lo = rng.randint(0, n - length)
            hi = lo + length
            labels.add("truncate")
        if spin_rate > 0:
            labels.add("spin")
        paras = doc.paragraphs(lo, hi)
        sents = {i: tokenize(doc.text, *doc.sentences[i]) for i in range(lo, hi)}
        keyed = {(doc.id, i): s for i, s in sents.items()}
        stats = self._transform(keyed, spin_rate, rng, plant)
        if paragraph_reorder is None:
            paragraph_reorder = len(paras) >= 2 and rng.random() < self.p_paragraph_reorder
        if paragraph_reorder and len(paras) >= 2:
            order = _shuffled_nonidentity(len(paras), rng)
            paras = [paras[k] for k in order]
            labels.add("paragraph-reorder")
        layout: list[list[_Unit]] = []
        for para in paras:
            reorder = sentence_reorder
            if reorder is None:
                reorder = len(para) >= 2 and rng.random() < self.p_sentence_reorder
            layout.append(self._units(doc, para, sents, labels, reorder and len(para) >= 2, rng))
        return self._render(suspect_id, "whole", spin_rate, layout, stats)

    def stitched(
        self,
        sources: Sequence[Mapping[str, Any]],
        spin_rate: float,
        suspect_id: str,
        *,
        heldout: Mapping[str, Any] | None = None,
        n_invented: int | None = None,
        passage_sentences: tuple[int, int] = (2, 5),
        sentence_reorder: bool | None = None,
        plant: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """One contiguous passage (2-5 sentences) from each source, in random order, plus
        ``n_invented`` (default 0-3) sentences from ``heldout`` (never indexed)."""
        rng = self.rng_for(suspect_id)
        docs = [s if isinstance(s, Prepared) else prepare(s) for s in sources]
        if len({d.id for d in docs}) != len(docs):
            raise ValueError("stitched sources must be distinct")
        picks: list[tuple[Prepared, list[int]]] = []
        for d in docs:
            n = len(d.sentences)
            if n == 0:
                raise ValueError(f"source {d.id} has no sentences")
            length = min(n, rng.randint(*passage_sentences))
            lo = rng.randint(0, n - length)
            picks.append((d, list(range(lo, lo + length))))
        sents: dict[tuple[str, int], list[Piece]] = {}
        for d, ids in picks:
            for i in ids:
                sents[(d.id, i)] = tokenize(d.text, *d.sentences[i])
        stats = self._transform(sents, spin_rate, rng, plant)
        rng.shuffle(picks)
        base_labels = {"spin"} if spin_rate > 0 else set()
        layout: list[list[_Unit]] = []
        for d, ids in picks:
            reorder = sentence_reorder
            if reorder is None:
                reorder = len(ids) >= 2 and rng.random() < self.p_sentence_reorder
            local = {i: sents[(d.id, i)] for i in ids}
            layout.append(self._units(d, ids, local, base_labels, reorder and len(ids) >= 2, rng))
        if n_invented is None:
            n_invented = rng.randint(0, 3) if heldout is not None else 0
        if n_invented:
            if heldout is None:
                raise ValueError("invented sentences need a held-out document")
            self._invent(
                layout,
                prepare(heldout) if not isinstance(heldout, Prepared) else heldout,
                n_invented,
                rng,
            )
        return self._render(suspect_id, "stitched", spin_rate, layout, stats)

    def negative(self, doc: Mapping[str, Any], suspect_id: str, origin: str) -> dict[str, Any]:
        """A query that has no source in the index (the whole text is unsourced)."""
        text = doc["text"]
        s, e = _strip(text, 0, len(text))
        return {
            "id": suspect_id,
            "text": text,
            "kind": "negative",
            "spin_rate": 0.0,
            "passages": [],
            "edits": [],
            "unsourced": [{"article_span": [s, e]}] if s < e else [],
            "source_ids": [],
            "query_doc_id": str(doc["id"]),
            "negative_of": origin,
        }

    # -- transformation -----------------------------------------------------------------
    def _transform(
        self,
        sents: dict[Any, list[Piece]],
        spin_rate: float,
        rng: random.Random,
        plant: Sequence[str] | None,
    ) -> dict[str, Any]:
        keys = sorted(sents)
        planted = []
        kinds = (
            [k for k in self.plant_kinds if rng.random() < self.plant_prob]
            if plant is None
            else list(plant)
        )
        for kind in kinds:
            if getattr(self, f"_plant_{kind}")(sents, keys, rng):
                planted.append(kind)
        n_cands, n_spun = self._spin(sents, keys, spin_rate, rng)
        n_grammar = self._grammar(sents, keys, rng) if spin_rate > 0 else 0
        return {"candidates": n_cands, "spun": n_spun, "planted": planted, "grammar": n_grammar}

    def _syns(self, term: str) -> list[str]:
        got = self._syn_cache.get(term)
        if got is None:
            low = term.lower()
            got = sorted(
                s
                for s in self.lex.synonyms(term)
                if s.lower() != low and not any(c.isdigit() for c in s) and "_" not in s
            )
            self._syn_cache[term] = got
        return got

    def _options(self, term: str) -> list[str]:
        """Synonyms to choose from. For a capitalised term (a name), WordNet's expansions
        that contain the term itself ("Howard" -> "leslie howard") are left out: a
        spinner swaps words, it does not disambiguate people."""
        opts = self._syns(term)
        if term[:1].isupper():
            own = set(term.lower().split())
            opts = [o for o in opts if not own & set(o.lower().split())]
        return opts

    def _inflected(self, word: str) -> tuple[str, str, list[str]] | None:
        """(lemma, suffix class, re-inflected single-word synonyms) for a regularly
        inflected word whose lemma is in the lexicon ("shares" -> "share" -> "stakes")."""
        low = word.lower()
        if low in self._infl_cache:
            return self._infl_cache[low]
        found = None
        if low.isalpha() and not self.lex.is_stopword(low):
            for suffix, rep, cls in _SUFFIX_RULES:
                if low.endswith(suffix) and len(low) - len(suffix) >= 3:
                    lemma = low[: -len(suffix)] + rep
                    if self.lex.is_stopword(lemma) or not self.lex.has_synonyms(lemma):
                        continue
                    opts = sorted(
                        {_inflect(x, cls) for x in self._syns(lemma) if x.isalpha()} - {low}
                    )
                    if opts:
                        found = (lemma, cls, opts)
                        break
        self._infl_cache[low] = found
        return found

    def _spin(
        self, sents: dict[Any, list[Piece]], keys: list[Any], rate: float, rng: random.Random
    ) -> tuple[int, int]:
        lex = self.lex
        cands: list[tuple[Any, int, int, list[str]]] = []
        for key in keys:
            sent = sents[key]
            i = 0
            while i < len(sent):
                p = sent[i]
                if not (p.word and p.kind is None) or any(c.isdigit() for c in p.text):
                    i += 1
                    continue
                found = None
                # phrases: word (ws word){n-1}, all copied, longest first
                for n in range(self.max_phrase_words, 1, -1):
                    j = i + 2 * n - 1
                    if j > len(sent):
                        continue
                    chunk = sent[i:j]
                    if not all(
                        (q.word and q.kind is None) if k % 2 == 0 else q.kind == "ws"
                        for k, q in enumerate(chunk)
                    ):
                        continue
                    words = [q.text for q in chunk[::2]]
                    if all(lex.is_stopword(w) for w in words) or any(
                        c.isdigit() for w in words for c in w
                    ):
                        continue
                    phrase = " ".join(words)
                    if lex.has_synonyms(phrase):
                        opts = self._options(phrase)
                        if opts:
                            found = (i, j, opts)
                            break
                if found is None and not lex.is_stopword(p.text):
                    opts = self._options(p.text) if lex.has_synonyms(p.text) else []
                    if opts:
                        found = (i, i + 1, opts)
                    elif self.inflect and not p.text[:1].isupper():
                        infl = self._inflected(p.text)
                        if infl is not None:
                            found = (i, i + 1, infl[2])
                if found is None:
                    i += 1
                    continue
                cands.append((key, *found))
                i = found[1]
        k = int(rate * len(cands) + 0.5)
        chosen = sorted(rng.sample(range(len(cands)), k)) if k else []
        # apply right to left inside each sentence so earlier indices stay valid
        for idx in reversed(chosen):
            key, i, j, options = cands[idx]
            sent = sents[key]
            src = "".join(q.text for q in sent[i:j])
            new = _recase(src, rng.choice(options))
            _merge(sent, i, j, new, "synonym")
        return len(cands), k

    def _grammar(self, sents: dict[Any, list[Piece]], keys: list[Any], rng: random.Random) -> int:
        """Spinner damage: "but" -> "dud", a dropped "the"/"a"."""
        n = 0
        for key in keys:
            sent = sents[key]
            i = len(sent) - 1
            while i >= 0:
                p = sent[i]
                if p.word and p.kind is None:
                    if p.text in ("but", "But") and rng.random() < self.grammar_rate:
                        _merge(sent, i, i + 1, "dud" if p.text == "but" else "Dud", "grammar")
                        n += 1
                    elif (
                        p.text in ("the", "a")
                        and i > 0
                        and i + 2 < len(sent)
                        and sent[i + 1].kind == "ws"
                        and sent[i + 2].word
                        and rng.random() < self.grammar_rate
                    ):
                        _merge(sent, i, i + 2, "", "grammar")
                        n += 1
                i -= 1
        return n

    # planted integrity changes ---------------------------------------------------------
    def _plant_number(self, sents, keys, rng) -> bool:
        cands = [
            (key, i)
            for key in keys
            for i, p in enumerate(sents[key])
            if p.word and p.kind is None and _NUM.fullmatch(p.text)
        ]
        if not cands:
            return False
        key, i = rng.choice(cands)
        src = sents[key][i].text
        pos = [k for k, c in enumerate(src) if c.isdigit()]
        k = rng.choice(pos[1:] if len(pos) > 1 else pos)
        choices = [d for d in "0123456789" if d != src[k] and not (k == pos[0] and d == "0")]
        new = src[:k] + rng.choice(choices) + src[k + 1 :]
        _merge(sents[key], i, i + 1, new, "number")
        return True

    def _plant_name(self, sents, keys, rng) -> bool:
        if not self.name_pool:
            return False
        cands = []
        for key in keys:
            sent = sents[key]
            first_word = next((k for k, p in enumerate(sent) if p.word), None)
            for i, p in enumerate(sent):
                if (
                    i != first_word
                    and p.word
                    and p.kind is None
                    and _NAME.fullmatch(p.text)
                    and not self.lex.is_stopword(p.text)
                    and p.text.lower() not in _CALENDAR
                ):
                    prev = _prev_nonws(sent, i)
                    if prev is not None and prev.word:
                        cands.append((key, i))
        if not cands:
            return False
        key, i = rng.choice(cands)
        src = sents[key][i].text
        pool = [n for n in self.name_pool if n != src]
        if not pool:
            return False
        _merge(sents[key], i, i + 1, rng.choice(pool), "name")
        return True

    def _plant_negation(self, sents, keys, rng) -> bool:
        remove, insert = [], []
        for key in keys:
            sent = sents[key]
            for i in range(1, len(sent) - 2):
                p = sent[i]
                if not (p.word and p.kind is None and p.text in _AUX):
                    continue
                if sent[i + 1].kind != "ws" or not sent[i + 2].word:
                    continue
                nxt = sent[i + 2]
                if nxt.text == "not" and nxt.kind is None:
                    remove.append((key, i))
                elif nxt.text.lower() not in ("not", "never", "no") and not nxt.text.endswith(
                    ("n't", "n’t")
                ):
                    insert.append((key, i))
        if remove and (not insert or rng.random() < 0.5):
            key, i = rng.choice(remove)
            _merge(sents[key], i, i + 3, sents[key][i].text, "negation")
            return True
        if insert:
            key, i = rng.choice(insert)
            _merge(sents[key], i, i + 1, sents[key][i].text + " not", "negation")
            return True
        return False

    def _plant_quote(self, sents, keys, rng) -> bool:
        deletions, swaps = [], []
        for key in keys:
            sent = sents[key]
            for qo, qc in _quote_regions(sent):
                words = [k for k in range(qo + 1, qc) if sent[k].word]
                if len(words) >= 6:
                    for a in range(1, len(words) - 1):
                        for length in (1, 2, 3):
                            b = a + length - 1
                            if b >= len(words) - 1:
                                break
                            i, j = words[a] - 1, words[b] + 1
                            if sent[i].kind == "ws" and _free(sent, i, j):
                                deletions.append((key, i, j))
                for k in words:
                    p = sent[k]
                    if (
                        p.kind is None
                        and p.text.isalpha()
                        and len(p.text) >= 3
                        and not (self.lex.is_stopword(p.text))
                    ):
                        swaps.append((key, k))
        if self.word_pool and swaps and (not deletions or rng.random() < 0.5):
            key, k = rng.choice(swaps)
            src = sents[key][k].text
            bad = {s.lower() for s in self.lex.synonyms(src)} | {src.lower()}
            pool = [w for w in self.word_pool if w not in bad]
            if pool:
                _merge(sents[key], k, k + 1, _recase(src, rng.choice(pool)), "quote")
                return True
        if deletions:
            key, i, j = rng.choice(deletions)
            _merge(sents[key], i, j, "", "quote")
            return True
        return False

    # layout ----------------------------------------------------------------------------
    def _units(
        self,
        doc: Prepared,
        ids: list[int],
        sents: Mapping[int, list[Piece]],
        labels: set[str],
        reorder: bool,
        rng: random.Random,
    ) -> list[_Unit]:
        """Sentences ``ids`` (one article paragraph) as units of source-consecutive runs."""
        order = list(ids)
        unit_labels = set(labels)
        if reorder:
            perm = _shuffled_nonidentity(len(ids), rng)
            order = [ids[k] for k in perm]
            unit_labels.add("reorder")
        units: list[_Unit] = []
        for i in order:
            if units and units[-1].sent_ids[-1] + 1 == i:
                units[-1].sent_ids.append(i)
                units[-1].sents.append(sents[i])
            else:
                units.append(_Unit(doc, [i], [sents[i]], set(unit_labels)))
        return units

    def _invent(
        self, layout: list[list[_Unit]], held: Prepared, n: int, rng: random.Random
    ) -> None:
        pool = [
            i for i, (s, e) in enumerate(held.sentences) if len(_WORDS.findall(held.text[s:e])) >= 5
        ] or list(range(len(held.sentences)))
        for i in rng.sample(pool, min(n, len(pool))):
            unit = _Unit(held, [i], [tokenize(held.text, *held.sentences[i])], invented=True)
            if rng.random() < 0.3 or not layout:
                layout.insert(rng.randint(0, len(layout)), [unit])
            else:
                para = layout[rng.randrange(len(layout))]
                para.insert(rng.randint(0, len(para)), unit)

    def _render(
        self,
        suspect_id: str,
        kind: str,
        spin_rate: float,
        layout: list[list[_Unit]],
        stats: dict[str, Any],
    ) -> dict[str, Any]:
        parts: list[str] = []
        pos = 0

        def put(t: str) -> None:
            nonlocal pos
            parts.append(t)
            pos += len(t)

        # placed: (unit, article_start, article_end, [edit dicts])
        placed: list[tuple[_Unit, int, int, list[dict[str, Any]]]] = []
        for pi, para in enumerate(layout):
            if pi:
                put("\n\n")
            for ui, unit in enumerate(para):
                if ui:
                    put(" ")
                start = pos
                edits: list[dict[str, Any]] = []
                for si, sent in enumerate(unit.sents):
                    if si:
                        put(" ")
                    for p in sent:
                        t = " " if p.kind == "ws" else p.text
                        if p.kind not in (None, "ws"):
                            edits.append(
                                {
                                    "kind": p.kind,
                                    "article_span": [pos, pos + len(t)],
                                    "source_span": [p.start, p.end],
                                    "article_text": t,
                                    "source_text": unit.doc.text[p.start : p.end],
                                }
                            )
                        put(t)
                placed.append((unit, start, pos, edits))
        text = "".join(parts)

        passages: list[dict[str, Any]] = []
        all_edits: list[dict[str, Any]] = []
        unsourced: list[dict[str, Any]] = []
        prev: _Unit | None = None
        for unit, s, e, edits in placed:
            if unit.invented:
                ss, se = unit.doc.sentences[unit.sent_ids[0]]
                unsourced.append(
                    {"article_span": [s, e], "heldout_id": unit.doc.id, "heldout_span": [ss, se]}
                )
                prev = None
                continue
            src_s = unit.doc.sentences[unit.sent_ids[0]][0]
            src_e = unit.doc.sentences[unit.sent_ids[-1]][1]
            if (
                prev is not None
                and prev.doc.id == unit.doc.id
                and prev.sent_ids[-1] + 1 == unit.sent_ids[0]
            ):
                cur = passages[-1]
                cur["article_span"][1] = e
                cur["source_span"][1] = src_e
                cur["_labels"] |= unit.labels
            else:
                passages.append(
                    {
                        "article_span": [s, e],
                        "source_id": unit.doc.id,
                        "source_span": [src_s, src_e],
                        "_labels": set(unit.labels),
                    }
                )
            for ed in edits:
                ed["passage"] = len(passages) - 1
                all_edits.append(ed)
            prev = unit
        for p in passages:
            labels = p.pop("_labels")
            p["obfuscation"] = "+".join(x for x in _LABEL_ORDER if x in labels) or "none"
        all_edits.sort(key=lambda ed: (ed["article_span"][0], ed["article_span"][1]))
        source_ids = list(dict.fromkeys(p["source_id"] for p in passages))
        heldout_ids = list(dict.fromkeys(u["heldout_id"] for u in unsourced))
        return {
            "id": suspect_id,
            "text": text,
            "kind": kind,
            "spin_rate": spin_rate,
            "passages": passages,
            "edits": all_edits,
            "unsourced": unsourced,
            "source_ids": source_ids,
            "heldout_ids": heldout_ids,
            "stats": stats,
        }


def _shuffled_nonidentity(n: int, rng: random.Random) -> list[int]:
    order = list(range(n))
    if n < 2:
        return order
    while order == sorted(order):
        rng.shuffle(order)
    return order


# ---------------------------------------------------------------------------------------
# verification


def undo_edits(text: str, start: int, edits: Sequence[Mapping[str, Any]]) -> str:
    """``text`` (an article span beginning at ``start``) with ``edits`` reverted."""
    out = text
    # right to left; at one position the replacement (non-empty span) before the insertion
    for ed in sorted(
        edits, key=lambda d: (d["article_span"][0], d["article_span"][1]), reverse=True
    ):
        a, b = ed["article_span"]
        out = out[: a - start] + ed["source_text"] + out[b - start :]
    return out


def verify_suspect(suspect: Mapping[str, Any], docs: Mapping[str, str]) -> None:
    """Raise ``AssertionError`` unless the suspect's ground truth is exact.

    ``docs`` maps document id -> stored ``text`` (sources and held-out documents).
    Checks: spans in range and ordered; passages and unsourced spans disjoint and
    covering every non-whitespace character of the suspect (except for negatives, which
    are covered by their single unsourced span); each edit's texts equal the text at its
    spans on both sides and lie inside its passage; each passage's article text with its
    edits undone equals its source span text up to whitespace; each invented sentence
    equals its held-out span up to whitespace.
    """
    text = suspect["text"]
    sid = suspect["id"]
    problems: list[str] = []

    def span_ok(span: Sequence[int], n: int) -> bool:
        return len(span) == 2 and 0 <= span[0] <= span[1] <= n

    covered = [False] * len(text)

    def cover(span: Sequence[int], what: str) -> None:
        for k in range(span[0], span[1]):
            if covered[k] and not text[k].isspace():
                problems.append(f"{what}: character {k} covered twice")
                return
            covered[k] = True

    passages = suspect["passages"]
    by_passage: dict[int, list[Mapping[str, Any]]] = {i: [] for i in range(len(passages))}
    for ed in suspect["edits"]:
        if ed["kind"] not in EDIT_KINDS:
            problems.append(f"edit kind {ed['kind']!r} unknown")
        pi = ed.get("passage")
        if pi not in by_passage:
            problems.append(f"edit {ed} has no valid passage")
            continue
        by_passage[pi].append(ed)
    for pi, p in enumerate(passages):
        src = docs.get(p["source_id"])
        if src is None:
            problems.append(f"passage {pi}: source {p['source_id']} unknown")
            continue
        a, s = p["article_span"], p["source_span"]
        if not span_ok(a, len(text)) or not span_ok(s, len(src)) or a[0] == a[1]:
            problems.append(f"passage {pi}: span out of range {a} {s}")
            continue
        cover(a, f"passage {pi}")
        for ed in by_passage[pi]:
            ea, es = ed["article_span"], ed["source_span"]
            if not (a[0] <= ea[0] <= ea[1] <= a[1] and s[0] <= es[0] <= es[1] <= s[1]):
                problems.append(f"passage {pi}: edit {ed} outside the passage")
                continue
            if text[ea[0] : ea[1]] != ed["article_text"]:
                problems.append(f"edit {ed}: article text is {text[ea[0] : ea[1]]!r}")
            if src[es[0] : es[1]] != ed["source_text"]:
                problems.append(f"edit {ed}: source text is {src[es[0] : es[1]]!r}")
            if ed["article_text"] == ed["source_text"]:
                problems.append(f"edit {ed}: no change")
        restored = undo_edits(text[a[0] : a[1]], a[0], by_passage[pi])
        if norm_ws(restored) != norm_ws(src[s[0] : s[1]]):
            problems.append(
                f"passage {pi}: undone article text differs from source span\n"
                f"  restored: {norm_ws(restored)[:300]!r}\n  source:   {norm_ws(src[s[0] : s[1]])[:300]!r}"
            )
    for u in suspect["unsourced"]:
        a = u["article_span"]
        if not span_ok(a, len(text)) or a[0] == a[1]:
            problems.append(f"unsourced span out of range {a}")
            continue
        cover(a, "unsourced")
        if "heldout_id" in u:
            held = docs.get(u["heldout_id"])
            hs = u["heldout_span"]
            if held is None or not span_ok(hs, len(held)):
                problems.append(f"unsourced {u}: held-out span invalid")
            elif norm_ws(held[hs[0] : hs[1]]) != norm_ws(text[a[0] : a[1]]):
                problems.append(f"unsourced {u}: text differs from held-out span")
        if u.get("heldout_id") in set(suspect.get("source_ids", ())):
            problems.append(f"unsourced {u}: held-out document is also a source")
    for k, ch in enumerate(text):
        if not covered[k] and not ch.isspace():
            problems.append(f"character {k} ({ch!r}) is neither in a passage nor unsourced")
            break
    if problems:
        raise AssertionError(f"suspect {sid}: " + "\n".join(problems))


# ---------------------------------------------------------------------------------------
# command line


def _parse_rates(s: str) -> list[float]:
    return [float(x) for x in s.split(",") if x.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.generator",
        description="Generate spun/stitched suspect articles with exact ground truth (JSONL) "
        "from the Reuters-21578 and BBC corpora. Output holds corpus text: keep it out of git.",
    )
    ap.add_argument(
        "--data-dir", help="benchmark data folder (default: $UNSPUN_DATA or ../shared/data)"
    )
    ap.add_argument("--n", type=int, default=5, help="suspects per kind and spin rate (default 5)")
    ap.add_argument(
        "--rates",
        type=_parse_rates,
        default=list(SPIN_RATES),
        help="comma-separated spin rates (default 0.1,0.3,0.5,0.7)",
    )
    ap.add_argument("--kinds", default="whole,stitched", help="whole,stitched (default both)")
    ap.add_argument("--sources", type=int, default=3, help="sources per stitched suspect (2-4)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--out", default="bench/work/suspects.jsonl", help="output JSONL ('-' = stdout)"
    )
    args = ap.parse_args(argv)

    from bench import corpus

    ddir = corpus.data_dir(args.data_dir)
    if not ddir.exists():
        print(f"benchmark data not found at {ddir}", file=sys.stderr)
        return 2
    docs = corpus.load_news(ddir)
    rng = random.Random(args.seed)
    rng.shuffle(docs)
    gen = SpinStitchGenerator.from_corpus(
        load_default_lexicon(), (d["text"] for d in docs[:3000]), seed=args.seed
    )
    usable = [d for d in docs if len(prepare(d).sentences) >= 4]
    it = iter(usable)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    out = sys.stdout if args.out == "-" else None
    if out is None:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        out = open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    by_id = {d["id"]: d["text"] for d in docs}
    count = 0
    try:
        for kind in kinds:
            for rate in args.rates:
                for i in range(args.n):
                    sid = f"{kind}-r{int(round(rate * 100)):02d}-{i:04d}"
                    if kind == "whole":
                        s = gen.whole(next(it), rate, sid)
                    else:
                        srcs = [next(it) for _ in range(args.sources)]
                        s = gen.stitched(srcs, rate, sid, heldout=next(it))
                    verify_suspect(s, by_id)
                    out.write(json.dumps(s, ensure_ascii=False) + "\n")
                    count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"wrote {count} verified suspects to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
