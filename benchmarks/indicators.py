"""Time to compute a whole publication (all forces, all indicators, intervals) from a warm warehouse, with every
indicator computed from loaded data.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/indicators.py [--runs 7]
Imports the official data and the synthetic demo returns (seed 1, as `make demo`) into a scratch warehouse
first (not timed). The public outcomes data cover April 2017 to March 2018 only, so the built-in publication's
outcome indicators (12 months to June 2017) have no data: they are also timed in a variant of the publication
whose outcome periods end in March 2018, so their cost is measured too. The script refuses to report a figure
for a run in which an indicator had no value for any force. Target: under 0.5 s.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import duckdb

from peelkit.importer import import_paths
from peelkit.indicators import engine, publication
from peelkit.returns.demo import run_demo

TARGET_SECONDS = 0.5
OUTCOME_INDICATORS = ("outcome_charged_pct", "outcome_victim_not_support_pct", "outcome_no_suspect_pct",
                      "action_taken_pct")
OUTCOMES_END = "2018-03-31"  # the end of the only 12 months of outcomes in PEEL_DATA_DIR


def outcomes_variant(publication_id: str, folder: Path) -> Path:
    """The publication's file with its outcome indicators' periods moved to the 12 months the data cover."""
    text = resources.files("peelkit.indicators").joinpath(f"publications/{publication_id}.toml").read_text("utf-8")
    for indicator in OUTCOME_INDICATORS:
        moved = f'{indicator} = {{ end = "{OUTCOMES_END}" }}'
        text, count = re.subn(rf'^{indicator} = \{{ end = "[0-9-]+" \}}$', moved, text, flags=re.M)
        assert count == 1, f"{indicator}'s period not found in {publication_id}.toml"
    path = folder / f"{publication_id}-outcomes-{OUTCOMES_END}.toml"
    path.write_text(text, "utf-8")
    return path


def coverage(results: list[engine.Result]) -> dict[str, int]:
    """Indicator -> how many forces (England and Wales not counted) have a value."""
    counts: collections.Counter[str] = collections.Counter()
    for result in results:
        counts[result.indicator] += 0
        if result.value is not None and result.force_code != engine.ENGLAND_AND_WALES:
            counts[result.indicator] += 1
    return dict(counts)


def time_publication(con: duckdb.DuckDBPyConnection, pub: publication.Publication,
                     runs: int) -> tuple[list[float], list[engine.Result]]:
    engine.evaluate_publication(con, pub)  # warm: imports, caches of the database file
    timings, results = [], []
    for _ in range(runs):
        started = time.perf_counter()
        results = engine.evaluate_publication(con, pub, include_earlier=True)
        timings.append(time.perf_counter() - started)
    return timings, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--publication", default="peel-effectiveness-2017")
    parser.add_argument("--no-results", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
    args = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data"))
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "warehouse.duckdb"
        import_paths([data], db_path=db)
        run_demo(args.publication, 1, Path(scratch) / "returns", db_path=db)
        variants = {"as published (outcomes for June 2017 not public: no data)": publication.load(args.publication),
                    f"outcome periods ending {OUTCOMES_END} (every indicator computed)":
                        publication.load(str(outcomes_variant(args.publication, Path(scratch))))}
        con = duckdb.connect(str(db), read_only=True)
        for name, pub in variants.items():
            timings, results = time_publication(con, pub, args.runs)
            rows.append((name, timings, results, coverage(results)))
        con.close()
    full = rows[-1]
    empty = sorted(indicator for indicator, forces in full[3].items() if forces == 0)
    if empty:
        raise SystemExit(f"not every indicator was computed (no force has a value: {', '.join(empty)}); no figure")
    median = statistics.median(full[1])
    verdict = "met" if median < TARGET_SECONDS else "NOT met"
    for name, timings, results, counts in rows:
        print(f"{name}: {len(results)} results, median {statistics.median(timings):.3f} s "
              f"(min {min(timings):.3f}, max {max(timings):.3f}, {args.runs} runs)")
        print("  forces with a value: " + ", ".join(f"{i} {n}" for i, n in sorted(counts.items())))
    print(f"target             under {TARGET_SECONDS:.3f} s with every indicator computed: {verdict}")
    if not args.no_results:
        write_results(args, rows, verdict, f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")


def write_results(args: argparse.Namespace, rows: list[tuple[str, list[float], list[engine.Result], dict[str, int]]],
                  verdict: str, load: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _results import machine, update_section

    full = rows[-1][3]
    update_section("indicators", "\n".join([
        "## Indicators (`benchmarks/indicators.py`)",
        "",
        f"Whole publication `{args.publication}` (every force, indicator and period, with England and Wales, 95%"
        " and 99.8% intervals, comparisons and change tests, the computed similar forces, each force's pooled peer"
        " figure, the over-dispersed comparison and the worse-and-getting-worse flag) from a warm warehouse of all"
        " of `PEEL_DATA_DIR` plus the synthetic demo returns (seed 1), so the six return indicators are computed;"
        f" {args.runs} runs. The public outcomes cover April 2017 to March 2018 only, so the second row moves the"
        f" four outcome indicators' periods to the 12 months to {OUTCOMES_END}: every indicator then has values.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in machine().items()),
        f"| load average (1 min) | {load} |",
        "",
        "| publication | results | median | min / max |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {len(results)} | {statistics.median(t):.3f} s | {min(t):.3f} / {max(t):.3f} s |"
          for name, t, results, _counts in rows),
        "",
        "Forces with a value, per indicator (second row): "
        + ", ".join(f"`{i}` {n}" for i, n in sorted(full.items())) + ".",
        "",
        f"Target: under {TARGET_SECONDS:.3f} s with every indicator computed: {verdict}.",
    ]))


if __name__ == "__main__":
    main()
