"""CI accuracy gate: run ``bench.quality --quick`` and compare with pinned floors.

    python -m bench.gate [--floors bench/floors.json] [--data-dir DIR] [--write]

``bench/floors.json`` holds ``floors`` (metric >= floor) and ``ceilings`` (metric <=
ceiling, for error rates such as the false-source rate), keyed like the ``gate`` section
of ``quality_quick.json`` (``method/kind/rate/metric``). Exit 1 if any metric is below
its floor, above its ceiling, or missing while its bound is not trivial (floor > 0,
ceiling < 1). When the benchmark data is absent the gate is skipped (exit 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bench import corpus


def check(gate: dict[str, float], bounds: dict[str, object]) -> list[str]:
    """Messages for every violated bound (empty list: pass)."""
    bad = []
    for key, floor in (bounds.get("floors") or {}).items():
        val = gate.get(key)
        if val is None:
            if float(floor) > 0:
                bad.append(f"{key}: missing (floor {floor})")
        elif val < float(floor):
            bad.append(f"{key}: {val:.3f} < floor {floor}")
    for key, ceil in (bounds.get("ceilings") or {}).items():
        val = gate.get(key)
        if val is None:
            if float(ceil) < 1:
                bad.append(f"{key}: missing (ceiling {ceil})")
        elif val > float(ceil):
            bad.append(f"{key}: {val:.3f} > ceiling {ceil}")
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--floors", default=str(Path(__file__).with_name("floors.json")))
    ap.add_argument("--data-dir", help="data folder (default $UNSPUN_DATA or ../shared/data)")
    ap.add_argument(
        "--write", action="store_true", help="also write bench/results/quality_quick.{md,json}"
    )
    args = ap.parse_args(argv)

    ddir = corpus.data_dir(args.data_dir)
    if not (ddir / corpus.REUTERS).exists():
        print(f"benchmark data not found at {ddir}; accuracy gate skipped")
        return 0
    from bench import quality

    bounds = json.loads(Path(args.floors).read_text(encoding="utf-8"))
    cfg = quality.Config.quick_config(int(bounds.get("seed", 0)))
    out_dir = corpus.repo_root() / "bench" / "results" if args.write else None
    results = quality.run_quality(
        cfg,
        ddir,
        out_dir=out_dir,
        command="python -m bench.gate",
        log=lambda m: print(m, file=sys.stderr),
    )
    quality.print_tables(results)
    for name, m in results["methods"].items():
        if not m.get("available"):
            print(f"note: {name} was not run ({m.get('skipped')})")
    bad = check(results["gate"], bounds)
    if bad:
        print("accuracy gate FAILED:")
        for line in bad:
            print(f"  {line}")
        return 1
    n = len(bounds.get("floors") or {}) + len(bounds.get("ceilings") or {})
    print(f"accuracy gate passed ({n} bounds, {results['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
