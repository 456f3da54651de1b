"""The --filter language: parsed, checked and compiled with bound literals (no SQL from the user)."""

from __future__ import annotations

import pytest

duckdb = pytest.importorskip("duckdb")

from unspun.errors import SettingsError  # noqa: E402
from unspun.scan.filters import FIELDS, compile_filter, validate_filter  # noqa: E402

META = [
    # did, id, site, url, title, published, date, origin, chars, meta
    (0, "wire/1", "wire.example", "https://wire.example/1", "Floods close the river road", None,
     "2024-03-01T08:00:00Z", None, 900, "{}"),
    (1, "farm/1", "farm.example", "https://farm.example/a", "River road shut by flooding", None,
     "2024-03-01T11:00:00Z", None, 870, "{}"),
    (2, "o'brien/1", "o'brien.example", None, "O'Brien's view of the floods", None, None, None, 120, "{}"),
]


def pairs(text: str | None) -> list[tuple[str, str]]:
    """The (a, b) id pairs the compiled filter keeps, run in DuckDB over META."""
    con = duckdb.connect()
    con.sql("CREATE TABLE m (did BIGINT, id VARCHAR, site VARCHAR, url VARCHAR, title VARCHAR, "
            "published VARCHAR, date VARCHAR, origin VARCHAR, chars BIGINT, meta VARCHAR)")
    con.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", META)
    where, params = compile_filter(text, "duckdb")
    q = "SELECT a.id, b.id FROM m a, m b WHERE a.did <> b.did" + (f" AND {where}" if where else "")
    return sorted(con.sql(q + " ORDER BY 1, 2", params=params or None).fetchall())


def test_documented_filters_keep_working():
    assert pairs("a.site <> b.site") == pairs("NOT (a.site = b.site)") == pairs("a.site != b.site")
    assert len(pairs("a.site <> b.site")) == 6
    assert pairs("a.site = b.site") == []
    assert pairs("b.site IN ('farm.example') AND a.date < b.date") == [("wire/1", "farm/1")]


@pytest.mark.parametrize("text, expected", [
    ("b.site = 'o''brien.example' AND a.id = 'wire/1'", [("wire/1", "o'brien/1")]),
    ("a.date IS NULL AND b.chars >= 870", [("o'brien/1", "farm/1"), ("o'brien/1", "wire/1")]),
    ("b.title LIKE '%flood%' and a.url is not null and b.did > 1.5", [("farm/1", "o'brien/1"),
                                                                       ("wire/1", "o'brien/1")]),
    ("(a.id = 'wire/1' OR a.id = 'farm/1') AND b.site NOT IN ('o''brien.example', 'none')",
     [("farm/1", "wire/1"), ("wire/1", "farm/1")]),
])
def test_literals_are_bound_not_spliced(text, expected):
    sql, params = compile_filter(text, "duckdb")
    assert "'" not in sql and "brien" not in sql  # literals travel as parameters
    assert pairs(text) == expected


def test_spark_dialect_uses_named_markers():
    sql, params = compile_filter("b.site NOT IN ('x', 'y') AND b.chars > -3", "spark")
    assert sql == "((b.site NOT IN (:p0, :p1)) AND (b.chars > :p2))"
    assert params == {"p0": "x", "p1": "y", "p2": -3}
    assert compile_filter(None, "spark") == (None, {}) and compile_filter("  ", "duckdb") == (None, {})


@pytest.mark.parametrize("text, why", [
    ("a.id IN (SELECT column0 FROM read_csv('/etc/passwd'))", "expected a 'text' or a number"),
    ("read_csv('/etc/passwd') IS NULL", "expected a field"),
    ("true); COPY (SELECT 1) TO '/tmp/x.csv'; SELECT 1 WHERE (true", "unexpected ';'"),
    ("a.site = b.site; DROP TABLE m", "unexpected ';'"),
    ("a.site = b.site -- comment", "unexpected '-'"),
    ("a.site = b.site /* c */", "unexpected '/'"),
    ("a.nope = 1", "unknown field 'a.nope'"),
    ("c.site = b.site", "unknown field 'c.site'"),
    ("a.site = 3", "compares text with number"),
    ("b.chars IN (1, 'two')", "is text, not number"),
    ("a.chars LIKE '1%'", "LIKE compares text"),
    ("a.title LIKE 'a\\_b'", "may not contain"),
    ("a.site = \"b\"", "unexpected '\"'"),
    ("a.site = 'open", "unexpected \"'\""),
    ("(a.site = b.site", "expected )"),
    ("a.site", "expected a comparison"),
    ("(" * 60 + "a.did = 1" + ")" * 60, "nested more than"),
    ("NOT " * 60 + "a.did = 1", "nested more than"),
    ("a.site = '" + "x" * 5000 + "'", "longer than"),
])
def test_anything_else_is_refused_with_the_reason(text, why):
    with pytest.raises(SettingsError, match="--filter") as e:
        validate_filter(text)
    assert why in str(e.value), str(e.value)
    with pytest.raises(SettingsError):
        compile_filter(text, "spark")


def test_empty_filter_means_no_filter_and_fields_are_the_meta_columns():
    validate_filter(None)
    validate_filter("   ")
    from unspun.scan.sql import META_COLUMNS

    assert list(FIELDS) == META_COLUMNS.split(", ")
