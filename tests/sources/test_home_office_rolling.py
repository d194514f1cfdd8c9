from __future__ import annotations

from pathlib import Path

from tests.helpers import codes, load, load_fails, query, write

HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


def test_reads_rolling_totals(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "rolling.csv", HEADER
                + "30-06-2017,Warwickshire,West Midlands,Robbery,120\n"
                + "30-06-2017,\"London, City of\",London,Robbery,15\n"
                + "30-06-2017,British Transport Police,British Transport Police,Robbery,40\n")
    report = load(db, csv)
    assert report.loaded[0].vintage == "2017-06"
    rows = query(db, "SELECT area_code, period_start, value FROM facts ORDER BY area_code")
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [
        ("E23000017", "2016-07-01", 120.0),
        ("E23000034", "2016-07-01", 15.0),
        ("X-BTP", "2016-07-01", 40.0),
    ]


def test_misspelt_quarter_end_is_read_as_the_quarter_end(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "misspelt-date.csv", HEADER + "30-12-2017,Kent,South East,Robbery,9\n")
    report = load(db, csv)
    assert any("31-12-2017" in note for note in report.notes)
    assert str(query(db, "SELECT period_end FROM facts")[0][0]) == "2017-12-31"


def test_every_problem_is_listed_and_nothing_loads(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "several-problems.csv", HEADER
                + "30-06-2017,Warwickshre,West Midlands,Robbery,1\n"
                + "15-05-2017,Kent,South East,Robbery,2\n"
                + "30-06-2017,Kent,South East,Robbery,lots\n"
                + "30-06-2017,Essex,East,Robbery,3\n"
                + "30-06-2017,Essex,East,Robbery,4\n")
    findings = load_fails(db, csv)
    assert codes(findings) == {"unknown-force", "bad-date", "not-a-number", "duplicate-key"}
    unknown = next(f for f in findings if f.code == "unknown-force")
    assert unknown.row == 2 and unknown.column == "PFA" and "Warwickshire" in (unknown.expected or "")


def test_missing_column_names_the_column(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "missing-column.csv",
                "12 months ending,PFA,Offence,Rolling year total number of offences\n30-06-2017,Kent,Robbery,1\n")
    findings = load_fails(db, csv)
    assert [(f.code, f.column) for f in findings] == [("missing-column", "Region")]


def test_truncated_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "truncated.csv", HEADER + "30-06-2017,Kent,South East,Robbery,9\n30-06-2017,Ke")
    assert codes(load_fails(db, csv)) == {"truncated-file"}


def test_wrong_encoding(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "latin1.csv", HEADER + "30-06-2017,Kent,South East,Caution – adults,9\n",
                encoding="cp1252")
    assert codes(load_fails(db, csv)) == {"wrong-encoding"}


def test_negative_rolling_total_is_kept_as_published(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "negative-net-total.csv", HEADER + "31-12-2013,North Wales,Wales,Fraud offences,-53\n")
    report = load(db, csv)
    assert any("negative" in note for note in report.notes)
    assert query(db, "SELECT value FROM facts") == [(-53.0,)]
