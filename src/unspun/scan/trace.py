"""Alignment helpers for the crawl scan.

The alignment itself is the core's :func:`unspun.pipeline.trace_sources` (what
:func:`unspun.check` does after retrieval), re-exported here for the scan's modules.
"""

from __future__ import annotations

from ..analyze.verdict import SPIN_KINDS
from ..models import Passage
from ..pipeline import SourceTrace, trace_sources

__all__ = ["SourceTrace", "spin_words", "trace_sources"]


def spin_words(p: Passage) -> int:
    """Words swapped inside a passage (article side of synonym/paraphrase/inflection edits),
    counted as :func:`unspun.analyze.verdict.spin_density` counts them."""
    return sum(max(1, len(e.article_text.split())) for e in p.edits if e.kind in SPIN_KINDS)
