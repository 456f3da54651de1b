"""``SequenceMatcher``: difflib's, from the C port ``cydifflib`` when it is installed.

``cydifflib`` (MIT, a Cython build of CPython's ``difflib``) gives the same matching
blocks, opcodes and ratios as :class:`difflib.SequenceMatcher` (``tests/test_seqmatch.py``
compares them on token keys of real alignments) in about half the time. Without it, or
with ``UNSPUN_PURE_DIFFLIB=1`` in the environment (to compare the two), the standard
library's is used: the output is the same either way.
"""

from __future__ import annotations

import os

if os.environ.get("UNSPUN_PURE_DIFFLIB"):
    from difflib import SequenceMatcher

    ACCELERATED = False
else:
    try:
        from cydifflib import SequenceMatcher  # type: ignore[import-not-found,no-redef]

        ACCELERATED = True
    except ImportError:  # pragma: no cover - the dependency is declared; a broken install
        from difflib import SequenceMatcher

        ACCELERATED = False

__all__ = ["ACCELERATED", "SequenceMatcher"]
