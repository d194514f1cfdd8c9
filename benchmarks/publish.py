"""Wall time and peak memory of `peel publish` for all 43 forces: HTML+PDF with --jobs 1 and 2, and HTML only.

Usage: PEEL_DATA_DIR=../shared/data python benchmarks/publish.py [--runs 3]
Builds a scratch PEEL_HOME first (official data, synthetic demo returns, public grades, demo file review; not
timed), then runs `peel publish` in a fresh process per run: the wall time is that whole process, interpreter
start-up included (what a user waits for). Peak memory is each process's own high-water mark (VmHWM in
/proc/<pid>/status): the main process reads its own at the end, and a sampling thread in it reads each worker's
while it lives (VmHWM only grows, so the last sample is its peak to within the sampling interval).
Target: all 43 HTML+PDF with --jobs 2 in 8 s or less on a 2-core machine (stretch: 5 s).
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
TARGET, STRETCH = 8.0, 5.0

# Runs `peel publish` (the CLI's own entry point) and reports the VmHWM of itself and of its worker processes.
CHILD = r"""
import os, sys, threading, time

def hwm(pid="self"):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None

workers, done = {}, threading.Event()

def sample():
    me = os.getpid()
    while not done.wait(0.02):
        for task in os.listdir(f"/proc/{me}/task"):
            try:
                children = open(f"/proc/{me}/task/{task}/children").read().split()
            except OSError:
                continue
            for child in children:
                peak = hwm(child)
                if peak:
                    workers[child] = max(peak, workers.get(child, 0))

threading.Thread(target=sample, daemon=True).start()
from peelkit.cli import app
try:
    app(sys.argv[1:], prog_name="peel")
except SystemExit as stop:
    if stop.code:
        raise
done.set()
print("RESULT", hwm(), max(workers.values(), default=0), len(workers), file=sys.stderr)
"""


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepare(home: Path, data: Path) -> dict[str, str]:
    env = {**os.environ, "PEEL_HOME": str(home), "PEEL_DATA_DIR": str(data)}
    env.pop("PEEL_DATABASE_URL", None)
    for args in (
        [PEEL, "data", "import", str(data)],
        [PEEL, "returns", "demo", "--publication", "peel-effectiveness-2017", "--seed", "1"],
        [PEEL, "ledger", "import-grades", str(data / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv")],
        [PEEL, "ledger", "file-review", "demo", "--seed", "2017"],
        # The vega-embed bundle is cached per vl-convert release after the first publish: warm it, as any
        # installation that has published once is.
        [PEEL, "publish", "--out", str(home / "warm"), "--format", "html", "--force", "Kent", "--jobs", "1"],
    ):
        _run(args, env)
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant: workers included
    return usage.ru_utime + usage.ru_stime


def publish_once(out: Path, fmt: str, jobs: int, env: dict[str, str]) -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds of every process, main process peak MB, largest worker peak MB) of one
    `peel publish`."""
    args = [sys.executable, "-c", CHILD, "publish", "--out", str(out), "--format", fmt, "--jobs", str(jobs)]
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    line = next(x for x in done.stderr.splitlines() if x.startswith("RESULT "))
    _tag, main_kb, worker_kb, _count = line.split()
    return seconds, _cpu() - cpu, int(main_kb) / 1024, int(worker_kb) / 1024


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-results", action="store_true")
    options = parser.parse_args()
    data = Path(os.environ.get("PEEL_DATA_DIR", "../shared/data")).resolve()
    rows = []
    loads = [load_average()]
    with tempfile.TemporaryDirectory() as scratch:
        env = prepare(Path(scratch) / "home", data)
        for fmt, jobs in (("html,pdf", 1), ("html,pdf", 2), ("html", 1), ("html", 2)):
            runs = []
            for run in range(options.runs):
                out = Path(scratch) / f"site-{fmt.replace(',', '-')}-{jobs}-{run}"
                runs.append(publish_once(out, fmt, jobs, env))
            loads.append(load_average())
            median = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            main_peak, worker_peak = max(r[2] for r in runs), max(r[3] for r in runs)
            rows.append((fmt, jobs, median, [r[0] for r in runs], cpu, main_peak, worker_peak))
            print(f"{fmt:<9} --jobs {jobs}: {median:6.2f} s (runs: {', '.join(f'{r[0]:.2f}' for r in runs)}), "
                  f"CPU {cpu:.2f} s, peak RSS main {main_peak:.0f} MB, largest worker {worker_peak:.0f} MB; "
                  f"load {loads[-1]}")
    target = next(r for r in rows if r[0] == "html,pdf" and r[1] == 2)
    verdict = "met" if target[2] <= TARGET else "NOT met"
    stretch = "met" if target[2] <= STRETCH else "not met"
    print(f"target: 43 HTML+PDF with --jobs 2 in {TARGET:.0f} s or less: {target[2]:.2f} s, {verdict} "
          f"(stretch {STRETCH:.0f} s: {stretch})")
    if not options.no_results:
        update_section("publish", "\n".join([
            "## Publishing all 43 forces (`benchmarks/publish.py`)",
            "",
            "`peel publish` of `peel-effectiveness-2017` after importing all of `PEEL_DATA_DIR`, the synthetic demo"
            " returns, the public grades and the demo file review. Each run is a fresh `peel publish` process, timed"
            f" from outside (interpreter start-up included); median of {options.runs} runs. Peak RSS is each"
            " process's own `VmHWM`: the main process's, and the largest of its workers'. PDFs typeset by Typst.",
            "",
            "| machine | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in machine().items()),
            f"| load average (1, 5, 15 min) before and after each row | {'; '.join(loads)} |",
            "",
            "| formats | jobs | wall time (median) | runs | CPU time, all processes (median) | peak RSS, main process"
            " | peak RSS, largest worker |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *(f"| {fmt} | {jobs} | {median:.2f} s | {', '.join(f'{t:.2f}' for t in times)} | {cpu:.2f} s | "
              f"{main:.0f} MB | " + (f"{worker:.0f} MB |" if jobs > 1 else "(no workers) |")
              for fmt, jobs, median, times, cpu, main, worker in rows),
            "",
            f"Target: all 43 HTML+PDF with `--jobs 2` in {TARGET:.0f} s or less: {target[2]:.2f} s, {verdict}"
            f" (stretch {STRETCH:.0f} s: {stretch}).",
        ]))


if __name__ == "__main__":
    main()
