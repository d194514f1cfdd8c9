"""Wall time and peak memory of publishing all 43 forces: HTML only and HTML+PDF, with --jobs 1 and 2.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/publish.py [--runs 1]
Builds a scratch PEEL_HOME first (official data, synthetic demo returns, public grades, demo ledger records;
not timed), then times `peel publish` in fresh processes. Target: all 43 HTML+PDF in 15 s or less with
--jobs 2 (a parameterised notebook rendered per force takes about 105 s for all 43 with two workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import machine, update_section  # noqa: E402

PEEL = str(Path(sys.executable).parent / "peel")


def _run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def prepare(home: Path, data: Path) -> dict[str, str]:
    env = {**os.environ, "PEEL_HOME": str(home), "PEEL_DATA_DIR": str(data)}
    env.pop("PEEL_DATABASE_URL", None)
    for args in (
        [PEEL, "data", "import", str(data)],
        [PEEL, "returns", "demo", "--publication", "peel-effectiveness-2017", "--seed", "1"],
        [PEEL, "ledger", "import-grades", str(data / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv")],
        [PEEL, "ledger", "file-review", "demo", "--seed", "2017"],
    ):
        _run(args, env)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-results", action="store_true")
    options = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data")).resolve()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        env = prepare(Path(scratch) / "home", data)
        for fmt in ("html", "html,pdf"):
            for jobs in (1, 2):
                times, peaks = [], []
                for run in range(options.runs):
                    out = Path(scratch) / f"site-{fmt.replace(',', '-')}-{jobs}-{run}"
                    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                    times.append(_run([PEEL, "publish", "--out", str(out), "--format", fmt, "--jobs", str(jobs)], env))
                    # ru_maxrss of children is the largest single child (the main process or one worker).
                    peaks.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
                median = statistics.median(times)
                rows.append((fmt, jobs, median, max(peaks)))
                print(f"{fmt:<9} --jobs {jobs}: {median:6.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}), "
                      f"peak RSS of the largest process {max(peaks):.0f} MB")
    target = next(r for r in rows if r[0] == "html,pdf" and r[1] == 2)
    verdict = "met" if target[2] <= 15 else "NOT met"
    print(f"target: 43 HTML+PDF with --jobs 2 in 15 s or less: {target[2]:.2f} s, {verdict}")
    if not options.no_results:
        update_section("publish", "\n".join([
            "## Publishing all 43 forces (`benchmarks/publish.py`)",
            "",
            f"`peel publish` of `peel-effectiveness-2017` after importing all of `PEEL_DATA_DIR`, the synthetic demo"
            f" returns, the public grades and the demo file review; median of {options.runs} run(s) each.",
            "",
            "| machine | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in machine().items()),
            "",
            "| formats | jobs | wall time | peak RSS (largest process) |",
            "| --- | --- | --- | --- |",
            *(f"| {fmt} | {jobs} | {median:.2f} s | {peak:.0f} MB |" for fmt, jobs, median, peak in rows),
            "",
            f"Target: all 43 HTML+PDF with `--jobs 2` in 15 s or less: {target[2]:.2f} s, {verdict}. For comparison,"
            " a parameterised notebook rendered once per force takes about 105 s for all 43 with two workers.",
        ]))


if __name__ == "__main__":
    main()
