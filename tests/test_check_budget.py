"""Long articles (issue 12, defect 7): the CLI's size cap, and the linear-time helpers
giving the same answers as the quadratic ones they replaced."""

from __future__ import annotations

import random
from pathlib import Path

from typer.testing import CliRunner

from unspun.analyze.unsourced import covered_fraction
from unspun.cli import app
from unspun.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "reference.jsonl"
SUSPECT = ROOT / "examples" / "suspect.txt"


def test_check_refuses_an_article_over_max_article(tmp_path):
    r = CliRunner().invoke(app, ["check", str(SUSPECT), "--against", str(REFERENCE), "--max-article", "1000"])
    assert r.exit_code == 2, r.output
    assert "--max-article" in r.output and "1,000" in r.output and "Traceback" not in r.output


def test_check_has_a_default_cap(tmp_path):
    MAX_ARTICLE_CHARS = 5 * 1024 * 1024  # unspun.budget.MAX_ARTICLE_CHARS
    huge = tmp_path / "huge.txt"
    line = "The committee met again on Tuesday and adjourned without a vote.\n"
    huge.write_text(line * (MAX_ARTICLE_CHARS // len(line) + 10), encoding="utf-8")
    r = CliRunner().invoke(app, ["check", str(huge), "--against", str(REFERENCE)])
    assert r.exit_code == 2, r.output[-500:]
    assert "--max-article" in r.output and "Traceback" not in r.output
    from unspun.budget import MAX_ARTICLE_CHARS as default

    assert default == MAX_ARTICLE_CHARS
    ok = CliRunner().invoke(app, ["check", str(SUSPECT), "--against", str(REFERENCE), "--format", "json"])
    assert ok.exit_code == 0 and '"stitched"' in ok.output


def _brute_covered(toks, spans):
    return sum(1 for s in toks.starts if any(a <= s < b for a, b in spans)) / len(toks)


def test_covered_fraction_matches_the_definition_on_overlapping_spans():
    text = SUSPECT.read_text(encoding="utf-8") * 3
    toks = tokenize(text)
    rng = random.Random(3)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 12)):
            a = rng.randrange(len(text))
            spans.append((a, a + rng.choice((0, 1, 5, 40, 300, 2000))))
        assert covered_fraction(toks, spans) == _brute_covered(toks, spans)
