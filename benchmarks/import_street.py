"""Benchmark: import a national-scale set of data.police.uk street-level files and compare with a raw scan.

Generates a seeded file set (one plain CSV per force per month across the 43 forces, `--rows` rows in
all, about 15% anti-social behaviour rows with a blank Crime ID) under benchmarks/_work/, then times in
fresh child processes, `--runs` times each:

  (a) peelkit.importer.import_paths([folder], db_path=<fresh file>), with the child's peak RSS;
  (b) DuckDB's own read_csv of the same files + a GROUP BY (force, month, crime type) count.

Prints the medians, their ratio and the peak RSS, and writes them to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/import_street.py [--rows 5000000] [--months 12] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from peelkit import forces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, update_section

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"

# data.police.uk's own category names, with roughly their national shares of street-level rows.
CRIME_TYPES = [
    ("Violence and sexual offences", 0.28), ("Criminal damage and arson", 0.09), ("Other theft", 0.08),
    ("Burglary", 0.07), ("Vehicle crime", 0.07), ("Public order", 0.07), ("Shoplifting", 0.06),
    ("Other crime", 0.02), ("Drugs", 0.02), ("Theft from the person", 0.015), ("Bicycle theft", 0.01),
    ("Robbery", 0.01), ("Possession of weapons", 0.005),
]
ASB_SHARE = 0.15
OUTCOMES = [
    "Investigation complete; no suspect identified", "Unable to prosecute suspect",
    "Status update unavailable", "Under investigation", "Awaiting court outcome",
    "Offender given a caution", "Local resolution", "Court result unavailable",
    "Further investigation is not in the public interest", "Formal action is not in the public interest",
]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Avenue", "Mill Lane", "Victoria Road",
           "Supermarket", "Petrol Station", "Shopping Area", "Parking Area", "Nightclub", "Sports/recreation Area"]


def police_uk_name(area: forces.Area) -> str:
    """'Falls within' as data.police.uk spells it for the synthetic files."""
    special = {"E23000001": "Metropolitan Police Service", "E23000034": "City of London Police"}
    return special.get(area.code, f"{area.name} Police")


def generate(folder: Path, rows: int, months: int, seed: int) -> int:
    """Write the file set with DuckDB (seconds, not minutes); returns the number of files."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    areas = forces.forces()
    # Force sizes: a seeded spread from about 0.3x to 8x of the typical force (the Met is the largest).
    con.execute("CREATE TABLE force (fx INTEGER, name VARCHAR, lon DOUBLE, lat DOUBLE, weight DOUBLE)")
    con.executemany(
        "INSERT INTO force VALUES (?, ?, ?, ?, ?)",
        [
            (i, police_uk_name(a), -4.5 + (i * 0.37) % 5.5, 50.5 + (i * 0.61) % 4.5,
             8.0 if a.code == "E23000001" else 0.3 + ((i * 7919 + seed) % 97) / 40)
            for i, a in enumerate(areas)
        ],
    )
    start_year, start_month = 2017, 1
    con.execute(
        """CREATE TABLE file AS
           SELECT row_number() OVER (ORDER BY fx, m) - 1 AS fid, fx, name, lon, lat,
                  strftime(make_date(?, ?, 1) + to_months(m), '%Y-%m') AS month,
                  -- each file gets its force's share of `rows` (the window sums over all force-months);
                  -- the last file takes the rounding remainder
                  round(? * weight / sum(weight) OVER ())::BIGINT AS n
           FROM force, range(?) t(m)""",
        [start_year, start_month, rows, months],
    )
    con.execute("UPDATE file SET n = n + (? - (SELECT sum(n) FROM file)) WHERE fid = (SELECT max(fid) FROM file)",
                [rows])
    # A crime type drawn with the shares above: CASE over the cumulative shares of one uniform draw.
    total = sum(share for _, share in CRIME_TYPES)
    whens, cumulative = [], 0.0
    for crime_type, share in CRIME_TYPES:
        cumulative += share / total
        whens.append(f"WHEN u(key, 9) < {cumulative:.6f} THEN '{crime_type}'")
    pick_type = f"CASE {' '.join(whens)} ELSE '{CRIME_TYPES[0][0]}' END"
    # Seeded pseudo-random numbers from hashes of (seed, file, row): deterministic whatever the threads.
    con.execute(f"CREATE MACRO u(k, salt) AS (hash(k, salt, {int(seed)}) % 1000000) / 1000000.0")
    out = folder / "_parts"
    con.execute(
        f"""COPY (
            WITH r AS (
                SELECT fid, name, lon, lat, month, unnest(range(n)) AS j FROM file),
            k AS (SELECT *, fid * 10000000 + j AS key, u(fid * 10000000 + j, 1) < {ASB_SHARE} AS asb FROM r)
            SELECT fid,
                CASE WHEN asb THEN NULL ELSE sha256(key::VARCHAR || '-{seed}') END AS "Crime ID",
                month AS "Month", name AS "Reported by", name AS "Falls within",
                CASE WHEN u(key, 2) < 0.03 THEN NULL ELSE round(lon + u(key, 3) - 0.5, 6) END AS "Longitude",
                CASE WHEN u(key, 2) < 0.03 THEN NULL ELSE round(lat + (u(key, 4) - 0.5) * 0.6, 6) END
                    AS "Latitude",
                CASE WHEN u(key, 2) < 0.03 THEN 'No Location'
                     ELSE 'On or near ' || {STREETS}[1 + (hash(key, 5) % {len(STREETS)})::INTEGER] END
                    AS "Location",
                'E01' || lpad(((hash(key, 6) % 34000) + 1)::VARCHAR, 6, '0') AS "LSOA code",
                split_part(name, ' ', 1) || ' ' || lpad((hash(key, 7) % 60)::VARCHAR, 3, '0')
                    || chr(65 + (hash(key, 8) % 5)::INTEGER) AS "LSOA name",
                CASE WHEN asb THEN 'Anti-social behaviour'
                     ELSE {pick_type} END AS "Crime type",
                CASE WHEN asb THEN NULL ELSE {OUTCOMES}[1 + (hash(key, 10) % {len(OUTCOMES)})::INTEGER] END
                    AS "Last outcome category",
                NULL AS "Context"
            FROM k
        ) TO '{out}' (FORMAT csv, HEADER, PARTITION_BY (fid))"""
    )
    # DuckDB writes <out>/fid=N/data_0.csv; name the files as data.police.uk does.
    names = dict(con.execute("SELECT fid, month || '-' || lower(replace(name, ' ', '-')) FROM file").fetchall())
    for part in out.glob("fid=*/*.csv"):
        fid = int(part.parent.name.split("=")[1])
        part.rename(folder / f"{names[fid]}-street.csv")
    shutil.rmtree(out)
    con.close()
    return len(names)


# Peak RSS of the child itself: VmHWM belongs to the process image after exec. (ru_maxrss from wait4 would
# also do, but Linux carries the parent's high-water mark into a forked child, and the generator is big.)
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

IMPORT_CHILD = PEAK + """
import sys, time
from pathlib import Path
from peelkit.importer import import_paths
start = time.perf_counter()
report = import_paths([Path(sys.argv[1])], db_path=Path(sys.argv[2]), keep_street_records=sys.argv[3] == "keep")
elapsed = time.perf_counter() - start
print("RESULT", elapsed, PEAK(), sum(r.row_count for r in report.loaded), len(report.loaded))
"""

SCAN_CHILD = PEAK + """
import sys, time
import duckdb
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
groups = con.execute('''SELECT "Falls within", "Month", "Crime type", count(*) FROM read_csv(?)
                        GROUP BY ALL''', [sys.argv[1] + "/*.csv"]).fetchall()
elapsed = time.perf_counter() - start
print("RESULT", elapsed, PEAK(), sum(g[3] for g in groups), len(groups))
"""


def run_child(code: str, *args: str) -> tuple[float, str, float]:
    """Run `code` in a fresh interpreter; its own timing, its other output, and its peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, check=True)
    # DuckDB may draw a progress bar on the same output, so the result line is marked.
    output = done.stdout
    seconds, peak_kb, *rest = output[output.rindex("RESULT") + len("RESULT"):].split()
    return float(seconds), " ".join(rest), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--keep", action="store_true", help="reuse an existing generated file set")
    parser.add_argument("--no-results", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
    parser.add_argument("--with-records", action="store_true",
                        help="also time an import that keeps every row (--keep-street-records)")
    options = parser.parse_args()

    folder = WORK / f"street-{options.rows}-{options.months}-{options.seed}"
    start = time.perf_counter()
    if options.keep and folder.exists():
        files = len(list(folder.glob("*.csv")))
    else:
        files = generate(folder, options.rows, options.months, options.seed)
    size_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
    print(f"{files} files, {options.rows:,} rows, {size_mb:,.0f} MB in {folder} "
          f"(made in {time.perf_counter() - start:.1f} s)")

    imports: list[float] = []
    scans: list[float] = []
    peaks: list[float] = []
    scan_peaks: list[float] = []
    kept: list[float] = []
    kept_peaks: list[float] = []
    db = WORK / "bench.duckdb"
    for run in range(1, options.runs + 1):
        for stale in (db, db.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        seconds, detail, peak = run_child(IMPORT_CHILD, str(folder), str(db), "counts")
        imports.append(seconds)
        peaks.append(peak)
        print(f"run {run}: import {seconds:6.2f} s, peak RSS {peak:6.0f} MB  (rows+facts, files: {detail})")
        seconds, detail, peak = run_child(SCAN_CHILD, str(folder))
        scans.append(seconds)
        scan_peaks.append(peak)
        print(f"run {run}: scan   {seconds:6.2f} s, peak RSS {peak:6.0f} MB  (rows, groups: {detail})")
        if options.with_records:
            for stale in (db, db.with_suffix(".duckdb.wal")):
                stale.unlink(missing_ok=True)
            seconds, detail, peak = run_child(IMPORT_CHILD, str(folder), str(db), "keep")
            kept.append(seconds)
            kept_peaks.append(peak)
            print(f"run {run}: import keeping rows {seconds:6.2f} s, peak RSS {peak:6.0f} MB  ({detail})")
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)

    imported, scanned = statistics.median(imports), statistics.median(scans)
    ratio = imported / scanned
    peak = max(peaks)
    print(f"median import {imported:.2f} s, median raw scan {scanned:.2f} s, ratio {ratio:.2f}x "
          f"(target <= 2), peak import RSS {peak:.0f} MB (target < 1024)")
    if not options.no_results:
        write_results(options, files, size_mb, imports, scans, peaks, scan_peaks, kept, kept_peaks)


def write_results(options: argparse.Namespace, files: int, size_mb: float, imports: list[float],
                  scans: list[float], peaks: list[float], scan_peaks: list[float], kept: list[float],
                  kept_peaks: list[float]) -> None:
    imported, scanned = statistics.median(imports), statistics.median(scans)
    lines = [
        "## Street-level crime import (`benchmarks/import_street.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `--rows {options.rows} --months {options.months} "
        f"--runs {options.runs} --seed {options.seed}`: {files} plain CSV files (43 forces x "
        f"{options.months} months), {options.rows:,} rows, {size_mb:,.0f} MB; duckdb {duckdb.__version__}.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in machine().items()),
        "",
        "| measure | median | runs |",
        "| --- | --- | --- |",
        f"| (a) `peel data import` of the folder into a fresh warehouse | {imported:.2f} s | "
        + ", ".join(f"{s:.2f}" for s in imports) + " |",
        f"| (b) DuckDB `read_csv` + GROUP BY (force, month, crime type) | {scanned:.2f} s | "
        + ", ".join(f"{s:.2f}" for s in scans) + " |",
        f"| ratio (a) / (b) | {imported / scanned:.2f}x | target <= 2x: "
        f"{'met' if imported / scanned <= 2 else 'NOT met'} |",
        f"| peak RSS of the import process | {max(peaks):.0f} MB | "
        + ", ".join(f"{p:.0f}" for p in peaks) + f" (target < 1024 MB: {'met' if max(peaks) < 1024 else 'NOT met'}) |",
        f"| peak RSS of the scan process | {max(scan_peaks):.0f} MB | "
        + ", ".join(f"{p:.0f}" for p in scan_peaks) + " |",
    ]
    if kept:
        lines += [
            f"| (c) import keeping every row (`--keep-street-records`) | {statistics.median(kept):.2f} s | "
            + ", ".join(f"{s:.2f}" for s in kept) + f"; peak RSS {max(kept_peaks):.0f} MB |",
        ]
    lines += [
        "",
        "Each figure is measured inside a fresh child process (timing excludes interpreter start-up);",
        "peak RSS is the child's own high-water mark (`VmHWM` in /proc/self/status). The import time",
        "includes recognising and hashing (SHA-256) every file, every check, the monthly counts per force and",
        "crime type, and the atomic commit.",
    ]
    update_section("import_street", "\n".join(lines))


if __name__ == "__main__":
    main()
