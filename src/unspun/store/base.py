"""What every index backend offers, and the batching logic they share."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


class TextHit(NamedTuple):
    """One text found by :meth:`BaseIndex.lookup_texts`: its lead document (the one
    sharing most features), how many it shares, and the other documents carrying it
    (``(doc id, shared)``, best first)."""

    doc_id: str
    shared: int
    copies: tuple[tuple[str, int], ...]
    #: positions of the lead document, then of each copy, among the documents ranked one by
    #: one (0: the document sharing most features)
    ranks: tuple[int, ...] = ()


def _best_first(keys: list[Any], counts: Any, min_shared: int, rarity: Any = None) -> list[int]:
    """Positions of ``keys`` by shared features, most first; between documents sharing as
    many, the one whose shared features are rarer (``rarity``: the sum of 10^6 / document
    frequency over them, an integer so every backend adds it up alike) first; then by key
    (keys are sorted)."""
    import numpy as np

    if rarity is None:
        order = np.argsort(-counts, kind="stable")
    else:
        order = np.lexsort((-rarity, -counts))
    if min_shared > 1:
        order = order[counts[order] >= min_shared]
    return order.tolist()


#: a copy shares at least this much of what its text's lead document shares: a page that
#: holds a few of the article's n-grams (a stock phrase) is no copy of the text
OF_LEAD = 0.3


def _group_texts(order: list[int], counts: Any, member: Any, k: int, same_text: float) -> list[list[int]]:
    """Documents at ``order`` (positions into the keys, best first) grouped into at most
    ``k`` texts (see :meth:`BaseIndex.lookup_texts`): each a list of key positions, the
    lead first, then its copies best first."""
    bits = member(order)
    shared = [int(counts[j]) for j in order]
    lead: list[int] = []  # positions into order
    copies: dict[int, list[int]] = {}
    for pos in range(len(order)):
        mine = bits[pos]
        need = same_text * shared[pos]
        best, best_overlap = -1, 0
        for L in lead:
            o = (mine & bits[L]).bit_count()
            if o > best_overlap and o >= need and o >= OF_LEAD * shared[L]:
                best, best_overlap = L, o
        if best >= 0:
            copies[best].append(pos)
        elif len(lead) < k:
            lead.append(pos)
            copies[pos] = []
    return [[order[L], *(order[c] for c in copies[L])] for L in lead]


def _membership(inverse: Any, feat_of: Any, n_feats: int) -> Callable[[list[int]], list[int]]:
    """For positions into a set's sorted keys, the bit set (an int) of the set's features
    each document holds, from the postings' key positions (``inverse``) and features."""
    import numpy as np

    def bits(positions: list[int]) -> list[int]:
        rank = np.full(int(inverse.max()) + 1, -1, dtype=np.int64)
        rank[np.asarray(positions, dtype=np.int64)] = np.arange(len(positions))
        r = rank[inverse]
        hit = r >= 0
        m = np.zeros((len(positions), n_feats), dtype=bool)
        m[r[hit], feat_of[hit]] = True
        packed = np.packbits(m, axis=1, bitorder="little")
        return [int.from_bytes(row.tobytes(), "little") for row in packed]

    return bits


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
        """Turn the semantic layer on: SemanticUnavailable when the extra is not installed;
        an index not yet semantic records it (:meth:`_record_semantic`)."""
        from ..semantic.encoder import SemanticUnavailable, unavailable_reason

        why = unavailable_reason()
        if why:
            raise SemanticUnavailable(why)
        if not self.semantic:
            self._record_semantic()
            self.semantic = True

    def _record_semantic(self) -> None:
        """Store that this index keeps sentence vectors (the backend's own tables and meta)."""
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

    def _posting_arrays(self, hashes: Iterable[int], max_df: int) -> tuple[list[int], Any, Any, list[Any] | None]:
        """:meth:`_postings` as numpy arrays: (features kept, their postings one after the
        other as int64, how many each has, and None; or, when the backend keys are not
        integers, the postings as positions into the last item, the keys in sorted order)."""
        import numpy as np

        postings = self._postings(hashes, max_df)
        feats = list(postings)
        if not feats:
            return [], None, None, None
        lists = [postings[h] for h in feats]
        lens = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        total = int(lens.sum())
        keys = list(itertools.chain.from_iterable(lists))
        if all(isinstance(x, int) for x in keys):
            return feats, np.fromiter(keys, dtype=np.int64, count=total), lens, None
        table = sorted(set(keys))  # document ids (the memory index): numbered in sorted order
        number = {key: n for n, key in enumerate(table)}
        return feats, np.fromiter((number[x] for x in keys), dtype=np.int64, count=total), lens, table

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
        ranked = []
        for counted in self._counted(groups, max_df):
            if counted is None:
                ranked.append([])
                continue
            keys, counts, _, rarity = counted
            order = _best_first(keys, counts, min_shared, rarity)[: k * 2]
            ranked.append([(keys[j], int(counts[j])) for j in order])
        names = self._resolve_keys({key for top in ranked for key, _ in top})
        return [[(names[key], n) for key, n in top if key in names][:k] for top in ranked]

    def lookup_texts(
        self,
        hashes: Iterable[int],
        *,
        max_df: int,
        k: int,
        min_shared: int = 1,
        same_text: float = 0.8,
        pool: int = 256,
    ) -> list[TextHit]:
        """The ``k`` distinct *texts* sharing most features with ``hashes``, best first.

        Documents are ranked by shared features (as :meth:`lookup`); among the best
        ``pool`` of them, a document whose shared features are, for at least ``same_text``
        of them, also held by a better-ranked text's lead document carries that text as far
        as these features show (a reprint, a syndicated or spun copy, a page that took part
        of it): it joins that text as a copy instead of taking a rank of its own. So copies
        count once, and ``k`` texts leave room for sources that share fewer features than
        the crowd of copies of a better one (a copy must also share at least ``OF_LEAD`` of
        what the lead shares: a page holding a stock phrase of it is no copy). Each :class:`TextHit` lists its copies (best
        first); documents of the pool that join no text among the first ``k`` are left out."""
        return self.search(
            hashes, max_df=max_df, k=k, min_shared=min_shared, same_text=same_text, pool=pool
        )[0]

    def search(
        self,
        hashes: Iterable[int],
        parts: Sequence[Iterable[int]] = (),
        *,
        max_df: int,
        k: int,
        per_part: int = 1,
        min_shared: int = 1,
        same_text: float = 0.8,
        pool: int = 256,
    ) -> tuple[list[TextHit], list[list[tuple[str, int]]]]:
        """(:meth:`lookup_texts` of ``hashes``, :meth:`lookup_many` of ``parts`` with
        ``k=per_part``) in one read of the postings: what ``check`` asks for an article and
        its stretches."""
        counted = self._counted([hashes, *parts], max_df, memberships=True)
        flat = []
        for c in counted[1:]:
            if c is None:
                flat.append([])
            else:
                keys, counts, _, rarity = c
                flat.append([(keys[j], int(counts[j])) for j in _best_first(keys, counts, 1, rarity)[: per_part * 2]])
        wanted = {key for top in flat for key, _ in top}
        groups: list[list[int]] = []
        if counted[0] is not None and k >= 1:
            keys, counts, member, rarity = counted[0]
            order = _best_first(keys, counts, min_shared, rarity)[: max(pool, k)]
            groups = _group_texts(order, counts, member, k, same_text) if order else []
            wanted |= {keys[j] for g in groups for j in g}
        names = self._resolve_keys(wanted)
        texts = []
        if groups:
            rank = {j: n for n, j in enumerate(order)}
            for g in groups:  # a removed document (a stale posting) is left out, its text too if it led
                if keys[g[0]] not in names:
                    continue
                kept = [j for j in g if keys[j] in names]
                texts.append(TextHit(
                    names[keys[g[0]]], int(counts[g[0]]),
                    tuple((names[keys[j]], int(counts[j])) for j in kept[1:]),
                    tuple(rank[j] for j in kept),
                ))
        parts_out = [[(names[key], n) for key, n in top if key in names][:per_part] for top in flat]
        return texts, parts_out

    def _resolve_keys(self, keys: set[Any]) -> dict[Any, str]:
        return self._resolve(sorted(keys)) if keys else {}

    def _counted(
        self, groups: Sequence[Iterable[int]], max_df: int, *, memberships: bool = False
    ) -> list[tuple[list[Any], Any, Callable[[list[int]], list[int]] | None, Any] | None]:
        """Per feature set: (backend keys, how many of the set's features each holds, with
        ``memberships`` a function giving for positions into the keys the bit set of the
        set's features each holds, and how rare the features each holds are: see
        :func:`_best_first`), or None when no feature of the set is kept. Keys are in
        ascending order (ties then go to the lower document number, or id)."""
        import numpy as np

        sets = [set(g) for g in groups]
        feats, flat, lens, table = self._posting_arrays(set().union(*sets), max_df) if sets else ([], None, None, None)
        if not feats:
            return [None for _ in sets]
        starts = np.concatenate(([0], np.cumsum(lens)))
        where = {h: n for n, h in enumerate(feats)}
        out: list[tuple[list[Any], Any, Callable[[list[int]], list[int]] | None, Any] | None] = []
        for hashes in sets:
            sel = [where[h] for h in hashes if h in where]
            if not sel:
                out.append(None)
                continue
            if len(sel) == len(feats):
                sel = list(range(len(feats)))
                docs = flat
            else:
                sel.sort()
                docs = np.concatenate([flat[starts[i] : starts[i + 1]] for i in sel])
            uniq, inverse, counts = np.unique(docs, return_inverse=True, return_counts=True)
            keys = uniq.tolist() if table is None else [table[u] for u in uniq.tolist()]
            feat_of = np.repeat(np.arange(len(sel)), lens[sel])
            weight = (1_000_000 // lens[sel])[feat_of]  # per posting: its feature's rarity
            rarity = np.bincount(inverse, weights=weight, minlength=len(uniq)).astype(np.int64)
            member = _membership(inverse, feat_of, len(sel)) if memberships else None
            out.append((keys, counts, member, rarity))
        return out

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
                texts = [d.text for d, _ in docs]
                vectors = None
                if self.semantic:
                    from ..semantic.vectors import embed_texts

                    # fingerprints on a thread of their own while the model runs: a core
                    # the encoder leaves idle between its chunks does them
                    with ThreadPoolExecutor(1, thread_name_prefix="unspun-features") as pool:
                        pending = pool.submit(self._batch_features, texts)
                        vecs = embed_texts(texts)
                        feats = pending.result()
                    vectors = {d.id: v for (d, _), v in zip(docs, vecs, strict=True)}
                else:
                    feats = self._batch_features(texts)
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
