"""The HTML report: one self-contained file (inline CSS and JS, no external requests).

``render_html(report) -> str`` is the whole API. The HTTP service renders the same page
inside a :class:`Frame` (its form above the report, its own stylesheet and script, served
by the service itself); without a frame the output is the self-contained file.
Article and source text is hostile input: it only ever reaches the page through Jinja2
with autoescaping on, never inside a script, a style or a URL (a source URL becomes a
link only when it is plain ``http(s)``). The page carries a Content-Security-Policy that
allows no network access at all and only the page's own inline style and script, by
hash, so even a failure of escaping could not run injected code.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from ..models import Finding, Report, SourceMatch
from .segments import Layer, Run, runs, windows

N_COLOURS = 8
SOURCE_CONTEXT = 260  # characters of source text shown around its passages

EDIT_LEGEND = [
    ("synonym", "synonym swap"),
    ("paraphrase", "rewritten"),
    ("number", "number changed"),
    ("name", "name changed"),
    ("negation", "negation flipped"),
    ("reorder", "moved clause"),
    ("insert", "words added"),
    ("delete", "words dropped"),
    ("inflection", "other word form"),
]
FINDING_LABEL = {
    "stitched": "Stitched",
    "unsourced": "No source",
    "quote-altered": "Quote altered",
    "number-changed": "Number changed",
    "name-changed": "Name changed",
    "negation-flipped": "Negation flipped",
    "attribution-dropped": "Attribution dropped",
    "reordered": "Reordered",
    "spin-density": "Spin",
}
#: order of the findings rail: what changes meaning first
RAIL_ORDER = ("quote-altered", "number-changed", "name-changed", "negation-flipped", "attribution-dropped",
              "unsourced", "stitched", "reordered", "spin-density")
SEVERE = {"quote-altered", "number-changed", "name-changed", "negation-flipped", "attribution-dropped"}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("unspun.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _asset(name: str) -> str:
    return resources.files("unspun.report").joinpath("templates", name).read_text(encoding="utf-8")


def _sha256(s: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii")


def _colour(n: int) -> str:
    return f"s{(n - 1) % N_COLOURS + 1}"


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _targets(f: Finding) -> list[tuple[int, int]]:
    """Article spans a finding points at (the telling swaps, every passage of a source…)."""
    if f.kind == "spin-density":
        spans = [tuple(s) for t in f.data.get("telling", []) for s in t.get("article_spans", [])]
        return [(int(a), int(b)) for a, b in spans] or [f.article_span]
    if f.kind == "stitched":
        return [(int(a), int(b)) for a, b in f.data.get("passages", [f.article_span])]
    return [f.article_span]


def _q(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _edit_title(kind: str, src: str, art: str, in_quote: bool) -> str:
    t = f"{kind}: “{_q(src)}” → “{_q(art)}”"
    return t + " (inside a quotation)" if in_quote else t


def _first_ids(rs: list[Run], prefix: str, n_findings: int) -> None:
    """Give the first run of each finding and passage an id (anchors work without JS)."""
    seen: set[str] = set()
    for r in rs:
        for c in r.classes:
            if c.startswith("f") and c[1:].isdigit() and c not in seen and r.id is None:
                seen.add(c)
                r.id = f"{prefix}{c}"
        p = r.attrs.get("data-p")
        if p and f"p{p}" not in seen and r.id is None:
            seen.add(f"p{p}")
            r.id = f"{prefix}p{p}"


@dataclass(frozen=True)
class Frame:
    """What a host page (the HTTP service) adds around the report.

    ``banner`` is trusted markup placed first in ``<body>`` (build it with autoescaping);
    ``styles`` and ``scripts`` are same-origin URLs the page links. With a frame the
    Content-Security-Policy also allows the page's own origin (``'self'``) for styles,
    scripts and form posts, and nothing else.
    """

    banner: Markup
    styles: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()


@dataclass
class _SourceView:
    n: int
    colour: str
    doc_id: str
    title: str
    site: str | None
    published: str | None
    url: str | None
    url_text: str | None
    coverage: float
    bar: int
    passages: int
    chunks: list[dict]
    why: str = ""
    copies: list[dict] = field(default_factory=list)


def _kind_class(kind: str) -> tuple[str, ...]:
    """Extra CSS class of a passage: reworded (rw) and rewritten (rt) are shown apart."""
    return {"reworded": ("rw",), "rewritten": ("rt",)}.get(kind, ())


def _kind_note(kind: str) -> str:
    return {"reworded": " (reworded)", "rewritten": " (rewritten)"}.get(kind, "")


def _source_view(n: int, s: SourceMatch, findings: tuple[Finding, ...]) -> _SourceView:
    text = s.doc.text
    layers: list[Layer] = []
    ordered = sorted(s.passages, key=lambda p: p.article_span)
    for k, p in enumerate(ordered, 1):
        layers.append(Layer(*p.source_span, ("p", _colour(n)) + _kind_class(p.kind),
                            f"passage {k}{_kind_note(p.kind)}: article {p.article_span[0]}–{p.article_span[1]}",
                            1, (("data-p", f"{n}-{k}"),)))
        for e in p.edits:
            layers.append(Layer(*e.source_span, ("e", f"e-{e.kind}") + (("q",) if e.in_quote else ()),
                                _edit_title(e.kind, e.source_text, e.article_text, e.in_quote), 3))
    for i, f in enumerate(findings):
        if f.source_doc == s.doc.id and f.source_span:
            extra = ("x-attr",) if f.kind == "attribution-dropped" else ()
            title = "attribution the article dropped" if extra else None
            layers.append(Layer(*f.source_span, (f"f{i}",) + extra, title, 2))
    spans = [p.source_span for p in s.passages] + [
        f.source_span for f in findings if f.source_doc == s.doc.id and f.source_span
    ]
    chunks = []
    prev_end = 0
    for a, b in windows(spans, len(text), SOURCE_CONTEXT):
        # start and end windows at word boundaries
        while a > 0 and not text[a - 1].isspace() and a > prev_end:
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        chunks.append({"gap_before": a - prev_end, "runs": runs(text, layers, a, b)})
        prev_end = b
    tail = len(text) - prev_end
    all_runs = [r for c in chunks for r in c["runs"]]
    _first_ids(all_runs, f"src{n}-", len(findings))
    url = _safe_url(s.doc.url)
    return _SourceView(
        n=n, colour=_colour(n), doc_id=s.doc.id, title=s.doc.title or s.doc.site or s.doc.id, site=s.doc.site,
        published=s.doc.published, url=url, url_text=s.doc.url, coverage=s.coverage,
        bar=round(s.coverage * 100), passages=len(s.passages), chunks=chunks + ([{"gap_before": tail, "runs": []}] if tail else []),
        why=str(s.evidence.get("reason", "")), copies=[_page_view(c) for c in s.copies],
    )


def _page_view(s: SourceMatch) -> dict:
    """A copy or a later copy: who, when, how much of the article it carries."""
    d = s.doc
    return {"name": d.site or d.title or d.id, "published": d.published, "share": round(s.coverage * 100),
            "url_text": d.url or d.id}


def _article_runs(report: Report) -> list[Run]:
    layers: list[Layer] = []
    for n, s in enumerate(report.sources, 1):
        name = s.doc.site or s.doc.title or s.doc.id
        for k, p in enumerate(sorted(s.passages, key=lambda p: p.article_span), 1):
            if p.kind == "reworded":
                what = f"reworded from source {n} ({name}), passage {k}: content overlap {p.similarity:.2f}"
            elif p.kind == "rewritten":
                shared = f"; shared names and numbers: {', '.join(p.anchors)}" if p.anchors else ""
                what = (f"rewritten from source {n} ({name}), passage {k}: sentence-vector similarity "
                        f"{p.similarity:.2f}{shared}")
            else:
                what = f"source {n} ({name}), passage {k}: similarity {p.similarity:.2f}"
            layers.append(Layer(*p.article_span, ("p", _colour(n)) + _kind_class(p.kind),
                                f"{what}; click to show the source", 1, (("data-p", f"{n}-{k}"),)))
            for e in p.edits:
                layers.append(Layer(*e.article_span, ("e", f"e-{e.kind}") + (("q",) if e.in_quote else ()),
                                    _edit_title(e.kind, e.source_text, e.article_text, e.in_quote), 3))
    for u in report.unsourced:
        layers.append(Layer(*u.article_span, ("u",), "no source found in the index", 1))
    for i, f in enumerate(report.findings):
        for a, b in _targets(f):
            layers.append(Layer(a, b, (f"f{i}",), None, 0))
    rs = runs(report.article.text, layers)
    _first_ids(rs, "art-", len(report.findings))
    return rs


def _display_title(report: Report) -> str:
    a = report.article
    if a.title:
        return a.title
    first = a.text.strip().split("\n", 1)[0].strip()
    return first if 0 < len(first) <= 150 else a.id


def _finding_views(report: Report) -> list[dict]:
    n_of = {s.doc.id: n for n, s in enumerate(report.sources, 1)}
    out: list[dict] = []
    for i, f in enumerate(report.findings):
        a0, a1 = f.article_span
        n = n_of.get(f.source_doc or "")
        out.append({
            "i": i,
            "kind": f.kind,
            "label": FINDING_LABEL.get(f.kind, f.kind),
            "severe": f.kind in SEVERE,
            "detail": f.detail,
            "where": "whole article" if f.kind == "spin-density" else (f"{a0}–{a1}" if a1 > a0 else f"at {a0}"),
            "source_n": n,
            "colour": _colour(n) if n else None,
            "role": f.data.get("role") if f.kind == "unsourced" else None,
        })
    rank = {k: n for n, k in enumerate(RAIL_ORDER)}
    out.sort(key=lambda v: (rank.get(v["kind"], len(rank)), report.findings[v["i"]].article_span))
    return out


def report_csp(frame: Frame | None = None) -> str:
    """The Content-Security-Policy of the page ``render_html`` makes (with ``frame``)."""
    css, js = _asset("report.css"), _asset("report.js")
    own = " 'self'" if frame else ""
    form_action = "'self'" if frame else "'none'"
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'{own}; script-src '{_sha256(js)}'{own}; "
        "img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; "
        f"form-action {form_action}"
    )


def render_html(report: Report, *, frame: Frame | None = None) -> str:
    """The report as one self-contained HTML page (inside ``frame`` for the service)."""
    css, js = _asset("report.css"), _asset("report.js")
    csp = report_csp(frame)
    a = report.article
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    spin = next((f for f in report.findings if f.kind == "spin-density"), None)
    ctx = {
        "csp": csp,
        "frame": frame,
        "css": Markup(css),
        "js": Markup(js),
        "report": report,
        "title": _display_title(report),
        "article_url": a.url,
        "verdict": report.verdict,
        "coverage": round(report.coverage * 100),
        "spin_share": round(spin.data.get("share", 0) * 100) if spin else None,
        "sources": [_source_view(n, s, report.findings) for n, s in enumerate(report.sources, 1)],
        "later": [_page_view(m) for s in report.later_copies for m in (s, *s.copies)],
        "article_runs": _article_runs(report),
        "findings": _finding_views(report),
        "counts": [(FINDING_LABEL.get(k, k), counts[k], k) for k in RAIL_ORDER if k in counts and k not in ("stitched", "spin-density")],
        "edit_legend": EDIT_LEGEND,
    }
    return _env().get_template("report.html.j2").render(**ctx)
