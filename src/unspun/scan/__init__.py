"""Crawl-wide scan: reuse families and site ranking over a whole crawl.

Stages, each a Parquet table under the output folder, resumable (see :mod:`.stages`)::

    docs -> features -> pairs -> alignments -> families -> sites

Two engines run them with the same core functions (:mod:`.rows`): ``local`` (DuckDB and
worker processes) and ``spark`` (:mod:`.spark_engine`, needs ``unspun[spark]``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SettingsError
from . import outdir, stages
from .filters import validate_filter
from .settings import ScanSettings, parse_memory, resolve_settings, save_settings

__all__ = ["ScanSettings", "run_scan", "stage_status"]

ENGINES = ("local", "spark")


def run_scan(
    out: str | Path,
    settings: ScanSettings,
    *,
    engine: str = "local",
    workers: int | None = None,
    explicit: dict[str, Any] | None = None,
    log: Callable[[str], None] = lambda s: None,
    progress: Callable[[str, int, int], None] | None = None,
    memory: str | int | None = None,
) -> ScanSettings:
    """Run (or resume) a scan into ``out``; return the settings used (saved ones on resume).

    ``log`` gets one line per finished stage; ``progress(stage, done, total)`` is called as
    the long stages of the local engine advance (features: documents; alignments: pairs).
    ``memory`` (bytes, or a size such as ``"4GB"``) bounds the local engine's pair join
    (DuckDB spills past it; default 4GB) or sets Spark's driver memory in local mode; it
    changes speed, never the result, and is not saved with the scan.

    ``out`` must be new, empty, or a scan folder (:mod:`.outdir`): any other folder is
    refused untouched, and so is one that holds an input or lies inside one. A new scan
    that fails before any stage is complete removes what it wrote.
    """
    if engine not in ENGINES:
        raise SettingsError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    mem = parse_memory(memory) if memory is not None else None
    validate_filter(settings.filter)
    out = Path(out)
    outdir.check_inputs(out, settings.inputs)
    outdir.inspect(out)  # refuses a folder a scan did not make, untouched
    st = resolve_settings(out, settings, explicit if explicit is not None else settings.to_dict())
    validate_filter(st.filter)
    outdir.check_inputs(out, st.inputs)
    fresh = not any(stages.is_complete(out, s) for s in stages.STAGES)
    created = outdir.claim(out)
    try:
        save_settings(out, st)
        if engine == "spark":
            from .spark_engine import run_spark

            run_spark(out, st, workers=workers, log=log, memory=mem)
        else:
            from .local import run_local

            run_local(out, st, workers=workers, log=log, progress=progress, memory=mem)
    except BaseException:
        if fresh and not any(stages.is_complete(out, s) for s in stages.STAGES):
            outdir.release(out, created)  # nothing made yet: the corrected command starts clean
        raise
    return st


def stage_status(out: str | Path) -> dict[str, dict[str, Any] | None]:
    """Each stage's completion marker (None when not complete)."""
    out = Path(out)
    return {s: stages.marker(out, s) if stages.is_complete(out, s) else None for s in stages.STAGES}
