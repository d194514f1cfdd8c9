from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import codes, load, load_fails, query, write

HEADER = ("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,"
          "Offence Code,Number of Offences\n")
COLUMNS: list[object] = list(HEADER.strip().split(","))
ROBBERY = "Robbery of business property,Robbery,Robbery,5D"
HOMICIDE = "Homicide,Violence against the person,Homicide,1/4.1/4.10/4.2"


def test_reads_quarterly_counts_and_offence_codes(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "open-data.csv", HEADER
                + f"2017/18,1,Kent,{ROBBERY}, 12 \n"
                + f"2017/18,2,\"London, City of\",{ROBBERY},-00 \n"
                + "2017/18,4,Action Fraud,Fraud offences recorded by Action Fraud,Fraud offences,"
                  "Fraud: action fraud,AF, 66776 \n"
                + f"2017/18,3,Surrey,{ROBBERY},-1 \n")
    report = load(db, csv)
    assert report.loaded[0].vintage == "2018-03"
    rows = query(db, "SELECT area_code, period_start, period_end, offence, value FROM facts "
                     "WHERE dataset = 'recorded_crime_quarterly' AND measure = 'offences' ORDER BY period_start")
    assert [(r[0], str(r[1]), str(r[2]), r[3], r[4]) for r in rows] == [
        ("E23000032", "2017-04-01", "2017-06-30", "5D", 12.0),
        ("E23000034", "2017-07-01", "2017-09-30", "5D", 0.0),
        ("E23000031", "2017-10-01", "2017-12-31", "5D", -1.0),
        ("X-ACTION-FRAUD", "2018-01-01", "2018-03-31", "AF", 66776.0),
    ]
    assert query(db, "SELECT offence_code, description, offence_group, offence_subgroup FROM offence_codes "
                     "ORDER BY 1") == [
        ("5D", "Robbery of business property", "Robbery", "Robbery"),
        ("AF", "Fraud offences recorded by Action Fraud", "Fraud offences", "Fraud: action fraud"),
    ]
    assert any("negative" in n for n in report.notes) and any("-00" in n for n in report.notes)


def test_merged_homicide_rows_are_summed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "homicide.csv", HEADER + "".join(
        f"2017/18,1,Kent,{HOMICIDE},{n}\n" for n in ("-00 ", "-00 ", " 1 ", " 5 ")))
    report = load(db, csv)
    assert query(db, "SELECT offence, value FROM facts") == [("1/4.1/4.10/4.2", 6.0)]
    assert any("merged" in n for n in report.notes)


def test_every_problem_is_listed_and_nothing_loads(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = write(tmp_path / "several-problems.csv", HEADER
                + f"2017/18,1,Warwickshre,{ROBBERY},1\n"
                + f"2017/18,5,Kent,{ROBBERY},2\n"
                + f"2017/18,1,Kent,{ROBBERY},lots\n"
                + f"2017/18,1,Essex,{ROBBERY},3\n"
                + f"2017/18,1,Essex,{ROBBERY},4\n")
    findings = load_fails(db, csv)
    assert codes(findings) == {"unknown-force", "bad-period", "not-a-number", "duplicate-key"}
    unknown = next(f for f in findings if f.code == "unknown-force")
    assert unknown.row == 2 and unknown.column == "Force Name" and "Warwickshire" in (unknown.expected or "")
    duplicate = next(f for f in findings if f.code == "duplicate-key")
    assert duplicate.row == 6 and "rows 5 and 6" in duplicate.message


def test_missing_column(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    header = HEADER.replace("Offence Subgroup,", "")
    csv = write(tmp_path / "missing-column.csv", header + "2017/18,1,Kent,Robbery,Robbery,5D,1\n")
    assert [(f.code, f.column) for f in load_fails(db, csv)] == [("missing-column", "Offence Subgroup")]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                if isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                else:
                    cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def _sheet(*rows: list[object]) -> list[list[object]]:
    return [["Police recorded crime open data"], [], COLUMNS, *rows]


@pytest.mark.parametrize("maker, suffix", [(_xlsx, ".xlsx"), (_ods, ".ods")])
def test_workbook_with_title_rows_and_a_sheet_per_year(
    tmp_path: Path, maker: Callable[[Path, dict[str, list[list[object]]]], Path], suffix: str
) -> None:
    db = tmp_path / "w.duckdb"
    book = maker(tmp_path / f"prc-pfa{suffix}", {
        "Notes": [["About these tables"], ["Counts are net of cancellations"]],
        "2016-17": _sheet(["2016/17", 4, "Kent", "Robbery of business property", "Robbery", "Robbery", "5D", 7]),
        "2017-18": _sheet(["2017/18", 1, "Kent", "Robbery of business property", "Robbery", "Robbery", "5D", 9],
                          ["2017/18", 1, "London, City of", "Robbery of business property", "Robbery", "Robbery",
                           "5D", " 3 "]),
    })
    report = load(db, book)
    assert report.loaded[0].source == "home_office_open_data"
    assert report.loaded[0].vintage == "2017-06"
    rows = query(db, "SELECT area_code, period_end, value FROM facts ORDER BY period_end, area_code")
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [
        ("E23000032", "2017-03-31", 7.0), ("E23000032", "2017-06-30", 9.0), ("E23000034", "2017-06-30", 3.0)]
    assert any("Notes" in n for n in report.notes)


def test_workbook_problems_name_the_sheet_and_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    book = _xlsx(tmp_path / "bad.xlsx", {
        "2017-18": _sheet(["2017/18", 1, "Kent", "Robbery of business property", "Robbery", "Robbery", "5D", "n/a"],
                          ["2017/18", 1, "Kent", "Robbery of business property", "Robbery", "Robbery", "5D", 4],
                          ["2017/18", 1, "Kent", "Robbery of business property", "Robbery", "Robbery", "5D", 5]),
    })
    findings = load_fails(db, book)
    assert [(f.code, f.sheet, f.row) for f in findings] == [
        ("not-a-number", "2017-18", 4), ("duplicate-key", "2017-18", 6)]


@pytest.mark.slow
def test_real_open_data_table(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, data_dir / "home_office" / "prc-pfa-2017-18.csv")
    assert report.loaded[0].vintage == "2018-03"
    # 43 forces and BTP x 4 quarters x 128 codes, plus the fraud bodies' one row a quarter (UK Finance was
    # Financial Fraud Action UK in the first quarter).
    assert report.loaded[0].row_count == 44 * 4 * 128 + 12
    forces, areas = query(db, "SELECT count(DISTINCT area_code) FILTER (WHERE area_code NOT LIKE 'X-%'), "
                              "count(DISTINCT area_code) FROM facts")[0]
    assert (forces, areas) == (43, 47)
    assert query(db, "SELECT count(*) FROM offence_codes") == [(132,)]
