"""Deterministic, streaming corpus synthesis for the speed benchmark.

The real benchmark corpora hold ~23k documents; the scale runs need 10^5-10^6. A synthetic
document is made from the real ones, as a content farm would make it:

* pick 2-3 real documents at random (all five corpora pooled);
* from each take a contiguous run of 3-6 sentences;
* join the runs, then synonym-spin the result at a rate drawn uniformly from [0, 0.4]:
  each content word (not a stopword, known to the lexicon) is replaced, with that
  probability, by one of its ``default_lexicon().synonyms(word)`` picked at random.

Document ``i`` depends only on ``(seed, i)``, so a corpus of 100k is a prefix of the corpus
of 1M and any document can be rebuilt alone. :func:`corpus` is a generator: the real pool
(~30 MB of text) is held in memory, the synthetic corpus never is.

The corpora are copyrighted: they are read at run time and nothing is written into the
repository (indexes go to the git-ignored ``bench/work/``).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path

from unspun.lexicon import default_lexicon
from unspun.models import Document

# (file, id prefix); the order fixes which real documents the smaller corpora hold
REAL_FILES = (
    ("reuters21578.jsonl.gz", "reuters"),
    ("bbc.jsonl.gz", "bbc"),
    ("fakenewsnet_crawl2022.jsonl.gz", "fnn"),
    ("basil_news_triplets.jsonl.gz", "basil"),
    ("news_article_extraction_benchmark.jsonl.gz", "zyte"),
)

_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD_SPLIT = re.compile(r"([A-Za-z]+(?:'[a-z]+)?)")


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``explicit``, else ``$UNSPUN_DATA``, else ``../shared/data`` next to the repository."""
    if explicit:
        return Path(explicit)
    if os.environ.get("UNSPUN_DATA"):
        return Path(os.environ["UNSPUN_DATA"])
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def read_real(folder: Path, files: tuple[tuple[str, str], ...] = REAL_FILES) -> Iterator[Document]:
    """The real documents, in file order, ids prefixed by their corpus."""
    for name, prefix in files:
        with gzip.open(folder / name, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                text = rec.get("text") or ""
                if text.strip():
                    yield Document(id=f"{prefix}/{rec['id']}", text=text, title=rec.get("title"))


def sentences(text: str) -> list[str]:
    """Rough sentence split of whitespace-collapsed text (good enough for synthesis)."""
    flat = " ".join(text.split())
    return [s for s in _SENT_END.split(flat) if s]


class Spinner:
    """Synonym spinner over the unspun lexicon (a per-word cache keeps it fast)."""

    def __init__(self) -> None:
        self.lex = default_lexicon()
        self._cache: dict[str, tuple[str, ...]] = {}

    def candidates(self, word: str) -> tuple[str, ...]:
        key = word.lower()
        c = self._cache.get(key)
        if c is None:
            if self.lex.is_stopword(key) or len(key) < 3:
                c = ()
            else:
                # sorted: frozenset order depends on PYTHONHASHSEED, the corpus must not
                c = tuple(sorted(s for s in self.lex.synonyms(key) if s != key and "_" not in s))
            self._cache[key] = c
        return c

    def spin(self, text: str, rate: float, rng: random.Random) -> str:
        if rate <= 0:
            return text
        parts = _WORD_SPLIT.split(text)
        for i in range(1, len(parts), 2):
            w = parts[i]
            cands = self.candidates(w)
            if cands and rng.random() < rate:
                new = cands[rng.randrange(len(cands))]
                if w[0].isupper():
                    new = new[0].upper() + new[1:]
                parts[i] = new
        return "".join(parts)


class Synth:
    """Synthetic documents from a pool of real ones (see the module docstring)."""

    def __init__(self, real: list[Document], seed: int = 0) -> None:
        self.seed = seed
        self.pool = [s for s in (sentences(d.text) for d in real) if s]
        self.spinner = Spinner()

    def doc(self, i: int) -> Document:
        rng = random.Random(f"{self.seed}:{i}")
        runs: list[str] = []
        for _ in range(rng.randint(2, 3)):
            sents = self.pool[rng.randrange(len(self.pool))]
            n = rng.randint(3, 6)
            start = rng.randrange(max(1, len(sents) - n + 1))
            runs.append(" ".join(sents[start : start + n]))
        rate = rng.uniform(0.0, 0.4)
        text = self.spinner.spin("\n\n".join(runs), rate, rng)
        return Document(id=f"syn/{i:07d}", text=text, meta={"spin_rate": round(rate, 3)})


def corpus(n: int, folder: Path, seed: int = 0) -> Iterator[Document]:
    """The first ``n`` documents of the benchmark corpus: real documents first (Reuters in
    file order, then BBC, FakeNewsNet, BASIL, Zyte), then synthetic ones. Streaming."""
    real = list(read_real(folder))
    yield from real[:n]
    if n > len(real):
        synth = Synth(real, seed)
        for i in range(n - len(real)):
            yield synth.doc(i)


class Babbler:
    """Original-looking documents that share no passage with anything: a first-order word
    Markov chain over the real pool's sentences (word frequencies, sentence lengths and
    stopword rhythm of news, no reused run of words beyond chance).

    The scan benchmark needs 10^5-10^6 *originals* whose only reuse is the generated one;
    the pool has ~23k real documents, and :class:`Synth`'s documents reuse real sentences
    (good for retrieval load, wrong for family ground truth). Document ``i`` depends only
    on ``(seed, i)``.
    """

    END = (".", "?", "!")
    #: a prose word: letters (an apostrophe or hyphen inside), optional closing punctuation
    PROSE_WORD = re.compile(r"^[\"'(“‘]?[A-Za-z][A-Za-z'’-]*[.,;:!?\"')”’]*$|^\d{1,4}[.,]?\d*[.,;:]?$")

    @classmethod
    def is_prose(cls, words: list[str]) -> bool:
        """At least 90% prose words, by a stricter test than the scan's own
        (:func:`unspun.scan.rows.prose_share`, which accepts wire tables of figures because
        farms copy those too): the generator must also keep columns of figures out, since
        a Markov chain re-emits them verbatim. Real pages also hold tables, JSON, PDF streams and
        embed code (FakeNewsNet crawl texts); a Markov chain trained on those re-emits
        their near-deterministic word sequences verbatim in many documents, reuse that
        the ground truth would not know (the first 1M scan run was glued together by
        exactly that)."""
        ok = sum(1 for w in words if cls.PROSE_WORD.match(w))
        return ok >= 0.9 * len(words)

    def __init__(self, real: list[Document], seed: int = 0) -> None:
        self.seed = seed
        nxt: dict[str, list[str]] = {}
        starts: list[str] = []
        for d in real:
            for s in sentences(d.text):
                words = s.split()
                if len(words) < 4 or not self.is_prose(words):
                    continue
                starts.append(words[0])
                for w1, w2 in zip(words, words[1:], strict=False):
                    nxt.setdefault(w1, []).append(w2)
        self.next = nxt
        self.starts = starts

    def sentence(self, rng: random.Random) -> str:
        w = self.starts[rng.randrange(len(self.starts))]
        out = [w]
        while len(out) < 40:
            if w.endswith(self.END) and len(out) >= 6:
                break
            cands = self.next.get(w)
            if not cands:
                break
            w = cands[rng.randrange(len(cands))]
            out.append(w)
        s = " ".join(out)
        return s if s.endswith(self.END) else s + "."

    def doc(self, i: int) -> Document:
        rng = random.Random(f"babble:{self.seed}:{i}")
        paras = [" ".join(self.sentence(rng) for _ in range(rng.randint(1, 3)))
                 for _ in range(rng.randint(3, 6))]
        return Document(id=f"babble/{i:07d}", text="\n\n".join(paras), title=None)
