"""The founding case (FOUNDING_CASE.md): read at run time from ../shared/founding, never committed.

Skipped when the folder is absent. Set UNSPUN_FOUNDING to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import unspun

FOUNDING = Path(os.environ.get("UNSPUN_FOUNDING", Path(__file__).resolve().parent.parent.parent / "shared" / "founding"))

pytestmark = pytest.mark.skipif(
    not (FOUNDING / "article.txt").exists() or not (FOUNDING / "corpus.jsonl").exists(),
    reason="founding case not available (copyrighted; ../shared/founding)",
)


@pytest.fixture(scope="module")
def report():
    idx = unspun.memory_index()
    idx.add(unspun.read_records([FOUNDING / "corpus.jsonl"]))
    return unspun.check(unspun.read_article(str(FOUNDING / "article.txt")), idx)


def _text(report, f):
    return report.article.text[f.article_span[0] : f.article_span[1]]


def test_verdict_stitched(report):
    assert report.verdict.label == "stitched"
    assert "1 altered quote" in report.verdict.summary
    assert "1 possible invented connector" in report.verdict.summary


def test_altered_quote(report):
    quotes = [f for f in report.findings if f.kind == "quote-altered"]
    (q,) = [f for f in quotes if _text(report, f) == "Time will show how it will develop"]
    assert q.data["change"] == "shortened"
    assert " ".join(q.data["source_quote"].split()).startswith("The time will show how it will develop, but we won't exclude it")
    assert [" ".join(c["source"].split()) for c in q.data["changes"]] == ["The", "but we won't exclude it"]


def test_invented_connector_unsourced(report):
    (f,) = [f for f in report.findings if f.kind == "unsourced" and _text(report, f) == "China refused to consider this idea."]
    assert f.data["role"] == "connector"


def test_russia_swaps(report):
    (spin,) = [f for f in report.findings if f.kind == "spin-density"]
    top = spin.data["telling"][0]
    assert (top["source"], top["article"]) == ("Russia", "Russian Federation")
    assert top["in_article"] == 7


def test_dropped_name(report):
    names = [f for f in report.findings if f.kind == "name-changed"]
    assert ("the Trump administration", "the Administration") in [(f.data["source"], f.data["article"]) for f in names]


def test_opcw_statement_is_a_different_subject(report):
    (opcw,) = [f for f in report.findings if f.kind == "stitched" and "opcw.org" in (f.source_doc or "")]
    assert max(opcw.data["relatedness"].values()) < 0.15
