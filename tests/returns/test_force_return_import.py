"""Filled returns in: recognised by content, checked all together, loaded per the data contract, resubmitted."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from peelkit import forces
from peelkit.importer import recognise
from peelkit.returns.cli import returns_app
from peelkit.returns.template import write_return
from peelkit.sources import force_return, sniff
from peelkit.sources.force_return.items import PEEL_2017
from peelkit.sources.force_return.layout import COVER_SHEET
from tests.helpers import codes, load, load_fails, query

runner = CliRunner()
KENT = "E23000032"
Cells = tuple[object, str, str]  # value, status, reason


def figures(scale: int = 1) -> dict[tuple[str, str | None, str], Cells]:
    """A complete return: every row of the 2017 template, Cumbria's ASB powers unable, DA arrests partial."""
    out: dict[tuple[str, str | None, str], Cells] = {}
    for item in PEEL_2017.items:
        for part, period in item.rows():
            key = (item.id, part, item.period_date(period).isoformat())
            out[key] = (100 * scale + len(out), "supplied", "")
    for key in out:
        if key[0] == "asb_powers":
            out[key] = (None, "unable", "no records by type")
    out[("da_arrests", None, "2017-06-30")] = (40 * scale, "partial", "two months counted by hand")
    return out


def fill_xlsx(path: Path, submitted: str, cells: dict[tuple[str, str | None, str], Cells],
              force: str | None = None) -> Path:
    """Fill a template as a person would, in a spreadsheet program (here openpyxl)."""
    book = openpyxl.load_workbook(path)
    cover = book[COVER_SHEET]
    for row in cover.iter_rows(min_row=1):
        if row[0].value == "Submission date (YYYY-MM-DD)":
            row[1].value = submitted
        if row[0].value == "Force name" and force is not None:
            row[1].value = force
    for item in PEEL_2017.items:
        sheet = book[item.id]
        header = [c.value for c in sheet[5]]
        for row in sheet.iter_rows(min_row=6):
            part = row[header.index("Power type")].value if item.breakdown else None
            day = row[header.index("As at" if item.period_kind == "as_at" else "Period end")].value
            key = (item.id, part, str(day))
            if key not in cells:
                continue
            value, status, reason = cells[key]
            row[header.index("Value")].value = value
            row[header.index("Status")].value = status
            row[header.index("Reason")].value = reason or None
    book.save(path)
    return path


def fill_csv(path: Path, submitted: str, cells: dict[tuple[str, str | None, str], Cells]) -> Path:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        key = (row["item"], row["power_type"] or None, row["period_end"] or row["as_at"])
        value, status, reason = cells[key]
        row.update(value="" if value is None else str(value), status=status, reason=reason, submitted_on=submitted)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def kent_return(tmp_path: Path, name: str, submitted: str = "2017-09-14", scale: int = 1) -> Path:
    path = write_return(PEEL_2017, tmp_path / name, forces.match_force("Kent"))
    if path.suffix == ".csv":
        return fill_csv(path, submitted, figures(scale))
    return fill_xlsx(path, submitted, figures(scale))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_recognised_by_content(tmp_path: Path, suffix: str) -> None:
    path = kent_return(tmp_path, "no-telling-name" + suffix)
    assert recognise(sniff(path), str(path)) is force_return.SOURCE


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_loads_facts_and_items_per_the_contract(tmp_path: Path, suffix: str) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, kent_return(tmp_path, "kent" + suffix))
    assert [r.vintage for r in report.loaded] == ["2017-09-14"]
    assert report.loaded[0].datasets == ("force_return", "return_items")
    facts = query(db, "SELECT measure, offence, period_start::VARCHAR, period_end::VARCHAR, value FROM facts "
                      "WHERE dataset = 'force_return' AND area_code = ? ORDER BY measure, period_end", [KENT])
    assert facts == [
        ("da_arrests", None, "2016-07-01", "2017-06-30", 40.0),
        ("da_crimes", None, "2016-07-01", "2017-06-30", 102.0),
        ("da_incidents", None, "2016-07-01", "2017-06-30", 101.0),
        ("incidents", None, "2016-07-01", "2017-06-30", 100.0),
        ("ocgs", None, "2016-07-01", "2016-07-01", 112.0),
        ("ocgs", None, "2017-07-01", "2017-07-01", 113.0),
        ("ocgs_mapped", None, "2016-07-01", "2016-07-01", 114.0),
        ("ocgs_mapped", None, "2017-07-01", "2017-07-01", 115.0),
    ]
    items = query(db, "SELECT item, period_start::VARCHAR, period_end::VARCHAR, status, reason FROM return_items "
                      "WHERE area_code = ? ORDER BY item, period_end", [KENT])
    assert len(items) == 16
    assert ("asb_powers:civil_injunctions", "2015-07-01", "2016-06-30", "unable", "no records by type") in items
    assert ("asb_powers:dispersal_orders", "2016-07-01", "2017-06-30", "unable", "no records by type") in items
    assert ("da_arrests", "2016-07-01", "2017-06-30", "partial", "two months counted by hand") in items
    assert ("incidents", "2016-07-01", "2017-06-30", "supplied", None) in items
    assert ("ocgs_mapped", "2017-07-01", "2017-07-01", "supplied", None) in items


def test_asb_powers_are_facts_by_type(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    cells = figures()
    cells[("asb_powers", "dispersal_orders", "2016-06-30")] = (7, "supplied", "")
    path = fill_xlsx(write_return(PEEL_2017, tmp_path / "k.xlsx", forces.match_force("Kent")), "2017-09-14", cells)
    load(db, path)
    assert query(db, "SELECT offence, period_end::VARCHAR, value FROM facts WHERE measure = 'asb_powers'") == [
        ("dispersal_orders", "2016-06-30", 7.0)]


def test_every_problem_is_listed_with_its_location_and_nothing_loads(tmp_path: Path) -> None:
    cells = figures()
    cells[("incidents", None, "2017-06-30")] = (None, "supplied", "")  # blank value, status supplied
    cells[("da_incidents", None, "2017-06-30")] = ("lots", "supplied", "")  # not a number
    cells[("da_crimes", None, "2017-06-30")] = (-5, "supplied", "")  # negative
    cells[("da_arrests", None, "2017-06-30")] = (12, "maybe", "")  # unknown status
    cells[("asb_powers", "civil_injunctions", "2017-06-30")] = (12, "unable", "no data")  # value with unable
    cells[("asb_powers", "dispersal_orders", "2017-06-30")] = (3, "partial", "")  # partial without reason
    path = write_return(PEEL_2017, tmp_path / "bad.xlsx")
    fill_xlsx(path, "14/09/2017", cells, force="Kentt")
    book = openpyxl.load_workbook(path)
    book["ocgs"]["B7"] = "2017-06-30"  # a period the template does not ask for
    del book["ocgs_mapped"]  # a missing sheet
    book.save(path)
    findings = load_fails(tmp_path / "w.duckdb", path)
    where = {(f.code, f.sheet, f.row, f.column) for f in findings}
    assert ("unknown-force", COVER_SHEET, 6, "B") in where
    assert any(f.code == "unknown-force" and "Kent" in (f.expected or "") for f in findings)
    assert ("blank-value", "incidents", 6, "Value") in where
    assert ("not-a-number", "da_incidents", 6, "Value") in where
    assert ("negative-count", "da_crimes", 6, "Value") in where
    assert ("unexpected-value", "da_arrests", 6, "Status") in where
    assert ("unexpected-value", "asb_powers", 11, "Value") in where
    assert ("blank-value", "asb_powers", 13, "Reason") in where
    assert ("bad-period", "ocgs", 7, "As at") in where
    assert ("missing-sheet", "ocgs_mapped", None, None) in where
    assert len(findings) == 9, "\n".join(map(str, findings))  # dd/mm/yyyy submission dates are accepted


def test_structural_problems_of_a_csv(tmp_path: Path) -> None:
    path = kent_return(tmp_path, "kent.csv")
    lines = path.read_text().splitlines()
    lines.append(lines[1])  # the incidents row twice
    lines[2] = lines[2].replace("da_incidents", "da_incident")  # an unknown item
    lines[3] = lines[3].replace(",2017-06-30,", ",2017-03-31,")  # another period
    path.write_text("\n".join(lines) + "\n")
    findings = load_fails(tmp_path / "w.duckdb", path)
    assert {(f.code, f.row, f.column) for f in findings} == {
        ("duplicate-key", 18, None), ("unexpected-value", 3, "item"), ("bad-period", 4, "period_end"),
        ("blank-value", None, None)}  # the renamed row leaves da_incidents without a row
    assert any("no row for da_incidents" in f.message for f in findings)
    path.write_text(lines[0].replace(",reason", "") + "\n" + "\n".join(line[:line.rfind(",")] for line in lines[1:]))
    missing = load_fails(tmp_path / "w.duckdb", path)
    assert [(f.code, f.column) for f in missing] == [("missing-column", "reason")]


def test_disagreeing_force_code_and_name(tmp_path: Path) -> None:
    path = kent_return(tmp_path, "kent.xlsx")
    fill_xlsx(path, "2017-09-14", figures(), force="Surrey")
    assert codes(load_fails(tmp_path / "w.duckdb", path)) == {"code-name-mismatch"}


def test_resubmission_keeps_history_and_the_newer_is_current(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = load(db, kent_return(tmp_path, "kent-first.xlsx"))
    again = load(db, tmp_path / "kent-first.xlsx")  # the same file again: nothing new
    assert again.unchanged and not again.loaded
    second = load(db, kent_return(tmp_path, "kent-corrected.xlsx", scale=2))  # same day, corrected figures
    third = load(db, kent_return(tmp_path, "kent-later.csv", submitted="2017-10-02", scale=3))
    assert [r.vintage for r in (*first.loaded, *second.loaded, *third.loaded)] == [
        "2017-09-14", "2017-09-14.2", "2017-10-02"]
    assert query(db, "SELECT count(DISTINCT import_id) FROM return_items") == [(3,)]
    assert query(db, "SELECT value FROM latest_facts WHERE measure = 'incidents'") == [(300.0,)]

    from peelkit import warehouse
    from peelkit.returns import submissions

    con = warehouse.connect(db, read_only=True)
    try:
        history = submissions(con, KENT)
    finally:
        con.close()
    assert [(s.file_name, s.submitted_on, s.current) for s in history] == [
        ("kent-first.xlsx", "2017-09-14", False), ("kent-corrected.xlsx", "2017-09-14", False),
        ("kent-later.csv", "2017-10-02", True)]


def test_two_same_day_returns_in_one_batch(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, kent_return(tmp_path, "a.xlsx"), kent_return(tmp_path, "b.xlsx", scale=2))
    assert sorted(r.vintage for r in report.loaded) == ["2017-09-14", "2017-09-14.2"]


def test_import_and_history_commands(tmp_path: Path, peel_home: Path) -> None:
    path = kent_return(tmp_path, "kent.xlsx")
    result = runner.invoke(returns_app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "vintage 2017-09-14" in result.output
    history = runner.invoke(returns_app, ["history", "--force", "kent"])
    assert history.exit_code == 0 and "current" in history.output and "kent.xlsx" in history.output
    empty = runner.invoke(returns_app, ["history", "--force", "Surrey", "--format", "json"])
    assert '"submissions": []' in empty.output
    bad = tmp_path / "bad.csv"
    bad.write_text(kent_return(tmp_path, "x.csv").read_text().replace("Kent", "Kentt").replace("E23000032", ""))
    failed = runner.invoke(returns_app, ["import", str(bad), "--format", "json"])
    assert failed.exit_code == 4 and "unknown-force" in failed.output


def test_submission_date_must_follow_the_periods(tmp_path: Path) -> None:
    path = kent_return(tmp_path, "kent.csv", submitted="2017-05-01")
    findings = load_fails(tmp_path / "w.duckdb", path)
    assert [(f.code, f.column) for f in findings] == [("bad-date", "submitted_on")]
    assert dt.date(2017, 7, 1).isoformat() in (findings[0].expected or "")
