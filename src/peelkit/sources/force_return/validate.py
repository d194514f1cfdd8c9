"""Checking a parsed force data return: its force, submission date and marker, and every row's item,
period, status and value. Every problem is reported to the stage; only clean rows come back."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from peelkit import forces
from peelkit.forces import Area
from peelkit.sources.force_return.items import ReturnItem, ReturnSpec, Status, parse_status
from peelkit.sources.force_return.parse import Cell, Parsed, Row, norm, one_value
from peelkit.sources.xlsx_formulas import formula_problem
from peelkit.warehouse import Stage

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def return_force(parsed: Parsed, stage: Stage) -> Area | None:
    code, name = one_value(parsed, "force_code", stage), one_value(parsed, "force_name", stage)
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


def submission_date(parsed: Parsed, spec: ReturnSpec, stage: Stage) -> dt.date | None:
    cell = one_value(parsed, "submitted_on", stage)
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


def synthetic_marker(parsed: Parsed, stage: Stage) -> bool:
    cell = one_value(parsed, "synthetic", stage)
    if cell is None:
        return False
    answer = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
    flag = answer.get(norm(cell.text))
    if flag is None:
        stage.problem("unexpected-value", "the synthetic marker must be yes or no", value=cell.text,
                      expected="yes or no", **cell.where)
        return False
    return flag


ItemKey = tuple[str, str | None, dt.date]


@dataclass
class GoodRow:
    item: ReturnItem
    part: str | None
    start: dt.date
    end: dt.date
    value: int | None
    status: Status
    reason: str


def check_rows(parsed: Parsed, spec: ReturnSpec, stage: Stage) -> dict[ItemKey, GoodRow]:
    good: dict[ItemKey, GoodRow] = {}
    seen: dict[ItemKey, int] = {}
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
            good[key] = GoodRow(item, key[1], start, end, value, status, reason)
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


def _describe(item: ReturnItem, key: ItemKey) -> str:
    part = f" {key[1]}" if key[1] else ""
    when = f"as at {key[2]}" if item.period_kind == "as_at" else f"the 12 months to {key[2]}"
    return f"{item.id}{part}, {when}"


def _row_key(row: Row, spec: ReturnSpec, stage: Stage) -> tuple[ItemKey, ReturnItem, dt.date, dt.date] | None:
    item = spec.item(row.item.text)
    if item is None:
        stage.problem("unexpected-value", "not an item of this return", value=row.item.text,
                      expected=", ".join(i.id for i in spec.items), **row.item.where)
        return None
    part_cell = row.cells.get("power_type")
    part: str | None = None
    if item.breakdown:
        assert part_cell is not None
        part = norm(part_cell.text).replace(" ", "_") or None
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
