"""English lexicon: synonym groups, canonical synonym classes, stopwords, negations.

Data is shipped inside the package (``unspun/data``) and read with the stdlib only:

* ``lexicon.tsv.gz`` -- built from Princeton WordNet 3.0 by ``scripts/build_lexicon.py``
  (licence: ``unspun/data/WORDNET_LICENSE``);
* ``stopwords_en.txt`` -- hand-written function-word list.

Terms are normalised before lookup: lowercase, curly apostrophes -> ``'``, internal
whitespace collapsed to a single space. Dots are kept (``"u.s."`` and ``"us"`` are
different keys; WordNet lists both for the United States).
"""

from __future__ import annotations

import functools
import gc
import gzip
from importlib import resources
from itertools import chain, repeat

__all__ = ["NEGATIONS", "Lexicon", "default_lexicon", "normalize_term"]

NEGATIONS: frozenset[str] = frozenset(
    {
        "not", "no", "never", "n't", "none", "nobody", "nothing", "neither", "nor",
        "nowhere", "without", "cannot", "nope", "naught", "nought", "noone", "no-one",
        "ain't", "aren't", "can't", "couldn't", "didn't", "doesn't", "don't", "hadn't",
        "hasn't", "haven't", "isn't", "mightn't", "mustn't", "needn't", "oughtn't",
        "shan't", "shouldn't", "wasn't", "weren't", "won't", "wouldn't",
        "aint", "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt",
        "havent", "isnt", "shouldnt", "wasnt", "werent", "wont", "wouldnt",
    }
)  # fmt: skip

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


def normalize_term(term: str) -> str:
    """Lowercase, unify apostrophes, collapse internal whitespace."""
    term = term.lower()
    if not term.isascii():
        term = term.translate(_APOSTROPHES)
    parts = term.split()
    if len(parts) != 1 or parts[0] != term:
        term = " ".join(parts)
    return term


class Lexicon:
    """Synonym / stopword / negation look-ups. Build with :func:`default_lexicon`."""

    __slots__ = ("_groups", "_index", "_canon", "_exc", "stopwords", "max_phrase_words")

    stopwords: frozenset[str]
    max_phrase_words: int

    def __init__(
        self,
        groups: list[str],
        index: dict[str, int | str | tuple[int, ...]],
        canon: dict[str, str],
        exceptions: dict[str, str],
        stopwords: frozenset[str],
        max_phrase_words: int,
    ) -> None:
        # groups[gid] = tab-joined terms; index[term] = gid, or "gid,gid,..." / tuple of
        # gids for terms in several groups (the string is parsed on first use).
        self._groups = groups
        self._index = index
        self._canon = canon
        self._exc = exceptions
        self.stopwords = stopwords
        self.max_phrase_words = max_phrase_words

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, stopwords: frozenset[str] = frozenset()) -> Lexicon:
        """Parse the format written by ``scripts/build_lexicon.py`` (see its docstring).

        Every dictionary is built with C-level ``split`` / ``dict(zip(...))`` calls: no
        Python-level loop over the ~10^5 terms, which keeps the load well under 0.1 s."""
        sections: dict[str, str] = {}
        for part in ("\n" + text).split("\n@"):
            name, _, body = part.partition("\n")
            if name and not name.startswith("#"):
                sections[name.strip()] = body.strip("\n")

        meta = dict(_pairs(sections.get("meta", "")))
        body = sections.get("groups", "")
        groups = body.split("\n") if body else []
        counts = [g.count("\t") + 1 for g in groups]
        index: dict[str, int | str | tuple[int, ...]] = dict(
            zip(
                _cells(body),
                chain.from_iterable(map(repeat, range(len(groups)), counts)),
                strict=True,
            )
        )
        index.update(_pairs(sections.get("multi", "")))

        body = sections.get("canon", "")
        classes = body.split("\n") if body else []
        keys = [c[: c.find("\t")] for c in classes]
        counts = [c.count("\t") + 1 for c in classes]
        canon = dict(zip(_cells(body), chain.from_iterable(map(repeat, keys, counts)), strict=True))
        exc = dict(_pairs(sections.get("exc", "")))
        longest = int(meta.get("max_phrase_words", 0)) or max(
            (t.count(" ") + 1 for t in index), default=1
        )
        return cls(groups, index, canon, exc, stopwords, longest)

    # -- look-ups ---------------------------------------------------------------------
    def _gids(self, term: str) -> tuple[int, ...]:
        g = self._index.get(term)
        if g is None:
            return ()
        if g.__class__ is int:
            return (g,)  # type: ignore[return-value]
        if g.__class__ is str:
            g = tuple(map(int, g.split(",")))  # type: ignore[union-attr]
            self._index[term] = g
        return g  # type: ignore[return-value]

    def group_ids(self, term: str) -> tuple[int, ...]:
        """Ids of the synonym groups ``term`` belongs to (two terms are synonyms when they
        share one): lets a caller index many terms once instead of comparing all pairs."""
        return self._gids(normalize_term(term))

    def synonyms(self, term: str) -> frozenset[str]:
        """All terms sharing a synonym group with ``term`` (``term`` itself excluded)."""
        t = normalize_term(term)
        out: set[str] = set()
        groups = self._groups
        for gid in self._gids(t):
            out.update(groups[gid].split("\t"))
        out.discard(t)
        return frozenset(out)

    def are_synonyms(self, a: str, b: str) -> bool:
        """True if ``a`` and ``b`` share a synonym group (WordNet synset, adjective
        similar-to link or hand alias). A known term is a synonym of itself."""
        ga = self._gids(normalize_term(a))
        if not ga:
            return False
        gb = self._gids(normalize_term(b))
        if not gb:
            return False
        if len(ga) == 1 and len(gb) == 1:
            return ga[0] == gb[0]
        return not set(ga).isdisjoint(gb)

    def classify(self, term: str) -> tuple[bool, bool, str]:
        """(:meth:`is_stopword`, :meth:`has_synonyms`, :meth:`canonical`) of ``term``,
        normalised once (fingerprinting asks all three of every new word)."""
        t = normalize_term(term)
        return t in self.stopwords, t in self._index, self._canon.get(t, t)

    def has_synonyms(self, term: str) -> bool:
        """True if ``term`` appears in some synonym group (a spinner could replace it)."""
        return normalize_term(term) in self._index

    def canonical(self, term: str) -> str:
        """Synonym-class key: equal for most synonym pairs, classes of at most ~30 terms
        (size-capped union-find, most frequent senses merged first; see the build script).

        Unknown terms map to their normalised form."""
        t = normalize_term(term)
        return self._canon.get(t, t)

    def base_form(self, word: str) -> str | None:
        """Base form of an irregular inflection (``"sunk"`` -> ``"sink"``), else None."""
        return self._exc.get(normalize_term(word))

    def is_stopword(self, word: str) -> bool:
        return normalize_term(word) in self.stopwords

    def is_negation(self, word: str) -> bool:
        w = normalize_term(word)
        return w in NEGATIONS or w.endswith("n't")

    def __repr__(self) -> str:
        return (
            f"<Lexicon {len(self._groups)} groups, {len(self._index)} terms, "
            f"{len(self.stopwords)} stopwords>"
        )


def _cells(body: str) -> list[str]:
    """All tab/newline-separated cells of a section body, in order."""
    return body.replace("\n", "\t").split("\t") if body else []


def _pairs(body: str) -> zip[tuple[str, str]]:
    """``key<TAB>value`` lines -> (key, value) pairs."""
    cells = _cells(body)
    return zip(cells[::2], cells[1::2], strict=True)


def _read_stopwords(text: str) -> frozenset[str]:
    words = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(normalize_term(line))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package (loaded once per process)."""
    data = resources.files("unspun").joinpath("data")
    text = gzip.decompress(data.joinpath("lexicon.tsv.gz").read_bytes()).decode("utf-8")
    stop = _read_stopwords(data.joinpath("stopwords_en.txt").read_text(encoding="utf-8"))
    # The load allocates many objects that all stay alive: pausing the cyclic GC avoids
    # useless collections while parsing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return Lexicon.from_text(text, stop)
    finally:
        if gc_was_enabled:
            gc.enable()
