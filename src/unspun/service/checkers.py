"""Checks in worker processes that can be killed: a per-check time and memory budget.

A check is pure Python: a thread cannot be interrupted, and a long check holds the GIL
the event loop and every reader need. So each check runs in a worker *process* (forked
from the server, so it starts in milliseconds with everything imported). The worker
never touches SQLite (a connection, or SQLite's own per-process lock table, must not
cross a fork): its index is a :class:`RemoteIndex` whose few calls (``lookup``, ``get``,
``approx_size``…) the server's waiting thread answers from its own read-only connection.

* **time**: the request waits at most ``check_timeout`` (queueing for a free worker
  included); when it passes, the worker running the check is killed (``SIGKILL``) and
  replaced, and the client gets 503. A timed-out check does not go on in the background.
* **memory**: each worker runs under ``RLIMIT_AS`` (its size at the fork plus
  ``check_memory`` MB); a check that needs more gets ``MemoryError``, the client 503, and
  the worker is replaced.
* **two lanes**: requests larger than ``large_body`` bytes (or gzip uploads) use their
  own ``large_workers`` processes, so a few maximum-size checks never take the workers
  every ordinary check needs. A large-lane worker serves one check (the heap it grew
  would count against the next one's memory budget); an ordinary one
  :data:`RECYCLE_AFTER` checks.

A worker is forked lazily (first use, or to replace one that was killed) from a thread
of the server. In the child only that thread exists; it closes every inherited file
descriptor but its pipe (the listening socket, the server's SQLite connections, other
workers' pipes), ignores ``SIGINT`` (the server stops it) and never returns to the
server's code: it ends with :func:`os._exit`. When the server dies, the pipe closes and
the worker exits.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import StoreError, UnspunError
from .limits import ServiceError

log = logging.getLogger("unspun.service")

SMALL = "small"
LARGE = "large"
RECYCLE_AFTER = 1000  # checks before an ordinary worker is replaced (memory it kept)


@dataclass(frozen=True)
class CheckJob:
    """What a worker runs: ``render(pipeline.check(article(), index))``. Both callables
    are pickled to the worker (module-level functions or ``functools.partial``)."""

    article: Callable[[], Any]
    render: Callable[[Any], Any]
    max_article: int


class CheckTimeout(Exception):
    """The check did not finish within its time (the worker was killed)."""


class CheckBusy(Exception):
    """No worker became free within the check's time."""


class WorkerLost(Exception):
    """The worker died while checking (killed from outside, or crashed)."""


# -- the worker process --------------------------------------------------------------


def _vm_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(extra_mb: int) -> None:
    if extra_mb <= 0:
        return
    limit = _vm_bytes() + extra_mb * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _close_inherited(keep: int) -> None:
    top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096
    top = min(max(top, keep + 1), 1 << 20)
    os.closerange(3, keep)
    os.closerange(keep + 1, top)


class RemoteIndex:
    """The worker's view of the index: every attribute read and method call is answered
    by the server over the pipe (its read-only connection), while a check runs."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._values: dict[str, Any] = {}

    def _ask(self, message: tuple) -> Any:
        self._conn.send(message)
        reply = self._conn.recv()
        if reply[0] == "ret":
            return reply[1]
        if reply[0] == "store":
            raise StoreError(reply[1])
        raise AttributeError(reply[1])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._values:
            return self._values[name]
        kind, value = self._ask(("attr", name))
        if kind == "value":
            self._values[name] = value
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._ask(("call", name, args, kwargs))

        return call

    def __len__(self) -> int:
        return int(self._ask(("call", "__len__", (), {})))


def _outcome(job: CheckJob, index: RemoteIndex) -> tuple:
    from .. import pipeline  # looked up at each check (tests replace pipeline.check)

    doc = job.article()
    if len(doc.text) > job.max_article:
        raise ServiceError(413, f"the article has {len(doc.text):,} characters, more than the "
                                f"{job.max_article:,} a check accepts (--max-article)")
    return ("ok", job.render(pipeline.check(doc, index)))


def _memory_message(memory_mb: int) -> str:
    return f"the check needed more than {memory_mb} MB of memory (--check-memory)"


def _worker_main(conn: Connection, memory_mb: int) -> None:
    """The worker's loop: one job at a time until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)  # the server's event loop's, closed below
    _close_inherited(conn.fileno())
    gc.freeze()  # what came with the fork stays put (and its pages shared)
    _limit_memory(memory_mb)
    index = RemoteIndex(conn)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        done = False
        try:
            answer: tuple = _outcome(job, index)
        except ServiceError as e:
            answer = ("error", e.status, e.message)
        except StoreError as e:
            answer = ("store", str(e))
        except UnspunError as e:
            answer = ("unspun", str(e))
        except MemoryError:
            answer = ("memory", _memory_message(memory_mb))
            done = True  # the heap may be in pieces: a fresh worker takes over
        except (EOFError, OSError):
            return  # the server went away
        except Exception:
            log.exception("check failed in worker %d", os.getpid())
            answer = ("internal",)
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", _memory_message(memory_mb)))
            done = True
        except (OSError, ValueError):
            return
        if done:
            return


# -- the server side -----------------------------------------------------------------


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        parent, child = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the worker: never returns to the caller
            code = 0
            try:
                parent.close()
                _worker_main(child, memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        child.close()
        self.pid = pid
        self.conn = parent
        self.checks = 0

    def stop(self, kill: bool = True) -> None:
        """End the worker (SIGKILL unless ``kill`` is False: then ask it) and reap it."""
        try:
            if kill:
                os.kill(self.pid, signal.SIGKILL)
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.conn.close()
        try:
            if kill:
                os.waitpid(self.pid, 0)
            else:
                for _ in range(50):
                    if os.waitpid(self.pid, os.WNOHANG)[0]:
                        return
                    time.sleep(0.02)
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (ChildProcessError, OSError):
            pass


class _Lane:
    """Up to ``size`` workers; an idle queue; workers forked on demand."""

    def __init__(self, size: int, memory_mb: int) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self.workers: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False

    def acquire(self, deadline: float) -> _Worker:
        while True:
            try:
                return self.idle.get_nowait()
            except queue.Empty:
                pass
            with self.lock:
                if self.closed:
                    raise CheckBusy("the service is shutting down")
                if len(self.workers) < self.size:
                    w = _Worker(self.memory_mb)
                    self.workers.add(w)
                    return w
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CheckBusy()
            try:
                return self.idle.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue

    def release(self, w: _Worker) -> None:
        with self.lock:
            closing = self.closed
        if closing:
            self.discard(w, kill=False)
        else:
            self.idle.put(w)

    def discard(self, w: _Worker, kill: bool = True) -> None:
        """Stop ``w``; the next acquire forks a replacement."""
        w.stop(kill=kill)
        with self.lock:
            self.workers.discard(w)

    def retire(self, w: _Worker) -> None:
        """Let ``w`` go (its slot free at once) and end it in the background."""
        with self.lock:
            self.workers.discard(w)
        threading.Thread(target=w.stop, kwargs={"kill": False}, name="unspun-retire", daemon=True).start()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.workers)
            self.workers.clear()
        for w in workers:
            w.stop(kill=False)


class CheckPool:
    """The check workers of a service, in two lanes (ordinary and large requests).

    ``index()`` gives the calling thread's read-only index: the one the waiting thread
    uses to answer its worker's index calls."""

    def __init__(self, index: Callable[[], Any], *, workers: int, large_workers: int, memory_mb: int) -> None:
        self.index = index
        self.lanes = {SMALL: _Lane(workers, memory_mb), LARGE: _Lane(large_workers, memory_mb)}
        self.killed = 0  # workers killed at a timeout (for tests and logs)

    def pids(self) -> set[int]:
        return {w.pid for lane in self.lanes.values() for w in list(lane.workers)}

    def _answer(self, w: _Worker, message: tuple) -> None:
        """An index call from the worker, answered from this thread's connection."""
        try:
            idx = self.index()
            if message[0] == "attr":
                value = getattr(idx, message[1])
                w.conn.send(("ret", ("callable", None) if callable(value) else ("value", value)))
            else:
                _, name, args, kwargs = message
                w.conn.send(("ret", getattr(idx, name)(*args, **kwargs)))
        except StoreError as e:
            w.conn.send(("store", str(e)))
        except AttributeError as e:
            w.conn.send(("attribute", str(e)))

    def run(self, job: CheckJob, lane: str, deadline: float) -> Any:
        """Run ``job`` in a worker of ``lane`` by ``deadline`` (``time.monotonic()``);
        blocks (call it from a thread). Raises :class:`ServiceError` or
        :class:`UnspunError` as the check did, :class:`CheckTimeout` (worker killed),
        :class:`CheckBusy` or :class:`WorkerLost`."""
        ln = self.lanes[lane]
        w = ln.acquire(deadline)
        try:
            w.conn.send(job)
            while True:
                if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                    ln.discard(w)
                    self.killed += 1
                    log.warning("check stopped at its time limit: worker %d killed and replaced", w.pid)
                    raise CheckTimeout()
                answer = w.conn.recv()
                if answer[0] in ("attr", "call"):
                    self._answer(w, answer)
                    continue
                break
        except (EOFError, OSError):
            ln.discard(w)
            raise WorkerLost() from None
        except CheckTimeout:
            raise
        except BaseException:
            ln.discard(w)
            raise
        kind = answer[0]
        if kind == "memory":
            ln.discard(w, kill=False)  # it exits by itself
            raise ServiceError(503, answer[1])
        w.checks += 1
        if lane == LARGE or w.checks >= RECYCLE_AFTER:
            ln.retire(w)  # a large check leaves a large heap behind: start the next one afresh
        else:
            ln.release(w)
        if kind == "ok":
            return answer[1]
        if kind == "error":
            raise ServiceError(answer[1], answer[2])
        if kind == "store":
            raise StoreError(answer[1])
        if kind == "unspun":
            raise UnspunError(answer[1])
        raise RuntimeError("the check failed in its worker process (the server log has the details)")

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.close()
