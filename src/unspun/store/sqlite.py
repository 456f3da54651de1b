"""The default index: one SQLite file, no server.

Schema (version 2)::

    meta(key PRIMARY KEY, value)          schema_version, fingerprint params, created_by,
                                          deletions (bumped whenever postings are deleted),
                                          fresh_docs (documents whose postings are in segments)
    docs(num INTEGER PRIMARY KEY AUTOINCREMENT, id UNIQUE, text, meta JSON)
    postings(h INTEGER PRIMARY KEY, docs BLOB)          one row per feature: its documents
    segments(id INTEGER PRIMARY KEY, version, hs BLOB, docs BLOB)   the postings of the
                                          documents added lately, one row per add batch

``h`` is the feature hash as an unsigned 32-bit number (a rowid of at most 5 bytes);
``docs`` the numbers of the documents holding it, ascending, each a little-endian uint32.
An ``add`` batch writes its postings as one ``segments`` row: two parallel uint32 arrays,
sorted by feature then document. That is one sequential write however large the index
(a batch used to dirty a page of the postings B-tree per posting). Once the segments hold
the postings of ``max(MERGE_MIN_DOCS, MERGE_SHARE x the other documents)`` documents they
are merged into ``postings`` in one pass in feature order, so each page of ``postings``
is written once per merge instead of once per batch (one SQL statement per million rows,
:data:`_APPEND_SQL`: no Python object per row); past ``MAX_SEGMENTS`` rows the
segments are first compacted into one. Document numbers only grow, so a feature's list in
``postings`` comes before its entries in the segments, and those go in segment order: a
look-up reads the ``postings`` rows of its features in one statement and binary-searches
the segments, which each reader holds in memory (loaded once per segment version).

Schema version 1 (before the packed postings) kept one row per posting,
``postings(h, doc, PRIMARY KEY (h, doc)) WITHOUT ROWID``. Such an index opens
read-only as it is; opened for writing it is migrated to version 2 first, in one
transaction (an interruption leaves it at version 1).

With the semantic layer on (meta ``semantic`` names the model)::

    vectors(doc INTEGER PRIMARY KEY, lang, spans BLOB, sents BLOB, vec BLOB)

one row per document: its language, sentence spans, float16 sentence vectors and
float32 document vector (:mod:`unspun.semantic.vectors`), written in the same
transaction as the document.

Document numbers are never reused, so a stale posting can only point to
nothing. Each ``add`` batch is one transaction (an interrupted build leaves the index as
it was before the batch); WAL mode lets readers go on while a writer writes.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import StoreError
from ..fingerprint import DEFAULT_PARAMS, FingerprintParams, features, features_arrays
from ..ingest.fields import unicode_problem
from ..models import Document
from .base import BaseIndex, check_meta, doc_meta, row_doc

#: the layout written; versions this unspun reads (1: one row per posting)
SCHEMA_VERSION = 2
READABLE_SCHEMAS = ("1", "2")
#: the segments are merged into postings once they hold the postings of this many documents
#: and of at least MERGE_SHARE of the documents whose postings are already in postings
MERGE_MIN_DOCS = 20_000
MERGE_SHARE = 0.1
#: more segments than this are compacted into one (small batches: a cron job adding a few pages)
MAX_SEGMENTS = 16
_U32 = 0xFFFFFFFF
#: bytes of the file a read-only connection maps (SQLite caps it at its own maximum, 2 GB
#: by default; the rest of a larger file is read as before)
READ_MMAP_BYTES = 1 << 40

_POSTINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS postings (h INTEGER PRIMARY KEY, docs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY, version INTEGER NOT NULL, hs BLOB NOT NULL, docs BLOB NOT NULL
);
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    num INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    meta TEXT NOT NULL
);
""" + _POSTINGS_SCHEMA
_VECTORS_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    doc INTEGER PRIMARY KEY,
    lang TEXT,
    spans BLOB NOT NULL,
    sents BLOB NOT NULL,
    vec BLOB NOT NULL
);
"""
#: appends each feature's documents to its row of postings: the rows come from three bound
#: values, not one Python tuple each (binding a row from Python costs ~1.3 us, more than
#: SQLite's own work for it): ``:rows`` a JSON array with one element per row (only its
#: positions are used), ``:fields`` 30 ASCII digits per row (feature, 1-based byte offset of
#: its documents in ``:docs``, their length in bytes; 10 digits each), ``:docs`` the packed
#: document numbers
_APPEND_SQL = (
    "INSERT INTO postings (h, docs) "
    "SELECT CAST(substr(:fields, 30 * r.key + 1, 10) AS INTEGER), "
    "substr(:docs, CAST(substr(:fields, 30 * r.key + 11, 10) AS INTEGER), "
    "CAST(substr(:fields, 30 * r.key + 21, 10) AS INTEGER)) "
    "FROM json_each(:rows) AS r WHERE true "
    "ON CONFLICT(h) DO UPDATE SET docs = CAST(postings.docs || excluded.docs AS BLOB)"
)


def _sorted_postings(h: np.ndarray, nums: np.ndarray, *, runs: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(h, doc) postings sorted by unsigned feature, then document: two uint32 arrays.
    ``runs``: the input is a few sorted runs one after the other (segments), which a
    stable sort (timsort) merges in a fraction of a full sort's time."""
    key = (h.astype(np.int64) & _U32).astype(np.uint64) << np.uint64(32) | nums.astype(np.uint64)
    key.sort(kind="stable" if runs else "quicksort")
    return (key >> np.uint64(32)).astype(np.uint32), (key & np.uint64(_U32)).astype(np.uint32)


def _digits(values: np.ndarray) -> bytes:
    """Each value (< 10^10) as 10 ASCII digits, end to end."""
    x = values.astype(np.uint32) if values.max(initial=0) <= _U32 else values.astype(np.uint64)
    out = np.empty((len(x), 10), np.uint8)
    for k in range(9, -1, -1):
        x, out[:, k] = np.divmod(x, x.dtype.type(10))
    out += 48
    return out.tobytes()


def _append_postings(conn: sqlite3.Connection, hs: np.ndarray, docs: np.ndarray, *,
                     rows: int = 1_000_000, postings: int = 32_000_000) -> None:
    """Append sorted postings (:func:`_sorted_postings`) to their features' rows of
    postings (a feature without a row gets one), in feature order, at most ``rows`` rows
    and ``postings`` postings per statement (bound values stay far below SQLite's 1 GB)."""
    if not len(hs):
        return
    cuts = np.flatnonzero(hs[1:] != hs[:-1]) + 1
    starts = np.concatenate(([0], cuts)).astype(np.int64)
    ends = np.concatenate((cuts, [len(hs)])).astype(np.int64)
    raw = docs.astype("<u4")
    k = 0
    while k < len(starts):
        stop = min(k + rows, int(np.searchsorted(ends, starts[k] + postings, "right")))
        stop = max(stop, k + 1)
        st, en = starts[k:stop], ends[k:stop]
        base = int(st[0])
        fields = np.stack((hs[st].astype(np.int64), 4 * (st - base) + 1, 4 * (en - st)), axis=1).ravel()
        conn.execute(_APPEND_SQL, {
            "rows": "[" + "0," * (len(st) - 1) + "0]",
            "fields": _digits(fields),
            "docs": raw[base : int(en[-1])].tobytes(),
        })
        k = stop


def _as_arrays(postings: dict[int, list[int]]) -> tuple[list[int], Any, Any, None]:
    """Feature -> document numbers as (features, their lists one after the other, lengths)."""
    feats = list(postings)
    if not feats:
        return [], None, None, None
    lens = np.fromiter((len(postings[h]) for h in feats), dtype=np.int64, count=len(feats))
    flat = np.fromiter(itertools.chain.from_iterable(postings[h] for h in feats), dtype=np.int64, count=int(lens.sum()))
    return feats, flat, lens, None


def _segment(hs_blob: bytes, docs_blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(hs_blob, dtype="<u4"), np.frombuffer(docs_blob, dtype="<u4")


class SQLiteIndex(BaseIndex):
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        params: FingerprintParams | None = None,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        # features seen held by at least N documents; lets retrieval skip re-reading them.
        # A lower bound while no posting is deleted: _delete (remove, replace) bumps the
        # `deletions` counter in meta, and _count drops this memory when the counter moved,
        # in this instance or in any other connection to the file (the service's readers).
        self._frequent: dict[int, int] = {}
        self._deletions: str | None = None
        self._vec_cache: tuple[Any, Any, Any] | None = None  # nearest(): (version, keys, matrix)
        self._segment_cache: dict[tuple[int, int], tuple[Any, Any]] = {}  # (id, version) -> arrays
        if not self.path.exists():
            if not create:
                raise StoreError(f"{self.path}: no index here (build one with `unspun index add`)")
            if not self.path.parent.exists():
                raise StoreError(f"{self.path}: folder {self.path.parent} does not exist")
        elif self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not an index file")
        elif not self.path.is_file():  # a FIFO would block the open forever, a device is no index
            raise StoreError(f"{self.path}: not a regular file, not an index file")
        try:
            if readonly:  # as_uri() escapes ? and # in the name (else read as URI parameters)
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                # pages read through a memory map, not a read() call each: a look-up reads a few
                # hundred scattered pages (postings rows, the ids of the documents found)
                self.conn.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")
            else:
                self.conn = sqlite3.connect(self.path, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout = 5000")
            existing = self._read_meta()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not an unspun index ({e})") from None
        if existing is None:
            if readonly:
                raise StoreError(f"{self.path}: not an unspun index (no metadata)")
            self.params = params or DEFAULT_PARAMS
            self._create()
        else:
            self.params = self._check_meta(existing, params)
            self.semantic = bool(existing.get("semantic"))
        self._schema = existing.get("schema_version", str(SCHEMA_VERSION)) if existing else str(SCHEMA_VERSION)
        if not readonly:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            if self._schema == "1":
                self._migrate_v1()

    # -- set-up -------------------------------------------------------------------------
    def _read_meta(self) -> dict[str, str] | None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return None
        if "meta" not in tables:
            raise StoreError(f"{self.path}: an SQLite file, but not an unspun index")
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    def _create(self) -> None:
        with self.conn:
            self.conn.executescript(_SCHEMA)
            self.conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("params", json.dumps(self.params.to_dict(), sort_keys=True)),
                    ("created_by", f"unspun {__version__}"),
                ],
            )

    def _check_meta(self, meta: dict[str, str], wanted: FingerprintParams | None) -> FingerprintParams:
        return check_meta(self.path, meta, wanted, schemas=READABLE_SCHEMAS, schema_now=SCHEMA_VERSION)

    def _migrate_v1(self) -> None:
        """Schema 1 -> 2: one row per posting becomes one packed row per feature. One
        transaction: an interruption leaves the index at version 1."""
        try:
            with self.conn:
                c = self.conn
                c.execute("BEGIN")  # the DDL too: Python's sqlite3 opens none before it
                c.execute("ALTER TABLE postings RENAME TO postings_v1")
                for stmt in _POSTINGS_SCHEMA.split(";"):
                    if stmt.strip():
                        c.execute(stmt)
                cur = c.execute("SELECT h, doc FROM postings_v1")  # by h, then doc
                tail_h = np.empty(0, np.int64)
                tail_d = np.empty(0, np.int64)
                while True:
                    rows = cur.fetchmany(1_000_000)
                    if rows:
                        arr = np.array(rows, dtype=np.int64).reshape(-1, 2)
                        h = np.concatenate((tail_h, arr[:, 0]))
                        d = np.concatenate((tail_d, arr[:, 1]))
                        last = np.flatnonzero(h == h[-1])[0]  # the last feature may go on
                        tail_h, tail_d = h[last:], d[last:]
                        h, d = h[:last], d[:last]
                    else:
                        h, d, tail_h, tail_d = tail_h, tail_d, tail_h[:0], tail_d[:0]
                    if len(h):
                        _append_postings(c, *_sorted_postings(h, d))
                    if not rows:
                        break
                c.execute("DROP TABLE postings_v1")
                c.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('fresh_docs', '0')")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: could not upgrade the index to schema "
                             f"{SCHEMA_VERSION} ({e}); it is left as it was") from None
        self._schema = str(SCHEMA_VERSION)

    # -- writing ------------------------------------------------------------------------
    def _existing_texts(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), 900):  # under SQLite's limit of bound variables
            chunk = ids[i : i + 900]
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(f"SELECT id, text FROM docs WHERE id IN ({marks})", chunk))
        return out

    def _delete(self, doc_id: str) -> bool:
        if not isinstance(doc_id, str) or unicode_problem(doc_id):
            return False  # never stored: SQLite cannot even be asked about it
        row = self.conn.execute("SELECT num, text FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if not row:
            return False
        num, text = row
        for h in features(text, self.params):  # a writer's index is at schema 2
            got = self.conn.execute("SELECT docs FROM postings WHERE h = ?", (h & _U32,)).fetchone()
            if got:
                arr = np.frombuffer(got[0], dtype="<u4")
                kept = arr[arr != num]
                if len(kept) == len(arr):
                    continue
                if len(kept):
                    self.conn.execute("UPDATE postings SET docs = ? WHERE h = ?", (kept.tobytes(), h & _U32))
                else:
                    self.conn.execute("DELETE FROM postings WHERE h = ?", (h & _U32,))
        for sid, hs_blob, docs_blob in self.conn.execute("SELECT id, hs, docs FROM segments").fetchall():
            hs, docs = _segment(hs_blob, docs_blob)
            keep = docs != num
            if not keep.all():
                self.conn.execute("UPDATE segments SET version = version + 1, hs = ?, docs = ? WHERE id = ?",
                                  (hs[keep].tobytes(), docs[keep].tobytes(), sid))
        self.conn.execute("DELETE FROM docs WHERE num = ?", (num,))
        if self.semantic:
            self.conn.execute("DELETE FROM vectors WHERE doc = ?", (num,))
            self._bump_vectors()
        self.conn.execute(
            "INSERT INTO meta VALUES ('deletions', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        return True

    def _write_batch(
        self, docs: list[tuple[Document, Any, bool]], vectors: dict[str, Any] | None = None
    ) -> None:
        try:
            with self.conn:  # one transaction: all of the batch or none of it
                for doc, _, replaces in docs:
                    if replaces:
                        self._delete(doc.id)
                c = self.conn
                before = self.approx_size()
                c.executemany("INSERT INTO docs (id, text, meta) VALUES (?, ?, ?)",
                              [(doc.id, doc.text, doc_meta(doc)) for doc, _, _ in docs])
                after = self.approx_size()
                if after - before == len(docs):  # AUTOINCREMENT: consecutive numbers, in order
                    nums = list(range(before + 1, after + 1))
                else:  # pragma: no cover - never seen; ask for them
                    got = dict(c.execute(f"SELECT id, num FROM docs WHERE num > {int(before)}"))
                    nums = [got[doc.id] for doc, _, _ in docs]
                if after > _U32:
                    raise StoreError(f"{self.path}: more than {_U32} documents ever added")
                if vectors:
                    c.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
                        [(num, *vectors[doc.id].to_row())
                         for num, (doc, _, _) in zip(nums, docs, strict=True) if doc.id in vectors],
                    )
                    self._bump_vectors()
                feats = [np.fromiter(f, dtype=np.int32, count=len(f)) if isinstance(f, set) else f
                         for _, f, _ in docs]
                lens = np.fromiter(map(len, feats), dtype=np.int64, count=len(feats))
                if lens.sum():
                    hs, dn = _sorted_postings(np.concatenate(feats), np.repeat(np.asarray(nums, np.int64), lens))
                    c.execute("INSERT INTO segments (version, hs, docs) VALUES (0, ?, ?)",
                              (hs.astype("<u4").tobytes(), dn.astype("<u4").tobytes()))
                self._after_batch(len(docs), after)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: write failed, batch rolled back ({e})") from None

    def _after_batch(self, n: int, size: int) -> None:
        """Count the batch into the segments; merge them into postings when due, else
        compact them when there are too many."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'fresh_docs'").fetchone()
        fresh = int(row[0]) + n if row else n
        if fresh >= max(MERGE_MIN_DOCS, MERGE_SHARE * (size - fresh)):
            self.merge()
            return
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('fresh_docs', ?)", (str(fresh),))
        if self.conn.execute("SELECT count(*) FROM segments").fetchone()[0] > MAX_SEGMENTS:
            hs, docs = self._all_segments()
            self.conn.execute("DELETE FROM segments")
            self.conn.execute("INSERT INTO segments (version, hs, docs) VALUES (0, ?, ?)",
                              (hs.astype("<u4").tobytes(), docs.astype("<u4").tobytes()))

    def _all_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Every segment's postings, sorted by feature then document."""
        parts = [_segment(a, b) for a, b in self.conn.execute("SELECT hs, docs FROM segments ORDER BY id")]
        if not parts:
            return np.empty(0, np.uint32), np.empty(0, np.uint32)
        return _sorted_postings(np.concatenate([p[0] for p in parts]).view(np.int32),
                                np.concatenate([p[1] for p in parts]), runs=True)

    def merge(self) -> None:
        """Append the segments' postings to their features' rows of postings, in feature
        order, and empty the segments (inside the caller's transaction, if any)."""
        _append_postings(self.conn, *self._all_segments())
        self.conn.execute("DELETE FROM segments")
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('fresh_docs', '0')")

    def _batch_features(self, texts: list[str]) -> list[Any]:
        return features_arrays(texts, self.params)

    # -- semantic layer ---------------------------------------------------------------
    def _bump_vectors(self) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES ('vector_writes', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _record_semantic(self) -> None:
        from ..semantic.encoder import MODEL_NAME

        try:
            with self.conn:
                self.conn.executescript(_VECTORS_SCHEMA)
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('semantic', ?)", (MODEL_NAME,))
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: could not turn the semantic layer on ({e})") from None

    def _unembedded(self, limit: int) -> list[Document]:
        rows = self.conn.execute(
            "SELECT id, text, meta FROM docs WHERE num NOT IN (SELECT doc FROM vectors) "
            "ORDER BY num LIMIT ?", (limit,)
        ).fetchall()
        return [row_doc(*r) for r in rows]

    def _write_vectors(self, vectors: dict[str, Any]) -> None:
        try:
            with self.conn:
                ids = [i for i in vectors if not unicode_problem(i)]
                nums: dict[str, int] = {}
                for k in range(0, len(ids), 900):  # under SQLite's limit of bound variables
                    chunk = ids[k : k + 900]
                    marks = ",".join("?" * len(chunk))
                    nums.update(self.conn.execute(f"SELECT id, num FROM docs WHERE id IN ({marks})", chunk))
                self.conn.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
                    [(nums[i], *vectors[i].to_row()) for i in ids if i in nums],
                )
                self._bump_vectors()
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: write failed, batch rolled back ({e})") from None

    def vectors(self, ids: Iterable[str]) -> dict[str, Any]:
        if not self.semantic:
            return {}
        from ..semantic.vectors import DocVectors

        ids = [i for i in ids if isinstance(i, str) and not unicode_problem(i)]
        out: dict[str, Any] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            marks = ",".join("?" * len(chunk))
            for doc_id, *row in self.conn.execute(
                "SELECT d.id, v.lang, v.spans, v.sents, v.vec FROM docs d JOIN vectors v ON v.doc = d.num "
                f"WHERE d.id IN ({marks})", chunk,
            ):
                out[doc_id] = DocVectors.from_row(*row)
        return out

    def _vector_version(self) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'vector_writes'").fetchone()
        return row[0] if row else None

    def _vector_rows(self) -> Iterable[tuple[Any, bytes]]:
        return self.conn.execute("SELECT doc, vec FROM vectors ORDER BY doc")

    def remove(self, ids: Iterable[str]) -> int:
        n = 0
        with self.conn:
            for i in ids:
                n += self._delete(i)
        return n

    # -- reading ------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        if not isinstance(doc_id, str) or unicode_problem(doc_id):
            return None  # never stored: SQLite cannot even be asked about it
        row = self.conn.execute("SELECT id, text, meta FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return row_doc(*row) if row else None

    def _postings(self, hashes: Iterable[int], max_df: int) -> dict[int, list[Any]]:
        feats, flat, lens, _ = self._posting_arrays(hashes, max_df)
        if not feats:
            return {}
        return {h: part.tolist() for h, part in zip(feats, np.split(flat, np.cumsum(lens)[:-1]), strict=True)}

    def _posting_arrays(self, hashes: Iterable[int], max_df: int) -> tuple[list[int], Any, Any, list[Any] | None]:
        if self.conn.in_transaction:
            return self._read_postings(hashes, max_df)
        self.conn.execute("BEGIN")  # one snapshot: postings and segments as one writer left them
        try:
            return self._read_postings(hashes, max_df)
        finally:
            self.conn.execute("COMMIT")

    def _read_postings(self, hashes: Iterable[int], max_df: int) -> tuple[list[int], Any, Any, list[Any] | None]:
        """The posting lists as arrays straight from the packed rows (and the segments):
        no Python object per posting."""
        ex = self.conn.execute
        state = dict(ex("SELECT key, value FROM meta WHERE key IN ('deletions', 'schema_version')"))
        deletions = state.get("deletions")
        if deletions != self._deletions:  # postings shrank since the memory was made
            self._frequent.clear()
            self._deletions = deletions
        self._schema = state.get("schema_version", self._schema)  # a writer may have migrated it
        frequent = self._frequent
        if self._schema == "1":
            return _as_arrays(self._read_postings_v1(hashes, max_df))
        wanted = {h: h & _U32 for h in set(hashes) if frequent.get(h, 0) <= max_df}
        if not wanted:
            return [], None, None, None
        lim = 4 * max_df
        found: dict[int, Any] = {}
        keys = list(wanted.values())
        for i in range(0, len(keys), 900):  # under SQLite's limit of bound variables
            chunk = keys[i : i + 900]
            found.update(ex(
                "SELECT h, CASE WHEN length(docs) <= ? THEN docs ELSE length(docs) END FROM postings "
                f"WHERE h IN ({','.join('?' * len(chunk))})", (lim, *chunk)))
        rows = [found.get(k, b"") for k in keys]
        long = np.fromiter((isinstance(r, int) for r in rows), dtype=bool, count=len(rows))
        plen = np.fromiter(((r if isinstance(r, int) else len(r)) // 4 for r in rows), dtype=np.int64, count=len(rows))
        total = plen.copy()
        segs = self._segments()
        spans = []
        if segs:
            q = np.fromiter(keys, dtype=np.uint32, count=len(keys))
            by_value = np.argsort(q)  # sorted needles: numpy's binary search starts from the last hit
            q = q[by_value]
            for hs, docs in segs:
                lo, hi = np.empty(len(q), np.intp), np.empty(len(q), np.intp)
                lo[by_value], hi[by_value] = np.searchsorted(hs, q), np.searchsorted(hs, q, "right")
                spans.append((docs, lo, hi))
                total += np.where(long, 0, hi - lo)  # a list longer than max_df alone is not read
        feats_all = list(wanted)
        for j in np.flatnonzero(long | (total > max_df)).tolist():  # stop-listed: remember it
            frequent[feats_all[j]] = int(plen[j]) if long[j] else int(total[j])
        kept = np.flatnonzero(~long & (total > 0) & (total <= max_df))
        if not len(kept):
            return [], None, None, None
        sel = kept.tolist()
        flat = np.frombuffer(b"".join([rows[j] for j in sel]), dtype="<u4")
        lens = total[kept]
        if any((hi[kept] > lo[kept]).any() for _, lo, hi in spans):
            # each feature's documents: its packed row, then its entries in segment order
            parts, owner = [flat], [np.repeat(np.arange(len(sel)), plen[kept])]
            for docs, lo, hi in spans:
                a, n = lo[kept], hi[kept] - lo[kept]
                ends = np.cumsum(n)
                parts.append(docs[np.repeat(a - (ends - n), n) + np.arange(int(ends[-1]) if len(ends) else 0)])
                owner.append(np.repeat(np.arange(len(sel)), n))
            flat = np.concatenate(parts)[np.argsort(np.concatenate(owner), kind="stable")]
        return [feats_all[j] for j in sel], flat.astype(np.int64), lens, None

    def _read_postings_v1(self, hashes: Iterable[int], max_df: int) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        frequent = self._frequent
        q = "SELECT doc FROM postings WHERE h = ? LIMIT ?"
        lim = max_df + 1
        for h in set(hashes):
            if frequent.get(h, 0) > max_df:
                continue  # known to be held by more documents than max_df: stop-listed
            rows = self.conn.execute(q, (h, lim)).fetchall()
            if len(rows) <= max_df:
                if rows:
                    out[h] = [d for (d,) in rows]
            else:
                frequent[h] = len(rows)
        return out

    def _segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The segments, in order, as arrays; each read once per version and kept."""
        cache = self._segment_cache
        now = [tuple(r) for r in self.conn.execute("SELECT id, version FROM segments ORDER BY id")]
        if list(cache) != now:
            have = dict(cache)
            cache.clear()
            for key in now:
                if key not in have:
                    row = self.conn.execute("SELECT hs, docs FROM segments WHERE id = ?", key[:1]).fetchone()
                    have[key] = _segment(*row)  # read in the same snapshot (_postings)
                cache[key] = have[key]
        return list(cache.values())

    def posting_pairs(self) -> Iterator[tuple[int, int]]:
        """Every (feature hash, document number) stored, feature by feature (for checks
        and benchmarks; a whole scan of the postings)."""
        if self._schema == "1":
            yield from self.conn.execute("SELECT h, doc FROM postings")
            return
        def signed(h: int) -> int:
            return h - (1 << 32) if h > 0x7FFFFFFF else h

        for h, blob in self.conn.execute("SELECT h, docs FROM postings"):
            for d in np.frombuffer(blob, dtype="<u4").tolist():
                yield signed(h), d
        for hs_blob, docs_blob in self.conn.execute("SELECT hs, docs FROM segments ORDER BY id"):
            hs, docs = _segment(hs_blob, docs_blob)
            yield from zip(map(signed, hs.tolist()), docs.tolist(), strict=True)

    def _resolve(self, keys: list[Any]) -> dict[Any, str]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        return dict(self.conn.execute(f"SELECT num, id FROM docs WHERE num IN ({marks})", keys))

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def approx_size(self) -> int:
        """Documents ever added (removed ones included): O(1), where count(*) scans."""
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        return int(row[0]) if row else 0

    def stats(self) -> dict[str, Any]:
        c = self.conn
        docs = len(self)
        if self._schema == "1":
            postings = c.execute("SELECT count(*) FROM postings").fetchone()[0]
        else:
            postings = sum(c.execute(f"SELECT coalesce(sum(length(docs)), 0) FROM {t}").fetchone()[0] // 4
                           for t in ("postings", "segments"))
        text_bytes = c.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM docs").fetchone()[0]
        page = c.execute("PRAGMA page_size").fetchone()[0]
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        meta = dict(c.execute("SELECT key, value FROM meta"))
        file_bytes = page * pages
        return {
            "backend": "sqlite",
            "path": str(self.path),
            "documents": docs,
            "postings": postings,
            "postings_per_document": round(postings / docs, 1) if docs else 0.0,
            "text_bytes": text_bytes,
            "file_bytes": file_bytes,
            "index_bytes_per_document": round((file_bytes - text_bytes) / docs, 1) if docs else 0.0,
            "params": self.params.to_dict(),
            "created_by": meta.get("created_by"),
            "schema_version": meta.get("schema_version"),
            "semantic": meta.get("semantic"),
            "embedded_documents": (
                c.execute("SELECT count(*) FROM vectors").fetchone()[0] if self.semantic else 0
            ),
        }

    def close(self) -> None:
        self.conn.close()
