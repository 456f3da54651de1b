"""The default index: one SQLite file, no server.

Schema (version 1)::

    meta(key PRIMARY KEY, value)          schema_version, fingerprint params, created_by,
                                          deletions (bumped whenever postings are deleted)
    docs(num INTEGER PRIMARY KEY AUTOINCREMENT, id UNIQUE, text, meta JSON)
    postings(h, doc, PRIMARY KEY (h, doc)) WITHOUT ROWID

With the semantic layer on (meta ``semantic`` names the model)::

    vectors(doc INTEGER PRIMARY KEY, lang, spans BLOB, sents BLOB, vec BLOB)

one row per document: its language, sentence spans, float16 sentence vectors and
float32 document vector (:mod:`unspun.semantic.vectors`), written in the same
transaction as the document.

``postings`` is one B-tree keyed by feature hash, so a look-up is one index seek per
query feature; document numbers are never reused, so a stale posting can only point to
nothing. Each ``add`` batch is one transaction (an interrupted build leaves the index as
it was before the batch); WAL mode lets readers go on while a writer writes.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import StoreError
from ..fingerprint import DEFAULT_PARAMS, FingerprintParams, features
from ..ingest.fields import unicode_problem
from ..models import Document
from .base import SCHEMA_VERSION, BaseIndex, check_meta, doc_meta, row_doc

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    num INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (
    h INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    PRIMARY KEY (h, doc)
) WITHOUT ROWID;
"""

_VECTORS_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    doc INTEGER PRIMARY KEY,
    lang TEXT,
    spans BLOB NOT NULL,
    sents BLOB NOT NULL,
    vec BLOB NOT NULL
);
"""


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
        if not readonly:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")

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
        return check_meta(self.path, meta, wanted)

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
        self.conn.executemany(
            "DELETE FROM postings WHERE h = ? AND doc = ?",
            ((h, num) for h in features(text, self.params)),
        )
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
        self, docs: list[tuple[Document, set[int], bool]], vectors: dict[str, Any] | None = None
    ) -> None:
        try:
            with self.conn:  # one transaction: all of the batch or none of it
                for doc, _, replaces in docs:
                    if replaces:
                        self._delete(doc.id)
                cur = self.conn.cursor()
                postings: list[tuple[int, int]] = []
                for doc, feats, _ in docs:
                    cur.execute(
                        "INSERT INTO docs (id, text, meta) VALUES (?, ?, ?)",
                        (doc.id, doc.text, doc_meta(doc)),
                    )
                    postings.extend(zip(feats, itertools.repeat(cur.lastrowid)))
                    if vectors and doc.id in vectors:
                        cur.execute(
                            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
                            (cur.lastrowid, *vectors[doc.id].to_row()),
                        )
                if vectors:
                    self._bump_vectors()
                postings.sort()
                cur.executemany("INSERT OR IGNORE INTO postings (h, doc) VALUES (?, ?)", postings)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: write failed, batch rolled back ({e})") from None

    # -- semantic layer ---------------------------------------------------------------
    def _bump_vectors(self) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES ('vector_writes', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _enable_semantic(self) -> None:
        from ..semantic.encoder import MODEL_NAME, SemanticUnavailable, unavailable_reason

        why = unavailable_reason()
        if why:
            raise SemanticUnavailable(why)
        if self.semantic:
            return
        try:
            with self.conn:
                self.conn.executescript(_VECTORS_SCHEMA)
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('semantic', ?)", (MODEL_NAME,))
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: could not turn the semantic layer on ({e})") from None
        self.semantic = True

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

    def _postings(self, hashes: Iterable[int], max_df: int) -> dict[int, Any]:
        feats, flat, lens, _ = self._posting_arrays(hashes, max_df)
        if not feats:
            return {}
        ends = lens.cumsum().tolist()
        return {h: flat[e - n : e] for h, n, e in zip(feats, lens.tolist(), ends, strict=True)}

    def _posting_arrays(self, hashes: Iterable[int], max_df: int) -> tuple[list[int], Any, Any, None]:
        """One statement per 5,000 features: SQLite joins each feature's first ``max_df + 1``
        document numbers into one string (``group_concat``), numpy parses them all at once,
        so no Python object is made per posting."""
        import numpy as np

        row = self.conn.execute("SELECT value FROM meta WHERE key = 'deletions'").fetchone()
        deletions = row[0] if row else None
        if deletions != self._deletions:  # postings shrank since the memory was made
            self._frequent.clear()
            self._deletions = deletions
        frequent = self._frequent
        ask = [h for h in set(hashes) if frequent.get(h, 0) <= max_df]
        kept_h: list[int] = []
        kept_s: list[str] = []
        kept_n: list[int] = []
        for i in range(0, len(ask), 5000):  # under SQLite's limit of bound variables
            chunk = ask[i : i + 5000]
            sql = (
                "WITH q(h) AS (VALUES " + ",".join(["(?)"] * len(chunk)) + ") "
                "SELECT q.h, (SELECT group_concat(doc) FROM "
                "(SELECT doc FROM postings WHERE postings.h = q.h LIMIT ?)) FROM q"
            )
            for h, joined in self.conn.execute(sql, [*chunk, max_df + 1]):
                if not joined:
                    continue
                n = joined.count(",") + 1
                if n > max_df:
                    frequent[h] = n  # held by more documents than max_df: stop-listed
                else:
                    kept_h.append(h)
                    kept_s.append(joined)
                    kept_n.append(n)
        if not kept_h:
            return [], None, None, None
        flat = np.fromstring(",".join(kept_s), dtype=np.int64, sep=",")
        return kept_h, flat, np.array(kept_n, dtype=np.int64), None

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
        postings = c.execute("SELECT count(*) FROM postings").fetchone()[0]
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
