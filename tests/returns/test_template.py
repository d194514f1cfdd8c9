"""The blank return: XLSX (cover, instructions, one sheet per item) and the long CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from peelkit import forces
from peelkit.returns.cli import returns_app
from peelkit.returns.template import instructions_path, write_return
from peelkit.sources import force_return  # noqa: F401  (registers the source)
from peelkit.sources.force_return.items import PEEL_2017, return_spec
from peelkit.sources.force_return.layout import COVER_SHEET, CSV_COLUMNS
from tests.helpers import codes, load_fails

runner = CliRunner()
ITEMS = ["incidents", "da_incidents", "da_crimes", "da_arrests", "asb_powers", "ocgs", "ocgs_mapped"]


def _cover(book: openpyxl.Workbook) -> dict[str, object]:
    return {str(row[0].value): row[1].value for row in book[COVER_SHEET].iter_rows(min_row=5, max_row=12)}


def test_xlsx_template_for_a_force(tmp_path: Path) -> None:
    path = write_return(PEEL_2017, tmp_path / "kent.xlsx", forces.match_force("Kent"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [COVER_SHEET, "Instructions", *ITEMS, "Lists"]
    cover = _cover(book)
    assert cover["Force name"] == "Kent" and cover["Force code (GSS)"] == "E23000032"
    assert cover["Publication"] == "peel-effectiveness-2017" and cover["Synthetic demonstration data"] == "no"
    assert cover["Submission date (YYYY-MM-DD)"] in (None, "")
    asb = book["asb_powers"]
    header = [c.value for c in asb[5]]
    assert header == ["Power type", "Period", "Period end", "Value", "Status", "Reason"]
    rows = [[c.value for c in row] for row in asb.iter_rows(min_row=6)]
    assert len(rows) == 8
    assert rows[0][:3] == ["criminal_behaviour_orders", "12 months to 30 June 2016", "2016-06-30"]
    assert rows[1][:3] == ["criminal_behaviour_orders", "12 months to 30 June 2017", "2017-06-30"]
    assert all(r[3] is None and r[4] is None for r in rows)
    lists = [v.formula1 for v in asb.data_validations.dataValidation if v.type == "list"]
    assert lists == ['"supplied,partial,unable"']
    ocgs = [[c.value for c in row] for row in book["ocgs"].iter_rows(min_row=5)]
    assert ocgs[0][:2] == ["Period", "As at"] and [r[1] for r in ocgs[1:]] == ["2016-07-01", "2017-07-01"]
    text = "\n".join(str(c.value) for c in book["Instructions"]["A"] if c.value)
    assert "unable" in text and "Kent (E23000032)" in text and "12 months to 30 June 2017" in text


def test_xlsx_template_for_any_force(tmp_path: Path) -> None:
    path = write_return(PEEL_2017, tmp_path / "any.xlsx")
    cover = _cover(openpyxl.load_workbook(path))
    assert cover["Force name"] in (None, "") and cover["Force code (GSS)"] in (None, "")


def test_csv_template_columns_and_rows(tmp_path: Path) -> None:
    path = write_return(return_spec("peel-effectiveness-2017"), tmp_path / "return.csv", forces.match_force("Dorset"))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 16
    assert {r["force_code"] for r in rows} == {"E23000039"}
    assert [(r["item"], r["power_type"], r["period_end"], r["as_at"]) for r in rows[-4:]] == [
        ("ocgs", "", "", "2016-07-01"), ("ocgs", "", "", "2017-07-01"),
        ("ocgs_mapped", "", "", "2016-07-01"), ("ocgs_mapped", "", "", "2017-07-01")]
    assert all(r["value"] == r["status"] == r["reason"] == "" for r in rows)
    assert "unable" in instructions_path(path).read_text()


def test_a_blank_template_does_not_import(tmp_path: Path) -> None:
    path = write_return(PEEL_2017, tmp_path / "blank.xlsx", forces.match_force("Kent"))
    findings = load_fails(tmp_path / "w.duckdb", path)
    assert codes(findings) == {"blank-value"}
    assert any(f.sheet == COVER_SHEET and f.row == 8 and f.column == "B" for f in findings)  # the submission date
    assert any(f.sheet == "incidents" and f.row == 6 and f.column == "Status" for f in findings)


def test_template_command(tmp_path: Path) -> None:
    out = tmp_path / "warwickshire.csv"
    result = runner.invoke(returns_app, ["template", "--force", "warwickshire", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and instructions_path(out).exists()
    bad = runner.invoke(returns_app, ["template", "--force", "Warwickshre", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and "Warwickshire" in bad.output
    wrong = runner.invoke(returns_app, ["template", "--out", str(tmp_path / "x.txt")])
    assert wrong.exit_code == 2
