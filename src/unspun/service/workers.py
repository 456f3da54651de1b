"""Who touches the SQLite file: one writer thread, and a pool of reader threads.

* :class:`Writer` — the only read-write connection, owned by one thread that takes jobs
  from a queue, one at a time. Adds and removals never interleave, and an add of many
  documents is one transaction per batch, exactly as ``unspun index add`` does it.
* :class:`Readers` — a thread pool for look-ups (and the index calls of check workers,
  see :mod:`.checkers`). Each thread opens its own read-only connection the first time it
  needs one (a connection never crosses threads); in WAL mode they read while the writer
  writes.

The event loop only awaits futures: parsing runs in the pool, checks in worker processes.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..store import BaseIndex, open_index

T = TypeVar("T")
Job = tuple[Callable[[BaseIndex], object], Future]


class WriterClosed(RuntimeError):
    """The writer has stopped (the service is shutting down, or its thread died)."""


class Writer:
    """One thread owning the only read-write connection; jobs run in submission order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._closed = False
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="unspun-writer", daemon=True)
        self._thread.start()
        ready.result()  # StoreError when the index cannot be opened or created

    def _run(self, ready: Future[None]) -> None:
        try:
            index = open_index(self.path, create=True)
        except BaseException as e:  # reported to the constructor
            ready.set_exception(e)
            return
        ready.set_result(None)
        try:
            while (job := self._jobs.get()) is not None:
                fn, fut = job
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(fn(index))
                except BaseException as e:  # the future carries it to the request
                    fut.set_exception(e)
        finally:
            index.close()

    @property
    def alive(self) -> bool:
        return not self._closed and self._thread.is_alive()

    def submit(self, fn: Callable[[BaseIndex], T]) -> Future[T]:
        """Queue ``fn(index)`` for the writer thread; its result or error in the future."""
        if not self.alive:
            raise WriterClosed("the index writer has stopped")
        fut: Future[T] = Future()
        self._jobs.put((fn, fut))
        return fut

    async def run(self, fn: Callable[[BaseIndex], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def close(self, timeout: float = 60.0) -> None:
        """Finish the queued jobs, then close the connection."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)
        self._thread.join(timeout)


class Readers:
    """A thread pool whose threads each hold their own read-only index connection."""

    def __init__(self, path: Path, workers: int) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[BaseIndex] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unspun-read")

    def index(self) -> BaseIndex:
        """This thread's read-only index (call it from a pool thread only)."""
        idx: BaseIndex | None = getattr(self._local, "index", None)
        if idx is None:
            idx = open_index(self.path, readonly=True)
            self._local.index = idx
            with self._lock:
                self._opened.append(idx)
        return idx

    async def run(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        """``fn()`` in the pool. With ``timeout``, TimeoutError once it has passed (time
        waiting for a free thread counts); a job not yet started is then dropped, one
        already running finishes in the background and its result is thrown away."""
        fut = asyncio.get_running_loop().run_in_executor(self._pool, fn)
        if timeout is None:
            return await fut
        return await asyncio.wait_for(fut, timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for idx in self._opened:
                idx.close()
            self._opened.clear()
