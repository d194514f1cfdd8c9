"""Time to compute a whole publication (all forces, all indicators, intervals) from a warm warehouse.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/indicators.py [--runs 7]
Imports the official data into a scratch warehouse first (not timed). Target: under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from peelkit.importer import import_paths
from peelkit.indicators import engine, publication


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--publication", default="peel-effectiveness-2017")
    args = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data"))
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "warehouse.duckdb"
        import_paths([data], db_path=db)
        pub = publication.load(args.publication)
        con = duckdb.connect(str(db), read_only=True)
        engine.evaluate_publication(con, pub)  # warm: imports, caches of the database file
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results = engine.evaluate_publication(con, pub, include_earlier=True)
            timings.append(time.perf_counter() - started)
        con.close()
    print(f"publication        {args.publication}")
    print(f"results            {len(results)} (forces x indicators x periods, with England and Wales)")
    print(f"runs               {args.runs}")
    print(f"median seconds     {statistics.median(timings):.3f}")
    print(f"min / max seconds  {min(timings):.3f} / {max(timings):.3f}")
    print(f"target             under 0.500 s: {'met' if statistics.median(timings) < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
