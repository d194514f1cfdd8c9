"""Reading a force data return, XLSX or CSV, into the same rows (cells located by sheet, row and column).

Nothing is judged here beyond the layout (sheets, header rows, required columns): the rows are checked
together in ``validate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peelkit.sources._csv import CsvRows
from peelkit.sources.force_return.items import RETURNS, ReturnItem, ReturnSpec
from peelkit.sources.force_return.layout import (
    COVER_FIELDS,
    COVER_SHEET,
    CSV_COLUMNS,
    CSV_OPTIONAL,
    INSTRUCTIONS_SHEET,
    ITEM_COLUMNS,
    LISTS_SHEET,
)
from peelkit.sources.xlsx_formulas import fill_formulas, uncached_formulas
from peelkit.warehouse import Stage

HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True)
class Cell:
    """A value as text and where it is, as findings name it."""

    text: str
    sheet: str | None
    row: int | None
    column: str | None

    @property
    def where(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column}


@dataclass
class Row:
    """One data row of the return, from an item sheet or the CSV: cells keyed by the CSV column names."""

    sheet: str | None
    row: int
    item: Cell
    cells: dict[str, Cell]


@dataclass
class Parsed:
    meta: dict[str, list[Cell]] = field(default_factory=dict)  # cover field -> every non-blank value given
    meta_where: dict[str, Cell] = field(default_factory=dict)  # where a blank cover field should be filled
    rows: list[Row] = field(default_factory=list)
    spec: ReturnSpec | None = None
    workbook: bool = False
    unreadable: set[str] = field(default_factory=set)  # items whose sheet or header is missing (reported)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def sheet_rows(path: Path, name: str, nrows: int | None = None) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)]


def norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


def read_workbook(path: Path, stage: Stage) -> Parsed:
    from python_calamine import CalamineWorkbook

    parsed = Parsed(workbook=True)
    try:
        book = CalamineWorkbook.from_path(str(path))
        formulas = uncached_formulas(path)
        sheets = {name: [[cell_text(v) for v in row] for row in fill_formulas(
            [list(r) for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False)],
            formulas.get(name, {}))] for name in book.sheet_names}
    except Exception as error:  # calamine raises several types for broken workbooks
        stage.problem("not-a-workbook", f"the workbook cannot be read ({error}); open it and save it again",
                      expected="the XLSX return made by `peel returns template`")
        return parsed
    if COVER_SHEET not in sheets:
        stage.problem("missing-sheet", f"the workbook has no {COVER_SHEET!r} sheet (publication, force, submission "
                      "date); start from `peel returns template`", sheet=COVER_SHEET)
        return parsed
    _read_cover(sheets[COVER_SHEET], parsed, stage)
    spec = spec_of(parsed, stage)
    if spec is None:
        return parsed
    known = {COVER_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET} | {item.id for item in spec.items}
    for item in spec.items:
        if item.id not in sheets:
            stage.problem("missing-sheet", f"the workbook has no sheet {item.id!r} ({item.label}); add it back from "
                          "the template", sheet=item.id, expected=", ".join(i.id for i in spec.items))
            parsed.unreadable.add(item.id)
            continue
        _read_item_sheet(item, sheets[item.id], parsed, stage)
    extra = [name for name in sheets if name not in known]
    if extra:
        stage.notes.append(f"ignored sheets that are not part of the return: {', '.join(extra)}")
    return parsed


def _read_cover(rows: list[list[str]], parsed: Parsed, stage: Stage) -> None:
    labels = {norm(label): key for key, label in COVER_FIELDS.items()}
    labels.update({norm(label.split("(")[0]): key for key, label in COVER_FIELDS.items()})
    labels.update({norm(key): key for key in COVER_FIELDS})
    for index, row in enumerate(rows):
        key = labels.get(norm(row[0])) if row else None
        if key is None:
            continue
        cell = Cell(row[1] if len(row) > 1 else "", COVER_SHEET, index + 1, "B")
        parsed.meta_where.setdefault(key, cell)
        if cell.text:
            parsed.meta.setdefault(key, []).append(cell)
    for key in ("publication", "submitted_on"):
        if key not in parsed.meta_where:
            stage.problem("bad-header", f"the {COVER_SHEET} sheet has no {COVER_FIELDS[key]!r} row", sheet=COVER_SHEET,
                          column="A", expected=", ".join(COVER_FIELDS.values()))
    if "force_name" not in parsed.meta_where and "force_code" not in parsed.meta_where:
        stage.problem("bad-header", f"the {COVER_SHEET} sheet has no {COVER_FIELDS['force_name']!r} row",
                      sheet=COVER_SHEET, column="A", expected=", ".join(COVER_FIELDS.values()))


def _read_item_sheet(item: ReturnItem, rows: list[list[str]], parsed: Parsed, stage: Stage) -> None:
    by_label = {norm(label): key for key, label in ITEM_COLUMNS.items()} | {norm(k): k for k in ITEM_COLUMNS}
    header_index = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                         if {"value", "status"} <= {norm(c) for c in row}), None)
    if header_index is None:
        stage.problem("bad-header", "no header row with Value and Status columns in the first "
                      f"{HEADER_SEARCH_ROWS} rows", sheet=item.id,
                      expected=", ".join(ITEM_COLUMNS[k] for k in _required(item)))
        parsed.unreadable.add(item.id)
        return
    header = rows[header_index]
    positions: dict[str, tuple[int, str]] = {}
    for col, text in enumerate(header):
        key = by_label.get(norm(text))
        if key is not None and key not in positions:
            positions[key] = (col, text)
    missing = [k for k in _required(item) if k not in positions]
    for key in missing:
        stage.problem("missing-column", f"required column {ITEM_COLUMNS[key]!r} is missing", sheet=item.id,
                      row=header_index + 1, column=ITEM_COLUMNS[key],
                      expected=", ".join(ITEM_COLUMNS[k] for k in _required(item)))
    if missing:
        parsed.unreadable.add(item.id)
        return
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        cells = {key: Cell(row[col] if col < len(row) else "", item.id, index + 1, label)
                 for key, (col, label) in positions.items() if key != "period"}
        if not any(c.text for c in cells.values()):
            continue
        parsed.rows.append(Row(item.id, index + 1, Cell(item.id, item.id, index + 1, None), cells))


def _required(item: ReturnItem) -> list[str]:
    return [k for k in _item_keys(item) if k != "period"]


def _item_keys(item: ReturnItem) -> list[str]:
    keys = ["power_type"] if item.breakdown else []
    return [*keys, "period", item.date_column(), "value", "status", "reason"]


def read_csv(path: Path, stage: Stage) -> Parsed:
    parsed = Parsed()
    meta_keys = ("publication", "force_code", "force_name", "submitted_on", "synthetic")
    for number, cells in CsvRows(path, stage, list(CSV_COLUMNS), optional=CSV_OPTIONAL):
        for key in meta_keys:
            if key not in cells:
                continue
            cell = Cell(cells[key].strip(), None, number, key)
            parsed.meta_where.setdefault(key, cell)
            if cell.text:
                parsed.meta.setdefault(key, []).append(cell)
        row_cells = {k: Cell(cells[k].strip(), None, number, k)
                     for k in ("power_type", "period_end", "as_at", "value", "status", "reason")}
        parsed.rows.append(Row(None, number, Cell(cells["item"].strip(), None, number, "item"), row_cells))
    if parsed.rows:
        spec_of(parsed, stage)
    return parsed


def one_value(parsed: Parsed, key: str, stage: Stage) -> Cell | None:
    """The value of a return-wide field; every row (CSV) must agree."""
    cells = parsed.meta.get(key, [])
    if not cells:
        return None
    first = cells[0]
    for cell in cells[1:]:
        if norm(cell.text) != norm(first.text):
            stage.problem("unexpected-value", f"{key} differs from row {first.row} ({first.text!r}): a return is "
                          "for one force, publication and submission", value=cell.text, expected=first.text,
                          **cell.where)
            break
    return first


def spec_of(parsed: Parsed, stage: Stage) -> ReturnSpec | None:
    cell = one_value(parsed, "publication", stage)
    if cell is None:
        where = parsed.meta_where.get("publication")
        if where is not None:
            stage.problem("blank-value", "the publication is blank", expected=", ".join(RETURNS), **where.where)
        return None
    spec = RETURNS.get(cell.text.strip())
    if spec is None:
        stage.problem("unexpected-value", "no force data return is defined for this publication", value=cell.text,
                      expected=", ".join(RETURNS), **cell.where)
    parsed.spec = spec
    return spec
