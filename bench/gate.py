"""CI accuracy gate: run ``bench.quality --quick`` and ``bench.real`` and compare with pinned floors.

    python -m bench.gate [--floors bench/floors.json] [--data-dir DIR] [--write]

``bench/floors.json`` holds ``floors`` (metric >= floor) and ``ceilings`` (metric <=
ceiling, for error rates such as the false-source rate), keyed like the ``gate`` section
of ``quality_quick.json`` (``method/kind/rate/metric``) for the generated benchmark and
``real/<kind>/<metric>`` for the real development set (the ``gate`` section of
``bench/results/real.json``), and ``real_semantic/<kind>/<metric>`` for the same set with
the semantic layer (when ``unspun[semantic]`` is installed). Exit 1 if any metric is below its floor, above its ceiling,
or missing while its bound is not trivial (floor > 0, ceiling < 1). When the benchmark
data or the real cases are absent, that part of the gate is skipped (exit 0).
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
    ap.add_argument("--realdev", help="real development set (default $UNSPUN_REALDEV or ../shared/realdev)")
    ap.add_argument(
        "--write", action="store_true", help="also write bench/results/quality_quick.{md,json}"
    )
    args = ap.parse_args(argv)

    bounds = json.loads(Path(args.floors).read_text(encoding="utf-8"))
    real_bounds = _only(bounds, lambda k: k.startswith("real/"))
    semantic_bounds = _only(bounds, lambda k: k.startswith("real_semantic/"))
    generated_bounds = _only(bounds, lambda k: not k.startswith(("real/", "real_semantic/")))
    bad: list[str] = []
    n = 0
    ddir = corpus.data_dir(args.data_dir)
    if not (ddir / corpus.REUTERS).exists():
        print(f"benchmark data not found at {ddir}; generated-benchmark gate skipped")
    else:
        from bench import quality

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
        bad += check(results["gate"], generated_bounds)
        n += _count(generated_bounds)
    from bench import real

    path = real.cases_path(args.realdev)
    if not path.exists():
        print(f"real development set not found at {path}; real-case gate skipped")
    else:
        metrics = real.run_quick(path)
        for key in sorted(k for k in metrics if k.startswith("real/all/")):
            print(f"{key}: {metrics[key]:.3f}")
        bad += check(metrics, real_bounds)
        n += _count(real_bounds)
        import unspun.semantic

        if unspun.semantic.available():
            metrics = real.run_quick(path, semantic=True)
            for key in sorted(k for k in metrics if k.startswith("real_semantic/all/")):
                print(f"{key}: {metrics[key]:.3f}")
            bad += check(metrics, semantic_bounds)
            n += _count(semantic_bounds)
        else:
            print(f"semantic layer unavailable ({unspun.semantic.unavailable_reason()}); its real-case gate skipped")
    if bad:
        print("accuracy gate FAILED:")
        for line in bad:
            print(f"  {line}")
        return 1
    print(f"accuracy gate passed ({n} bounds)")
    return 0


def _only(bounds: dict, keep) -> dict:
    return {
        "floors": {k: v for k, v in (bounds.get("floors") or {}).items() if keep(k)},
        "ceilings": {k: v for k, v in (bounds.get("ceilings") or {}).items() if keep(k)},
    }


def _count(bounds: dict) -> int:
    return len(bounds.get("floors") or {}) + len(bounds.get("ceilings") or {})


if __name__ == "__main__":
    raise SystemExit(main())
