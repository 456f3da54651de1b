"""The Spark engine gives the same families and sites as the local engine (local[2])."""

from __future__ import annotations

import os
import shutil

import pytest

if os.environ.get("UNSPUN_REQUIRE_SPARK") == "1":  # .ci/run sets it: no skipping there
    import pyspark  # noqa: F401

    assert shutil.which("java"), "no java on PATH: .ci/run installs openjdk-17-jre-headless"
else:
    pytest.importorskip("pyspark", reason="pyspark not installed (pip install -e '.[spark]')")
    if not shutil.which("java"):
        pytest.skip("no java on PATH (Spark needs Java 17)", allow_module_level=True)
pytest.importorskip("duckdb")

from bench.scan_compare import compare  # noqa: E402
from bench.scan_crawl import make_crawl  # noqa: E402

from unspun.scan import ScanSettings, run_scan  # noqa: E402
from unspun.scan import stages as stg  # noqa: E402


def test_spark_and_local_engines_agree(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    path = tmp_path / "crawl.jsonl"
    make_crawl(seed=0).write(str(path))
    # the literals (one with a quote) are bound parameters in both engines; they drop no pair
    st = ScanSettings(inputs=(str(path),),
                      filter="a.site <> b.site AND b.site NOT IN ('o''brien.example', 'x') AND b.chars > 0")
    run_scan(tmp_path / "local", st, engine="local", workers=1)
    spark_out = tmp_path / "spark's [out]"
    try:
        run_scan(spark_out, st, engine="spark", workers=2)
    finally:
        from pyspark.sql import SparkSession

        s = SparkSession.getActiveSession()
        if s is not None and not os.environ.get("UNSPUN_KEEP_SPARK"):
            s.stop()
    # alignments (as sets), families, origins and sites: row for row the same
    diff = compare(tmp_path / "local", spark_out)
    assert all(rows_x == rows_y and rows_x > 0 and d == 0 for rows_x, rows_y, d in diff.values()), diff
    assert stg.marker(spark_out, "alignments")["engine"] == "spark"
    # the JVM's own stderr (captured at the file descriptor): errors only, no banner, no WARN
    err = capfd.readouterr().err
    assert "log4j profile" not in err and " WARN " not in err, err[-2000:]


FILTERS = [
    "a.site <> b.site",
    "b.site = 'o''brien.example' AND a.id = 'wire/1'",
    "a.date IS NULL AND b.chars >= 870",
    "b.title LIKE '%flood%' and a.url is not null and b.did > 1.5",
    "(a.id = 'wire/1' OR a.id = 'farm/1') AND b.site NOT IN ('o''brien.example', 'none')",
    "NOT (a.date < b.date) AND a.meta <> '{}'",
]


def test_filters_mean_the_same_in_spark_and_duckdb(monkeypatch):
    """Every construct of the filter language, compiled for each engine with bound literals,
    keeps the same pairs."""
    import duckdb

    from unspun.scan.filters import compile_filter
    from unspun.scan.spark_engine import spark_session

    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    cols = "did BIGINT, id STRING, site STRING, url STRING, title STRING, published STRING, " \
           "date STRING, origin STRING, chars BIGINT, meta STRING"
    rows = [
        (0, "wire/1", "wire.example", "https://wire.example/1", "Floods close the river road", None,
         "2024-03-01T08:00:00Z", None, 900, "{}"),
        (1, "farm/1", "farm.example", "https://farm.example/a", "River road shut by flooding", None,
         "2024-03-01T11:00:00Z", None, 870, '{"lang": "en"}'),
        (2, "o'brien/1", "o'brien.example", None, "O'Brien's view of the floods", None, None, None, 120, "{}"),
    ]
    con = duckdb.connect()
    con.sql(f"CREATE TABLE m ({cols.replace('STRING', 'VARCHAR')})")
    con.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    spark = spark_session(1)
    try:
        spark.createDataFrame(rows, cols.replace(" BIGINT", " long").replace(" STRING", " string")) \
            .createOrReplaceTempView("m")
        base = "SELECT a.id, b.id FROM m a JOIN m b ON a.did <> b.did WHERE "
        for f in FILTERS:
            where, params = compile_filter(f, "duckdb")
            local = sorted(con.sql(base + where, params=params or None).fetchall())
            where, params = compile_filter(f, "spark")
            remote = sorted(tuple(r) for r in spark.sql(base + where, args=params or None).collect())
            assert local == remote and local, (f, local, remote)
    finally:
        if not os.environ.get("UNSPUN_KEEP_SPARK"):
            spark.stop()
