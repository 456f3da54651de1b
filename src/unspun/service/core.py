"""The service object behind the routes: settings, the writer, the readers, and the few
operations the routes need, each awaited without blocking the event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..budget import MAX_ARTICLE_CHARS
from ..errors import StoreError, UnspunError
from ..ingest.fetch import FetchSettings
from ..models import Document, IngestFailure, Report
from ..store import AddResult, BaseIndex, is_postgres_url
from .auth import Auth
from .checkers import LARGE, SMALL, CheckBusy, CheckJob, CheckPool, CheckTimeout, WorkerLost
from .limits import ServiceError
from .workers import Readers, Writer, WriterClosed

T = TypeVar("T")
log = logging.getLogger("unspun.service")
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_CHECK_TIMEOUT = 30.0
DEFAULT_CHECK_MEMORY_MB = 2048
DEFAULT_LARGE_BODY = 256 * 1024
DEFAULT_MAX_ARTICLE = MAX_ARTICLE_CHARS  # characters (a gzip upload may decompress to more)


def index_label(db: Path | str) -> str:
    """What clients are told the index is: the file's name, or the database's name (never
    where it lives, nor a password)."""
    if is_postgres_url(db):
        from urllib.parse import urlsplit

        return "postgresql: " + (urlsplit(str(db)).path.lstrip("/") or "(default database)")
    return Path(db).name


@dataclass(frozen=True)
class ServiceSettings:
    """How ``unspun serve`` runs. ``allowed_hosts`` None accepts any ``Host`` header;
    ``token`` None: no authentication (loopback only; see :mod:`unspun.service.auth`)."""

    db: Path | str  # an SQLite file, or a postgresql:// URL
    max_body: int = DEFAULT_MAX_BODY
    check_timeout: float = DEFAULT_CHECK_TIMEOUT
    workers: int = min(4, os.cpu_count() or 1)
    large_workers: int = 2
    large_body: int = DEFAULT_LARGE_BODY
    check_memory: int = DEFAULT_CHECK_MEMORY_MB
    max_article: int = DEFAULT_MAX_ARTICLE
    allowed_hosts: tuple[str, ...] | None = None
    token: str | None = None
    public_read: bool = False
    allow_fetch: bool = False
    fetch_delay: float = 1.0  # seconds between two fetches from one host (over all workers)
    # tests only (a local fixture server): never set from the command line or a request
    fetch_allow_private: bool = False

    def fetch_settings(self) -> FetchSettings | None:
        """How a check request's ``url`` is fetched; None unless ``allow_fetch``."""
        if not self.allow_fetch:
            return None
        return FetchSettings(timeout=min(20.0, max(1.0, self.check_timeout / 2)),
                             max_bytes=self.max_body, delay=0.0, allow_private=self.fetch_allow_private)


class Service:
    """Opens the index (creating it if missing) with one writer and a reader pool."""

    def __init__(self, settings: ServiceSettings) -> None:
        if (settings.max_body < 1 or settings.check_timeout <= 0 or settings.workers < 1
                or settings.large_workers < 1 or settings.max_article < 1):
            raise ValueError("max_body, max_article, check_timeout, workers and large_workers must be positive")
        self.settings = settings
        self.auth = Auth(settings.token, settings.public_read)
        # first: the check workers' zygote is forked before this process opens SQLite
        db = settings.db if is_postgres_url(settings.db) else Path(settings.db)
        self.checkers = CheckPool(db, workers=settings.workers,
                                  large_workers=settings.large_workers, memory_mb=settings.check_memory,
                                  index=lambda: self.readers.index(),
                                  fetch_delay=settings.fetch_delay if settings.allow_fetch else 0.0)
        try:
            self.writer = Writer(db)
        except BaseException:
            self.checkers.close()
            raise
        self.readers = Readers(db, settings.workers)
        # threads that only wait for a worker's answer (the worker does the work)
        self._waiting = ThreadPoolExecutor(max_workers=64, thread_name_prefix="unspun-check")

    # -- checks -------------------------------------------------------------------------
    def lane(self, size: int, gzipped: bool = False) -> str:
        """Requests over ``large_body`` bytes, and gzip uploads, use the large lane."""
        return LARGE if gzipped or size > self.settings.large_body else SMALL

    async def check(self, article: Callable[[], Document], render: Callable[[Report], T],
                    lane: str = SMALL) -> T:
        """Build the article, check it and render the report in a worker process, within
        the per-check time (503 when it passes: the worker is killed) and memory budget."""
        limit = self.settings.check_timeout
        deadline = time.monotonic() + limit
        job = CheckJob(article, render, self.settings.max_article)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._waiting, self.checkers.run, job, lane, deadline)
        except CheckTimeout:
            raise ServiceError(503, f"the check took longer than {limit:g} s (--check-timeout); it was stopped") from None
        except CheckBusy:
            raise ServiceError(503, f"the check took longer than {limit:g} s (--check-timeout) waiting for a "
                                    "free worker: the service is busy") from None
        except WorkerLost:
            raise ServiceError(503, "the check stopped unexpectedly (its worker process died)") from None

    async def check_each(self, jobs: Iterable[tuple[Callable[[], Document], str]],
                         render: Callable[[Report], T]) -> AsyncIterator[T | ServiceError]:
        """Check many articles, answers in the order given (an error as a ServiceError,
        never the end): up to twice ``workers`` checks at once, each with its own time
        budget counted from when it is sent, so a long batch never times out waiting.
        ``jobs``: (article, lane)."""
        window = 2 * self.settings.workers
        pending: deque[asyncio.Task[T | ServiceError]] = deque()

        async def one(article: Callable[[], Document], lane: str) -> T | ServiceError:
            try:
                return await self.check(article, render, lane)
            except ServiceError as e:
                return e
            except StoreError as e:
                log.error("index error: %s", e)
                return ServiceError(503, "index unavailable (the server log has the details)")
            except UnspunError as e:
                return ServiceError(422, str(e))
            except Exception:
                log.exception("check failed in a batch")
                return ServiceError(500, "internal error (the server log has the details)")

        try:
            for article, lane in jobs:
                pending.append(asyncio.create_task(one(article, lane)))
                if len(pending) >= window:
                    yield await pending.popleft()
            while pending:
                yield await pending.popleft()
        finally:
            for task in pending:
                task.cancel()

    async def parse(self, fn: Callable[[], T]) -> T:
        """CPU work with no index (parsing an upload) in the pool."""
        return await self.readers.run(fn)

    # -- reads --------------------------------------------------------------------------
    async def read(self, fn: Callable[[BaseIndex], T]) -> T:
        return await self.readers.run(lambda: fn(self.readers.index()))

    async def get(self, doc_id: str) -> Document | None:
        return await self.read(lambda idx: idx.get(doc_id))

    async def stats(self) -> dict[str, Any]:
        st = await self.read(lambda idx: idx.stats())
        st["path"] = index_label(self.settings.db)  # the file name, not where it lives
        return st

    # -- writes -------------------------------------------------------------------------
    async def add(self, records: list[Document | IngestFailure]) -> tuple[AddResult, int]:
        """Add through the writer: the counts, and the documents in the index after."""
        return await self._write(lambda idx: (idx.add(records), len(idx)))

    async def remove(self, doc_id: str) -> tuple[int, int]:
        """Remove through the writer: 1 or 0 removed, and the documents left."""
        return await self._write(lambda idx: (idx.remove([doc_id]), len(idx)))

    async def _write(self, fn: Callable[[BaseIndex], T]) -> T:
        try:
            return await self.writer.run(fn)
        except WriterClosed as e:
            raise ServiceError(503, str(e)) from None

    @property
    def healthy(self) -> bool:
        return self.writer.alive

    def close(self) -> None:
        self.checkers.close()
        self._waiting.shutdown(wait=False, cancel_futures=True)
        self.readers.close()
        self.writer.close()  # last: its connection checkpoints the WAL
