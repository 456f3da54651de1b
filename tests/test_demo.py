"""`unspun demo`: bundled data, exact findings, terminal and HTML output, speed."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspun.cli import app
from unspun.demo import demo_article, demo_index, run_demo

ROOT = Path(__file__).resolve().parent.parent
SHARED_DEMO = ROOT.parent / "shared" / "demo" / "corpus.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def report():
    return run_demo()


def test_bundled_corpus_is_the_public_domain_reference_set():
    bundled = resources.files("unspun.demo").joinpath("reference.jsonl").read_text(encoding="utf-8")
    assert bundled == (ROOT / "examples" / "reference.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in bundled.splitlines()]
    assert len(records) == 64
    assert all("caution" not in r and r["public_domain_basis"] for r in records)
    if SHARED_DEMO.exists():  # the gathered corpus, minus its two records with a caution
        shared = [json.loads(line) for line in SHARED_DEMO.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in records] == [r["id"] for r in shared if "caution" not in r]


def test_demo_article_and_index():
    a = demo_article()
    assert a.title == "Senators demand new Russia sanctions as arms pact nears expiry"
    with demo_index() as idx:
        assert len(idx) == 64


def test_demo_findings_exactly(report):
    t = report.article.text
    got = [(f.kind, t[f.article_span[0]:f.article_span[1]][:50], f.source_doc) for f in report.findings]
    assert got == [
        ("stitched", "WASHINGTON - U.S. Senator Ben Cardin (D-Md.) today", "cardin-navalny-sanctions-letter-2020"),
        ("stitched", "determined to hold Russian Federation accountable ", "state-pompeo-lavrov-call-2019"),
        ("stitched", "Extending the treaty would cap Russian Federation'", "feinstein-new-start-letter-2020"),
        ("unsourced", "Senators demand new Russia sanctions as arms pact ", None),
        ("unsourced", "The Kremlin dismissed the demands within hours.", None),
        ("quote-altered", "Mr. Navalny is currently the only credible critic ", "cardin-navalny-sanctions-letter-2020"),
        ("quote-altered", "He and his Anti-Corruption Foundation have acted a", "cardin-navalny-sanctions-letter-2020"),
        ("number-changed", "2028", "feinstein-new-start-letter-2020"),
        ("name-changed", "", "cardin-navalny-sanctions-letter-2020"),
        ("attribution-dropped", "Washington is determined to hold Russian Federatio", "state-pompeo-lavrov-call-2019"),
        ("attribution-dropped", "Unless Russian Federation comes back into complete", "state-pompeo-lavrov-call-2019"),
        ("reordered", "Senator Dianne Feinstein (D-Calif.) earlier sent a", "feinstein-new-start-letter-2020"),
        ("spin-density", "WASHINGTON - U.S. Senator Ben Cardin (D-Md.) today", None),
    ]
    f = {(x.kind, x.data.get("role") or x.data.get("change") or ""): x for x in report.findings}
    assert f[("unsourced", "connector")].detail.startswith("No source for “The Kremlin dismissed the demands")
    assert f[("unsourced", "heading")]
    reworded = f[("quote-altered", "reworded")]
    assert reworded.data["changes"] == [
        {"source": "most prominent", "article": "only credible"},
        {"source": "operating", "article": ""},
    ]
    assert f[("quote-altered", "unmarked")].data["source_quote"].startswith("He and his Anti-Corruption Foundation")
    assert f[("number-changed", "")].data["removed"] == ["2026"]
    assert f[("name-changed", "")].detail == "Name dropped: “the Trump administration” → “the Administration”."
    attributions = [x.data["attribution"] for x in report.findings if x.kind == "attribution-dropped"]
    assert attributions == ["Secretary Pompeo reiterated", "Secretary Pompeo also underlined"]
    spin = f[("spin-density", "")]
    top = spin.data["telling"][0]
    assert (top["source"], top["article"], top["count"]) == ("Russia", "Russian Federation", 6)


def test_demo_verdict(report):
    assert report.verdict.label == "stitched"
    assert report.verdict.summary == (
        "Stitched from 3 sources: 39% from cardin.senate.gov (2020-10-22), 35% from feinstein.senate.gov "
        "(2020-06-24), 19% from uk.usembassy.gov (2019-02-13); 19 synonym swaps (10% of copied words), "
        "2 altered quotes, 1 changed number, 1 changed name, 2 dropped attributions, 1 possible invented "
        "connector, 7% unsourced."
    )


def test_demo_command_prints_report_and_writes_html(tmp_path, monkeypatch):
    import tempfile

    work, temp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    t0 = time.perf_counter()
    r = runner.invoke(app, ["demo"])
    elapsed = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    assert elapsed < 15  # "runs in seconds" (about 2 s; generous for slow CI machines)
    out = r.stdout
    assert out.index("STITCHED") < out.index("Sources") < out.index("source 1 ·") < out.index("Findings (13)")
    assert list(work.iterdir()) == []  # nothing lands in the current folder
    (folder,) = temp.iterdir()  # a new temporary folder, named for the demo
    assert folder.name.startswith("unspun-demo-")
    html = folder / "unspun-demo-report.html"
    assert html.exists() and "<!DOCTYPE html>" in html.read_text(encoding="utf-8")
    assert f"HTML report written to {html.resolve()}" in out
    assert html.resolve().as_uri() in out
    assert "\x1b[" not in out  # not a terminal: no escape codes


def test_demo_output_option_and_no_html(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["demo", "--no-html"])
    assert r.exit_code == 0 and "HTML report written" not in r.stdout
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "sub" / "r.html"
    r = runner.invoke(app, ["demo", "-o", str(target)])
    assert r.exit_code == 2 and "does not exist" in r.output
    target.parent.mkdir()
    r = runner.invoke(app, ["demo", "--output", str(target), "--no-color"])
    assert r.exit_code == 0 and target.exists()
