"""The terminal report: summary first, 80 columns, clean without colour."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from unspun.cli import app
from unspun.demo import run_demo
from unspun.report.terminal import render, render_text

EX = Path(__file__).resolve().parent.parent / "examples"


def test_plain_text_layout_at_80_columns():
    report = run_demo()
    text = render_text(report)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)
    assert "\x1b[" not in text
    assert "STITCHED" in lines[1]  # inside the summary box, first
    order = [text.index(s) for s in ("STITCHED", "Sources", "source 1 ·", "source 3 ·", "Findings (13)")]
    assert order == sorted(order)
    # edits bracketed inline: both sides of a swap, the place of dropped words
    assert "[Russian Federation]" in text and "[Russia]" in text
    assert "pressing the […]Administration" in text and "[Trump]" in text
    assert "● quote-altered  article" in text
    assert "Name dropped: “the Trump administration” → “the Administration”." in text


def test_colour_console_highlights_instead_of_brackets():
    report = run_demo()
    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=True, color_system="truecolor")
    render(report, console)
    out = buf.getvalue()
    assert "\x1b[" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "[Russian Federation]" not in plain and "Russian Federation" in plain


def test_cli_no_color_and_output_file(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), "--against", str(EX / "reference.jsonl"), "--no-color"])
    assert r.exit_code == 0 and "\x1b[" not in r.stdout
    out = tmp_path / "report.txt"
    r = runner.invoke(app, ["check", str(EX / "suspect.txt"), "--against", str(EX / "reference.jsonl"), "-o", str(out)])
    assert r.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "STITCHED" in text and max(len(x) for x in text.splitlines()) <= 80
