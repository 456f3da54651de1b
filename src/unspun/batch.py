"""Checking many articles: ``check_many(articles, index, workers=N)``.

The Python API under ``unspun check`` of a folder, a JSONL or WARC file, or several paths
(a notebook or a pipeline can call it directly)::

    import unspun
    for article_id, outcome in unspun.check_many(unspun.read_records(["week/"]), "refs.db", workers=2):
        if isinstance(outcome, unspun.ArticleError):
            print(article_id, "failed:", outcome.message)
        else:
            print(article_id, outcome.verdict.label)

``articles`` are :class:`~unspun.models.Document` records, or the
:class:`~unspun.models.IngestFailure` a reader yields for a record it could not read (as
:func:`unspun.read_records` does): a failure, an empty article, one over ``max_article``
characters or any error of its check is an :class:`ArticleError` for that article, never
the end of the batch. Results come back in input order, so the output does not depend on
``workers``. With ``workers`` > 1 the checks run in a pool of processes; each opens the
read-only index once (an index given by path, or an open :class:`~unspun.SQLiteIndex`
by its path) or inherits the in-memory index. A worker process that dies (killed, out
of memory) is replaced; the articles in flight are tried again one at a time, so only
the article whose check kills a worker becomes an error.

:func:`summary_row` turns a report (or its JSON, ``Report.to_dict()``) into the one-row
summary ``unspun check --summary`` writes: the same row for the same article whether it
was checked alone or in a batch.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, NamedTuple

from .budget import MAX_ARTICLE_CHARS, too_long
from .errors import UnspunError
from .models import Document, IngestFailure, Report
from .pipeline import CheckSettings
from .pipeline import check as run_check
from .store import BaseIndex, PostgresIndex, SQLiteIndex, open_index

__all__ = ["SUMMARY_COLUMNS", "TOP_SOURCES", "ArticleError", "Checked", "check_many", "report_name", "summary_row"]

#: sources named in a summary row
TOP_SOURCES = 3
#: the columns of a summary row, in order
SUMMARY_COLUMNS = (
    "id", "url", "title", "verdict", "coverage", "sources", "top_sources", "top_source",
    "top_coverage", "spin_share", "findings", "error",
)


@dataclass(frozen=True)
class ArticleError:
    """Why one article of a batch has no report (the rest of the batch goes on)."""

    id: str
    message: str
    url: str | None = None
    title: str | None = None

    def __str__(self) -> str:
        return self.message


class Checked(NamedTuple):
    """One article's outcome: ``(article id, Report or ArticleError)``."""

    id: str
    outcome: Report | ArticleError


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def summary_row(outcome: Report | ArticleError | dict[str, Any]) -> dict[str, Any]:
    """One summary row (keys :data:`SUMMARY_COLUMNS`) for a report, its JSON, or an error.

    ``coverage``: share of the article with a source; ``top_sources``: the first
    :data:`TOP_SOURCES` sources as ``id (coverage%)`` joined by ``"; "``, the first also in
    ``top_source`` / ``top_coverage``; ``spin_share``: share of the copied words swapped
    (the ``spin-density`` finding; None when nothing was copied); ``findings``: how many.
    """
    if isinstance(outcome, ArticleError):
        row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
        row.update(id=outcome.id, url=outcome.url, title=outcome.title, error=outcome.message)
        return row
    d = outcome.to_dict() if isinstance(outcome, Report) else outcome
    art, sources, findings = d["article"], d["sources"], d["findings"]
    spin = next((f["data"]["share"] for f in findings if f["kind"] == "spin-density"), None)
    top = sources[:TOP_SOURCES]
    return {
        "id": art["id"], "url": art.get("url"), "title": art.get("title"),
        "verdict": d["verdict"]["label"], "coverage": d["coverage"], "sources": len(sources),
        "top_sources": "; ".join(f"{s['doc_id']} ({_pct(s['coverage'])})" for s in top),
        "top_source": top[0]["doc_id"] if top else None,
        "top_coverage": top[0]["coverage"] if top else None,
        "spin_share": spin, "findings": len(findings), "error": None,
    }


# --- one check, in this process or in a worker ------------------------------------------

_INDEX: BaseIndex | None = None  # the worker's index, opened once
_SETTINGS: CheckSettings | None = None
_MAX_ARTICLE = MAX_ARTICLE_CHARS
_RENDER: Callable[[Report], str] | None = None


def _worker_init(index: str | BaseIndex, settings: CheckSettings | None, max_article: int,
                 render: Callable[[Report], str] | None) -> None:
    global _INDEX, _SETTINGS, _MAX_ARTICLE, _RENDER
    _INDEX = open_index(index, readonly=True) if isinstance(index, str) else index
    _SETTINGS, _MAX_ARTICLE, _RENDER = settings, max_article, render


def _error(doc: Document, message: str) -> ArticleError:
    return ArticleError(doc.id, message, doc.url, doc.title)


def _check_one(doc: Document) -> tuple[Report | ArticleError, str | None]:
    """The report of ``doc`` (and its rendering, when asked), or the error: never raises."""
    assert _INDEX is not None
    try:
        if (problem := too_long(doc, _MAX_ARTICLE)) is not None:
            raise problem
        report = run_check(doc, _INDEX, _SETTINGS)
        return report, (_RENDER(report) if _RENDER else None)
    except UnspunError as e:
        return _error(doc, str(e)), None
    except (MemoryError, RecursionError) as e:
        return _error(doc, f"the check ran out of {'memory' if isinstance(e, MemoryError) else 'stack'}"), None
    except Exception as e:  # an article is hostile input: its failure is its own row
        return _error(doc, f"internal error: {type(e).__name__}: {e}"), None


def _noop() -> None:
    return None


def _context() -> Any:
    # fork: workers inherit the loaded lexicon and an in-memory index; spawn elsewhere
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)


class _Pool:
    """Worker processes for :func:`check_many`; replaced when one dies."""

    def __init__(self, workers: int, index: str | BaseIndex, settings: CheckSettings | None,
                 max_article: int, render: Callable[[Report], str] | None) -> None:
        self.args = (index, settings, max_article, render)
        self.workers = workers
        self.ex = self._start()

    def _start(self) -> ProcessPoolExecutor:
        ex = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_worker_init,
                                 initargs=self.args)
        for f in [ex.submit(_noop) for _ in range(self.workers)]:
            f.result()  # start every worker now, before the caller starts threads (a progress bar)
        return ex

    def submit(self, doc: Document) -> Future:
        return self.ex.submit(_check_one, doc)

    def restart(self) -> None:
        self.ex.shutdown(wait=False, cancel_futures=True)
        self.ex = self._start()

    def close(self) -> None:
        self.ex.shutdown(wait=True, cancel_futures=True)


def _index_for_workers(index: str | os.PathLike[str] | BaseIndex) -> str | BaseIndex:
    if isinstance(index, SQLiteIndex):
        return str(index.path)
    if isinstance(index, PostgresIndex):
        return index.url  # each worker opens its own connection
    if isinstance(index, BaseIndex):
        return index  # inherited by forked workers (pickled once per worker elsewhere)
    return os.fspath(index)


def _run(
    articles: Iterable[Document | IngestFailure],
    index: str | os.PathLike[str] | BaseIndex,
    *,
    workers: int = 1,
    settings: CheckSettings | None = None,
    max_article: int = MAX_ARTICLE_CHARS,
    render: Callable[[Report], str] | None = None,
    window: int | None = None,
) -> Iterator[tuple[str, Report | ArticleError, str | None]]:
    """:func:`check_many`, with each report also rendered by ``render`` (in the workers)."""
    global _INDEX, _SETTINGS, _MAX_ARTICLE, _RENDER
    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")

    def ready(item: Document | IngestFailure) -> tuple[str, ArticleError] | None:
        if isinstance(item, IngestFailure):
            return item.location, ArticleError(item.location, str(item))
        return None

    if workers == 1:
        own = not isinstance(index, BaseIndex)
        idx = index if isinstance(index, BaseIndex) else open_index(index, readonly=True)
        saved = (_INDEX, _SETTINGS, _MAX_ARTICLE, _RENDER)
        try:
            for item in articles:
                if (done := ready(item)) is not None:
                    yield (*done, None)
                    continue
                _INDEX, _SETTINGS, _MAX_ARTICLE, _RENDER = idx, settings, max_article, render
                try:
                    outcome, text = _check_one(item)
                finally:
                    _INDEX, _SETTINGS, _MAX_ARTICLE, _RENDER = saved
                yield item.id, outcome, text
        finally:
            if own:
                idx.close()
        return

    from .lexicon import default_lexicon

    default_lexicon()  # loaded once, before the fork
    pool = _Pool(workers, _index_for_workers(index), settings, max_article, render)
    window = window or 4 * workers
    # in input order: [id, outcome] ready, or [document, future or None, suspect]
    pending: deque[list[Any]] = deque()
    it = iter(articles)
    exhausted = False
    died = "the worker process checking it died (killed, or out of memory)"
    try:
        while True:
            suspects = any(len(e) == 3 and e[2] for e in pending)
            while not exhausted and not suspects and len(pending) < window:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    break
                if (done := ready(item)) is not None:
                    pending.append([done[0], done[1]])
                else:
                    pending.append([item, pool.submit(item), False])
            if not pending:
                return
            head = pending[0]
            if len(head) == 2:
                pending.popleft()
                yield head[0], head[1], None
                continue
            doc, fut, suspect = head
            if fut is None:  # a suspect runs alone, so a death names its article
                fut = head[1] = pool.submit(doc)
            try:
                outcome, text = fut.result()
            except BrokenProcessPool:
                pool.restart()
                if suspect:
                    head[:] = [doc.id, _error(doc, died)]
                for e in pending:  # every article in flight is suspect: each is tried again alone
                    if len(e) == 3:
                        e[1], e[2] = None, True
                continue
            pending.popleft()
            yield doc.id, outcome, text
    finally:
        pool.close()


def check_many(
    articles: Iterable[Document | IngestFailure],
    index: str | os.PathLike[str] | BaseIndex,
    *,
    workers: int = 1,
    settings: CheckSettings | None = None,
    max_article: int = MAX_ARTICLE_CHARS,
) -> Iterator[Checked]:
    """Check every article against ``index`` (a path, opened read-only, or an open index);
    yield ``(article id, Report or ArticleError)`` per article, in input order.

    ``workers``: processes checking in parallel (1: in this process). ``max_article``:
    longest article in characters (0: no limit). See the module docstring.
    """
    for article_id, outcome, _ in _run(articles, index, workers=workers, settings=settings,
                                       max_article=max_article):
        yield Checked(article_id, outcome)


def report_name(article_id: str, suffix: str) -> str:
    """A file name for an article's report: its id made safe, and a short hash of the id
    (two ids that clean up alike, ``a/b`` and ``a_b``, stay apart)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", article_id).strip("._-")[:80] or "article"
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}-{digest}{suffix}"

