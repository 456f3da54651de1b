"""The JSON report: the contract (see docs/report-format.md)."""

from __future__ import annotations

import json

from ..models import Report


def to_json(report: Report, *, indent: int | None = 2) -> str:
    """Serialise a report; spans are ``[start, end)`` offsets into ``article.text``."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=indent)
