"""Reading the shared benchmark corpora (never copied into the repository).

The data folder is ``--data-dir``, else ``$UNSPUN_DATA``, else ``../shared/data`` relative
to the repository root. Records keep ``text`` exactly as stored (the indexer stores it
unchanged, so ground-truth offsets stay valid).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.generator import long_sentence_keys, prepare

REUTERS = "reuters21578.jsonl.gz"
BBC = "bbc.jsonl.gz"
BASIL = "basil_news_triplets.jsonl.gz"

_WORD = re.compile(r"[^\W_]+")


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("UNSPUN_DATA")
    if env:
        return Path(env)
    return (repo_root() / ".." / "shared" / "data").resolve()


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def is_prose(doc: dict[str, Any], min_sentences: int = 3) -> bool:
    """News prose, not a table or an all-caps bulletin."""
    text = doc["text"]
    if not 300 <= len(text) <= 20000:
        return False
    words = _WORD.findall(text)
    if not words:
        return False
    alpha = sum(1 for w in words if w.isalpha())
    letters = [c for c in text if c.isalpha()]
    lower = sum(1 for c in letters if c.islower())
    if alpha / len(words) < 0.75 or lower / max(1, len(letters)) < 0.6:
        return False
    return len(prepare(doc).sentences) >= min_sentences


def dedupe(docs: Iterable[dict[str, Any]], overlap: float = 0.5) -> list[dict[str, Any]]:
    """Drop exact duplicates and near duplicates (half or more of the long sentences seen
    in an earlier record): the wire re-sent stories, and a re-sent copy in the index would
    be a second true source."""
    seen_text: set[str] = set()
    seen_keys: set[str] = set()
    out = []
    for d in docs:
        norm = " ".join(d["text"].split()).lower()
        if norm in seen_text:
            continue
        keys = long_sentence_keys(d["text"])
        if keys and len(keys & seen_keys) / len(keys) >= overlap:
            continue
        seen_text.add(norm)
        seen_keys |= keys
        out.append(d)
    return out


def load_news(ddir: Path, *, prose_only: bool = True) -> list[dict[str, Any]]:
    """Reuters-21578 and BBC records (``corpus`` field added), prose-filtered and deduped,
    in file order."""
    docs: list[dict[str, Any]] = []
    for name, tag in ((REUTERS, "reuters"), (BBC, "bbc")):
        for r in read_jsonl_gz(ddir / name):
            r = dict(r)
            r["id"] = f"{tag}:{r['id']}"
            r["corpus"] = tag
            docs.append(r)
    if prose_only:
        docs = [d for d in docs if is_prose(d)]
    return dedupe(docs)


def load_basil(ddir: Path) -> list[dict[str, Any]]:
    out = []
    for r in read_jsonl_gz(ddir / BASIL):
        r = dict(r)
        r["id"] = f"basil:{r['id']}"
        r["corpus"] = "basil"
        out.append(r)
    return out


def write_results(name: str, res: dict[str, Any], markdown: str, *, scratch: bool = False) -> Path:
    """Write ``NAME.json`` and ``NAME.md`` to bench/results (bench/work for partial runs)."""
    out = repo_root() / "bench" / ("work" if scratch else "results")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(res, indent=1) + "\n")
    (out / f"{name}.md").write_text(markdown)
    return out
