"""SQL shared by the engines (DuckDB locally, Spark SQL on a cluster): one text, two dialects' common subset.

No text from the user, the crawl or a path is put in these queries: table names are the
engines' own views, numbers go through ``int()``, and the filter arrives compiled with its
literals as bound parameters (:mod:`unspun.scan.filters`)."""

from __future__ import annotations

META_COLUMNS = "did, id, site, url, title, published, date, origin, chars, meta"


def order_text(alias: str) -> str:
    """Sort key matching :func:`unspun.scan.rows.order_key` (dated first, by date)."""
    return f"(CASE WHEN {alias}.date IS NULL THEN '1' ELSE concat('0', {alias}.date) END)"


def candidate_pairs(features: str, max_df: int, min_shared: int) -> str:
    """Unordered pairs (d1 < d2) sharing ``min_shared`` features held by at most ``max_df`` documents."""
    return f"""
    SELECT x.did AS d1, y.did AS d2, count(*) AS shared
    FROM (SELECT did, hash FROM {features} WHERE hash IN (
            SELECT hash FROM {features} GROUP BY hash
            HAVING count(*) >= 2 AND count(*) <= {int(max_df)})) x
    JOIN (SELECT did, hash FROM {features} WHERE hash IN (
            SELECT hash FROM {features} GROUP BY hash
            HAVING count(*) >= 2 AND count(*) <= {int(max_df)})) y
      ON x.hash = y.hash AND x.did < y.did
    GROUP BY x.did, y.did
    HAVING count(*) >= {int(min_shared)}
    """


def candidate_pairs_by_feature(features: str, max_df: int, min_shared: int) -> str:
    """:func:`candidate_pairs` without the self-join (Spark SQL): each kept feature's
    documents are collected once, sorted, and every pair of them (d1 < d2) is generated
    where the list is, so the only shuffles are the group by feature and the count per pair
    (partially aggregated before it moves). Same rows as :func:`candidate_pairs`."""
    return f"""
    SELECT d1, d2, count(*) AS shared FROM (
      SELECT d1, d2 FROM (
        SELECT sort_array(collect_list(did)) AS ds FROM {features} GROUP BY hash
        HAVING count(*) >= 2 AND count(*) <= {int(max_df)}
      ) g
      LATERAL VIEW posexplode(ds) a AS i, d1
      LATERAL VIEW explode(slice(ds, i + 2, size(ds))) b AS d2
    ) p
    GROUP BY d1, d2
    HAVING count(*) >= {int(min_shared)}
    """


def oriented_pairs(cand: str, meta: str, where: str | None, max_sources: int) -> str:
    """Pairs oriented so that ``a`` is published first, filtered, at most ``max_sources`` per ``b``.

    ``where`` is a condition compiled by :func:`unspun.scan.filters.compile_filter` (never
    the user's text: its literals are parameters bound when the query runs)."""
    k1, k2 = order_text("m1"), order_text("m2")
    first = f"({k1} < {k2} OR ({k1} = {k2} AND m1.id < m2.id))"
    where = f"WHERE {where}" if where else ""
    return f"""
    SELECT a, b, shared FROM (
      SELECT o.a, o.b, o.shared,
             row_number() OVER (PARTITION BY o.b ORDER BY o.shared DESC, o.a) AS rk
      FROM (
        SELECT CASE WHEN {first} THEN c.d1 ELSE c.d2 END AS a,
               CASE WHEN {first} THEN c.d2 ELSE c.d1 END AS b, c.shared
        FROM {cand} c JOIN {meta} m1 ON m1.did = c.d1 JOIN {meta} m2 ON m2.did = c.d2
      ) o
      JOIN {meta} a ON a.did = o.a JOIN {meta} b ON b.did = o.b
      {where}
    ) r WHERE rk <= {int(max_sources)}
    """


def frequent_features(features: str, max_df: int) -> str:
    """Features held by more than ``max_df`` documents (boilerplate, bylines, stock phrases)."""
    return f"SELECT hash FROM {features} GROUP BY hash HAVING count(*) > {int(max_df)} ORDER BY hash"
