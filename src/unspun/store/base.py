"""What every index backend offers, and the batching logic they share."""

from __future__ import annotations

import heapq
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import IndexMismatchError, SettingsError
from ..fingerprint import DEFAULT_PARAMS, FingerprintParams, features_many
from ..ingest.fields import document_problem, printable, unicode_problem
from ..models import Document, IngestFailure

SCHEMA_VERSION = 1

#: Document fields the backends keep in their ``meta`` JSON column (beside id and text)
META_FIELDS = ("title", "url", "site", "published", "origin")


def doc_meta(doc: Document) -> str:
    """The ``meta`` column of a stored document: its metadata fields and ``meta`` as JSON."""
    m: dict[str, Any] = {k: getattr(doc, k) for k in META_FIELDS if getattr(doc, k)}
    if doc.meta:
        m["meta"] = doc.meta
    return json.dumps(m, ensure_ascii=False, default=str)


def row_doc(doc_id: str, text: str, meta: Any) -> Document:
    """The document a stored row holds (``meta``: JSON text, bytes or an already-parsed dict)."""
    m = json.loads(meta) if isinstance(meta, str | bytes) else dict(meta)
    return Document(id=doc_id, text=text, meta=m.pop("meta", {}), **m)


def check_meta(
    where: object, meta: dict[str, str], wanted: FingerprintParams | None, *, schema_checked: bool = False,
    schemas: Sequence[str] = (str(SCHEMA_VERSION),), schema_now: int = SCHEMA_VERSION,
) -> FingerprintParams:
    """The fingerprint settings an index was built with, from its ``meta`` table; raises
    IndexMismatchError when this unspun cannot read it (another schema, fingerprint
    scheme or word lists) or when ``wanted`` differs. ``schema_checked``: the backend
    versions its schema itself (PostgreSQL's migrations), skip ``schema_version``;
    ``schemas``: the versions the backend reads, ``schema_now`` the one it writes."""
    who = meta.get("created_by", "an unknown version")
    if not schema_checked and meta.get("schema_version") not in schemas:
        raise IndexMismatchError(
            f"{where}: index schema {meta.get('schema_version')} (built by {who}); "
            f"this unspun {__version__} reads schema {schema_now}: rebuild the index"
        )
    try:
        stored = FingerprintParams.from_dict(json.loads(meta["params"]))
    except (KeyError, TypeError, ValueError):
        raise IndexMismatchError(f"{where}: index has unreadable fingerprint settings") from None
    if (stored.scheme, stored.version) != (DEFAULT_PARAMS.scheme, DEFAULT_PARAMS.version):
        raise IndexMismatchError(
            f"{where}: built with fingerprint {stored.scheme} v{stored.version} by {who}; "
            f"this unspun uses {DEFAULT_PARAMS.scheme} v{DEFAULT_PARAMS.version}: rebuild the index"
        )
    if stored.lexicon != DEFAULT_PARAMS.lexicon:
        raise IndexMismatchError(
            f"{where}: built by {who} with other word lists (lexicon {stored.lexicon}, "
            f"this unspun has {DEFAULT_PARAMS.lexicon}): rebuild the index"
        )
    if wanted is not None and wanted != stored:
        raise IndexMismatchError(
            f"{where}: built with fingerprint settings {stored.to_dict()}, "
            f"asked for {wanted.to_dict()}"
        )
    return stored


@dataclass
class AddResult:
    """Counts of one ``add`` call; ``failures`` lists records that could not be read."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failures: list[IngestFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "failures": [{"location": f.location, "reason": f.reason} for f in self.failures],
        }


ProgressFn = Callable[[int], None]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


class BaseIndex:
    """Shared behaviour of the index backends. Subclasses implement the ``_`` methods.

    ``semantic`` is true when the index keeps sentence vectors (the optional semantic
    layer, :mod:`unspun.semantic`): every document added is then embedded in the same
    batch (the same transaction), and :meth:`vectors` / :meth:`nearest` answer."""

    params: FingerprintParams = DEFAULT_PARAMS
    semantic: bool = False

    # -- to implement -----------------------------------------------------------------
    def _storage_problem(self, doc: Document) -> str | None:
        """Why this backend cannot store ``doc`` although it is a valid document, or None."""
        return None

    def _batch_features(self, texts: list[str]) -> list[Any]:
        """The features of each text of a batch, as :meth:`_write_batch` takes them (sets
        here; a backend may take :func:`unspun.fingerprint.features_arrays` instead)."""
        return features_many(texts, self.params)

    def _existing_texts(self, ids: list[str]) -> dict[str, str]:
        """Stored text of those of ``ids`` already in the index (one query per batch)."""
        raise NotImplementedError

    def _write_batch(
        self, docs: list[tuple[Document, set[int], bool]], vectors: dict[str, Any] | None = None
    ) -> None:
        """Write (document, features, replaces_existing) triples atomically, with the
        documents' sentence vectors (id -> :class:`unspun.semantic.vectors.DocVectors`)
        when the index is semantic."""
        raise NotImplementedError

    def vectors(self, ids: Iterable[str]) -> dict[str, Any]:
        """Stored sentence vectors of those of ``ids`` that have them."""
        return {}

    def _vector_version(self) -> Any:
        """Changes whenever stored vectors change (in any connection to the index)."""
        raise NotImplementedError

    def _vector_rows(self) -> Iterable[tuple[Any, bytes]]:
        """(backend key, float32 document vector bytes) of every embedded document."""
        raise NotImplementedError

    def nearest(self, vec: Any, k: int) -> list[tuple[str, float]]:
        """The ``k`` documents whose document vector is closest to ``vec``: (id, cosine).

        Exact search: every document vector is held in memory as one float32 matrix
        (2 KB per document), loaded on the first call and reloaded only when
        :meth:`_vector_version` moved; ties go to the lower backend key."""
        if not self.semantic:
            return []
        import numpy as np

        version = self._vector_version()
        cache = getattr(self, "_vec_cache", None)
        if cache is None or cache[0] != version:
            keys, blobs = [], []
            for key, blob in self._vector_rows():
                keys.append(key)
                blobs.append(bytes(blob))
            mat = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(keys), -1)
            cache = self._vec_cache = (version, keys, mat)
        _, keys, mat = cache
        if not keys:
            return []
        sims = mat @ np.asarray(vec, dtype=np.float32)
        want = min(len(keys), k * 2)
        part = np.argpartition(-sims, want - 1)[:want] if want < len(keys) else np.arange(len(keys))
        top = part[np.lexsort((part, -sims[part]))]  # best first, ties by position (backend key)
        names = self._resolve([keys[j] for j in top])
        return [(names[keys[j]], float(sims[j])) for j in top if keys[j] in names][:k]

    def _enable_semantic(self) -> None:
        raise NotImplementedError

    def _unembedded(self, limit: int) -> list[Document]:
        """Up to ``limit`` stored documents that have no vectors yet."""
        raise NotImplementedError

    def _write_vectors(self, vectors: dict[str, Any]) -> None:
        raise NotImplementedError

    def embed(self, *, batch_size: int = 64, progress: ProgressFn | None = None) -> int:
        """Turn the semantic layer on for this index and embed every stored document that
        has no vectors yet (``unspun index embed``); each batch is one transaction, so an
        interrupted run keeps what it finished and the next run goes on from there.
        Returns the number of documents embedded. Raises SemanticUnavailable when the
        extra is not installed."""
        from ..semantic.vectors import embed_texts

        self._enable_semantic()
        n = 0
        while batch := self._unembedded(batch_size):
            vecs = embed_texts([d.text for d in batch])
            self._write_vectors({d.id: v for d, v in zip(batch, vecs, strict=True)})
            n += len(batch)
            if progress:
                progress(len(batch))
        return n

    def get(self, doc_id: str) -> Document | None:
        raise NotImplementedError

    def remove(self, ids: Iterable[str]) -> int:
        raise NotImplementedError

    def _postings(self, hashes: Iterable[int], max_df: int) -> dict[int, list[Any]]:
        """Feature -> documents (backend keys) holding it, for the features of ``hashes``
        held by at most ``max_df`` documents; the others are stop-listed (boilerplate or
        common phrasing: they say nothing about provenance) and left out."""
        raise NotImplementedError

    def _resolve(self, keys: list[Any]) -> dict[Any, str]:
        """Backend keys -> document ids (keys of removed documents are left out)."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def approx_size(self) -> int:
        """The number of documents, or a cheap upper bound of it (used to pick max_df)."""
        return len(self)

    def stats(self) -> dict[str, Any]:
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - default no-op
        pass

    # -- shared -----------------------------------------------------------------------
    def lookup(
        self, hashes: Iterable[int], *, max_df: int, k: int, min_shared: int = 1
    ) -> list[tuple[str, int]]:
        """The ``k`` documents sharing most features with ``hashes``: (doc id, shared)."""
        return self.lookup_many([hashes], max_df=max_df, k=k, min_shared=min_shared)[0]

    def lookup_many(
        self, groups: Sequence[Iterable[int]], *, max_df: int, k: int, min_shared: int = 1
    ) -> list[list[tuple[str, int]]]:
        """:meth:`lookup` for several feature sets at once (an article and its stretches):
        each feature's postings are read once, whatever the number of sets holding it."""
        sets = [set(g) for g in groups]
        postings = self._postings(set().union(*sets), max_df) if sets else {}
        ranked = []
        for hashes in sets:
            counts: dict[Any, int] = defaultdict(int)
            for h in hashes:
                for key in postings.get(h, ()):
                    counts[key] += 1
            # ties by backend key (document number or id), so the order is the same every run
            ranked.append(heapq.nsmallest(
                k * 2,
                ((n, key) for key, n in counts.items() if n >= min_shared),
                key=lambda x: (-x[0], x[1]),
            ))
        names = self._resolve(list({key for top in ranked for _, key in top}))
        return [[(names[key], n) for n, key in top if key in names][:k] for top in ranked]

    def add(
        self,
        records: Iterable[Document | IngestFailure],
        *,
        batch_size: int = 2000,
        progress: ProgressFn | None = None,
    ) -> AddResult:
        """Add documents (a document with an existing id replaces it).

        ``records`` may mix :class:`Document` and :class:`IngestFailure` (as yielded by
        :func:`unspun.ingest.read_records`); failures are counted and listed. Each batch is
        written in one transaction: an interruption leaves the index as it was before
        the batch in progress. A document holding a string that cannot be encoded (a
        lone surrogate) is a failure, never written. Raises SettingsError when
        ``batch_size`` is below 1.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SettingsError(f"batch size must be a whole number of at least 1, not {batch_size!r}")
        result = AddResult()
        for batch in _batches(records, batch_size):
            todo: dict[str, tuple[Document, bool]] = {}
            existing = self._existing_texts(
                list({r.id for r in batch if isinstance(r, Document) and not unicode_problem(r.id)})
            )
            for rec in batch:
                if isinstance(rec, IngestFailure):
                    result.failures.append(rec)
                    continue
                if not rec.text.strip():
                    result.failures.append(IngestFailure(printable(rec.origin or rec.id), "empty text"))
                    continue
                problem = document_problem(rec) or self._storage_problem(rec)
                if problem:
                    result.failures.append(IngestFailure(printable(rec.origin or rec.id), problem))
                    continue
                if rec.id in todo:  # same id twice in one batch: the later one wins
                    todo[rec.id] = (rec, todo[rec.id][1])
                    result.replaced += 1
                    continue
                old = existing.get(rec.id)
                if old is not None and old == rec.text:
                    result.unchanged += 1
                    continue
                todo[rec.id] = (rec, old is not None)
                if old is None:
                    result.added += 1
                else:
                    result.replaced += 1
            if todo:
                docs = list(todo.values())
                feats = self._batch_features([d.text for d, _ in docs])
                vectors = None
                if self.semantic:
                    from ..semantic.vectors import embed_texts

                    vecs = embed_texts([d.text for d, _ in docs])
                    vectors = {d.id: v for (d, _), v in zip(docs, vecs, strict=True)}
                triples = [(d, f, rep) for (d, rep), f in zip(docs, feats, strict=True)]
                if vectors is None:
                    self._write_batch(triples)
                else:
                    self._write_batch(triples, vectors)
            if progress:
                progress(len(batch))
        return result

    def __enter__(self) -> BaseIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
