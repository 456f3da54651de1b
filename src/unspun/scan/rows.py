"""Row-making functions shared by both engines (plain Python, no engine imported).

Each takes plain values and returns plain rows, so the local engine calls it in worker
processes and the Spark engine inside ``mapPartitions``: one implementation, two engines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa

from ..fingerprint import FingerprintParams, features_arrays, features_many
from ..models import Document, IngestFailure
from .settings import ScanSettings
from .trace import spin_words, trace_sources

DOCS_SCHEMA = pa.schema([
    ("did", pa.int64()), ("id", pa.string()), ("site", pa.string()), ("url", pa.string()),
    ("title", pa.string()), ("published", pa.string()), ("date", pa.string()),
    ("origin", pa.string()), ("chars", pa.int64()), ("meta", pa.string()), ("text", pa.string()),
])
FEATURES_SCHEMA = pa.schema([("did", pa.int64()), ("hash", pa.int32())])
PAIRS_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("shared", pa.int64())])
ALIGN_SCHEMA = pa.schema([
    ("pair", pa.string()), ("a", pa.int64()), ("b", pa.int64()), ("accepted", pa.bool_()),
    ("passage", pa.int32()), ("b_start", pa.int64()), ("b_end", pa.int64()),
    ("a_start", pa.int64()), ("a_end", pa.int64()), ("matched", pa.int64()),
    ("similarity", pa.float64()), ("spin_words", pa.int64()), ("edits", pa.int64()),
    ("numbers", pa.int64()), ("names", pa.int64()), ("negations", pa.int64()),
    ("prose", pa.float64()),
])

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a prose word, in any script: letters (inner dots, apostrophes, hyphens allowed), or a
#: figure ("1,835,325", "12-1/2", "3.5%", "$12", "1st", "3-for-2", "4/2/87"), with
#: opening/closing punctuation. Markup, URLs, JSON and binary junk do not match.
_PROSE_WORD = re.compile(
    r"^[\"'(“‘«\[]*(?:[^\W\d_][\w'’.-]*|[$£€¥]?\d[\w,./-]*%?)[.,;:!?\"')”’»\]]*$"
)

#: a letter or digit anywhere in a word (what str.isalnum says of a character; not "_")
_ALNUM = re.compile(r"[^\W_]").search


def prose_share(text: str) -> float:
    """Share of the whitespace-separated words of ``text`` that are prose words (above),
    separators without letters or digits left out; markup, URLs, JSON and PDF streams
    score low."""
    words = [w for w in text.split() if _ALNUM(w)]  # "|", "•", "—": neutral
    if not words:
        return 0.0
    return sum(1 for w in words if _PROSE_WORD.match(w)) / len(words)


def norm_date(value: Any) -> str | None:
    """ISO date (``YYYY-MM-DD``) or UTC date-time (``YYYY-MM-DDTHH:MM:SS``); None if unknown.

    Strings of both forms compare in time order, a date before any time of that day.
    """
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            m = _DATE.match(s)
            return m.group() if m else None
    if len(s) <= 10:
        return dt.date().isoformat()
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def site_of(doc: Document) -> str | None:
    if doc.site:
        return doc.site
    if doc.url:
        host = urlsplit(doc.url).hostname or ""
        return host.removeprefix("www.") or None
    return None


def doc_row(did: int, doc: Document) -> dict[str, Any]:
    return {
        "did": did, "id": doc.id, "site": site_of(doc), "url": doc.url, "title": doc.title,
        "published": doc.published, "date": norm_date(doc.published), "origin": doc.origin,
        "chars": len(doc.text),
        "meta": json.dumps(doc.meta, sort_keys=True, default=str) if doc.meta else None,
        "text": doc.text,
    }


def docs_rows(records: Iterable[Document | IngestFailure], start: int = 0) -> Iterator[
    dict[str, Any] | IngestFailure
]:
    """Rows numbered from ``start`` in input order; failures passed through."""
    did = start
    for r in records:
        if isinstance(r, IngestFailure):
            yield r
            continue
        if r.text.strip():
            yield doc_row(did, r)
            did += 1


def feature_rows(
    dids: Sequence[int], texts: Sequence[str], params: FingerprintParams
) -> tuple[list[int], list[int]]:
    """(did, hash) columns: each document's winnowed features, as ``unspun index`` stores them."""
    feats = features_arrays(texts, params)
    if not feats:
        return [], []
    lens = np.fromiter(map(len, feats), dtype=np.int64, count=len(feats))
    out_d = np.repeat(np.asarray(dids, dtype=np.int64), lens)
    out_h = np.concatenate([np.sort(f) for f in feats])  # each document's hashes ascending
    return out_d.tolist(), out_h.tolist()


def order_key(date: str | None, doc_id: str) -> tuple[bool, str, str]:
    """Publication order: dated documents by date, undated ones after them; ties by id."""
    return (date is None, date or "", doc_id)


def pair_id(a: int, b: int) -> str:
    return f"{a}-{b}"


class BoilerplateTest:
    """True for a text most of whose features are frequent (held by over ``max_df``
    documents). :meth:`many` tests a list of texts in one vectorised fingerprint pass
    (what :func:`unspun.pipeline.trace_sources` calls when it is there): the same answers
    as one call per text."""

    def __init__(self, frequent: frozenset[int] | set[int], params: FingerprintParams,
                 share: float = 0.5) -> None:
        self.frequent, self.params, self.share = frequent, params, share

    def _frequent(self, f: set[int]) -> bool:
        return bool(f) and len(f & self.frequent) >= self.share * len(f)

    def __call__(self, text: str) -> bool:
        return self.many([text])[0]

    def many(self, texts: Sequence[str]) -> list[bool]:
        if not self.frequent:
            return [False] * len(texts)
        return [self._frequent(f) for f in features_many(texts, self.params)]


def boilerplate_test(frequent: frozenset[int] | set[int], params: FingerprintParams,
                     share: float = 0.5) -> BoilerplateTest:
    """True for a text most of whose features are frequent (held by over ``max_df`` documents)."""
    return BoilerplateTest(frequent, params, share)


def align_rows(
    b: int, b_text: str, sources: Sequence[tuple[int, str]], st: ScanSettings,
    frequent: frozenset[int] | set[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Passages of copy ``b`` aligned to its candidate sources (did, text), as check does;
    sentences made of frequent features (boilerplate) are left out first."""
    by_id = {str(a): text for a, text in sources}
    rows = []
    skip = boilerplate_test(frequent, st.fingerprint)
    for tr in trace_sources(b_text, by_id, st.align, st.sources, skip):
        a = int(tr.source)
        for n, p in enumerate(tr.passages):
            kinds = [e.kind for e in p.edits]
            rows.append({
                "pair": pair_id(a, b), "a": a, "b": b, "accepted": tr.accepted, "passage": n,
                "b_start": p.article_span[0], "b_end": p.article_span[1],
                "a_start": p.source_span[0], "a_end": p.source_span[1],
                "matched": p.matched_tokens, "similarity": round(p.similarity, 6),
                "spin_words": spin_words(p), "edits": len(kinds),
                "numbers": kinds.count("number"), "names": kinds.count("name"),
                "negations": kinds.count("negation"),
                "prose": round(prose_share(b_text[p.article_span[0] : p.article_span[1]]), 4),
            })
    return rows
