"""``unspun demo``: a bundled public-domain corpus and a spun, stitched article made from it.

The data (package data, so ``pip install`` users have it) is described in
``README.md`` next to this file.
"""

from __future__ import annotations

from importlib import resources

from ..models import Document, Report
from ..store import MemoryIndex, memory_index

CORPUS = "reference.jsonl"
SUSPECT = "suspect.txt"


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def demo_index() -> MemoryIndex:
    """An in-memory index of the 64 bundled public-domain texts."""
    from ..ingest.jsonl import jsonl_records

    lines = (line.encode("utf-8") for line in _read(CORPUS).splitlines())
    idx = memory_index()
    result = idx.add(jsonl_records(lines, name=CORPUS, location=f"unspun/demo/{CORPUS}"))
    if result.failed:  # pragma: no cover - the bundled data is tested
        raise RuntimeError(f"demo corpus: {result.failures[0]}")
    return idx


def demo_article() -> Document:
    """The bundled suspect article (a headline line, then the body)."""
    text = _read(SUSPECT)
    title = text.strip().split("\n", 1)[0].strip()
    return Document(id="unspun-demo-suspect", text=text, title=title, origin=f"unspun/demo/{SUSPECT}")


def run_demo() -> Report:
    """Index the corpus in memory and check the suspect article against it."""
    from ..pipeline import check

    with demo_index() as idx:
        return check(demo_article(), idx)
