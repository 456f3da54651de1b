"""The service object behind the routes: settings, the writer, the readers, and the few
operations the routes need, each awaited without blocking the event loop."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .. import pipeline
from ..models import Document, IngestFailure, Report
from ..store import AddResult, SQLiteIndex
from .auth import Auth
from .limits import ServiceError
from .workers import Readers, Writer, WriterClosed

T = TypeVar("T")
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_CHECK_TIMEOUT = 30.0


@dataclass(frozen=True)
class ServiceSettings:
    """How ``unspun serve`` runs. ``allowed_hosts`` None accepts any ``Host`` header;
    ``token`` None: no authentication (loopback only; see :mod:`unspun.service.auth`)."""

    db: Path
    max_body: int = DEFAULT_MAX_BODY
    check_timeout: float = DEFAULT_CHECK_TIMEOUT
    workers: int = min(4, os.cpu_count() or 1)
    allowed_hosts: tuple[str, ...] | None = None
    token: str | None = None
    public_read: bool = False


class Service:
    """Opens the index (creating it if missing) with one writer and a reader pool."""

    def __init__(self, settings: ServiceSettings) -> None:
        if settings.max_body < 1 or settings.check_timeout <= 0 or settings.workers < 1:
            raise ValueError("max_body, check_timeout and workers must be positive")
        self.settings = settings
        self.auth = Auth(settings.token, settings.public_read)
        self.writer = Writer(Path(settings.db))
        self.readers = Readers(Path(settings.db), settings.workers)

    # -- checks -------------------------------------------------------------------------
    async def check(self, article: Callable[[], Document], render: Callable[[Report], T]) -> T:
        """Build the article, check it, render the report: all in the pool, within the
        per-check time limit (503 when it passes)."""

        def job() -> T:
            doc = article()
            return render(pipeline.check(doc, self.readers.index()))

        try:
            return await self.readers.run(job, timeout=self.settings.check_timeout)
        except TimeoutError:
            raise ServiceError(
                503, f"the check took longer than {self.settings.check_timeout:g} s (--check-timeout)"
            ) from None

    async def parse(self, fn: Callable[[], T]) -> T:
        """CPU work with no index (parsing an upload) in the pool."""
        return await self.readers.run(fn)

    # -- reads --------------------------------------------------------------------------
    async def read(self, fn: Callable[[SQLiteIndex], T]) -> T:
        return await self.readers.run(lambda: fn(self.readers.index()))

    async def get(self, doc_id: str) -> Document | None:
        return await self.read(lambda idx: idx.get(doc_id))

    async def stats(self) -> dict[str, Any]:
        st = await self.read(lambda idx: idx.stats())
        st["path"] = Path(st["path"]).name  # the file name, not where it lives
        return st

    # -- writes -------------------------------------------------------------------------
    async def add(self, records: list[Document | IngestFailure]) -> tuple[AddResult, int]:
        """Add through the writer: the counts, and the documents in the index after."""
        return await self._write(lambda idx: (idx.add(records), len(idx)))

    async def remove(self, doc_id: str) -> tuple[int, int]:
        """Remove through the writer: 1 or 0 removed, and the documents left."""
        return await self._write(lambda idx: (idx.remove([doc_id]), len(idx)))

    async def _write(self, fn: Callable[[SQLiteIndex], T]) -> T:
        try:
            return await self.writer.run(fn)
        except WriterClosed as e:
            raise ServiceError(503, str(e)) from None

    @property
    def healthy(self) -> bool:
        return self.writer.alive

    def close(self) -> None:
        self.readers.close()
        self.writer.close()  # last: its connection checkpoints the WAL
