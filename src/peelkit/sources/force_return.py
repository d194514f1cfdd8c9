"""A force's filled data return (the template of `peel returns template`), as XLSX or as the long CSV.

Recognised by content: the workbook's "Cover" sheet titled "PEEL force data return", or the CSV's header.
Both forms become the same rows and go through one set of checks, so every problem of a return is listed
together (sheet, row, column) and nothing is loaded unless the whole return is clean.

The return's vintage is its submission date (a field of the return): `YYYY-MM-DD`, or `YYYY-MM-DD.N` for the
Nth return of the same force submitted that day, so a resubmission never clashes with the earlier one, which
stays in the warehouse as history. A file marked as synthetic demonstration data is read like any other; the
import records it in a note (`peel returns import` and `peel returns demo` flag such imports as synthetic).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peelkit import forces
from peelkit.forces import Area
from peelkit.returns.items import RETURNS, ReturnItem, ReturnSpec, Status, parse_status
from peelkit.returns.template import (
    COVER_FIELDS,
    COVER_SHEET,
    COVER_TITLE,
    CSV_COLUMNS,
    CSV_OPTIONAL,
    INSTRUCTIONS_SHEET,
    ITEM_COLUMNS,
    LISTS_SHEET,
)
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources._csv import CsvRows
from peelkit.sources.xlsx_formulas import fill_formulas, formula_problem, uncached_formulas
from peelkit.warehouse import Stage

DATASET = "force_return"
HEADER_SEARCH_ROWS = 15
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SUFFIX = re.compile(r"^\d{4}-\d{2}-\d{2}(?:\.(\d+))?$")


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


@dataclass(frozen=True)
class Checked:
    """A clean return, ready to stage."""

    force: Area
    submitted_on: dt.date
    synthetic: bool


# ---------------------------------------------------------------------------------------------- recognising


def _score(found: Sniff) -> float:
    if found.container in ("text", "gzip"):
        fields = found.header_fields()
        score = header_score(fields, list(CSV_COLUMNS))
        return score if score >= 0.75 else 0.0
    if found.container in ("xlsx", "ods") and COVER_SHEET in found.sheet_names:
        try:
            title = _cell_text(_sheet_rows(found.path, COVER_SHEET, nrows=1)[0][0])
        except Exception:  # calamine raises several types for broken workbooks; the reader reports them
            return 0.0
        if title.startswith(COVER_TITLE):
            return 1.0
        items = {item.id for spec in RETURNS.values() for item in spec.items}
        return 0.6 if len(items & set(found.sheet_names)) >= 3 else 0.0
    return 0.0


# ---------------------------------------------------------------------------------------------- cells


def _cell_text(value: object) -> str:
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


def _sheet_rows(path: Path, name: str, nrows: int | None = None) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)]


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


# ---------------------------------------------------------------------------------------------- the workbook


def _read_workbook(path: Path, stage: Stage) -> Parsed:
    from python_calamine import CalamineWorkbook

    parsed = Parsed(workbook=True)
    try:
        book = CalamineWorkbook.from_path(str(path))
        formulas = uncached_formulas(path)
        sheets = {name: [[_cell_text(v) for v in row] for row in fill_formulas(
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
    spec = _spec_of(parsed, stage)
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
    labels = {_norm(label): key for key, label in COVER_FIELDS.items()}
    labels.update({_norm(label.split("(")[0]): key for key, label in COVER_FIELDS.items()})
    labels.update({_norm(key): key for key in COVER_FIELDS})
    for index, row in enumerate(rows):
        key = labels.get(_norm(row[0])) if row else None
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
    by_label = {_norm(label): key for key, label in ITEM_COLUMNS.items()} | {_norm(k): k for k in ITEM_COLUMNS}
    header_index = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                         if {"value", "status"} <= {_norm(c) for c in row}), None)
    if header_index is None:
        stage.problem("bad-header", "no header row with Value and Status columns in the first "
                      f"{HEADER_SEARCH_ROWS} rows", sheet=item.id,
                      expected=", ".join(ITEM_COLUMNS[k] for k in _required(item)))
        parsed.unreadable.add(item.id)
        return
    header = rows[header_index]
    positions: dict[str, tuple[int, str]] = {}
    for col, text in enumerate(header):
        key = by_label.get(_norm(text))
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


# ---------------------------------------------------------------------------------------------- the CSV


def _read_csv(path: Path, stage: Stage) -> Parsed:
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
        _spec_of(parsed, stage)
    return parsed


# ---------------------------------------------------------------------------------------------- checks


def _one(parsed: Parsed, key: str, stage: Stage) -> Cell | None:
    """The value of a return-wide field; every row (CSV) must agree."""
    cells = parsed.meta.get(key, [])
    if not cells:
        return None
    first = cells[0]
    for cell in cells[1:]:
        if _norm(cell.text) != _norm(first.text):
            stage.problem("unexpected-value", f"{key} differs from row {first.row} ({first.text!r}): a return is "
                          "for one force, publication and submission", value=cell.text, expected=first.text,
                          **cell.where)
            break
    return first


def _spec_of(parsed: Parsed, stage: Stage) -> ReturnSpec | None:
    cell = _one(parsed, "publication", stage)
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


def _force(parsed: Parsed, stage: Stage) -> Area | None:
    code, name = _one(parsed, "force_code", stage), _one(parsed, "force_name", stage)
    if code is None and name is None:
        where = parsed.meta_where.get("force_name") or parsed.meta_where.get("force_code")
        stage.problem("blank-value", "the force is not given: fill in its name or GSS code",
                      expected="one of the 43 force names", **(where.where if where else {}))
        return None
    found = [(cell, _area(cell, stage)) for cell in (code, name) if cell is not None]
    areas = {area.code: area for _cell, area in found if area is not None}
    if len(areas) > 1:
        assert code is not None and name is not None
        stage.problem("code-name-mismatch", f"force code {code.text} and force name {name.text!r} are different "
                      "forces", value=f"{code.text} / {name.text}", expected="the code of the named force",
                      **code.where)
        return None
    if any(area is None for _cell, area in found):
        return None
    return next(iter(areas.values()))


def _wrong_force(parsed: Parsed, force: Area, expected: str, stage: Stage) -> None:
    """A return uploaded for one force (the web's force users) that is another force's: refused, located."""
    cells = parsed.meta.get("force_name") or parsed.meta.get("force_code") or []
    where = cells[0].where if cells else {}
    stage.problem("unexpected-value", f"this is {force.name}'s return: you can submit your own force's return only",
                  value=force.name, expected=forces.match(expected).name, **where)


def _area(cell: Cell, stage: Stage) -> Area | None:
    area = forces.find(cell.text)
    if area is None or area.kind != "force":
        suggestions = forces.suggest(cell.text)
        hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
        what = "not one of the 43 territorial forces" if area else "not a known police force"
        stage.problem("unknown-force", f"{cell.text!r} is {what}", value=cell.text, expected=hint, **cell.where)
        return None
    return area


def parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD (or dd/mm/yyyy); None if the text is not a date."""
    text = text.strip()
    try:
        if match := _ISO_DATE.match(text):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _DMY_DATE.match(text):
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def _submitted_on(parsed: Parsed, spec: ReturnSpec, stage: Stage) -> dt.date | None:
    cell = _one(parsed, "submitted_on", stage)
    if cell is None:
        where = parsed.meta_where.get("submitted_on")
        stage.problem("blank-value", "the submission date is blank", expected="the date the return is sent, "
                      "as YYYY-MM-DD", **(where.where if where else {}))
        return None
    day = parse_date(cell.text)
    latest = max(item.period_date(p) for item in spec.items for p in item.periods)
    if day is None:
        stage.problem("bad-date", "the submission date cannot be read", value=cell.text, expected="YYYY-MM-DD",
                      **cell.where)
    elif day < latest:
        stage.problem("bad-date", "the submission date is before the end of the return's periods", value=cell.text,
                      expected=f"on or after {latest}", **cell.where)
        return None
    elif day > dt.date.today():
        stage.problem("bad-date", "the submission date is in the future: a return is dated the day it is sent",
                      value=cell.text, expected=f"on or before today ({dt.date.today()})", **cell.where)
        return None
    return day


def _synthetic(parsed: Parsed, stage: Stage) -> bool:
    cell = _one(parsed, "synthetic", stage)
    if cell is None:
        return False
    answer = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
    flag = answer.get(_norm(cell.text))
    if flag is None:
        stage.problem("unexpected-value", "the synthetic marker must be yes or no", value=cell.text,
                      expected="yes or no", **cell.where)
        return False
    return flag


_Key = tuple[str, str | None, dt.date]


@dataclass
class _Good:
    item: ReturnItem
    part: str | None
    start: dt.date
    end: dt.date
    value: int | None
    status: Status
    reason: str


def _check_rows(parsed: Parsed, spec: ReturnSpec, stage: Stage) -> dict[_Key, _Good]:
    good: dict[_Key, _Good] = {}
    seen: dict[_Key, int] = {}
    unusable: set[str] = set(parsed.unreadable)  # items with a row whose item, part or period cannot be read
    for row in parsed.rows:
        key_and_period = _row_key(row, spec, stage)
        if key_and_period is None:
            unusable.add(row.item.text)
        status = _status(row, stage)
        value = _value(row, status, stage)
        reason = row.cells["reason"].text
        if status in ("partial", "unable") and not reason:
            stage.problem("blank-value", f"a reason is required when the status is {status}: it becomes the "
                          "footnote", expected="why the figure is incomplete or cannot be supplied",
                          **row.cells["reason"].where)
        if key_and_period is None:
            continue
        key, item, start, end = key_and_period
        if key in seen:
            stage.problem("duplicate-key", f"{_describe(item, key)} appears in rows {seen[key]} and {row.row}; keep "
                          "one", sheet=row.sheet, row=row.row, value=str(key[2]))
            continue
        seen[key] = row.row
        if status is not None and (value is not None or status == "unable"):
            good[key] = _Good(item, key[1], start, end, value, status, reason)
    for item in spec.items:
        if item.id in unusable:
            continue  # its unreadable rows are reported already; a missing row would only repeat them
        for part, period in item.rows():
            key = (item.id, part, item.period_date(period))
            if key not in seen:
                stage.problem("blank-value", f"there is no row for {_describe(item, key)}: add it back (status unable "
                              "with a reason if you cannot supply it)", sheet=item.id if parsed.workbook else None,
                              expected="every row of the template")
    return good


def _describe(item: ReturnItem, key: _Key) -> str:
    part = f" {key[1]}" if key[1] else ""
    when = f"as at {key[2]}" if item.period_kind == "as_at" else f"the 12 months to {key[2]}"
    return f"{item.id}{part}, {when}"


def _row_key(row: Row, spec: ReturnSpec, stage: Stage) -> tuple[_Key, ReturnItem, dt.date, dt.date] | None:
    item = spec.item(row.item.text)
    if item is None:
        stage.problem("unexpected-value", "not an item of this return", value=row.item.text,
                      expected=", ".join(i.id for i in spec.items), **row.item.where)
        return None
    part_cell = row.cells.get("power_type")
    part: str | None = None
    if item.breakdown:
        assert part_cell is not None
        part = _norm(part_cell.text).replace(" ", "_") or None
        if part not in item.breakdown:
            code = "blank-value" if part is None else "unexpected-value"
            stage.problem(code, f"{item.id} needs one of its {item.breakdown_label.replace('_', ' ')}s",
                          value=part_cell.text or None, expected=", ".join(item.breakdown), **part_cell.where)
            return None
    elif part_cell is not None and part_cell.text:
        stage.problem("unexpected-value", f"{item.id} has no breakdown: leave power_type blank", value=part_cell.text,
                      expected="blank", **part_cell.where)
    column = item.date_column()
    other = "period_end" if column == "as_at" else "as_at"
    if other in row.cells and row.cells[other].text:
        stage.problem("unexpected-value", f"{item.id} is given by {column}, not {other}: leave {other} blank",
                      value=row.cells[other].text, expected="blank", **row.cells[other].where)
    cell = row.cells[column]
    day = parse_date(cell.text)
    allowed = {item.period_date(p): p for p in item.periods}
    if day is None:
        code = "blank-value" if not cell.text else "bad-date"
        stage.problem(code, f"the {column.replace('_', ' ')} cannot be read", value=cell.text or None,
                      expected=" or ".join(str(d) for d in allowed), **cell.where)
        return None
    if day not in allowed:
        stage.problem("bad-period", f"{item.id} is asked for {', '.join(p.label() for p in item.periods)} only; "
                      "do not change the template's periods", value=cell.text,
                      expected=" or ".join(str(d) for d in allowed), **cell.where)
        return None
    period = allowed[day]
    return (item.id, part, day), item, period.start, period.end


def _status(row: Row, stage: Stage) -> Status | None:
    cell = row.cells["status"]
    if not cell.text:
        stage.problem("blank-value", "the status is blank", expected="supplied, partial or unable", **cell.where)
        return None
    status = parse_status(cell.text)
    if status is None:
        stage.problem("unexpected-value", "not a status", value=cell.text, expected="supplied, partial or unable",
                      **cell.where)
    return status


def _value(row: Row, status: Status | None, stage: Stage) -> int | None:
    cell = row.cells["value"]
    text = cell.text.replace(",", "").strip()
    if status == "unable":
        if text:
            stage.problem("unexpected-value", "a value is given but the status is unable: clear the value, or set "
                          "the status to supplied or partial", value=cell.text, expected="blank", **cell.where)
        return None
    if not text:
        if status is not None:
            stage.problem("blank-value", f"the value is blank but the status is {status}", expected="a whole number "
                          "(or status unable, with a reason)", **cell.where)
        return None
    if text.startswith("="):
        stage.problem("formula-cell", **formula_problem(cell.text), **cell.where)
        return None
    if not _NUMBER.match(text):
        stage.problem("not-a-number", "the value is not a number", value=cell.text, expected="a whole number such as "
                      "1234", **cell.where)
        return None
    number = float(text)
    if number < 0:
        stage.problem("negative-count", "a count cannot be negative", value=cell.text, expected="zero or more",
                      **cell.where)
        return None
    if not number.is_integer():
        stage.problem("not-a-whole-number", "a count must be a whole number", value=cell.text,
                      expected="a whole number", **cell.where)
        return None
    return int(number)


# ---------------------------------------------------------------------------------------------- reading


def _check(path: Path, stage: Stage) -> tuple[Checked, dict[_Key, _Good]] | None:
    workbook = path.suffix.lower() in (".xlsx", ".xlsm", ".ods")
    parsed = _read_workbook(path, stage) if workbook else _read_csv(path, stage)
    spec = parsed.spec
    if spec is None:
        return None
    force = _force(parsed, stage)
    if force is not None and stage.options.get("expect_force") not in (None, force.code):
        _wrong_force(parsed, force, str(stage.options["expect_force"]), stage)
    submitted_on = _submitted_on(parsed, spec, stage)
    synthetic = _synthetic(parsed, stage)
    good = _check_rows(parsed, spec, stage)
    if not stage.ok or force is None or submitted_on is None:
        return None
    return Checked(force, submitted_on, synthetic), good


def _stage(stage: Stage, checked: Checked, good: dict[_Key, _Good]) -> None:
    code = checked.force.code
    facts = [g for g in good.values() if g.value is not None]
    stage.add_facts({
        "dataset": [DATASET] * len(facts),
        "area_code": [code] * len(facts),
        "period_start": [g.start for g in facts],
        "period_end": [g.end for g in facts],
        "measure": [g.item.id for g in facts],
        "offence": [g.part for g in facts],
        "value": [float(g.value or 0) for g in facts],
    })
    items = list(good.values())
    stage.add_rows("return_items", {
        "area_code": [code] * len(items),
        "item": [g.item.item_key(g.part) for g in items],
        "period_start": [g.start for g in items],
        "period_end": [g.end for g in items],
        "status": [g.status for g in items],
        "reason": [g.reason or None for g in items],
    })
    stage.datasets.add(DATASET)
    counts = {s: sum(1 for g in items if g.status == s) for s in ("supplied", "partial", "unable")}
    stage.notes.append(f"{checked.force.name} return submitted {checked.submitted_on}: {counts['supplied']} "
                       f"supplied, {counts['partial']} partial, {counts['unable']} unable to supply")
    if checked.synthetic:
        stage.notes.append("the file is marked as synthetic demonstration data")


def _vintages(stage: Stage, force_code: str, day: dt.date) -> tuple[int, str | None]:
    """The highest same-day submission number of this force already loaded, and its latest vintage."""
    rows = stage.con.execute(
        """SELECT DISTINCT i.vintage FROM imports i
           WHERE i.import_id IN (SELECT import_id FROM return_items WHERE area_code = ?)""", [force_code]).fetchall()
    vintages = [str(r[0]) for r in rows]
    highest = 0
    for vintage in vintages:
        match = _SUFFIX.match(vintage)
        if match and vintage.startswith(day.isoformat()):
            highest = max(highest, int(match.group(1) or 1))
    return highest, max(vintages, default=None)


def read_many(files: list[tuple[Path, Stage]]) -> None:
    """Check each return; give each clean one its vintage (numbering same-day submissions of a force)."""
    taken: dict[tuple[str, dt.date], int] = {}
    for path, stage in files:
        result = _check(path, stage)
        if result is None:
            continue
        checked, good = result
        _stage(stage, checked, good)
        if stage.vintage is not None:
            continue  # given on the command line
        key = (checked.force.code, checked.submitted_on)
        loaded, latest = _vintages(stage, *key)
        number = max(loaded, taken.get(key, 0)) + 1
        taken[key] = number
        day = checked.submitted_on.isoformat()
        stage.vintage = day if number == 1 else f"{day}.{number}"
        if number > 1:
            stage.notes.append(f"submission {number} of {checked.force.name}'s return on {day}: vintage "
                               f"{stage.vintage}; it supersedes the earlier one, kept as history")
        elif latest is not None and latest > day:
            stage.notes.append(f"a later submission ({latest}) of {checked.force.name}'s return is already loaded; "
                               "this one becomes the current return because it is imported last")


def read(path: Path, stage: Stage) -> None:
    read_many([(path, stage)])


SOURCE = register(
    Source(
        name="force_return",
        title="Force data return (peel returns template)",
        publisher="HMICFRS force data return",
        score=_score,
        read=read,
        read_many=read_many,
    )
)


def marked_synthetic(path: Path) -> bool:
    """Whether a return file says it is synthetic demonstration data (its cover, or the CSV's column)."""
    import csv

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
            for row in _sheet_rows(path, COVER_SHEET):
                texts = [_cell_text(v) for v in row]
                if texts and _norm(texts[0]) == _norm(COVER_FIELDS["synthetic"]):
                    return len(texts) > 1 and _norm(texts[1]) in ("yes", "y", "true", "1")
            return False
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.DictReader(handle), None)
        return first is not None and _norm(first.get("synthetic") or "") in ("yes", "y", "true", "1")
    except Exception:  # an unreadable file is reported by the import itself
        return False
