"""Checks in a pool of worker processes, each with its own read-only index: every core
busy, and a per-check time and memory budget.

A check is pure Python: a thread cannot be interrupted, and checks in threads share one
GIL. So each check runs in a worker *process* that opens the index read-only itself, once,
and answers check after check: throughput grows with the workers (``--workers``, up to the
cores) and the server process only moves requests and answers.

**Where workers come from.** A SQLite connection, and SQLite's per-process table of open
files and their locks, must not cross a fork: a worker forked from the server (which holds
the writer's and the readers' connections) could not safely open the index. So when the
pool is made, *before the server opens SQLite*, it forks one clean process, the **zygote**,
which never opens a database; every worker is forked from the zygote on demand (in
milliseconds, everything imported) and handed to the server over a Unix socket. The
zygote reaps its children; it and every worker exit when the server's end of their socket
closes (the server stopped or died).

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

A worker ignores ``SIGINT`` (the server stops it), closes every inherited file descriptor
but its socket, and never returns to the server's code: it ends with :func:`os._exit`.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import StoreError, UnspunError
from ..store.postgres import is_postgres_url
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


def _ask_turn(conn: Connection, host: str) -> float:
    """Seconds to wait before fetching from ``host`` (the server keeps one pace for all
    workers: ``--allow-fetch``)."""
    conn.send(("turn", host))
    reply = conn.recv()
    return float(reply[1]) if reply[0] == "ret" else 0.0


def _outcome(job: CheckJob, index: Any) -> tuple:
    from .. import pipeline  # looked up at each check (tests replace pipeline.check)

    doc = job.article()
    if len(doc.text) > job.max_article:
        raise ServiceError(413, f"the article has {len(doc.text):,} characters, more than the "
                                f"{job.max_article:,} a check accepts (--max-article)")
    return ("ok", job.render(pipeline.check(doc, index)))


def _memory_message(memory_mb: int) -> str:
    return f"the check needed more than {memory_mb} MB of memory (--check-memory)"


def _worker_main(conn: Connection, db: Path | str | None, memory_mb: int) -> None:
    """The worker's loop: one job at a time until the socket closes. The index ``db`` is
    opened read-only at the first job, and kept (None: a :class:`RemoteIndex`)."""
    from ..store import open_index

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _close_inherited(conn.fileno())
    from ..ingest import fetch

    fetch.set_shared_pace(lambda host: _ask_turn(conn, host))
    gc.freeze()  # what came with the fork stays put (and its pages shared)
    _limit_memory(memory_mb)
    index: Any = None if db is not None else RemoteIndex(conn)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        done = False
        try:
            if index is None:
                assert db is not None
                index = open_index(db, readonly=True)
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
        except (EOFError, BrokenPipeError, ConnectionResetError):
            break  # the server went away
        except Exception:
            log.exception("check failed in worker %d", os.getpid())
            answer = ("internal",)
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", _memory_message(memory_mb)))
            done = True
        except (OSError, ValueError):
            break
        if done:
            break
    if index is not None and not isinstance(index, RemoteIndex):
        index.close()


def _zygote_main(sock: socket.socket, db: Path | str | None, memory_mb: int) -> None:
    """Fork a worker for each byte the server sends; hand it over with its socket."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    signal.set_wakeup_fd(-1)  # the server's event loop's, closed below
    _close_inherited(sock.fileno())
    gc.freeze()
    while True:
        try:
            if not sock.recv(1):
                return  # the server closed its end
        except OSError:
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                sock.close()
                ours.close()
                _worker_main(Connection(theirs.detach()), db, memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        try:
            socket.send_fds(sock, [str(pid).encode()], [ours.fileno()])
        except OSError:
            return
        finally:
            ours.close()


def holds_open(path: Path) -> bool:
    """True when this process has ``path`` open (an SQLite connection to it)."""
    try:
        st = path.stat()
    except OSError:
        return False
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True  # cannot tell: assume the worst
    for fd in fds:
        try:
            other = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


class Zygote:
    """The clean process workers are forked from (made before the server opens SQLite)."""

    def __init__(self, db: Path | str | None, memory_mb: int) -> None:
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # never returns to the caller
            code = 0
            try:
                ours.close()
                _zygote_main(theirs, db, memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self.pid = pid
        self.sock = ours
        self.lock = threading.Lock()

    def fork(self) -> tuple[int, Connection]:
        """A new worker: its pid and the server's end of its socket."""
        with self.lock:
            try:
                self.sock.sendall(b"f")
                msg, fds, _, _ = socket.recv_fds(self.sock, 32, 1)
            except OSError as e:
                raise WorkerLost(f"the worker factory is gone ({e})") from None
        if not msg or not fds:
            raise WorkerLost("the worker factory is gone")
        return int(msg), Connection(fds[0])

    def close(self) -> None:
        with self.lock:
            self.sock.close()
        try:
            os.waitpid(self.pid, 0)
        except (ChildProcessError, OSError):
            pass


# -- the server side -----------------------------------------------------------------


class _Worker:
    def __init__(self, fork: Callable[[], tuple[int, Connection]]) -> None:
        self.pid, self.conn = fork()
        self.checks = 0

    def stop(self, kill: bool = True) -> None:
        """End the worker (SIGKILL unless ``kill`` is False: then ask it; the zygote reaps it)."""
        try:
            if kill:
                os.kill(self.pid, signal.SIGKILL)
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.conn.close()
        if not kill:
            for _ in range(50):
                try:
                    os.kill(self.pid, 0)
                except OSError:
                    return
                time.sleep(0.02)
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass


class _Lane:
    """Up to ``size`` workers; an idle queue; workers forked on demand."""

    def __init__(self, size: int, fork: Callable[[], tuple[int, Connection]]) -> None:
        self.size = size
        self.fork = fork
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
                    w = _Worker(self.fork)
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
    """The check workers of a service, in two lanes (ordinary and large requests), each
    opening the index ``db`` read-only. Make it before this process opens ``db``."""

    def __init__(self, db: Path | str, *, workers: int, large_workers: int, memory_mb: int,
                 index: Callable[[], Any] | None = None, fetch_delay: float = 0.0) -> None:
        self.db = db if is_postgres_url(db) else Path(db)
        self.index = index
        self.fetch_delay = fetch_delay
        self._next_fetch: dict[str, float] = {}  # host -> when its next fetch may start
        self._pace_lock = threading.Lock()
        # the workers open the index themselves, unless this process has it open already
        # (then SQLite's state for the file would cross the fork: a test's second service)
        self.own_index = index is None or not isinstance(self.db, Path) or not holds_open(self.db)
        if not self.own_index:
            log.warning("%s is already open in this process: check workers ask the server for "
                        "index look-ups (slower)", getattr(self.db, "name", "the index"))
        self.memory_mb = memory_mb
        self.zygote = Zygote(self.db if self.own_index else None, memory_mb)
        self._zygote_lock = threading.Lock()
        self.lanes = {SMALL: _Lane(workers, self._fork), LARGE: _Lane(large_workers, self._fork)}
        self.killed = 0  # workers killed at a timeout (for tests and logs)

    def pids(self) -> set[int]:
        return {w.pid for lane in self.lanes.values() for w in list(lane.workers)}

    def _fork(self) -> tuple[int, Connection]:
        """A new worker from the zygote; should the zygote have died (killed from outside),
        a new one takes its place. This process has the index open by then, so the new
        zygote's workers ask the server for their look-ups (never SQLite across a fork)."""
        zygote = self.zygote
        try:
            return zygote.fork()
        except WorkerLost:
            if self.index is None:
                raise
            with self._zygote_lock:
                if self.zygote is zygote:
                    log.error("the check workers' zygote %d is gone: a new one starts; its workers "
                              "ask the server for index look-ups", zygote.pid)
                    zygote.close()
                    self.own_index = False
                    self.zygote = Zygote(None, self.memory_mb)
            return self.zygote.fork()

    def turn(self, host: str) -> float:
        """Reserve the next fetch from ``host``: seconds the worker waits before it."""
        if self.fetch_delay <= 0:
            return 0.0
        with self._pace_lock:
            now = time.monotonic()
            start = max(now, self._next_fetch.get(host, 0.0))
            self._next_fetch[host] = start + self.fetch_delay
            if len(self._next_fetch) > 10_000:  # forget the hosts whose turn has passed
                self._next_fetch = {h: t for h, t in self._next_fetch.items() if t > now}
        return start - now

    def _answer(self, w: _Worker, message: tuple) -> None:
        """A worker's question: an index call, answered from this thread's connection,
        or its turn to fetch from a host."""
        if message[0] == "turn":
            w.conn.send(("ret", self.turn(str(message[1]))))
            return
        try:
            assert self.index is not None
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
                if answer[0] in ("attr", "call", "turn"):  # a RemoteIndex's question, a fetch's turn
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
        self.zygote.close()
