"""Records passed between the pipeline stages (one record type per arrow).

ingest -> :class:`Document` -> normalize/tokens -> fingerprint -> store
suspect -> retrieve -> :class:`Candidate` -> align -> :class:`Passage` with :class:`Edit` s
-> analyze -> :class:`Report`.

Spans are ``(start, end)`` character offsets, end exclusive, into ``Document.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True)
class Document:
    """One text with its metadata, as read from an input.

    ``text`` is the extracted text (for HTML, the main text found by trafilatura); every
    span unspun reports is an offset into it. ``meta`` keeps any other input fields.
    ``origin`` says where the record was read from (``path``, ``path:line``, ``path#record``).
    """

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    published: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str | None = None

    def metadata(self) -> dict[str, Any]:
        """The document's metadata fields (everything but the text) as a plain dict."""
        out: dict[str, Any] = {
            "title": self.title,
            "url": self.url,
            "site": self.site,
            "published": self.published,
        }
        if self.meta:
            out["meta"] = dict(self.meta)
        if self.origin:
            out["origin"] = self.origin
        return out


@dataclass(frozen=True)
class IngestFailure:
    """A record that could not be read: where it is and why.

    ``kind`` is ``"error"`` (unreadable), ``"truncated"`` (a record cut short: the
    input ends, or its declared length runs into the next record) or ``"skipped"``
    (an input that is not a regular file: a FIFO, a device, a symbolic link not
    followed). Every kind counts as a failed record.
    """

    location: str
    reason: str
    kind: str = field(default="error", compare=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(frozen=True)
class Candidate:
    """A document the index proposes as a possible source, before alignment.

    From :func:`unspun.retrieve`, a candidate stands for a *text*: ``copies`` are the other
    documents that carry it as far as the article's features show (reprints, syndicated
    or spun copies), best first; the text is ranked once, by this, its lead document."""

    doc_id: str
    score: float
    shared_features: int
    copies: tuple[Candidate, ...] = ()
    #: position among the documents ranked one by one by shared features (0: shares most)
    rank: int | None = None

    @property
    def doc_ids(self) -> tuple[str, ...]:
        """The lead document's id, then its copies'."""
        return (self.doc_id, *(c.doc_id for c in self.copies))


@dataclass(frozen=True)
class Edit:
    """One change inside an aligned passage.

    ``kind`` is one of ``synonym``, ``inflection``, ``paraphrase``, ``insert``, ``delete``,
    ``number``, ``name``, ``negation``. ``in_quote`` is true when the article side lies
    inside quotation marks.
    """

    kind: str
    article_span: Span
    source_span: Span
    article_text: str
    source_text: str
    in_quote: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "article_span": list(self.article_span),
            "source_span": list(self.source_span),
            "article_text": self.article_text,
            "source_text": self.source_text,
            "in_quote": self.in_quote,
        }


@dataclass(frozen=True)
class Passage:
    """A span of the article aligned to a span of one source document."""

    article_span: Span
    source_span: Span
    similarity: float
    matched_tokens: int
    edits: tuple[Edit, ...] = ()
    #: ``copied`` (word runs shared, token edits classified), ``reworded`` (the sentence
    #: was rewritten from this source sentence: same facts in order, few shared runs; no
    #: edits; ``similarity`` is the content-word overlap) or ``rewritten`` (the semantic
    #: layer aligned it: sentence vectors in the same order; ``similarity`` is their cosine,
    #: ``anchors`` the names and numbers both sentences hold; the pair may cross languages)
    kind: str = "copied"
    anchors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "article_span": list(self.article_span),
            "source_span": list(self.source_span),
            "similarity": round(self.similarity, 4),
            "matched_tokens": self.matched_tokens,
            "edits": [e.to_dict() for e in self.edits],
        }
        if self.kind == "rewritten":
            out["anchors"] = list(self.anchors)
        return out


@dataclass(frozen=True)
class SourceMatch:
    """A document that supplied aligned passages to the article."""

    doc: Document
    coverage: float
    score: float
    passages: tuple[Passage, ...]
    #: other documents carrying the same text (the likely origin is this one, the
    #: earliest dated); each with its own passages
    copies: tuple[SourceMatch, ...] = ()
    #: why the source was accepted: the evidence figures (see analyze/evidence.py)
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc.id,
            "url": self.doc.url,
            "title": self.doc.title,
            "site": self.doc.site,
            "published": self.doc.published,
            "coverage": round(self.coverage, 4),
            "score": round(self.score, 4),
            "evidence": dict(self.evidence),
            "passages": [p.to_dict() for p in self.passages],
            "copies": [c.to_dict() for c in self.copies],
        }


@dataclass(frozen=True)
class UnsourcedSpan:
    article_span: Span
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"article_span": list(self.article_span), "text": self.text}


@dataclass(frozen=True)
class Finding:
    """One forensic finding: what was done to the article, where, with the evidence.

    ``kind`` is one of the kinds listed in :mod:`unspun.analyze.findings`. ``article_span``
    points into the article; ``source_doc`` / ``source_span`` into a source (``None`` when
    the finding has no source side). ``detail`` is one human-readable sentence; ``data``
    holds the same facts for machines (kind-specific keys, see docs/report-format.md).
    """

    kind: str
    article_span: Span
    detail: str
    source_doc: str | None = None
    source_span: Span | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "article_span": list(self.article_span),
            "source_doc": self.source_doc,
            "source_span": list(self.source_span) if self.source_span else None,
            "detail": self.detail,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class Verdict:
    label: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "summary": self.summary}


@dataclass(frozen=True)
class Report:
    """What unspun found about one article. ``to_dict()`` is the JSON report contract."""

    article: Document
    verdict: Verdict
    coverage: float
    sources: tuple[SourceMatch, ...]
    unsourced: tuple[UnsourcedSpan, ...]
    unspun_version: str
    report_version: str = "3"
    findings: tuple[Finding, ...] = ()
    #: documents dated after the article that carry its text: not sources (a later page
    #: cannot be the source of an earlier one), but copies of it or of a common origin
    later_copies: tuple[SourceMatch, ...] = ()
    #: the semantic layer: ``status`` ("on", or "off: <why>") and the article's language
    #: (detected only when the layer is on)
    semantic: dict[str, Any] = field(
        default_factory=lambda: {"status": "off", "article_language": None}, compare=False, hash=False
    )

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "unspun_version": self.unspun_version,
            "report_version": self.report_version,
            "article": {
                "id": a.id,
                "title": a.title,
                "url": a.url,
                "site": a.site,
                "published": a.published,
                "text": a.text,
            },
            "verdict": self.verdict.to_dict(),
            "coverage": round(self.coverage, 4),
            "sources": [s.to_dict() for s in self.sources],
            "unsourced": [u.to_dict() for u in self.unsourced],
            "findings": [f.to_dict() for f in self.findings],
            "later_copies": [c.to_dict() for c in self.later_copies],
            "semantic": dict(self.semantic),
        }
