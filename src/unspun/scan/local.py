"""The local engine: stages on one machine, DuckDB for the joins, worker processes for
features and alignment (the core's functions, via :mod:`unspun.scan.rows`)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SettingsError
from ..ingest import read_records
from ..lexicon import default_lexicon
from ..models import IngestFailure
from ..retrieve import default_max_df
from . import stages
from .common import families_and_sites
from .filters import compile_filter
from .rows import (
    ALIGN_SCHEMA,
    DOCS_SCHEMA,
    FEATURES_SCHEMA,
    PAIRS_SCHEMA,
    align_rows,
    docs_rows,
    feature_rows,
)
from .settings import ScanSettings
from .sql import META_COLUMNS, candidate_pairs, frequent_features, oriented_pairs

#: DuckDB's memory for the pair join unless --memory says otherwise (DuckDB's own default
#: is 80% of RAM, which it then fills on a large crawl before spilling).
DEFAULT_MEMORY = 4 * 2**30

Progress = Callable[[str], None]
Ticker = Callable[[str, int, int], None]


def _no_ticks(stage: str, done: int, total: int) -> None:
    return None
DOCS_PER_PART = 20_000
FEATURE_BATCH = 500
COPIES_PER_TASK = 50
ROWS_PER_PART = 200_000

#: every text, by did, set before forking: workers read them from here. An Arrow array, not
#: a list of str: reading a Python object writes its reference count, which would copy the
#: page into each forked worker (at 1M documents, 1.4 GB of text per worker); Arrow's
#: buffers are only read, so the workers keep sharing them.
_TEXTS: pa.ChunkedArray = pa.chunked_array([], pa.string())
_ST: ScanSettings | None = None
_FREQUENT: frozenset[int] = frozenset()
#: multiprocessing start method for the workers; None: fork where the platform has it
START_METHOD: str | None = None


def _worker_state(st: ScanSettings, frequent: frozenset[int], texts_of: str | None) -> None:
    """Set a worker's globals. Forked workers already have them (and share the texts);
    spawned ones (no fork: Windows) get the settings pickled and read the texts from
    ``texts_of``, the scan folder, themselves."""
    global _TEXTS, _ST, _FREQUENT
    _ST, _FREQUENT = st, frequent
    if texts_of is not None and len(_TEXTS) == 0:
        _TEXTS = stages.read_table(Path(texts_of), "docs", columns=["did", "text"]).sort_by("did").column("text")


def _pool(workers: int, texts_of: Path | None) -> Any:
    default_lexicon()  # load once, shared by forked workers
    method = START_METHOD or ("fork" if "fork" in mp.get_all_start_methods() else None)
    ctx = mp.get_context(method)
    forked = ctx.get_start_method() == "fork"
    assert _ST is not None
    texts = None if forked or texts_of is None else str(texts_of)
    return ctx.Pool(workers, _worker_state, (_ST, _FREQUENT, texts))


def _map(fn: Callable, items: Iterator, workers: int, texts_of: Path | None = None) -> Iterator:
    """``fn`` over ``items`` in ``workers`` processes that see this module's globals
    (``texts_of``: the scan folder, when ``fn`` reads texts)."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with _pool(workers, texts_of) as pool:
        yield from pool.imap(fn, items)


def stage_docs(out: Path, st: ScanSettings, log: Progress) -> None:
    t0 = time.time()
    d = stages.clear(out, "docs")
    seen: set[str] = set()
    batch: list[dict[str, Any]] = []
    n = part = dups = n_failed = 0
    first_failures: list[str] = []
    failures = open(d / "failures.jsonl", "w", encoding="utf-8")  # noqa: SIM115
    with failures:
        def flush() -> None:
            nonlocal part, batch
            if batch:
                stages.write_table(out, "docs", pa.Table.from_pylist(batch, DOCS_SCHEMA), f"part-{part:05d}")
                part += 1
                batch = []
        for r in docs_rows(read_records(list(st.inputs))):
            if isinstance(r, IngestFailure):
                failures.write(json.dumps({"location": r.location, "reason": r.reason}) + "\n")
                if len(first_failures) < 3:
                    first_failures.append(f"{r.location}: {r.reason}")
                n_failed += 1
                continue
            if r["id"] in seen:
                dups += 1
                continue
            seen.add(r["id"])
            r["did"] = n
            batch.append(r)
            n += 1
            if len(batch) >= DOCS_PER_PART:
                flush()
        flush()
    if n == 0:
        why = f" ({n_failed} unreadable: {'; '.join(first_failures)})" if n_failed else ""
        raise SettingsError(f"scan: no readable documents in the inputs{why}")
    stages.complete(out, "docs", n, t0, engine="local", duplicate_ids_skipped=dups)
    log(f"docs: {n} documents ({dups} duplicate ids skipped)")


def _features_task(batch: tuple[list[int], list[str]]) -> tuple[int, list[int], list[int]]:
    """(documents in the batch, did column, hash column)."""
    assert _ST is not None
    return len(batch[0]), *feature_rows(batch[0], batch[1], _ST.fingerprint)


def _doc_batches(out: Path) -> Iterator[tuple[list[int], list[str]]]:
    for f in sorted(stages.stage_dir(out, "docs").glob("part-*.parquet")):
        for b in pq.ParquetFile(f).iter_batches(FEATURE_BATCH, columns=["did", "text"]):
            yield b.column(0).to_pylist(), b.column(1).to_pylist()


def stage_features(out: Path, st: ScanSettings, workers: int, log: Progress,
                   tick: Ticker = _no_ticks) -> None:
    global _ST
    t0 = time.time()
    total = stages.marker(out, "docs")["rows"]
    docs_done = 0
    stages.clear(out, "features")
    _ST = st
    writer = pq.ParquetWriter(stages.stage_dir(out, "features") / "part-0.parquet", FEATURES_SCHEMA)
    n = 0
    with writer:
        for n_docs, dids, hashes in _map(_features_task, _doc_batches(out), workers):
            writer.write_table(pa.table({"did": pa.array(dids, pa.int64()),
                                         "hash": pa.array(hashes, pa.int32())}))
            n += len(dids)
            docs_done += n_docs
            tick("features", docs_done, total)
    stages.complete(out, "features", n, t0, engine="local")
    log(f"features: {n} rows")


def stage_pairs(out: Path, st: ScanSettings, log: Progress, memory: int | None = DEFAULT_MEMORY,
                threads: int | None = None) -> None:
    """Candidate pairs by a DuckDB self-join of the features, held to ``memory`` bytes (None:
    DuckDB's own limit, 80% of RAM): past it DuckDB spills to a temporary folder inside
    ``out`` (removed afterwards); ``threads`` (the scan's workers) bounds DuckDB's threads,
    by default one per core."""
    import duckdb

    t0 = time.time()
    stages.clear(out, "pairs")
    n_docs = stages.marker(out, "docs")["rows"]
    max_df = st.max_df or default_max_df(n_docs)
    spill = out / "_spill"
    if spill.is_symlink():
        spill.unlink()  # spill into the scan folder itself, never where a planted link points
    shutil.rmtree(spill, ignore_errors=True)
    config: dict[str, Any] = {"temp_directory": str(spill), "preserve_insertion_order": False}
    if memory:
        config["memory_limit"] = f"{memory // 2**20}MiB"  # DuckDB reads MB as 10^6
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    try:
        _pairs(con, out, st, max_df, t0, log)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _pairs(con: Any, out: Path, st: ScanSettings, max_df: int, t0: float, log: Progress) -> None:
    import duckdb

    # the Parquet files are handed over as a list, never spliced into SQL: an --out path
    # holding ' (or glob characters) is read as it is
    con.read_parquet(stages.files(out, "docs")).select(META_COLUMNS).create("m")
    con.read_parquet(stages.files(out, "features")).create("f")
    # everything is loaded: from here on no query may touch a file (defence in depth
    # behind the filter language; DuckDB still spills to its temporary folder)
    con.sql("SET enable_external_access = false")
    con.sql("SET lock_configuration = true")
    con.sql(f"CREATE TABLE c AS {candidate_pairs('f', max_df, st.min_shared)}")
    candidates = con.sql("SELECT count(*) FROM c").fetchall()[0][0]
    where, params = compile_filter(st.filter, "duckdb")
    query = oriented_pairs("c", "m", where, st.max_sources) + " ORDER BY b, a"
    try:
        t = con.sql(query, params=params or None).to_arrow_table()
    except duckdb.Error as e:
        raise SettingsError(f"--filter {st.filter!r}: {str(e).splitlines()[0]}") from None
    t = pa.table({c: t.column(c).cast(PAIRS_SCHEMA.field(c).type) for c in PAIRS_SCHEMA.names})
    stages.write_table(out, "pairs", t)
    stages.write_table(out, "pairs", con.sql(frequent_features("f", max_df)).to_arrow_table(), "frequent")
    stages.complete(out, "pairs", t.num_rows, t0, engine="local", max_df=max_df,
                    candidates_before_filter=candidates)
    log(f"pairs: {t.num_rows} candidate pairs ({candidates} before the filter; max_df {max_df})")


def _text(did: int) -> str:
    return _TEXTS[did].as_py()


def _align_task(chunk: list[tuple[int, list[int]]]) -> tuple[int, list[dict[str, Any]]]:
    """(pairs aligned, passage rows) for a chunk of copies and their candidate sources."""
    assert _ST is not None
    rows: list[dict[str, Any]] = []
    for b, srcs in chunk:
        rows.extend(align_rows(b, _text(b), [(a, _text(a)) for a in srcs], _ST, _FREQUENT))
    return sum(len(srcs) for _, srcs in chunk), rows


def _copy_chunks(pairs: pa.Table) -> Iterator[list[tuple[int, list[int]]]]:
    cols = pairs.select(["a", "b"]).to_pydict()
    chunk: list[tuple[int, list[int]]] = []
    for b, grp in groupby(zip(cols["b"], cols["a"], strict=True), key=lambda x: x[0]):
        chunk.append((b, [a for _, a in grp]))
        if len(chunk) >= COPIES_PER_TASK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stage_alignments(out: Path, st: ScanSettings, workers: int, log: Progress,
                     tick: Ticker = _no_ticks) -> None:
    global _TEXTS, _ST, _FREQUENT
    t0 = time.time()
    stages.clear(out, "alignments")
    docs = stages.read_table(out, "docs", columns=["did", "text"]).sort_by("did")
    _TEXTS = docs.column("text")  # did numbers the documents 0..n-1 (stage_docs)
    _ST = st
    _FREQUENT = frozenset(stages.read_table(out, "pairs", "frequent").column("hash").to_pylist())
    del docs
    pairs = stages.read_table(out, "pairs")
    n = part = done = 0
    batch: list[dict[str, Any]] = []
    total = pairs.num_rows
    for n_pairs, rows in _map(_align_task, _copy_chunks(pairs), workers, out):
        done += n_pairs
        tick("alignments", done, total)
        batch.extend(rows)
        if len(batch) >= ROWS_PER_PART:
            stages.write_table(out, "alignments", pa.Table.from_pylist(batch, ALIGN_SCHEMA), f"part-{part:05d}")
            n, part, batch = n + len(batch), part + 1, []
    stages.write_table(out, "alignments", pa.Table.from_pylist(batch, ALIGN_SCHEMA), f"part-{part:05d}")
    n += len(batch)
    _TEXTS = pa.chunked_array([], pa.string())
    stages.complete(out, "alignments", n, t0, engine="local", pairs_aligned=pairs.num_rows)
    log(f"alignments: {n} passages from {pairs.num_rows} pairs")


def run_local(out: Path, st: ScanSettings, *, workers: int | None = None,
              log: Progress = lambda s: None, progress: Ticker | None = None,
              memory: int | None = None) -> None:
    """Run every stage not yet complete, in order; ``memory`` (bytes) bounds the pair join."""
    tick = progress or _no_ticks
    workers = workers or os.cpu_count() or 1
    if not stages.is_complete(out, "docs"):
        stage_docs(out, st, log)
    if not stages.is_complete(out, "features"):
        stage_features(out, st, workers, log, tick)
    if not stages.is_complete(out, "pairs"):
        stage_pairs(out, st, log, memory or DEFAULT_MEMORY, workers)
    if not stages.is_complete(out, "alignments"):
        stage_alignments(out, st, workers, log, tick)
    docs = stages.read_table(out, "docs", columns=["did", "id", "site", "date"])
    families_and_sites(out, st, docs, stages.read_table(out, "alignments"), "local")
    log("families and sites: done")
