"""Time to compute a whole publication (all forces, all indicators, intervals) from a warm warehouse.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/indicators.py [--runs 7]
Imports the official data into a scratch warehouse first (not timed). Target: under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
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
    parser.add_argument("--no-results", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
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
    median = statistics.median(timings)
    if not args.no_results:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _results import machine, update_section

        update_section("indicators", "\n".join([
            "## Indicators (`benchmarks/indicators.py`)",
            "",
            f"Whole publication `{args.publication}` ({len(results)} results: every force, indicator and period,"
            " with England and Wales, 95% and 99.8% intervals, comparisons and change tests, and since issue 16 the"
            " computed similar forces, each force's pooled peer figure, the over-dispersed comparison and the"
            " worse-and-getting-worse flag) from a warm"
            f" warehouse of all of `PEEL_DATA_DIR`; {args.runs} runs.",
            "",
            "| machine | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in machine().items()),
            "",
            f"| median | {median:.3f} s |",
            "| --- | --- |",
            f"| min / max | {min(timings):.3f} / {max(timings):.3f} s |",
            f"| target | under 0.500 s: {'met' if median < 0.5 else 'NOT met'} |",
        ]))
    print(f"publication        {args.publication}")
    print(f"results            {len(results)} (forces x indicators x periods, with England and Wales)")
    print(f"runs               {args.runs}")
    print(f"median seconds     {statistics.median(timings):.3f}")
    print(f"min / max seconds  {min(timings):.3f} / {max(timings):.3f}")
    print(f"target             under 0.500 s: {'met' if statistics.median(timings) < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
