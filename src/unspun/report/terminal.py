"""The terminal report (Rich): verdict and sources first, then passages and their edits."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..models import Report

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


def _bar(share: float, width: int = 12) -> str:
    n = round(share * width)
    return "█" * n + "·" * (width - n)


def _short(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render(report: Report, console: Console) -> None:
    """Print ``report`` on ``console`` (plain text when the console has no colour)."""
    a = report.article
    head = Text()
    head.append(f"{report.verdict.label.upper()}", style="bold")
    head.append(f"  {report.verdict.summary}")
    console.print(Panel(head, title=f"unspun: {_short(a.title or a.id, 60)}", expand=True))
    if report.sources:
        t = Table(title="Sources", expand=True, show_lines=False)
        t.add_column("#", justify="right", width=2)
        t.add_column("coverage", no_wrap=True)
        t.add_column("source", ratio=1)
        t.add_column("published", no_wrap=True)
        for n, s in enumerate(report.sources, 1):
            d = s.doc
            t.add_row(str(n), f"{_bar(s.coverage)} {s.coverage:4.0%}", _short(d.title or d.url or d.id, 60), d.published or "")
        console.print(t)
    text = a.text
    for n, s in enumerate(report.sources, 1):
        for p in s.passages:
            a0, a1 = p.article_span
            s0, s1 = p.source_span
            body = Text()
            body.append("article ", style="dim")
            body.append(f"[{a0}:{a1}] ", style="dim")
            body.append(_highlight(text, p.article_span, [(e.article_span, e.kind) for e in p.edits]))
            body.append("\nsource  ", style="dim")
            body.append(f"[{s0}:{s1}] ", style="dim")
            body.append(_highlight(s.doc.text, p.source_span, [(e.source_span, e.kind) for e in p.edits]))
            edits = [e for e in p.edits if e.kind != "inflection"]
            if edits:
                body.append("\nedits   ", style="dim")
                for e in edits[:12]:
                    body.append(f"{e.kind}", style=EDIT_STYLE.get(e.kind, ""))
                    body.append(f" {_short(e.source_text, 30)!r}→{_short(e.article_text, 30)!r}")
                    body.append("  (in quote)" if e.in_quote else "")
                    body.append("; ")
                if len(edits) > 12:
                    body.append(f"… {len(edits) - 12} more")
            console.print(Panel(body, title=f"source {n} · similarity {p.similarity:.2f}", title_align="left"))
    if report.unsourced:
        items = [Text(f"[{u.article_span[0]}:{u.article_span[1]}] {_short(u.text, 200)}") for u in report.unsourced]
        console.print(Panel(Group(*items), title="No source found for", title_align="left"))


def _highlight(text: str, span: tuple[int, int], marks: list[tuple[tuple[int, int], str]]) -> Text:
    s0, s1 = span
    out = Text()
    pos = s0
    for (m0, m1), kind in sorted(marks):
        if m1 <= m0 or m0 < pos or m1 > s1:
            continue
        out.append(text[pos:m0])
        out.append(text[m0:m1], style=EDIT_STYLE.get(kind, "") + " underline")
        pos = m1
    out.append(text[pos:s1])
    return out
