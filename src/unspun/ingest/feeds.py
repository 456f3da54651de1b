"""Feeds (RSS 2.0, RSS 1.0, Atom) and sitemaps (``urlset``, sitemap index, gzip): the
pages they list, fetched incrementally.

::

    from unspun.ingest.feeds import fetch_records
    records = fetch_records(feeds=["https://example.org/rss"], skip=lambda url: url in done)
    index.add(records)           # Documents, and an IngestFailure for each URL that failed

A URL listed in a feed or sitemap is skipped when ``skip(url)`` says so (``unspun index
add`` skips the ids already in the index: running the same command every hour fetches
only what is new). robots.txt is honoured for the feed or sitemap and for every page it
lists; at most ``max_new`` new pages are fetched per feed or sitemap (newest first when
the sitemap dates them). XML is parsed without DTDs, entities or network access.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from unspun.models import Document, IngestFailure

from .fetch import XML_TYPES, Fetcher, FetchError, FetchSettings, is_url
from .fields import normalize_date, printable

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAPS = 50  # sitemaps read from one sitemap index (nested ones included)
MAX_SITEMAP_DEPTH = 3
DEFAULT_MAX_NEW = 200


@dataclass(frozen=True)
class Entry:
    """A page a feed or sitemap lists."""

    url: str
    title: str | None = None
    published: str | None = None


@dataclass
class FollowStats:
    """What a run of :func:`fetch_records` did, beyond the records it yielded."""

    skipped: int = 0  # listed, already indexed (``skip``)
    listed: int = 0  # pages listed by the feeds and sitemaps read
    left: int = 0  # new pages not fetched this run (over ``max_new``)
    read: list[str] = field(default_factory=list)  # feeds and sitemaps read


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, recover=True, remove_comments=True, remove_pis=True)


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: etree._Element, *names: str) -> str | None:
    for child in el:
        if _local(child) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def _xml_root(body: bytes, where: str, max_bytes: int) -> etree._Element:
    if body.startswith(GZIP_MAGIC):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = d.decompress(body, max_bytes + 1)
        except zlib.error as e:
            raise FetchError(where, f"corrupt gzip ({e})") from None
        if len(body) > max_bytes or d.unconsumed_tail:
            raise FetchError(where, f"too large once decompressed (over {max_bytes:,} bytes)")
    try:
        root = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError) as e:
        raise FetchError(where, f"not XML ({printable(str(e))[:120]})") from None
    if root is None:
        raise FetchError(where, "not XML (empty document)")
    return root


def _absolute(link: str | None, base: str) -> str | None:
    if not link:
        return None
    url = urljoin(base, link.strip())
    return url if is_url(url) else None


def feed_entries(body: bytes, base: str, max_bytes: int = 5 * 1024 * 1024) -> list[Entry]:
    """The pages an RSS 2.0, RSS 1.0 (RDF) or Atom feed lists, in its order."""
    root = _xml_root(body, base, max_bytes)
    if _local(root) not in ("rss", "rdf", "feed", "channel"):
        raise FetchError(base, f"not an RSS or Atom feed (root element <{_local(root) or '?'}>)")
    out: list[Entry] = []
    for el in root.iter():
        kind = _local(el)
        if kind == "item":
            link = _child_text(el, "link")
            if link is None:
                for child in el:
                    if _local(child) == "guid" and child.get("isPermaLink", "true") != "false" and child.text:
                        link = child.text
            date = _child_text(el, "pubdate", "date", "published", "updated")
        elif kind == "entry":
            link = None
            for child in el:
                if _local(child) == "link" and child.get("href") and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
            date = _child_text(el, "published", "updated", "issued")
        else:
            continue
        url = _absolute(link, base)
        if url:
            out.append(Entry(url, _child_text(el, "title"), normalize_date(date) if date else None))
    return out


def sitemap_entries(body: bytes, base: str, max_bytes: int = 5 * 1024 * 1024) -> tuple[list[Entry], list[str]]:
    """(the pages a sitemap lists, the sitemaps a sitemap index lists)."""
    root = _xml_root(body, base, max_bytes)
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        raise FetchError(base, f"not a sitemap (root element <{kind or '?'}>)")
    pages: list[Entry] = []
    maps: list[str] = []
    for el in root:
        url = _absolute(_child_text(el, "loc"), base)
        if not url:
            continue
        if _local(el) == "sitemap":
            maps.append(url)
        elif _local(el) == "url":
            date = _child_text(el, "lastmod")
            title = None
            for sub in el.iter():
                if _local(sub) == "publication_date" and sub.text:
                    date = sub.text
                elif _local(sub) == "title" and sub.text:
                    title = sub.text.strip()
            pages.append(Entry(url, title, normalize_date(date) if date else None))
    return pages, maps


class Follower:
    """Reads feeds and sitemaps with one :class:`Fetcher` and fetches their new pages."""

    def __init__(self, fetcher: Fetcher, skip: Callable[[str], bool] | None = None,
                 max_new: int | None = DEFAULT_MAX_NEW) -> None:
        self.fetcher = fetcher
        self.skip = skip or (lambda url: False)
        self.max_new = max_new
        self.stats = FollowStats()
        self._done: set[str] = set()

    def _read_xml(self, url: str, what: str) -> bytes:
        got = self.fetcher.get_allowed(url, XML_TYPES, what, sniff_html=False)
        self.stats.read.append(url)
        return got.body

    def feed(self, url: str) -> Iterator[Document | IngestFailure]:
        try:
            entries = feed_entries(self._read_xml(url, "a feed"), url, self.fetcher.settings.max_bytes)
        except FetchError as e:
            yield IngestFailure(e.url, e.reason)
            return
        yield from self._pages(entries, url)

    def sitemap(self, url: str) -> Iterator[Document | IngestFailure]:
        pages: list[Entry] = []
        todo = [(url, 0)]
        seen: set[str] = set()
        while todo:
            current, depth = todo.pop(0)
            if current in seen or len(seen) >= MAX_SITEMAPS:
                continue
            seen.add(current)
            try:
                found, maps = sitemap_entries(self._read_xml(current, "a sitemap"), current,
                                              self.fetcher.settings.max_bytes)
            except FetchError as e:
                yield IngestFailure(e.url, e.reason)
                continue
            pages.extend(found)
            if depth + 1 < MAX_SITEMAP_DEPTH:
                todo.extend((m, depth + 1) for m in maps)
        # newest first when dated (an undated page last): a capped run takes the latest
        pages.sort(key=lambda e: e.published or "", reverse=True)
        yield from self._pages(pages, url)

    def _pages(self, entries: list[Entry], listed_by: str) -> Iterator[Document | IngestFailure]:
        fetched = 0
        for entry in entries:
            if entry.url in self._done:
                continue
            self._done.add(entry.url)
            self.stats.listed += 1
            if self.skip(entry.url):
                self.stats.skipped += 1
                continue
            if self.max_new is not None and fetched >= self.max_new:
                self.stats.left += 1
                continue
            fetched += 1
            try:
                yield self.fetcher.document(entry.url, robots=True, title=entry.title,
                                            published=entry.published, meta={"listed_by": listed_by})
            except FetchError as e:
                yield IngestFailure(e.url, e.reason)


def fetch_records(
    urls: Iterable[str] = (),
    *,
    feeds: Iterable[str] = (),
    sitemaps: Iterable[str] = (),
    settings: FetchSettings | None = None,
    skip: Callable[[str], bool] | None = None,
    max_new: int | None = DEFAULT_MAX_NEW,
    stats: FollowStats | None = None,
) -> Iterator[Document | IngestFailure]:
    """Documents fetched from ``urls`` (always fetched, robots.txt not consulted: the
    user asked for them) and from the pages ``feeds`` and ``sitemaps`` list (robots.txt
    honoured; a page ``skip(url)`` is true for is not fetched; at most ``max_new`` per
    feed or sitemap). One :class:`IngestFailure` per URL, feed or sitemap that failed;
    the rest goes on. ``stats`` (a :class:`FollowStats`) receives the counts."""
    with Fetcher(settings) as fetcher:
        follower = Follower(fetcher, skip, max_new)
        if stats is not None:
            follower.stats = stats
        for url in urls:
            try:
                yield fetcher.document(url)
            except FetchError as e:
                yield IngestFailure(e.url, e.reason)
        for url in feeds:
            yield from follower.feed(url)
        for url in sitemaps:
            yield from follower.sitemap(url)
