"""``unspun scan report DIR``: one self-contained HTML page over a finished scan.

Sites ranked by share of spun copies (bar charts), the family size distribution, and for
each site with copies a drill-down (``<details>``, no script) to its worst articles and
their aligned sources. Crawl text is hostile input: it reaches the page only through
Jinja2 with autoescaping; a Content-Security-Policy forbids any network access and allows
only the page's own stylesheet (by hash). Bars are SVG, so no inline style is needed.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SettingsError
from . import outdir, stages
from .sites import doc_spin

WORST_ARTICLES = 5
MAX_SITES = 200
EXCERPT = 400


def _excerpt(text: str, start: int, end: int) -> str:
    s = text[start:end]
    return s if len(s) <= EXCERPT else s[: EXCERPT - 1] + "…"


def _link(url: str | None) -> str | None:
    """A document's URL as a link target: only http(s) (a ``javascript:`` URL stays text)."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def _pair_docs(pair: str, docs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """An example pair (``"a-b"``, document numbers) as its two documents."""
    a, b = (int(x) for x in pair.split("-"))
    return {"pair": pair, "copy_doc": docs[b], "source_doc": docs[a]}


def report_data(out: Path) -> dict[str, Any]:
    """What the page shows, from the stage tables (also handy in a notebook)."""
    if not out.exists():
        raise SettingsError(f"{out}: the folder does not exist (give the --out folder of a finished scan)")
    if not out.is_dir():
        raise SettingsError(f"{out}: not a folder (give the --out folder of a finished scan)")
    if not outdir.is_ours(out) and not (out / "settings.json").is_file():
        raise SettingsError(f"{out}: not a scan folder (run unspun scan INPUT... --out {out} first)")
    missing = [s for s in stages.STAGES if not stages.is_complete(out, s)]
    if missing:
        raise SettingsError(f"{out}: the scan is not complete (missing: {', '.join(missing)})")
    sites = stages.read_table(out, "sites").to_pylist()
    fams = stages.read_table(out, "families", columns=["size", "role"]).to_pydict()
    origins = stages.read_table(out, "families", "origins").to_pylist()
    al = stages.read_table(out, "alignments").filter(pc.field("accepted")).to_pylist()
    docs_t = stages.read_table(out, "docs", columns=["did", "id", "site", "title", "url", "date"])
    docs = {r["did"]: {**r, "link": _link(r["url"])} for r in docs_t.to_pylist()}
    for s in sites:
        s["examples"] = [_pair_docs(e, docs) for e in s["evidence"]]
    sizes = Counter(n for n, role in zip(fams["size"], fams["role"], strict=True) if role == "origin")
    by_copy: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in al:
        by_copy[r["b"]].append(r)
    origin_of = {(o["pair"], o["passage"]): o for o in origins}
    by_site: dict[str | None, list[tuple[float, int]]] = defaultdict(list)
    for b, ps in by_copy.items():
        if any(origin_of[(p["pair"], p["passage"])]["cross_site"] for p in ps):
            by_site[docs[b]["site"]].append((doc_spin(ps)[0], b))
    worst = [b for lst in by_site.values() for _, b in sorted(lst, reverse=True)[:WORST_ARTICLES]]
    want = set(worst) | {p["a"] for b in worst for p in by_copy[b]}
    texts: dict[int, str] = {}
    if want:
        t = stages.read_table(out, "docs", columns=["did", "text"])
        t = t.filter(pc.is_in(t.column("did"), value_set=pa.array(sorted(want), pa.int64()))).to_pydict()
        texts = dict(zip(t["did"], t["text"], strict=True))
    drill: dict[str | None, list[dict[str, Any]]] = {}
    for site, lst in by_site.items():
        arts = []
        for spin, b in sorted(lst, reverse=True)[:WORST_ARTICLES]:
            ps = sorted(by_copy[b], key=lambda p: (p["b_start"], p["a"]))
            arts.append({
                "doc": docs[b], "spin": spin,
                "passages": [{
                    # not "copy": Jinja2 looks up attributes first, and dict.copy is one
                    "copy_text": _excerpt(texts[b], p["b_start"], p["b_end"]),
                    "source_text": _excerpt(texts[p["a"]], p["a_start"], p["a_end"]),
                    "source_doc": docs[p["a"]], "pair": p["pair"], "matched": p["matched"],
                    "spin_words": p["spin_words"],
                    "origin": origin_of[(p["pair"], p["passage"])],
                } for p in ps],
            })
        drill[site] = arts
    settings = (out / "settings.json").read_text(encoding="utf-8")
    return {
        "sites": sites[:MAX_SITES], "n_sites": len(sites), "n_docs": len(docs),
        "n_families": sum(sizes.values()), "sizes": sorted(sizes.items()),
        "max_size_count": max(sizes.values(), default=1), "drill": drill,
        "settings": settings, "markers": {s: stages.marker(out, s) for s in stages.STAGES},
    }


def report_inputs(out: str | Path) -> list[Path]:
    """What ``unspun scan report -o`` must not overwrite: the scan's tables and settings."""
    out = Path(out)
    return [*(stages.stage_dir(out, s) for s in stages.STAGES), out / "settings.json", out / ".unspun-scan"]


def render_report(out: str | Path) -> str:
    """The HTML page for the scan in ``out``."""
    data = report_data(Path(out))
    tpl_dir = resources.files("unspun.scan").joinpath("templates")
    css = tpl_dir.joinpath("scan.css").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    tpl = env.from_string(tpl_dir.joinpath("scan.html.j2").read_text(encoding="utf-8"))
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'"
    return tpl.render(css=css, csp=csp, **data)
