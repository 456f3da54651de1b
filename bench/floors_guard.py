"""Refuse a commit that lowers an accuracy floor (or raises a ceiling) without saying why.

    python -m bench.floors_guard [--base REV]

Compares ``bench/floors.json`` in the working tree with the same file at ``REV`` (default
``HEAD~1``; nothing to compare when it does not exist). A floor lowered or a ceiling raised
passes only if the message of the last commit holds a line ``lower-floors: <reason>``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

FLOORS = Path(__file__).with_name("floors.json")


def loosened(old: dict, new: dict) -> list[str]:
    """Bounds that ``new`` makes easier to pass than ``old``."""
    out = []
    for key, value in (old.get("floors") or {}).items():
        nv = (new.get("floors") or {}).get(key)
        if nv is None or float(nv) < float(value):
            out.append(f"floor {key}: {value} -> {nv}")
    for key, value in (old.get("ceilings") or {}).items():
        nv = (new.get("ceilings") or {}).get(key)
        if nv is None or float(nv) > float(value):
            out.append(f"ceiling {key}: {value} -> {nv}")
    return out


def _git(*args: str) -> str | None:
    r = subprocess.run(["git", *args], capture_output=True, text=True, cwd=FLOORS.parent)
    return r.stdout if r.returncode == 0 else None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.floors_guard")
    ap.add_argument("--base", default="HEAD~1")
    args = ap.parse_args(argv)
    old_text = _git("show", f"{args.base}:bench/floors.json")
    if old_text is None:
        print(f"floors guard: no bench/floors.json at {args.base}; nothing to compare")
        return 0
    changes = loosened(json.loads(old_text), json.loads(FLOORS.read_text(encoding="utf-8")))
    if not changes:
        print("floors guard: no floor lowered")
        return 0
    message = _git("log", "-1", "--format=%B") or ""
    reasons = [ln for ln in message.splitlines() if ln.strip().lower().startswith("lower-floors:")]
    if reasons and reasons[0].split(":", 1)[1].strip():
        print("floors guard: floors lowered with a reason:", reasons[0].split(":", 1)[1].strip())
        for c in changes:
            print("  ", c)
        return 0
    print("floors guard FAILED: accuracy bounds loosened without 'lower-floors: <reason>' in the commit:")
    for c in changes:
        print("  ", c)
    return 1


if __name__ == "__main__":
    sys.exit(main())
