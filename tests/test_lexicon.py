"""Tests for unspun.lexicon (WordNet-derived synonym data shipped with the package)."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest

from unspun.lexicon import NEGATIONS, Lexicon, default_lexicon, normalize_term

ROOT = Path(__file__).resolve().parents[1]
DATA = resources.files("unspun").joinpath("data")


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return default_lexicon()


# -- synonyms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("russia", "russian federation"),
        ("united states", "usa"),
        ("united states", "u.s."),
        ("u.s.", "us"),
        ("united kingdom", "uk"),
        ("international", "worldwide"),  # adjective similar-to link (international & global)
        ("international", "global"),
        ("information", "data"),
        ("alliance", "coalition"),
        ("association", "connection"),
        ("possibility", "possibleness"),
        ("big", "large"),
    ],
)
def test_true_synonyms(lex: Lexicon, a: str, b: str) -> None:
    assert lex.are_synonyms(a, b)
    assert lex.are_synonyms(b, a)
    assert b in lex.synonyms(a)
    assert a in lex.synonyms(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Not synonyms in WordNet 3.0 (checked): only assert true facts.
        ("partnership", "association"),
        ("talk", "discussion"),
        ("alliance", "union"),
        ("possibility", "potential"),
        ("form", "create"),
        ("russia", "navalny"),
    ],
)
def test_not_synonyms_in_wordnet(lex: Lexicon, a: str, b: str) -> None:
    assert not lex.are_synonyms(a, b)
    assert b not in lex.synonyms(a)


def test_synonyms_exclude_term_and_normalise(lex: Lexicon) -> None:
    syns = lex.synonyms("Russia")
    assert "russia" not in syns
    assert "russian federation" in syns
    assert lex.synonyms("  Russian \t Federation ") == lex.synonyms("russian federation")
    assert lex.are_synonyms("UNITED   STATES", "U.S.")
    assert lex.has_synonyms("Worldwide")


def test_dots_are_kept(lex: Lexicon) -> None:
    # "u.s." and "us" are distinct keys; WordNet lists both for the United States.
    assert lex.has_synonyms("u.s.")
    assert lex.has_synonyms("us")
    assert "u.s." in lex.synonyms("us")


def test_unknown_and_function_words(lex: Lexicon) -> None:
    assert lex.synonyms("navalny") == frozenset()
    assert not lex.has_synonyms("navalny")
    assert not lex.are_synonyms("navalny", "navalny")
    assert lex.synonyms("the") == frozenset()
    assert not lex.has_synonyms("the")
    # no partnership synonym exists in WordNet 3.0 at all
    assert not lex.has_synonyms("partnership")


def test_filtered_lemmas(lex: Lexicon) -> None:
    # digits-only and one-character lemmas are not shipped
    assert not lex.has_synonyms("2")
    assert "2" not in lex.synonyms("two")
    assert all(len(t) > 1 for t in lex.synonyms("one"))


def test_max_phrase_words(lex: Lexicon) -> None:
    assert lex.max_phrase_words >= 4  # "russian soviet federated socialist republic"
    assert lex.max_phrase_words <= 12


# -- canonical classes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("russia", "russian federation"),
        ("united states", "usa"),
        ("u.s.", "usa"),
        ("international", "worldwide"),
        ("information", "data"),
        ("big", "large"),
        ("war", "warfare"),
    ],
)
def test_canonical_pairs(lex: Lexicon, a: str, b: str) -> None:
    assert lex.canonical(a) == lex.canonical(b)


def test_canonical_unknown_is_identity(lex: Lexicon) -> None:
    assert lex.canonical("navalny") == "navalny"
    assert lex.canonical("Navalny") == "navalny"


def test_canonical_classes_are_small(lex: Lexicon) -> None:
    sizes: dict[str, int] = {}
    for key in lex._canon.values():
        sizes[key] = sizes.get(key, 0) + 1
    assert max(sizes.values()) <= 30
    # canonical keys are themselves their own key (stable class representative)
    assert all(lex.canonical(k) == k for k in list(sizes)[:1000])


# -- morphology, stopwords, negation ---------------------------------------------------


def test_base_form(lex: Lexicon) -> None:
    assert lex.base_form("sunk") == "sink"
    assert lex.base_form("sank") == "sink"
    assert lex.base_form("went") == "go"
    assert lex.base_form("children") == "child"
    assert lex.base_form("Sunk") == "sink"
    assert lex.base_form("sink") is None
    assert lex.base_form("navalny") is None


def test_stopwords(lex: Lexicon) -> None:
    assert lex.is_stopword("the")
    assert lex.is_stopword("The")
    assert lex.is_stopword("didn’t")
    assert not lex.is_stopword("russia")
    assert 150 <= len(lex.stopwords) <= 260
    assert all(w == w.lower() and w.strip() == w for w in lex.stopwords)


def test_negations(lex: Lexicon) -> None:
    assert lex.is_negation("never")
    assert lex.is_negation("Not")
    assert lex.is_negation("didn’t")  # curly apostrophe
    assert lex.is_negation("mustn't")
    assert not lex.is_negation("now")
    assert not lex.is_negation("know")
    assert {"not", "no", "never", "n't", "nor", "without", "cannot", "won't"} <= NEGATIONS


def test_normalize_term() -> None:
    assert normalize_term("  Russian\u00a0 Federation\n") == "russian federation"
    assert normalize_term("DIDN’T") == "didn't"
    assert normalize_term("U.S.") == "u.s."


# -- shipped data -----------------------------------------------------------------------


def test_data_files_shipped() -> None:
    raw = DATA.joinpath("lexicon.tsv.gz").read_bytes()
    assert len(raw) < 2_500_000
    header = gzip.decompress(raw)[:400].decode()
    assert header.startswith("#")
    assert "WordNet 3.0" in header
    assert "build_lexicon.py" in header
    assert "Princeton" in DATA.joinpath("WORDNET_LICENSE").read_text(encoding="utf-8")


def test_default_lexicon_cached_and_fast() -> None:
    default_lexicon.cache_clear()
    t0 = time.perf_counter()
    lx = default_lexicon()
    elapsed = time.perf_counter() - t0
    assert default_lexicon() is lx
    assert elapsed < 2.0  # target is < 0.4 s; generous bound for slow CI machines


@pytest.mark.skipif(
    not Path("/usr/share/wordnet/data.noun").exists(), reason="WordNet (wordnet-base) not installed"
)
def test_build_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "lexicon.tsv.gz"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_lexicon.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )

    def body(raw: bytes) -> list[bytes]:  # header comments name the local Debian version
        return [ln for ln in gzip.decompress(raw).splitlines() if not ln.startswith(b"#")]

    assert body(out.read_bytes()) == body(DATA.joinpath("lexicon.tsv.gz").read_bytes())
