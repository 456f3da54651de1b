from __future__ import annotations

import json
from pathlib import Path

import pytest

import unspun
from unspun.models import Document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def reference_docs() -> list[Document]:
    """64 public-domain US government texts (examples/reference.jsonl)."""
    out = []
    for line in (EXAMPLES / "reference.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out.append(Document(id=r["id"], text=r["text"], title=r.get("title"), url=r.get("url"),
                            site=r.get("site"), published=r.get("published")))
    return out


@pytest.fixture(scope="session")
def reference_index(reference_docs):
    idx = unspun.memory_index()
    idx.add(reference_docs)
    return idx


@pytest.fixture(scope="session")
def suspect() -> Document:
    return Document(id="suspect", text=(EXAMPLES / "suspect.txt").read_text(encoding="utf-8"))
