"""Entry point for ``spark-submit`` (and ``python -m unspun.scan.spark_job``).

    spark-submit --master yarn "$(python -c 'import unspun.scan.spark_job as m; print(m.__file__)')" \\
        crawl/ --out /data/scan --filter "a.site <> b.site"

Same arguments as ``unspun scan``; the session spark-submit created is used as it is.
"""

from __future__ import annotations

import argparse
import sys

from unspun.errors import UnspunError
from unspun.scan import ScanSettings, run_scan


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="unspun.scan.spark_job", description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="*")
    p.add_argument("--out", required=True)
    p.add_argument("--filter", dest="filter")
    p.add_argument("--min-shared", type=int)
    p.add_argument("--max-df", type=int)
    p.add_argument("--max-sources", type=int)
    p.add_argument("--spin-threshold", type=float)
    p.add_argument("--workers", type=int)
    a = p.parse_args(argv)
    given = {"inputs": a.inputs, "filter": a.filter, "min_shared": a.min_shared,
             "max_df": a.max_df, "max_sources": a.max_sources, "spin_threshold": a.spin_threshold}
    st = ScanSettings(inputs=tuple(a.inputs)).with_changes(
        **{k: v for k, v in given.items() if k != "inputs"})
    try:
        run_scan(a.out, st, engine="spark", workers=a.workers, explicit=given, log=print)
    except UnspunError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
