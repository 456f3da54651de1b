"""The JSON report: the contract (see docs/report-format.md) and its JSON Schema."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..models import Report

SCHEMA_FILE = "report.schema.json"


def to_json(report: Report, *, indent: int | None = 2) -> str:
    """Serialise a report; spans are ``[start, end)`` offsets into ``article.text``."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=indent)


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files("unspun.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, shipped in the package."""
    return json.loads(_schema_text())


def validate(report: Report | dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``report`` breaks the schema.

    Needs the ``jsonschema`` package (in the ``dev`` extra); also checks what the schema
    cannot say: every span lies inside its text and every ``*_text`` equals its span.
    """
    import jsonschema

    d = report.to_dict() if isinstance(report, Report) else report
    jsonschema.Draft202012Validator(load_schema()).validate(d)
    text = d["article"]["text"]
    n = len(text)

    def ok(span: list[int], limit: int, what: str) -> None:
        if not (0 <= span[0] <= span[1] <= limit):
            raise jsonschema.ValidationError(f"{what}: span {span} outside [0, {limit}]")

    everyone = [*d["sources"], *d.get("later_copies", [])]
    everyone += [c for s in list(everyone) for c in s.get("copies", [])]
    for s in everyone:
        for p in s["passages"]:
            ok(p["article_span"], n, "passage")
            for e in p["edits"]:
                ok(e["article_span"], n, "edit")
                if text[e["article_span"][0] : e["article_span"][1]] != e["article_text"]:
                    raise jsonschema.ValidationError(f"edit article_text differs from its span: {e}")
    for u in d["unsourced"]:
        ok(u["article_span"], n, "unsourced")
        if text[u["article_span"][0] : u["article_span"][1]] != u["text"]:
            raise jsonschema.ValidationError(f"unsourced text differs from its span: {u}")
    ids = {s["doc_id"] for s in d["sources"]}
    for f in d["findings"]:
        ok(f["article_span"], n, f"finding {f['kind']}")
        if f["source_doc"] is not None and f["source_doc"] not in ids:
            raise jsonschema.ValidationError(f"finding names a document that is not a source: {f}")
