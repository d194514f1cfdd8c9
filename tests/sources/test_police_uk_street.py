from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from tests.helpers import codes, load, load_fails, query, write

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context\n")
WY = "West Yorkshire Police"


def row(crime_id: str = "abc1", month: str = "2017-07", force: str = WY, lon: str = "-1.55", lat: str = "53.59",
        crime_type: str = "Burglary", reported_by: str | None = None) -> str:
    outcome = "" if not crime_id else "Under investigation"
    return (f"{crime_id},{month},{reported_by or force},{force},{lon},{lat},On or near High Street,E01007359,"
            f"Barnsley 005C,{crime_type},{outcome},\n")


def asb(**kwargs: str) -> str:
    return row(crime_id="", crime_type="Anti-social behaviour", **kwargs)


def gz(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_reads_crimes_and_asb_from_plain_and_gzip_files(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    plain = write(tmp_path / "2017-07-west-yorkshire-street.csv",
                  HEADER + row("a1") + asb() + row("a2", crime_type="Robbery") + row("a3") + asb(lon="", lat=""))
    packed = gz(tmp_path / "2017-08-kent-street.csv.gz",
                HEADER + row("k1", month="2017-08", force="Kent Police", lon="0.52", lat="51.27") + asb(
                    month="2017-08", force="Kent Police", lon="0.52", lat="51.27"))
    report = load(db, plain, packed, keep_street_records=True)
    assert sorted((r.vintage, r.row_count) for r in report.loaded) == [("2017-07", 5 + 3), ("2017-08", 2 + 2)]
    assert any("1 rows have no location" in note for note in report.notes)
    facts = query(db, "SELECT area_code, period_start::VARCHAR, period_end::VARCHAR, measure, offence, value "
                      "FROM facts ORDER BY ALL")
    assert facts == [
        ("E23000010", "2017-07-01", "2017-07-31", "asb_incidents", "Anti-social behaviour", 2.0),
        ("E23000010", "2017-07-01", "2017-07-31", "crimes", "Burglary", 2.0),
        ("E23000010", "2017-07-01", "2017-07-31", "crimes", "Robbery", 1.0),
        ("E23000032", "2017-08-01", "2017-08-31", "asb_incidents", "Anti-social behaviour", 1.0),
        ("E23000032", "2017-08-01", "2017-08-31", "crimes", "Burglary", 1.0),
    ]
    records = query(db, "SELECT crime_id, month::VARCHAR, area_code, longitude, latitude, crime_type, last_outcome "
                        "FROM street_records WHERE area_code = 'E23000010' ORDER BY rowid")
    assert records[0] == ("a1", "2017-07-01", "E23000010", -1.55, 53.59, "Burglary", "Under investigation")
    assert records[1][0] is None and records[1][5] == "Anti-social behaviour"
    assert records[4][3:5] == (None, None)


def test_by_default_only_the_monthly_counts_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "counts-only.csv", HEADER + row("a1") + row("a2") + asb())
    (record,) = load(db, csv).loaded
    assert record.datasets == ("police_uk_street",)
    assert query(db, "SELECT count(*) FROM street_records") == [(0,)]
    assert query(db, "SELECT measure, offence, value FROM facts ORDER BY 1") == [
        ("asb_incidents", "Anti-social behaviour", 1.0), ("crimes", "Burglary", 2.0)]


def test_force_names_beyond_the_first_rows_are_mapped(tmp_path: Path) -> None:
    # The reader maps the names it sees at the top of the file while loading; later ones afterwards.
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "mixed.csv", HEADER + row("a") * 400 + row("b", force="Metropolitan Police Service"))
    load(db, csv, keep_street_records=True)
    assert query(db, "SELECT area_code, count(*) FROM street_records GROUP BY 1 ORDER BY 1") == [
        ("E23000001", 1), ("E23000010", 400)]


def test_header_in_another_order_and_without_optional_columns(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "reordered.csv", "Month,Crime ID,Crime type,Falls within,Reported by,Latitude,Longitude\n"
                "2017-07,x1,Drugs,Kent Police,Kent Police,51.27,0.52\n")
    load(db, csv, keep_street_records=True)
    assert query(db, "SELECT crime_id, crime_type, longitude, latitude, location FROM street_records") == [
        ("x1", "Drugs", 0.52, 51.27, None)]


def test_bad_months_are_reported_with_row_numbers(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "bad-month.csv", HEADER + row() + row(month="2017-13") + row() + row(month="July 2017")
                + row(month=""))
    findings = load_fails(db, csv)
    assert codes(findings) == {"bad-date"}
    assert sorted((f.row, f.value) for f in findings) == [(3, "2017-13"), (5, "July 2017"), (6, None)]
    assert all(f.column == "Month" for f in findings)


def test_bad_coordinates_are_reported_and_blank_ones_allowed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "bad-coordinates.csv", HEADER
                + row(lon="", lat="")          # row 2: no location, allowed
                + row(lon="abc")               # row 3: not a number
                + row(lon="-1.5", lat="5359")  # row 4: outside the UK
                + row(lon="-1.5", lat="")      # row 5: half a point
                + row(lon="2.35", lat="48.85"))  # row 6: Paris
    findings = load_fails(db, csv)
    assert codes(findings) == {"bad-coordinate"}
    assert sorted(f.row for f in findings if f.row is not None) == [3, 4, 5, 6]
    not_number = next(f for f in findings if f.row == 3)
    assert not_number.column == "Longitude" and not_number.value == "abc"
    assert next(f for f in findings if f.row == 4).value == "-1.5, 5359.0"


def test_unknown_force_names_the_closest_and_the_first_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "unknown-force.csv", HEADER + row() + row(force="West Yorkshre Police") * 3
                + row(reported_by="Police Scotland"))
    findings = load_fails(db, csv)
    assert codes(findings) == {"unknown-force"}
    falls = next(f for f in findings if f.column == "Falls within")
    assert falls.row == 3 and falls.value == "West Yorkshre Police" and "West Yorkshire" in (falls.expected or "")
    assert "first of 3 rows" in falls.message
    reported = {f.value: f.row for f in findings if f.column == "Reported by"}
    assert reported == {"West Yorkshre Police": 3, "Police Scotland": 6}


def test_blank_crime_type(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "blank-type.csv", HEADER + row() + row() + row(crime_type=""))
    findings = load_fails(db, csv)
    assert [(f.code, f.row, f.column) for f in findings] == [("blank-value", 4, "Crime type")]


def test_wrong_field_count_and_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "wrong-fields.csv", HEADER + row() + row().replace(",2017-07,", ",2017-07,extra,") + row()
                + "abc,2017-07,West Yorkshire Police\n" + row() + row(crime_type=""))
    findings = load_fails(db, csv)
    # Rows 3 and 5 are rejected by the CSV reader; row 7 is still numbered as the file has it. (DuckDB
    # accepts one extra *empty* trailing field as a trailing comma, so the extra field here is mid-row.)
    assert sorted((f.code, f.row) for f in findings) == [
        ("blank-value", 7), ("wrong-field-count", 3), ("wrong-field-count", 5)]


def test_truncated_plain_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "truncated.csv", HEADER + row() + row() + "abc,2017-07,West Yorks")
    findings = load_fails(db, csv)
    assert [(f.code, f.row) for f in findings] == [("truncated-file", 4)]


def test_truncated_gzip_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    packed = gzip.compress((HEADER + "".join(row(f"id{i}") for i in range(20000))).encode())
    path = tmp_path / "truncated.csv.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    assert codes(load_fails(db, path)) == {"truncated-file"}


def test_not_utf8(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "latin1.csv", HEADER + row() + row().replace("High Street", "Caf\u00e9 Street") + row(),
                encoding="latin-1")
    findings = load_fails(db, csv)
    assert [(f.code, f.row) for f in findings] == [("wrong-encoding", 3)]


def test_missing_column(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "no-type.csv", HEADER.replace(",Crime type", "") + row().replace(",Burglary", ""))
    findings = load_fails(db, csv)
    assert [(f.code, f.column) for f in findings] == [("missing-column", "Crime type")]


def test_empty_file_and_header_only_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert codes(load_fails(db, write(tmp_path / "empty.csv", ""))) == {"empty-file"}
    assert codes(load_fails(db, write(tmp_path / "header-only.csv", HEADER))) == {"empty-file"}


def test_a_bad_file_rolls_back_the_whole_batch(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    good = write(tmp_path / "a-good.csv", HEADER + row())
    bad = write(tmp_path / "b-bad.csv", HEADER + row(month="2017/07"))
    findings = load_fails(db, good, bad)
    assert [(f.code, Path(f.file).name) for f in findings] == [("bad-date", "b-bad.csv")]


def test_row_numbers_follow_file_order_in_a_large_parallel_read(tmp_path: Path) -> None:
    # DuckDB reads big files in parallel; insertion order (and so row numbering) must still be file order.
    db = tmp_path / "w.duckdb"
    rows = [row(f"id{i}") for i in range(300_000)]
    rows[123_456] = row("bad", lon="99")
    rows[250_000] = row("bad", month="2017-99")
    csv = write(tmp_path / "big.csv", HEADER + "".join(rows))
    findings = load_fails(db, csv)
    assert sorted((f.code, f.row) for f in findings) == [("bad-coordinate", 123_458), ("bad-date", 250_002)]


def test_every_row_of_every_file_is_kept_with_its_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = write(tmp_path / "a.csv", HEADER + "".join(row(f"a{i}") for i in range(50_000)))
    second = write(tmp_path / "b.csv", HEADER + "".join(row(f"b{i}", force="Kent Police", lon="0.5", lat="51.2")
                                                        for i in range(30_000)))
    report = load(db, first, second, keep_street_records=True)
    ids = {r.file_name: r.import_id for r in report.loaded}
    counts = dict(query(db, "SELECT import_id, count(*) FROM street_records GROUP BY 1"))
    assert counts == {ids["a.csv"]: 50_000, ids["b.csv"]: 30_000}
    assert query(db, "SELECT count(DISTINCT crime_id) FROM street_records WHERE crime_id LIKE 'a%' AND import_id = ?",
                 [ids["a.csv"]]) == [(50_000,)]


@pytest.mark.slow
def test_real_west_yorkshire_files(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    files = sorted((data_dir / "police_uk").glob("*-west-yorkshire-street.csv.gz"))
    assert len(files) == 3
    expected = {}
    for path in files:
        lines = subprocess.run(f"zcat '{path}' | wc -l", shell=True, capture_output=True, text=True, check=True)
        expected[path.name] = int(lines.stdout) - 1  # minus the header
    report = load(db, *files, keep_street_records=True)
    assert sorted(r.vintage for r in report.loaded) == ["2016-07", "2017-07", "2018-07"]
    found = dict(query(db, "SELECT i.file_name, count(*) FROM street_records s JOIN imports i USING (import_id) "
                           "GROUP BY 1"))
    assert found == expected
    assert query(db, "SELECT DISTINCT area_code FROM street_records") == [("E23000010",)]
    months = query(db, "SELECT strftime(month, '%Y-%m'), count(*) FILTER (WHERE crime_id IS NOT NULL), "
                       "count(*) FILTER (WHERE crime_type = 'Anti-social behaviour') FROM street_records "
                       "GROUP BY 1 ORDER BY 1")
    facts = query(db, "SELECT strftime(period_start, '%Y-%m'), sum(value) FILTER (WHERE measure = 'crimes'), "
                      "sum(value) FILTER (WHERE measure = 'asb_incidents') FROM facts "
                      "WHERE dataset = 'police_uk_street' AND area_code = 'E23000010' GROUP BY 1 ORDER BY 1")
    assert [m[0] for m in months] == ["2016-07", "2017-07", "2018-07"]
    assert [(m, float(c), float(a)) for m, c, a in months] == facts
