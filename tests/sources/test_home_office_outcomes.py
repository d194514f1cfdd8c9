from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.helpers import codes, load, load_fails, query, write

HEADER = ("financial_year,financial_quarter,force_name,offence_description,offence_group,offence_subgroup,"
          "offence_code,offence_code_expired,outcome_description,outcome_group,outcome_type,offences,"
          "force_outcomes_recorded_in_quarter\n")
FOOTER = ",".join(["NA"] * 13) + "\n"
BURGLARY = "Burglary - business and community,Burglary,Non-domestic burglary,30C"


def row(force: str = "Kent", quarter: int = 1, outcome: str = "1,Charged/Summonsed,Charged/Summonsed",
        tracked: str = "5", untracked: str = "7", code: str = "30C", expired: str = "NA") -> str:
    description, number = outcome.split(",", 1)[1], outcome.split(",", 1)[0]
    offence = BURGLARY.rsplit(",", 1)[0] + f",{code}"
    return f"2017/18,{quarter},{force},{offence},{expired},{description},{number},{tracked},{untracked}\n"


NOT_YET = "0,Not yet assigned an outcome,Not yet assigned an outcome"


def test_two_measures_per_row_and_na_kept_as_missing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "outcomes.csv", HEADER + row() + row("\"London, City of\"", 4, NOT_YET, "3", "NA")
                + FOOTER)
    report = load(db, csv)
    assert report.loaded[0].vintage == "2018-03"
    rows = query(db, "SELECT area_code, period_end, measure, offence, outcome_type, value, marker FROM facts "
                     "WHERE dataset = 'crime_outcomes' ORDER BY area_code, measure")
    assert [tuple(str(v) if i == 1 else v for i, v in enumerate(r)) for r in rows] == [
        ("E23000032", "2017-06-30", "outcomes_tracked", "30C", 1, 5.0, None),
        ("E23000032", "2017-06-30", "outcomes_untracked", "30C", 1, 7.0, None),
        ("E23000034", "2018-03-31", "outcomes_tracked", "30C", 0, 3.0, None),
        ("E23000034", "2018-03-31", "outcomes_untracked", "30C", 0, None, "NA"),
    ]
    assert query(db, "SELECT outcome_type, description, outcome_group FROM outcome_types ORDER BY 1") == [
        (0, "Not yet assigned an outcome", "Not yet assigned an outcome"),
        (1, "Charged/Summonsed", "Charged/Summonsed"),
    ]
    assert query(db, "SELECT offence_code, offence_group FROM offence_codes") == [("30C", "Burglary")]
    assert any("footer" in n for n in report.notes)
    assert any("0 rows carry an expired offence code" in n for n in report.notes)
    assert any("NA" in n and "missing" in n for n in report.notes)


def test_gzip_file_and_expired_codes_are_counted(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = tmp_path / "outcomes.csv.gz"
    path.write_bytes(gzip.compress((HEADER + row(code="8A", expired="Y") + row() + FOOTER).encode()))
    report = load(db, path)
    assert query(db, "SELECT count(*) FROM facts") == [(4,)]
    assert any("1 rows carry an expired offence code" in n for n in report.notes)


def test_all_na_row_before_the_end_is_a_problem(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "na-in-the-middle.csv", HEADER + row() + FOOTER + row(quarter=2))
    findings = load_fails(db, csv)
    assert [(f.code, f.row) for f in findings] == [("blank-value", 3)]


def test_every_problem_is_listed_and_nothing_loads(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "several-problems.csv", HEADER
                + row(force="Kentt")
                + row(outcome="22,Something new,Other")
                + row(tracked="five")
                + row(force="Essex") + row(force="Essex", tracked="9")
                + row(quarter=7)
                + row(untracked=""))
    findings = load_fails(db, csv)
    assert codes(findings) == {"unknown-force", "unexpected-value", "not-a-number", "duplicate-key",
                               "bad-period", "blank-value"}
    unknown = next(f for f in findings if f.code == "unknown-force")
    assert unknown.row == 2 and "Kent" in (unknown.expected or "")
    outcome = next(f for f in findings if f.code == "unexpected-value")
    assert outcome.column == "outcome_type" and outcome.value == "22"
    duplicate = next(f for f in findings if f.code == "duplicate-key")
    assert "rows 5 and 6" in duplicate.message


def test_missing_column(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    header = HEADER.replace(",force_outcomes_recorded_in_quarter", "")
    csv = write(tmp_path / "missing-column.csv", header + row().rsplit(",", 1)[0] + "\n")
    assert [(f.code, f.column) for f in load_fails(db, csv)] == [
        ("missing-column", "force_outcomes_recorded_in_quarter")]


def test_negative_outcome_count_is_kept_as_published(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "negative.csv", HEADER + row(tracked="-3"))
    report = load(db, csv)
    assert query(db, "SELECT value FROM facts WHERE measure = 'outcomes_tracked'") == [(-3.0,)]
    assert any("negative" in n for n in report.notes)


@pytest.mark.slow
def test_real_outcomes_file(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, data_dir / "home_office" / "prc-outcomes-open-data-2017-18.csv.gz")
    # 43 forces and British Transport Police x 4 quarters x 122 offence codes x 21 outcome types (no type
    # 19), two measures each; no fraud reporting bodies in the outcomes data.
    assert report.loaded[0].row_count == 44 * 4 * 122 * 21 * 2
    assert report.loaded[0].vintage == "2018-03"
    assert query(db, "SELECT count(DISTINCT area_code) FROM facts") == [(44,)]
    assert query(db, "SELECT count(*) FROM facts WHERE marker = 'NA'") == [(44 * 4 * 122,)]
    assert query(db, "SELECT min(outcome_type), max(outcome_type), count(*) FROM outcome_types") == [(0, 21, 21)]
    assert any("footer" in n for n in report.notes)
