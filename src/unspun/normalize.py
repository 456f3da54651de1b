"""Folding of text for matching, never for display.

Every reported span is an offset into the text as extracted. Matching works on a
*folded* form of each token (see :mod:`unspun.tokens`): Unicode NFKC, case folding,
curly quotes and apostrophes folded, zero-width and soft-hyphen characters removed,
and Cyrillic/Greek look-alike letters mapped to Latin when they are mixed into a
Latin word (a common trick to defeat exact matching). Numbers are folded so that
``1,550`` and ``1550`` compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: characters removed from tokens before matching (zero-width, soft hyphen, BOM)
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE_TABLE = {ord(c): None for c in INVISIBLE}

_APOSTROPHES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u00b4\u02bc\u0060\u2032"}
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}

# Cyrillic and Greek letters that look like Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic lower / upper
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ү": "y",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        # Greek lower / upper
        "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "ε": "e",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)
_LATIN = re.compile(r"[A-Za-z]")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


@lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    """Fold one token for matching: NFKC, invisible characters, apostrophes, homoglyphs, case."""
    t = unicodedata.normalize("NFKC", token).translate(_INVISIBLE_TABLE)
    t = t.translate(_APOSTROPHES).translate(_DASHES)
    if not t.isascii() and _LATIN.search(t):
        t = t.translate(_HOMOGLYPHS)
    return t.casefold()


def base_form(word: str) -> str:
    """A folded word without a possessive ``'s`` ("minister's" -> "minister")."""
    return word[:-2] if word.endswith("'s") and len(word) > 3 else word


def fold_number(token: str) -> str:
    """``1,550`` -> ``1550``; ``3.50`` stays; anything else is returned folded."""
    t = fold_token(token)
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    return t

