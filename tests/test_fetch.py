"""Fetching pages, feeds and sitemaps (issue 14, part 1), against a local server only."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import unspun
from fetch_server import article_page, fixture_server
from unspun.cli import app
from unspun.ingest import fetch as fetch_mod
from unspun.ingest.feeds import FollowStats, feed_entries, fetch_records, sitemap_entries
from unspun.ingest.fetch import Fetcher, FetchError, FetchSettings, fetch_document, public_address
from unspun.models import Document, IngestFailure

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
LOCAL = FetchSettings(allow_private=True, delay=0.0, timeout=1.0, max_bytes=1_000_000)
runner = CliRunner()


@pytest.fixture(scope="module")
def server():
    with fixture_server() as s:
        s.add("/suspect.html", article_page(SUSPECT, "Spun story"))
        yield s


def test_a_page_keeps_its_url_site_title_and_date(server):
    doc = fetch_document(server.url("/news/0.html"), LOCAL)
    assert doc.id == doc.url == server.url("/news/0.html")
    assert doc.title.startswith("Cardin Heads Bipartisan Letter")
    assert doc.site == "Fixture Wire" and doc.published == "2024-03-01"
    assert "Navalny" in doc.text and "Home" not in doc.text  # main text, not the navigation


def test_a_redirect_is_followed_and_the_final_url_kept(server):
    doc = fetch_document(server.url("/moved.html"), LOCAL)
    assert doc.id == server.url("/moved.html") and doc.url == server.url("/news/0.html")
    assert doc.meta["requested_url"] == server.url("/moved.html")


def test_a_declared_non_utf8_charset_is_decoded(server):
    doc = fetch_document(server.url("/latin1.html"), LOCAL)
    assert "Le café du coin a servi les délégués." in doc.text


def test_the_user_agent_names_unspun(server):
    fetch_document(server.url("/news/2.html"), LOCAL)
    assert server.agents[-1].startswith("unspun/")


@pytest.mark.parametrize(("path", "message"), [
    ("/missing.html", "HTTP 404 Not Found"),
    ("/broken.html", "HTTP 500"),
    ("/slow.html", "timed out after 1 s"),
    ("/loop-a", "redirect loop"),
    ("/huge.html", "too large: 2,000,033 bytes, over the 1,000,000-byte cap"),
    ("/huge-stream.html", "too large: over the 1,000,000-byte cap"),
    ("/report.pdf", "not an HTML page (Content-Type: application/pdf)"),
])
def test_every_failure_is_one_clear_error(server, path, message):
    t0 = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch_document(server.url(path), LOCAL)
    assert message in str(e.value) and str(e.value).startswith(server.url(path))
    assert time.monotonic() - t0 < 2.5


def test_too_many_redirects(server):
    for k in range(4):
        server.redirect(f"/hop{k}", f"/hop{k + 1}")
    server.redirect("/hop4", "/news/0.html")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch_document(server.url("/hop0"), LOCAL.with_changes(max_redirects=2))
    assert fetch_document(server.url("/hop0"), LOCAL).url == server.url("/news/0.html")


def test_not_a_url():
    with pytest.raises(FetchError, match="not an http"):
        fetch_document("ftp://example.org/x", LOCAL)


# -- private addresses (server-side request forgery) -------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/news/0.html", "http://localhost:{port}/news/0.html", "http://[::1]:{port}/",
    "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.0.9/", "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/", "http://0.0.0.0:{port}/", "http://[::ffff:127.0.0.1]:{port}/", "http://100.64.0.1/",
])
def test_private_loopback_and_link_local_addresses_are_refused(server, url):
    port = server.base.rsplit(":", 1)[1]
    before = sum(server.hits.values())
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="not a public address"):
        fetch_document(url.format(port=port), FetchSettings(delay=0, timeout=5))
    assert time.monotonic() - t0 < 1  # refused before any connection is tried
    assert sum(server.hits.values()) == before


def test_public_addresses_pass_the_check():
    assert public_address("93.184.215.14") and public_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert not public_address("127.0.0.1") and not public_address("::ffff:10.0.0.1")


def test_every_resolved_address_is_checked_also_after_a_redirect(server, monkeypatch):
    # pretend 127.0.0.1 were public: the server then counts as a public site
    real = fetch_mod.public_address
    monkeypatch.setattr(fetch_mod, "public_address", lambda a: a == "127.0.0.1" or real(a))
    settings = FetchSettings(delay=0, timeout=2)
    assert fetch_document(server.url("/news/0.html"), settings).title  # "public": fetched
    port = server.base.rsplit(":", 1)[1]
    server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    server.redirect("/to-loopback6", f"http://[::1]:{port}/news/0.html")
    for path in ("/to-metadata", "/to-loopback6"):
        with pytest.raises(FetchError, match="not a public address"):
            fetch_document(server.url(path), settings)
    # a name with one public and one private address is refused
    monkeypatch.setattr(fetch_mod, "resolve", lambda host, p: ["127.0.0.1", "10.0.0.7"])
    with pytest.raises(FetchError, match="10.0.0.7"):
        fetch_document(f"http://news.example:{port}/news/0.html", settings)


# -- feeds and sitemaps ---------------------------------------------------------------

def test_rss_atom_and_sitemaps_are_parsed(server):
    with Fetcher(LOCAL) as f:
        rss = feed_entries(f.get(server.url("/rss.xml"), ("application/rss+xml",)).body, server.url("/rss.xml"))
        atom = feed_entries(f.get(server.url("/atom.xml"), ("application/atom+xml",)).body, server.url("/atom.xml"))
        pages, maps = sitemap_entries(f.get(server.url("/sitemap.xml"), ("application/xml",)).body, server.url("/"))
    assert [e.url for e in rss] == [server.url(p) for p in ("/news/0.html", "/news/1.html", "/private/secret.html",
                                                             "/missing.html")]
    assert rss[0].published == "2024-03-04" and rss[0].title == "Zero"
    assert [e.url for e in atom] == [server.url("/news/3.html"), server.url("/news/4.html")]  # relative links
    assert pages == [] and maps == [server.url("/sitemap-a.xml"), server.url("/sitemap-b.xml.gz")]


def test_xml_entities_are_never_expanded():
    evil = (b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
            b"<rss><channel><item><title>&x;</title><link>http://example.org/a</link></item></channel></rss>")
    entries = feed_entries(evil, "http://example.org/rss")
    assert entries[0].url == "http://example.org/a" and "root:" not in (entries[0].title or "")


def test_a_feed_that_is_not_a_feed(server):
    records = list(fetch_records(feeds=[server.url("/news/0.html"), server.url("/missing.html")], settings=LOCAL))
    assert [type(r) for r in records] == [IngestFailure, IngestFailure]
    assert "not a feed" in records[0].reason and "404" in records[1].reason


def test_following_feeds_and_sitemaps_honours_robots_and_skips_known_urls(server):
    stats = FollowStats()
    known = {server.url("/news/1.html")}
    records = list(fetch_records(feeds=[server.url("/rss.xml"), server.url("/atom.xml")],
                                 sitemaps=[server.url("/sitemap.xml")], settings=LOCAL,
                                 skip=known.__contains__, stats=stats))
    docs = [r for r in records if isinstance(r, Document)]
    fails = {r.location: r.reason for r in records if isinstance(r, IngestFailure)}
    assert sorted(d.id for d in docs) == sorted(server.url(f"/news/{i}.html") for i in (0, 3, 4, 5, 6, 7))
    assert fails[server.url("/private/secret.html")].startswith("disallowed by") and "robots.txt" in fails[
        server.url("/private/secret.html")]
    assert "404" in fails[server.url("/missing.html")]
    assert stats.skipped == 1 and stats.listed == 9
    assert server.hits.get("/private/secret.html", 0) == 0  # never requested


def test_robots_disallowing_the_feed_itself(server):
    with fixture_server(standard=False) as s:
        s.add("/robots.txt", "User-agent: unspun\nDisallow: /\n", "text/plain")
        s.rss("/rss.xml", [("/a.html", "A")])
        records = list(fetch_records(feeds=[s.url("/rss.xml")], settings=LOCAL))
        assert len(records) == 1 and "disallowed by" in records[0].reason
        assert "/rss.xml" not in s.hits


def test_an_unreachable_robots_txt_forbids_crawling(server):
    with fixture_server(standard=False) as s:
        s.add("/robots.txt", "down", "text/plain", status=503)
        s.rss("/rss.xml", [("/a.html", "A")])
        records = list(fetch_records(feeds=[s.url("/rss.xml")], settings=LOCAL))
        assert "robots.txt unreadable" in records[0].reason


def test_max_new_caps_a_run_newest_first(server):
    stats = FollowStats()
    records = list(fetch_records(sitemaps=[server.url("/sitemap.xml")], settings=LOCAL, max_new=2, stats=stats))
    assert [r.id for r in records] == [server.url("/news/6.html"), server.url("/news/5.html")]  # latest lastmod
    assert stats.left == 1


def test_requests_to_one_host_are_paced(server):
    with fixture_server(standard=False) as s:
        for k in range(3):
            s.add(f"/p{k}.html", server.routes["/news/0.html"].body)
        sent: list[float] = []
        with Fetcher(LOCAL.with_changes(delay=0.3)) as f:
            turn = f._wait_turn

            def timed(url: str) -> None:
                turn(url)
                sent.append(time.monotonic())  # when the request may go out

            f._wait_turn = timed
            for k in range(3):
                f.get(s.url(f"/p{k}.html"))
        # the client never lets two requests to one host start within the delay; the server's
        # arrival times carry the machine's scheduling jitter, so only their span is checked
        assert len(sent) == 3 and all(b - a >= 0.299 for a, b in zip(sent, sent[1:], strict=False))
        times = [t for _, t in s.times]
        assert len(times) == 3 and times[-1] - times[0] >= 0.5


# -- the command line -----------------------------------------------------------------

def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    path = tmp_path_factory.mktemp("fetchidx") / "refs.db"
    with unspun.open_index(path, create=True) as idx:
        idx.add(reference_docs)
    return path


def test_check_a_url(server, db):
    r = run("check", server.url("/suspect.html"), "--db", str(db), "--format", "json", "--allow-private")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["verdict"]["label"] == "stitched"
    assert rep["article"]["id"] == server.url("/suspect.html")


@pytest.mark.parametrize(("path", "message"), [
    ("/missing.html", "HTTP 404"), ("/report.pdf", "not an HTML page"), ("/loop-a", "redirect loop"),
])
def test_check_a_bad_url_is_one_line_and_exit_2(server, db, path, message):
    r = run("check", server.url(path), "--db", str(db), "--allow-private")
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_check_refuses_a_loopback_url_by_default(server, db):
    r = run("check", server.url("/suspect.html"), "--db", str(db))
    assert r.exit_code == 2 and "not a public address" in r.output


def test_index_add_feeds_and_sitemaps_incrementally(server, tmp_path):
    db = tmp_path / "live.db"
    args = ["index", "add", "--db", str(db), "--feed", server.url("/rss.xml"), "--feed", server.url("/atom.xml"),
            "--sitemap", server.url("/sitemap.xml"), "--delay", "0", "--timeout", "1", "--allow-private", "-q"]
    r = run(*args)
    assert r.exit_code == 1, r.output  # two listed pages failed, the rest is indexed
    assert "added 7," in r.output and "failed 2" in r.output and "disallowed by" in r.output
    with unspun.open_index(db, readonly=True) as idx:
        doc = idx.get(server.url("/news/3.html"))
        assert doc.title.startswith("Chairman Royce") and doc.published == "2024-03-04" and doc.site == "Fixture Wire"
    hits = dict(server.hits)
    # an hour later: one new story in the feed; only it is fetched
    server.add("/news/extra.html", server.routes["/news/2.html"].body)
    server.rss("/rss.xml", [("/news/extra.html", "Extra"), ("/news/0.html", "Zero"), ("/news/1.html", "One")])
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert "added 1," in r.output and "skipped 7 already indexed" in r.output
    assert server.hits["/news/0.html"] == hits["/news/0.html"]  # known: not fetched again
    assert server.hits["/news/extra.html"] == 1


def test_index_add_a_failed_url_leaves_the_index_as_it_was(server, tmp_path):
    db = tmp_path / "one.db"
    r = run("index", "add", server.url("/news/0.html"), server.url("/slow.html"), "--db", str(db),
            "--timeout", "0.5", "--delay", "0", "--allow-private", "-q")
    assert r.exit_code == 1 and "timed out" in r.output and "Traceback" not in r.output
    r = run("index", "add", server.url("/missing.html"), "--db", str(db), "--delay", "0", "--allow-private", "-q")
    assert r.exit_code == 2 and "HTTP 404" in r.output
    with unspun.open_index(db, readonly=True) as idx:
        assert len(idx) == 1 and idx.get(server.url("/news/0.html")) is not None


def test_index_add_needs_something_to_add(tmp_path):
    r = run("index", "add", "--db", str(tmp_path / "x.db"))
    assert r.exit_code == 2 and "give files" in r.output
    r = run("index", "add", "--db", str(tmp_path / "x.db"), "--feed", "feed.xml")
    assert r.exit_code == 2 and "not an http" in r.output


def test_cli_defaults_are_the_fetching_defaults():
    import typer.main

    from unspun.ingest.feeds import DEFAULT_MAX_NEW

    add = typer.main.get_command(app).commands["index"].commands["add"]
    defaults = {p.name: p.default for p in add.params}
    assert defaults["delay"] == FetchSettings.delay and defaults["timeout"] == FetchSettings.timeout
    assert defaults["max_new"] == DEFAULT_MAX_NEW


def test_every_failure_mode_in_one_feed_is_one_line_and_the_rest_is_indexed(server, tmp_path):
    server.add("/huge6.html", b"<html><body><p>" + b"word " * 1_300_000 + b"</p></body></html>")
    bad = {"/slow.html": "timed out after 1 s", "/missing.html": "HTTP 404", "/broken.html": "HTTP 500",
           "/loop-a": "redirect loop", "/huge6.html": "over the 5,242,880-byte cap",
           "/report.pdf": "not an HTML page", "/private/secret.html": "disallowed by"}
    server.rss("/all.xml", [(p, p) for p in ["/news/0.html", *bad, "/latin1.html"]])
    db = tmp_path / "all.db"
    r = run("index", "add", "--db", str(db), "--feed", server.url("/all.xml"), "--timeout", "1", "--delay", "0",
            "--allow-private", "-q")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "added 2, replaced 0, unchanged 0, failed 7" in r.output
    lines = r.output.splitlines()
    for path, reason in bad.items():
        assert any(server.url(path) in line and reason in line for line in lines), (path, r.output)
    with unspun.open_index(db, readonly=True) as idx:
        assert "Le café du coin" in idx.get(server.url("/latin1.html")).text


def test_check_a_batch_of_urls_one_row_each_and_resumable(server, db, tmp_path):
    summary = tmp_path / "week.jsonl"
    urls = [server.url("/suspect.html"), server.url("/missing.html")]
    r = run("check", *urls, "--db", str(db), "--summary", str(summary), "--allow-private", "-q",
            "--workers", "1")
    assert r.exit_code == 1, r.output  # one article failed, the batch went on
    rows = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    by_error = {row["error"] is None: row for row in rows}
    assert by_error[True]["verdict"] == "stitched"
    assert "HTTP 404" in by_error[False]["error"]
    single = json.loads(run("check", urls[0], "--db", str(db), "--format", "json", "--allow-private").stdout)
    assert by_error[True]["verdict"] == single["verdict"]["label"]
    hits = server.hits.get("/suspect.html", 0)
    r = run("check", *urls, "--db", str(db), "--summary", str(summary), "--allow-private", "-q",
            "--workers", "1")
    assert server.hits.get("/suspect.html", 0) == hits  # already in the summary: not fetched again
    assert "2 skipped" in r.output
    r = run("check", *urls, "--db", str(db), "--summary", str(tmp_path / "other.jsonl"), "-q")
    assert r.exit_code == 1 and "not a public address" in (tmp_path / "other.jsonl").read_text(encoding="utf-8")
