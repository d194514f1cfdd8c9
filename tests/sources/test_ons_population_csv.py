from __future__ import annotations

from pathlib import Path

import pytest

from peelkit import forces
from tests.helpers import codes, load, load_fails, query, write

HEADER = "code,name,MYE2018,SNHP2017\n"


def population_csv(path: Path, change: dict[str, str] | None = None, extra: str = "") -> Path:
    """All 43 forces plus England and Wales, the West Midlands region and the non-ONS group row."""
    lines = {f.code: f"{f.code},{f.name},{1000 + i},{400 + i}\n" for i, f in enumerate(forces.forces())}
    lines.update(change or {})
    body = ("K04000001,ENGLAND AND WALES,59115800,24403600\n"
            "E12000005,West Midlands (region),5900800,2382300\n"
            ",Beds Cambs Herts,2706200,1082800\n")
    return write(path, HEADER + body + "".join(lines.values()) + extra)


def test_reads_population_and_projected_households(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, population_csv(tmp_path / "pop.csv"))
    assert report.loaded[0].vintage == "2018-06"
    assert set(report.loaded[0].datasets) == {"population", "households"}
    rows = query(db, "SELECT dataset, measure, period_start, period_end, value FROM facts "
                     "WHERE area_code = 'K04000001' ORDER BY dataset")
    assert [(r[0], r[1], str(r[2]), str(r[3]), r[4]) for r in rows] == [
        ("households", "households_projected", "2017-06-30", "2017-06-30", 24403600.0),
        ("population", "population", "2018-06-30", "2018-06-30", 59115800.0),
    ]
    assert query(db, "SELECT value FROM facts WHERE area_code = 'E12000005' AND dataset = 'population'") == [
        (5900800.0,)]
    assert query(db, "SELECT count(*) FROM facts") == [(2 * 45,)]
    # The collaboration total is not an ONS area: skipped with a note, never an error.
    assert any("Beds Cambs Herts" in note for note in report.notes)
    assert query(db, "SELECT count(*) FROM facts WHERE area_code LIKE 'X-%'") == [(0,)]


def test_missing_mark_is_kept_as_a_marker(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load(db, population_csv(tmp_path / "pop.csv", {"E23000034": "E23000034,City of London,8700,..\n"}))
    assert query(db, "SELECT value, marker FROM facts WHERE area_code = 'E23000034' AND dataset = 'households'") == [
        (None, "..")]


@pytest.mark.parametrize(
    ("line", "code", "column"),
    [
        ("E23000032,Kent,lots,1\n", "not-a-number", "MYE2018"),
        ("E23000032,Kent,-4,1\n", "negative-count", "MYE2018"),
        ("E23000032,Kent,,1\n", "blank-value", "MYE2018"),
        ("E23000032,Essex,1,1\n", "code-name-mismatch", "name"),
    ],
)
def test_bad_rows(tmp_path: Path, line: str, code: str, column: str) -> None:
    db = tmp_path / "w.duckdb"
    findings = load_fails(db, population_csv(tmp_path / "bad.csv", {"E23000032": line}))
    assert [(f.code, f.column) for f in findings] == [(code, column)]


def test_unknown_code_and_missing_force(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    findings = load_fails(db, population_csv(tmp_path / "bad.csv", {"E23000039": "E23000099,Dorsett,1,1\n"}))
    assert codes(findings) == {"unknown-force", "missing-force"}
    assert any(f.code == "missing-force" and "Dorset" in f.message for f in findings)


@pytest.mark.slow
def test_real_population_csv(data_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, data_dir / "ons" / "pfa_population_mid2018_popm.csv")
    assert report.loaded[0].vintage == "2018-06"
    total, forces_sum, n = query(db, """SELECT max(value) FILTER (WHERE area_code = 'K04000001'),
        sum(value) FILTER (WHERE area_code LIKE 'E23%' OR area_code LIKE 'W15%'),
        count(*) FILTER (WHERE area_code LIKE 'E23%' OR area_code LIKE 'W15%')
        FROM facts WHERE dataset = 'population'""")[0]
    assert n == 43 and total == 59_115_800
    assert abs(float(total) - float(forces_sum)) <= 43 * 50  # type: ignore[arg-type]  # each rounded to 100
    assert any("Beds Cambs Herts" in note for note in report.notes)
