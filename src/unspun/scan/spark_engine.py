"""The Spark engine: the same stages as DataFrame operations, the core's functions in tasks.

``docs`` is read by the driver with the core's readers (the same code as the local
engine, so both number documents alike); ``features`` and ``alignments`` run the core's
fingerprint and alignment functions in ``mapPartitions`` (:mod:`unspun.scan.rows`);
``pairs`` is the same SQL as the local engine's, in Spark SQL; ``families`` and ``sites``
run on the driver over the accepted passages (small next to the crawl), with the same
functions as the local engine. pyspark is imported only here.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import SettingsError
from ..retrieve import default_max_df
from . import stages
from .common import families_and_sites
from .filters import compile_filter
from .rows import ALIGN_SCHEMA, align_rows, feature_rows
from .settings import ScanSettings
from .sql import META_COLUMNS, candidate_pairs_by_feature, frequent_features, oriented_pairs

FEATURE_BATCH = 500


def _import_pyspark() -> Any:
    try:
        import pyspark
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SettingsError(
            "--engine spark needs pyspark and Java 17: install unspun[spark] "
            "(pip install 'unspun[spark]')"
        ) from e
    return pyspark, SparkSession


def spark_session(workers: int | None = None, memory: int | None = None) -> Any:
    """The active session (spark-submit), or a local one with ``workers`` cores and ``memory``
    bytes of driver memory (default: ``UNSPUN_SPARK_DRIVER_MEMORY``, else 4g)."""
    _, SparkSession = _import_pyspark()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("unspun-scan")
    if not os.environ.get("SPARK_MASTER") and "spark.master" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        n = workers or os.cpu_count() or 1
        builder = (builder.master(f"local[{n}]")
                   # many shuffle partitions, coalesced at run time by adaptive execution:
                   # with 2 per core the 1M benchmark's pair join ran out of a 4g heap
                   .config("spark.sql.shuffle.partitions", str(max(200, 2 * n)))
                   .config("spark.sql.adaptive.enabled", "true")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.driver.extraJavaOptions",
                           f"-Dlog4j2.configurationFile={(Path(__file__).parent / 'log4j2.properties').as_uri()}")
                   .config("spark.driver.memory", f"{memory // 2**20}m" if memory
                           else os.environ.get("UNSPUN_SPARK_DRIVER_MEMORY", "4g")))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("UNSPUN_SPARK_LOG_LEVEL", "ERROR"))
    return spark


def _spark_type(t: pa.DataType) -> Any:
    from pyspark.sql import types as T

    return {pa.int64(): T.LongType(), pa.int32(): T.IntegerType(), pa.string(): T.StringType(),
            pa.bool_(): T.BooleanType(), pa.float64(): T.DoubleType()}[t]


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(f.name, _spark_type(f.type), True) for f in schema])


def _features_partition(params: Any) -> Callable[[Iterator[Any]], Iterator[tuple[int, int]]]:
    def run(rows: Iterator[Any]) -> Iterator[tuple[int, int]]:
        batch: list[Any] = []
        for r in rows:
            batch.append(r)
            if len(batch) >= FEATURE_BATCH:
                yield from zip(*feature_rows([x[0] for x in batch], [x[1] for x in batch], params), strict=True)
                batch = []
        if batch:
            yield from zip(*feature_rows([x[0] for x in batch], [x[1] for x in batch], params), strict=True)
    return run


def _align_partition(st: ScanSettings, frequent: Any) -> Callable[[Iterator[Any]], Iterator[tuple]]:
    names = ALIGN_SCHEMA.names

    def run(rows: Iterator[Any]) -> Iterator[tuple]:
        freq = frequent.value
        for r in rows:
            srcs = sorted(((s["a"], s["a_text"]) for s in r["srcs"]), key=lambda x: x[0])
            for row in align_rows(r["b"], r["b_text"], srcs, st, freq):
                yield tuple(row[n] for n in names)
    return run


def _hadoop_glob(out: Path, stage: str) -> str:
    """A stage's Parquet glob for Spark, with the glob characters of the folder's own path
    escaped (Hadoop expands ``{}[]*?`` anywhere in a path: ``--out "scan [2]"`` is a name)."""
    folder = re.sub(r"([\\{}\[\]*?])", r"\\\1", str(stages.stage_dir(out, stage)))
    return folder + "/part-*.parquet"


def _read(spark: Any, out: Path, stage: str) -> Any:
    return spark.read.parquet(_hadoop_glob(out, stage))


def _write(df: Any, out: Path, stage: str) -> None:
    df.write.mode("overwrite").parquet(str(stages.stage_dir(out, stage)))


def spark_pairs(spark: Any, out: Path, st: ScanSettings, docs: Any, log: Callable[[str], None],
                candidates: Callable[[str, int, int], str] = candidate_pairs_by_feature) -> None:
    """The ``pairs`` stage on Spark (``candidates``: the SQL of the candidate pairs;
    :func:`unspun.scan.sql.candidate_pairs`, the self-join, gives the same rows slower)."""
    t0 = time.time()
    stages.clear(out, "pairs")
    n_docs = stages.marker(out, "docs")["rows"]
    max_df = st.max_df or default_max_df(n_docs)
    _read(spark, out, "features").createOrReplaceTempView("f")
    docs.selectExpr(*META_COLUMNS.split(", ")).createOrReplaceTempView("m")
    cand = spark.sql(candidates("f", max_df, st.min_shared)).persist()
    cand.createOrReplaceTempView("c")
    n_cand = cand.count()
    where, params = compile_filter(st.filter, "spark")
    pairs = spark.sql(oriented_pairs("c", "m", where, st.max_sources), args=params or None)
    pairs.write.mode("overwrite").parquet(str(stages.stage_dir(out, "pairs")))
    freq = [r[0] for r in spark.sql(frequent_features("f", max_df)).collect()]
    stages.write_table(out, "pairs", pa.table({"hash": pa.array(freq, pa.int32())}), "frequent")
    cand.unpersist()
    n = _read(spark, out, "pairs").count()
    stages.complete(out, "pairs", n, t0, engine="spark", max_df=max_df, candidates_before_filter=n_cand)
    log(f"pairs: {n} candidate pairs ({n_cand} before the filter; max_df {max_df})")


def run_spark(out: Path, st: ScanSettings, *, workers: int | None = None,
              log: Callable[[str], None] = lambda s: None, memory: int | None = None) -> None:
    """Run every stage not yet complete, in order, on Spark (``memory``: driver memory in
    local mode; a cluster's session keeps its own)."""
    _import_pyspark()
    from pyspark.sql import functions as F

    from .local import stage_docs

    if not stages.is_complete(out, "docs"):
        stage_docs(out, st, log)
    spark = spark_session(workers, memory)
    docs = _read(spark, out, "docs")
    if not stages.is_complete(out, "features"):
        t0 = time.time()
        stages.clear(out, "features")
        rdd = docs.select("did", "text").rdd.map(tuple).mapPartitions(_features_partition(st.fingerprint))
        feats = spark.createDataFrame(rdd, "did long, hash int")
        _write(feats, out, "features")
        n = _read(spark, out, "features").count()
        stages.complete(out, "features", n, t0, engine="spark")
        log(f"features: {n} rows")
    if not stages.is_complete(out, "pairs"):
        spark_pairs(spark, out, st, docs, log)
    if not stages.is_complete(out, "alignments"):
        t0 = time.time()
        stages.clear(out, "alignments")
        frequent = spark.sparkContext.broadcast(
            frozenset(stages.read_table(out, "pairs", "frequent").column("hash").to_pylist()))
        pairs = _read(spark, out, "pairs")
        texts = docs.select("did", "text")
        srcs = (pairs.join(texts.withColumnRenamed("did", "a").withColumnRenamed("text", "a_text"), "a")
                .groupBy("b").agg(F.collect_list(F.struct("a", "a_text")).alias("srcs")))
        job = srcs.join(texts.withColumnRenamed("did", "b").withColumnRenamed("text", "b_text"), "b")
        rdd = job.rdd.mapPartitions(_align_partition(st, frequent))
        _write(spark.createDataFrame(rdd, _spark_schema(ALIGN_SCHEMA)), out, "alignments")
        n = _read(spark, out, "alignments").count()
        stages.complete(out, "alignments", n, t0, engine="spark")
        log(f"alignments: {n} passages")
    meta = stages.read_table(out, "docs", columns=["did", "id", "site", "date"])
    families_and_sites(out, st, meta, stages.read_table(out, "alignments"), "spark")
    log("families and sites: done")
