"""Steps both engines share after the alignment stage: families and sites from small tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import stages
from .families import DocMeta, build_families
from .settings import ScanSettings
from .sites import build_sites

FAMILIES_SCHEMA = pa.schema([
    ("family", pa.int64()), ("did", pa.int64()), ("id", pa.string()), ("site", pa.string()),
    ("date", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("size", pa.int64()),
    ("sites", pa.int64()), ("role", pa.string()),
    ("origin", pa.int64()), ("origin_id", pa.string()), ("origin_site", pa.string()),
    ("origin_status", pa.string()),
])
ORIGINS_SCHEMA = pa.schema([
    ("pair", pa.string()), ("a", pa.int64()), ("b", pa.int64()), ("passage", pa.int32()),
    ("b_start", pa.int64()), ("b_end", pa.int64()), ("origin", pa.int64()),
    ("origin_id", pa.string()), ("origin_site", pa.string()), ("origin_status", pa.string()),
    ("cross_site", pa.bool_()),
])
SITES_SCHEMA = pa.schema([
    ("rank", pa.int64()), ("site", pa.string()), ("articles", pa.int64()),
    ("copies", pa.int64()), ("copy_share", pa.float64()), ("spun", pa.int64()),
    ("spun_share", pa.float64()), ("mean_spin", pa.float64()),
    ("top_origins", pa.list_(pa.string())), ("evidence", pa.list_(pa.string())),
])


def doc_meta(docs: pa.Table) -> dict[int, DocMeta]:
    cols = docs.select(["did", "id", "site", "date"]).to_pydict()
    return {
        d: DocMeta(i, s, t)
        for d, i, s, t in zip(cols["did"], cols["id"], cols["site"], cols["date"], strict=True)
    }


def accepted_passages(alignments: pa.Table) -> list[dict[str, Any]]:
    """Accepted passages sorted by (copy, source, passage): the same order in both engines."""
    t = alignments.filter(pc.field("accepted"))
    rows = t.to_pylist()
    rows.sort(key=lambda r: (r["b"], r["a"], r["passage"]))
    return rows


def families_and_sites(out: Path, st: ScanSettings, docs: pa.Table, alignments: pa.Table,
                       engine: str) -> None:
    """Run the families and sites stages (skipping a complete one)."""
    import time

    meta = doc_meta(docs)
    passages = accepted_passages(alignments)
    if not stages.is_complete(out, "families"):
        t0 = time.time()
        stages.clear(out, "families")
        fam, org = build_families(passages, meta, st.sources.min_evidence)
        stages.write_table(out, "families", pa.Table.from_pylist(fam, FAMILIES_SCHEMA))
        stages.write_table(out, "families", pa.Table.from_pylist(org, ORIGINS_SCHEMA), "origins")
        stages.complete(out, "families", len(fam), t0, engine=engine,
                        families=len({r["family"] for r in fam}), passages=len(org))
    if not stages.is_complete(out, "sites"):
        t0 = time.time()
        stages.clear(out, "sites")
        org = stages.read_table(out, "families", "origins").to_pylist()
        rows = build_sites(meta, passages, org, st.spin_threshold)
        stages.write_table(out, "sites", pa.Table.from_pylist(rows, SITES_SCHEMA))
        stages.complete(out, "sites", len(rows), t0, engine=engine)
