"""Peak memory of a whole process tree (the benchmark, its worker processes, Spark's JVM
and Python workers), sampled from ``/proc``.

``ru_maxrss`` only sees one process (or the largest waited-for child), so it misses a
JVM started by pyspark and counts pages shared by forked workers once per worker.
:class:`TreePeak` sums each process's PSS (proportional set size: a page shared by *n*
processes counts 1/n in each) from ``/proc/PID/smaps_rollup`` every ``interval`` seconds.
Linux only; elsewhere it reports ``None``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d.name))
    return kids


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_mb(root: int | None = None) -> float:
    """Current PSS of ``root`` (default: this process) and all its descendants, in MB."""
    root = root or os.getpid()
    kids = _children()
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo.extend(kids.get(p, ()))
    return total / 1024


class TreePeak:
    """``with TreePeak(root=pid) as m: ...`` then ``m.peak_mb`` (None when /proc is
    unavailable); ``root`` defaults to this process."""

    def __init__(self, interval: float = 0.5, root: int | None = None) -> None:
        self.interval = interval
        self.root = root
        self.peak_mb: float | None = None
        self._since = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = tree_pss_mb(self.root)
            self.peak_mb = now if self.peak_mb is None else max(self.peak_mb, now)
            self._since = max(self._since, now)
            self._stop.wait(self.interval)

    def take(self) -> float:
        """Peak since the last call (MB), then start a new window: per-stage peaks."""
        out, self._since = self._since, tree_pss_mb(self.root) if self._thread.is_alive() else 0.0
        return out

    def __enter__(self) -> TreePeak:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
