"""The HTML report: self-contained, hostile text escaped, passages and findings linked."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

import unspun
from unspun.cli import app
from unspun.demo import run_demo
from unspun.models import Document
from unspun.report.html import render_html

SOURCE = (
    "The council approved the new budget on Monday after a long debate about road repairs and school funding. "
    "<script>alert('source')</script> Members agreed to spend 2.5 million on repairs to the old bridge over the river. "
    "The mayor said the vote showed that the council could still work together on the things that matter most. "
    "<img src=x onerror=alert('img')> Critics argued that the plan leaves the library without money for a second year."
)
ARTICLE = (
    "<script>alert('article')</script>\n\n"
    "The council approved the new budget on Monday after a long debate about road repairs and school funding. "
    "<script>alert('source')</script> Members agreed to spend 3.5 million on repairs to the old bridge over the river. "
    "<img src=x onerror=alert('img')> Critics argued that the plan leaves the library without money for a second year.\n\n"
    "<b onmouseover=alert('b')>Nobody</b> asked the residents what they think about any of this & \"that\"."
)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.data[self._in] = self.data.get(self._in, "") + data


@pytest.fixture(scope="module")
def hostile():
    idx = unspun.memory_index()
    idx.add([Document(id="council\"><script>x</script>", text=SOURCE, title="<script>alert('title')</script>",
                      url="javascript:alert('url')", site="<i>site</i>", published="2024-01-01")])
    report = unspun.check(Document(id="hostile", text=ARTICLE, title="</title><script>alert(1)</script>"), idx)
    assert report.sources, "the engine should find the source"
    return report, render_html(report)


def _sha(s: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()


def test_hostile_text_is_escaped(hostile):
    _, html = hostile
    p = Tags()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    assert tags.count("script") == 1 and tags.count("style") == 1
    assert "img" not in tags and "i" not in tags
    assert "b" not in [t for t, a in p.tags if "onmouseover" in a]
    assert not any(k.startswith("on") for _, a in p.tags for k in a)
    for s in ("alert('article')", "alert('source')", "alert('title')", "alert(1)"):
        assert "<script>" + s not in html
    text = re.sub(r"<span[^>]*>|</span>", "", html)  # the article and source text, runs joined
    assert "<title>unspun · verbatim-copy · &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    assert "&lt;script&gt;alert(&#39;article&#39;)&lt;/script&gt;" in text
    assert text.count("&lt;script&gt;alert(&#39;source&#39;)&lt;/script&gt;") == 2  # article and source side
    assert text.count("&lt;img src=x onerror=alert(&#39;img&#39;)&gt;") == 2
    assert "&lt;b onmouseover=alert(&#39;b&#39;)&gt;Nobody&lt;/b&gt;" in text
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "javascript:" not in " ".join(a.get("href", "") for _, a in p.tags)
    assert "&amp; &#34;that&#34;" in html


def test_self_contained_with_csp(hostile):
    _, html = hostile
    p = Tags()
    p.feed(html)
    (csp,) = [a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "unsafe-inline" not in csp
    assert f"script-src '{_sha(p.data['script'])}'" in csp
    assert f"style-src '{_sha(p.data['style'])}'" in csp
    assert not any("src" in a for t, a in p.tags if t != "meta")
    assert "<link" not in html and "@import" not in html and "url(" not in html


def test_passages_and_findings_are_linked(hostile):
    report, html = hostile
    for n, s in enumerate(report.sources, 1):
        for k in range(1, len(s.passages) + 1):
            assert f'id="art-p{n}-{k}"' in html and f'id="src{n}-p{n}-{k}"' in html
            assert html.count(f'data-p="{n}-{k}"') >= 2
    for i in range(len(report.findings)):
        assert f'data-f="{i}"' in html and f'href="#art-f{i}"' in html
        assert f'id="art-f{i}"' in html
    kinds = [f.kind for f in report.findings]
    assert "number-changed" in kinds and "unsourced" in kinds
    assert re.search(r'class="[^"]*\be-number\b[^"]*"[^>]*>3\.5</span>', html)


def test_legend_and_verdict_on_the_demo_page():
    html = render_html(run_demo())
    for kind in ("synonym", "paraphrase", "number", "name", "negation", "reorder", "insert", "delete"):
        assert f'class="e e-{kind}"' in html
    assert 'class="verdict v-stitched"' in html
    assert "Senators demand new Russia sanctions as arms pact nears expiry</h1>" in html
    assert html.count('class="card ') == 3


def test_check_format_html_writes_file(tmp_path, suspect):
    from pathlib import Path

    ex = Path(__file__).resolve().parent.parent / "examples"
    out = tmp_path / "report.html"
    r = CliRunner().invoke(app, ["check", str(ex / "suspect.txt"), "--against", str(ex / "reference.jsonl"),
                                 "--format", "html", "--output", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Cardin Heads Bipartisan Letter" in text
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left
