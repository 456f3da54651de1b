"""The terminal report (Rich).

Order: the verdict and its summary, the sources with coverage bars, every passage (article
side over source side, edits highlighted inline, the edits listed), then the findings.
Readable at 80 columns. Without colour (``--no-color``, ``NO_COLOR``, output not a
terminal) edits are bracketed inline (``[Russian Federation]``) so nothing is lost.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..models import Finding, Passage, Report, SourceMatch

EDIT_STYLE = {
    "synonym": "bold yellow",
    "inflection": "yellow",
    "paraphrase": "magenta",
    "reorder": "cyan",
    "insert": "green",
    "delete": "red",
    "number": "bold red",
    "name": "bold red",
    "negation": "bold red",
}
FINDING_STYLE = {
    "stitched": "bold magenta",
    "unsourced": "bold yellow",
    "quote-altered": "bold red",
    "number-changed": "bold red",
    "name-changed": "bold red",
    "negation-flipped": "bold red",
    "attribution-dropped": "bold red",
    "reordered": "cyan",
    "spin-density": "bold blue",
}
VERDICT_STYLE = {
    "original": "bold green",
    "verbatim-copy": "bold yellow",
    "light-spin": "bold yellow",
    "heavy-spin": "bold red",
    "stitched": "bold red",
    "mostly-unsourced": "bold yellow",
}
SOURCE_STYLE = ("cyan", "magenta", "green", "blue", "yellow", "red")
MAX_EDITS_LISTED = 12


def _bar(share: float, width: int = 10) -> str:
    n = round(share * width)
    return "█" * n + "░" * (width - n)


def _short(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _plain(console: Console) -> bool:
    return console.no_color or console.color_system is None


def _source_label(s: SourceMatch) -> str:
    d = s.doc
    return d.site or d.title or d.id


def render(report: Report, console: Console) -> None:
    """Print ``report`` on ``console`` (brackets instead of colours when it has none)."""
    plain = _plain(console)
    _summary(report, console)
    _sources(report, console)
    for n, s in enumerate(report.sources, 1):
        for k, p in enumerate(sorted(s.passages, key=lambda p: p.article_span), 1):
            _passage(report, n, s, k, p, console, plain)
    _findings(report.findings, console)


def _summary(report: Report, console: Console) -> None:
    a = report.article
    head = Text()
    head.append(report.verdict.label.upper(), style=VERDICT_STYLE.get(report.verdict.label, "bold"))
    head.append(f"   {report.coverage:.0%} of the article has a source", style="dim")
    head.append("\n")
    head.append(report.verdict.summary)
    sem = report.semantic or {}
    status = str(sem.get("status", "off"))
    if status == "on":
        lang = sem.get("article_language")
        head.append(f"\nsemantic layer on (rewrites and translations{f'; article in {lang}' if lang else ''})",
                    style="dim")
    else:
        head.append(f"\nsemantic layer {status}: rewrites and translations are not looked for", style="dim")
    title = _short(a.title or a.id, 60)
    console.print(Panel(head, title=f"unspun · {title}", title_align="left", expand=True))


def _sources(report: Report, console: Console) -> None:
    if not report.sources:
        return
    t = Table(title="Sources", title_justify="left", expand=True, box=None, pad_edge=False)
    t.add_column("#", justify="right", width=2, no_wrap=True)
    t.add_column("coverage", no_wrap=True, width=15)
    t.add_column("source", ratio=1, overflow="fold")
    t.add_column("published", no_wrap=True, width=10)
    for n, s in enumerate(report.sources, 1):
        d = s.doc
        who = Text(_short(d.title or d.id, 70), style="bold")
        who.append(f"\n{_short(d.site or d.url or d.id, 70)}", style="dim")
        if s.copies:
            who.append("\nlikely origin (earliest dated) of a text also on:", style="dim")
            for c in s.copies:
                who.append(f"\n  · {_short(c.doc.site or c.doc.url or c.doc.id, 50)}"
                           f" ({c.doc.published or 'undated'}, {c.coverage:.0%})", style="dim")
        if s.evidence.get("reason"):
            who.append(f"\nwhy: {s.evidence['reason']}", style="italic")
        style = SOURCE_STYLE[(n - 1) % len(SOURCE_STYLE)]
        t.add_row(Text(str(n), style=style), Text(f"{_bar(s.coverage)} {s.coverage:3.0%}", style=style),
                  who, d.published or "")
    console.print(t)
    _later(report, console)


def _later(report: Report, console: Console) -> None:
    if not report.later_copies:
        return
    t = Table(title="Later copies (dated after the article: not its sources; copies of it, or of a "
              "common origin the index does not hold)", title_justify="left", expand=True, box=None,
              pad_edge=False)
    t.add_column("shares", no_wrap=True, width=15)
    t.add_column("page", ratio=1, overflow="fold")
    t.add_column("published", no_wrap=True, width=10)
    for s in report.later_copies:
        for m in (s, *s.copies):
            t.add_row(f"{_bar(m.coverage)} {m.coverage:3.0%}", _short(m.doc.site or m.doc.url or m.doc.id, 70),
                      m.doc.published or "")
    console.print(t)


def _highlight(text: str, span: tuple[int, int], marks: list[tuple[tuple[int, int], str]], plain: bool) -> Text:
    s0, s1 = span
    out = Text()
    pos = s0
    for (m0, m1), kind in sorted(marks):
        if m0 < pos or m1 > s1:
            continue
        out.append(text[pos:m0])
        if m1 == m0:  # a deletion point on this side
            out.append("[…]" if plain else "…", style=EDIT_STYLE.get(kind, ""))
            pos = m0
            continue
        if plain:
            out.append(f"[{text[m0:m1]}]")
        else:
            out.append(text[m0:m1], style=EDIT_STYLE.get(kind, "") + " underline")
        pos = m1
    out.append(text[pos:s1])
    return out


def _passage(report: Report, n: int, s: SourceMatch, k: int, p: Passage, console: Console, plain: bool) -> None:
    a0, a1 = p.article_span
    s0, s1 = p.source_span
    shown = [e for e in p.edits if e.kind != "inflection"]
    body = Text()
    body.append("article ", style="bold")
    body.append(f"{a0}–{a1}\n", style="dim")
    body.append(_highlight(report.article.text, p.article_span, [(e.article_span, e.kind) for e in shown], plain))
    body.append("\n\nsource  ", style="bold")
    body.append(f"{s0}–{s1}\n", style="dim")
    body.append(_highlight(s.doc.text, p.source_span, [(e.source_span, e.kind) for e in shown], plain))
    if shown:
        body.append("\n\nedits   ", style="bold")
        for i, e in enumerate(shown[:MAX_EDITS_LISTED]):
            if i:
                body.append(" · ", style="dim")
            body.append(e.kind, style=EDIT_STYLE.get(e.kind, ""))
            body.append(f" “{_short(e.source_text, 28)}” → “{_short(e.article_text, 28)}”")
            if e.in_quote:
                body.append(" (in quote)", style="bold")
        if len(shown) > MAX_EDITS_LISTED:
            body.append(f" · … {len(shown) - MAX_EDITS_LISTED} more", style="dim")
    style = SOURCE_STYLE[(n - 1) % len(SOURCE_STYLE)]
    if p.kind == "reworded":
        title = f"source {n} · {_short(_source_label(s), 40)} · passage {k} · reworded (content overlap {p.similarity:.2f})"
    elif p.kind == "rewritten":
        shared = f"; shared: {_short(', '.join(p.anchors), 40)}" if p.anchors else ""
        title = (f"source {n} · {_short(_source_label(s), 40)} · passage {k} · rewritten "
                 f"(sentence vectors {p.similarity:.2f}{shared})")
    else:
        title = f"source {n} · {_short(_source_label(s), 40)} · passage {k} · similarity {p.similarity:.2f}"
    console.print(Panel(body, title=title, title_align="left", border_style=style, expand=True))


def _findings(findings: tuple[Finding, ...], console: Console) -> None:
    if not findings:
        return
    console.print()
    console.print(Rule(f"Findings ({len(findings)})", align="left", style="dim"))
    for f in findings:
        head = Text("● ", style=FINDING_STYLE.get(f.kind, "bold"))
        head.append(f.kind, style=FINDING_STYLE.get(f.kind, "bold"))
        a0, a1 = f.article_span
        where = "whole article" if f.kind == "spin-density" else f"article {a0}–{a1}" if a1 > a0 else f"article {a0}"
        head.append(f"  {where}", style="dim")
        if f.source_doc:
            head.append(f" · {_short(f.source_doc, 40)}", style="dim")
        console.print(head)
        console.print(Padding(Text(f.detail), (0, 0, 0, 2)))


def render_text(report: Report, width: int = 80) -> str:
    """The report as plain text (no colour, no trailing spaces): for files and pipes."""
    import io

    console = Console(file=io.StringIO(), width=width, no_color=True, color_system=None,
                      highlight=False, emoji=False)
    render(report, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in out.splitlines()) + "\n"
