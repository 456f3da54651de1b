"""A document's sentence vectors, as the index keeps them beside its text.

Each stored document gets its language, the character spans of its first
``MAX_SENTENCES`` sentences (:func:`unspun.tokens.sentence_spans`), one float16 vector
per sentence (1 KB each) and a document vector (the normalised mean of the sentence
vectors) that retrieval ranks by cosine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tokens import sentence_spans
from .encoder import DIM, encode
from .language import detect

MAX_SENTENCES = 400  # a longer text is embedded on its first 400 sentences (bounded cost)
MIN_LETTERS = 3  # a "sentence" with fewer letters (a dateline, a number) gets no vector


@dataclass(frozen=True)
class DocVectors:
    lang: str | None
    spans: tuple[tuple[int, int], ...]
    sents: Any  # (n, DIM) float16 unit vectors, row i for spans[i]
    vec: Any  # (DIM,) float32 unit vector (zeros when the text has no sentence)

    def to_row(self) -> tuple[str | None, bytes, bytes, bytes]:
        spans = np.asarray(self.spans, dtype=np.int64).reshape(-1, 2)
        return (self.lang, spans.tobytes(), np.asarray(self.sents, np.float16).tobytes(),
                np.asarray(self.vec, np.float32).tobytes())

    @classmethod
    def from_row(cls, lang: str | None, spans: bytes, sents: bytes, vec: bytes) -> DocVectors:
        sp = np.frombuffer(spans, dtype=np.int64).reshape(-1, 2)
        return cls(lang, tuple((int(a), int(b)) for a, b in sp),
                   np.frombuffer(sents, dtype=np.float16).reshape(-1, DIM),
                   np.frombuffer(vec, dtype=np.float32))


def sentences(text: str) -> list[tuple[int, int]]:
    """The spans that get a vector: sentences with a few letters, at most MAX_SENTENCES."""
    out = []
    for a, b in sentence_spans(text):
        if sum(ch.isalpha() for ch in text[a:b]) >= MIN_LETTERS:
            out.append((a, b))
            if len(out) >= MAX_SENTENCES:
                break
    return out


def embed_texts(texts: Sequence[str]) -> list[DocVectors]:
    """Vectors of several texts, their sentences encoded in one batch."""
    spans = [sentences(t) for t in texts]
    flat = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
    mat = encode(flat)
    out: list[DocVectors] = []
    i = 0
    for t, sp in zip(texts, spans, strict=True):
        rows = mat[i : i + len(sp)]
        i += len(sp)
        if len(sp):
            mean = rows.mean(axis=0)
            vec = (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)
        else:
            vec = np.zeros(DIM, dtype=np.float32)
        out.append(DocVectors(detect(t), tuple(sp), rows.astype(np.float16), vec))
    return out
