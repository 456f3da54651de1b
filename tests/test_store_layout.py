"""The SQLite index's packed postings: segments, merges, compaction, and schema 1 files."""

from __future__ import annotations

import json
import sqlite3

import pytest

import unspun
from unspun.fingerprint import features
from unspun.models import Document
from unspun.store import sqlite as store


def _expected(idx) -> set[tuple[int, int]]:
    """(feature, document number) of every stored document, from its text."""
    out = set()
    for num, text in idx.conn.execute("SELECT num, text FROM docs"):
        out |= {(h, num) for h in features(text, idx.params)}
    return out


def _lookups(idx, docs):
    return [idx.lookup(features(d.text, idx.params, winnowed=False), max_df=5, k=10) for d in docs]


@pytest.fixture
def small_tiers(monkeypatch):
    monkeypatch.setattr(store, "MERGE_MIN_DOCS", 12)
    monkeypatch.setattr(store, "MAX_SEGMENTS", 2)


def test_segments_merges_and_compaction_keep_every_posting(tmp_path, reference_docs, small_tiers):
    docs = reference_docs[:40]
    ref = unspun.open_index(tmp_path / "ref.db", create=True)
    ref.add(docs, batch_size=1000)  # one segment, never merged
    idx = unspun.open_index(tmp_path / "i.db", create=True)
    reader = unspun.open_index(tmp_path / "i.db", readonly=True)
    seen = []
    for i in range(0, len(docs), 3):
        idx.add(docs[i : i + 3], batch_size=3)
        assert set(idx.posting_pairs()) == _expected(idx)
        seen.append(idx.conn.execute("SELECT count(*) FROM segments").fetchone()[0])
        assert _lookups(reader, docs[: i + 3]) == _lookups(idx, docs[: i + 3])
    assert max(seen) <= store.MAX_SEGMENTS + 1 and 0 in seen  # compacted, and merged
    assert idx.conn.execute("SELECT count(*) FROM postings").fetchone()[0] > 0
    assert _lookups(idx, docs) == _lookups(ref, docs)
    # removing and replacing documents held in postings and in the segments
    for d in (docs[0], docs[-1]):
        assert idx.remove([d.id]) == 1
    idx.add([Document(id=docs[5].id, text=docs[6].text)])
    assert set(idx.posting_pairs()) == _expected(idx)
    assert idx.stats()["postings"] == len(_expected(idx))
    assert _lookups(reader, docs) == _lookups(idx, docs)
    for x in (idx, reader, ref):
        x.close()


def _write_v1(path, docs):
    """An index as unspun wrote it before schema 2: one row per posting."""
    c = sqlite3.connect(path)
    c.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE docs (num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                           text TEXT NOT NULL, meta TEXT NOT NULL);
        CREATE TABLE postings (h INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (h, doc)) WITHOUT ROWID;
    """)
    params = unspun.fingerprint.DEFAULT_PARAMS
    c.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("schema_version", "1"), ("params", json.dumps(params.to_dict(), sort_keys=True)),
        ("created_by", "unspun 0.1.0")])
    for d in docs:
        num = c.execute("INSERT INTO docs (id, text, meta) VALUES (?, ?, '{}')", (d.id, d.text)).lastrowid
        c.executemany("INSERT INTO postings VALUES (?, ?)", [(h, num) for h in features(d.text, params)])
    c.commit()
    c.close()


def test_schema_1_index_is_read_as_it_is_and_migrated_by_a_writer(tmp_path, reference_docs):
    docs = reference_docs[:30]
    old = tmp_path / "old.db"
    _write_v1(old, docs)
    new = unspun.open_index(tmp_path / "new.db", create=True)
    new.add(docs)
    want = _lookups(new, docs)
    ro = unspun.open_index(old, readonly=True)
    assert ro.stats()["schema_version"] == "1"
    assert _lookups(ro, docs) == want
    assert set(ro.posting_pairs()) == _expected(ro)
    w = unspun.open_index(old)  # a writer migrates it
    assert w.stats()["schema_version"] == "2"
    assert set(w.posting_pairs()) == _expected(w)
    assert _lookups(w, docs) == want
    assert _lookups(ro, docs) == want  # the reader opened before the migration follows it
    w.add(reference_docs[30:40])
    assert set(w.posting_pairs()) == _expected(w)
    for x in (ro, w, new):
        x.close()


def test_interrupted_migration_leaves_schema_1(tmp_path, reference_docs, monkeypatch):
    old = tmp_path / "old.db"
    _write_v1(old, reference_docs[:5])

    def boom(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_append_postings", boom)
    with pytest.raises(unspun.errors.StoreError, match="left as it was"):
        unspun.open_index(old)
    monkeypatch.undo()
    ro = unspun.open_index(old, readonly=True)
    assert ro.stats()["schema_version"] == "1" and len(set(ro.posting_pairs())) == len(_expected(ro))
    ro.close()


@pytest.mark.parametrize(("rows", "postings"), [(1_000_000, 32_000_000), (7, 50), (1, 1)])
def test_appending_postings_in_sql_equals_appending_row_by_row(rows, postings):
    """The merge binds three values per statement instead of a Python tuple per row: the
    rows it leaves are those of the row-by-row upsert, whatever the chunking (features
    at 0 and 2^32 - 1, lists long and short, new features and existing ones)."""
    import numpy as np

    rng = np.random.default_rng(5)

    def stored(conn):
        return conn.execute("SELECT h, docs FROM postings ORDER BY h").fetchall()

    row_by_row, in_sql = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for c in (row_by_row, in_sql):
        c.execute("CREATE TABLE postings (h INTEGER PRIMARY KEY, docs BLOB NOT NULL)")
    doc = 0
    for _ in range(3):  # three merges: the later ones append to rows the first made
        n = int(rng.integers(50, 400))
        h = np.concatenate((rng.integers(-(2**31), 2**31, n), [0, -1, -(2**31), 2**31 - 1], rng.integers(0, 40, n)))
        d = np.arange(doc, doc + len(h)) // 3 + 1
        doc += len(h)
        hs, docs = store._sorted_postings(h.astype(np.int32), d)
        store._append_postings(in_sql, hs, docs, rows=rows, postings=postings)
        cuts = np.flatnonzero(hs[1:] != hs[:-1]) + 1
        for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(hs)].tolist(), strict=True):
            row_by_row.execute(
                "INSERT INTO postings VALUES (?, ?) ON CONFLICT(h) DO UPDATE SET docs = CAST(postings.docs || excluded.docs AS BLOB)",
                (int(hs[a]), docs[a:b].astype("<u4").tobytes()),
            )
        assert stored(in_sql) == stored(row_by_row)
    assert stored(in_sql)[-1][0] == 2**32 - 1 and stored(in_sql)[0][0] == 0


def test_stable_sort_of_runs_equals_a_full_sort():
    import numpy as np

    rng = np.random.default_rng(3)
    runs = [store._sorted_postings(rng.integers(-(2**31), 2**31, 300).astype(np.int32), rng.integers(1, 9, 300) + 10 * k)
            for k in range(4)]
    h = np.concatenate([r[0] for r in runs]).view(np.int32)
    d = np.concatenate([r[1] for r in runs])
    for got, want in zip(store._sorted_postings(h, d, runs=True), store._sorted_postings(h, d), strict=True):
        assert np.array_equal(got, want)
