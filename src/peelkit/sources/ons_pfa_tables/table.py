"""One ONS Police Force Area table read into facts: its header row, value columns, area rows and cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from peelkit import forces, periods
from peelkit.forces import Area
from peelkit.sources.ons_pfa_tables.labels import (
    ASB,
    CRIME,
    HEADER_SEARCH_ROWS,
    INC_BTP,
    MISSING_MARKS,
    TABLE_END,
    YEAR,
    Cell,
    Kind,
    Rows,
    area_by_code,
    area_by_name,
    asb_period,
    cell_at,
    cell_text,
    clean_label,
    column_letter,
    names_area,
    title_period_end,
)
from peelkit.sources.xlsx_formulas import formula_problem
from peelkit.warehouse import Stage


@dataclass
class Column:
    index: int
    label: str  # for messages: the header as published
    offence: str | None
    period: periods.Period


@dataclass
class Facts:
    columns: dict[str, list[object]] = field(
        default_factory=lambda: {k: [] for k in (
            "dataset", "area_code", "period_start", "period_end", "measure", "offence", "value", "marker")}
    )

    def add(self, kind: Kind, area: str, column: Column, value: float | None, marker: str | None) -> None:
        for name, item in (("dataset", kind.dataset), ("area_code", area), ("period_start", column.period.start),
                           ("period_end", column.period.end), ("measure", kind.measure),
                           ("offence", column.offence), ("value", value), ("marker", marker)):
            self.columns[name].append(item)

    def __len__(self) -> int:
        return len(self.columns["value"])


class Table:
    """One sheet holding a table this reader loads."""

    def __init__(self, stage: Stage, sheet: str, rows: Rows, kind: Kind, title: str) -> None:
        self.stage = stage
        self.sheet = sheet
        self.rows = rows
        self.kind = kind
        self.title = title
        # Codes on rows already reported (code-name mismatch) are not reported again as missing forces.
        self.claimed: set[str] = set()

    def problem(self, code: str, message: str, **where: object) -> None:
        self.stage.problem(code, message, sheet=self.sheet, **where)

    def header_row(self) -> int | None:
        """Index of the row naming the columns: the 'Area Code' row, or (ASB tables without codes) the
        'Number of Incidents' row."""
        for index, row in enumerate(self.rows[:HEADER_SEARCH_ROWS]):
            cells = [cell_text(c).lower() for c in row]
            if "area code" in cells or (self.kind is ASB and "number of incidents" in cells):
                return index
        return None

    def value_columns(self, header: int) -> list[Column]:
        above = self.rows[header - 1] if header > 0 else []
        labels = [cell_text(c) for c in self.rows[header]]
        columns: list[Column] = []
        if self.kind is CRIME:
            end = title_period_end(self.title)
            if end is not None and not periods.plausible(end):
                self.problem("bad-period", "the year in the title is outside the years any release covers", row=1,
                             column="A", value=self.title[:120], expected=periods.plausible_text())
                return []
            if end is None:
                self.problem("bad-period", "the title does not say which year the figures are for", row=1,
                             column="A", value=self.title[:120], expected="'... year ending <Month> <Year>'")
                return []
            period = periods.months_to(end, 12)
            for index, label in enumerate(labels):
                # A label spanning two header rows sits in the upper row with the cell below it blank.
                text = label or cell_text(cell_at(above, index))
                if not text or text.lower() in ("area code", "area name") or index <= self._name_column(header):
                    continue
                columns.append(Column(index, text, clean_label(text), period))
        elif self.kind is ASB:
            year_label = ""
            for index, label in enumerate(labels):
                # The year label is merged across its 'Number' and 'Rate' columns: carry it rightwards.
                year_label = cell_text(cell_at(above, index)) or year_label
                if label.lower() != "number of incidents":
                    continue
                year = asb_period(year_label)
                if year is not None and not (periods.plausible(year.start) and periods.plausible(year.end)):
                    self.problem("bad-period", "the year above this column is outside the years any release covers",
                                 row=header, column=column_letter(index), value=year_label,
                                 expected=periods.plausible_text())
                    continue
                if year is None:
                    self.problem("bad-period", "the year above this column cannot be read", row=header,
                                 column=column_letter(index), value=year_label,
                                 expected="a label such as \"Apr '16 to Mar '17\"")
                    continue
                columns.append(Column(index, f"{year_label} {label}", None, year))
        else:
            for index, cell in enumerate(self.rows[header]):
                if index <= self._name_column(header) or not cell_text(cell):
                    continue
                match = YEAR.match(cell_text(cell))
                if not match:
                    self.problem("bad-header", "a mid-year column heading is not a year", row=header + 1,
                                 column=column_letter(index), value=cell_text(cell), expected="a year such as 2016")
                    continue
                as_at = date(int(match.group(1)), 6, 30)  # mid-year estimates are as at 30 June
                if not periods.plausible(as_at):
                    self.problem("bad-header", "a mid-year column heading is outside the years any release covers",
                                 row=header + 1, column=column_letter(index), value=cell_text(cell),
                                 expected=periods.plausible_text())
                    continue
                columns.append(Column(index, cell_text(cell), None, periods.Period(as_at, as_at)))
        if not columns and self.stage.ok:
            self.problem("bad-header", "no value columns found in the header", row=header + 1)
        return columns

    def _code_column(self, header: int) -> int | None:
        cells = [cell_text(c).lower() for c in self.rows[header]]
        return cells.index("area code") if "area code" in cells else None

    def _name_column(self, header: int) -> int:
        cells = [cell_text(c).lower() for c in self.rows[header]]
        if "area name" in cells:
            return cells.index("area name")
        code = self._code_column(header)
        return code + 1 if code is not None else 0

    def read(self, facts: Facts) -> None:
        header = self.header_row()
        if header is None:
            self.problem("bad-header", "no 'Area Code' header row near the top of the table",
                         expected="a header row starting 'Area Code', 'Area Name'")
            return
        columns = self.value_columns(header)
        if not columns:
            return
        code_col, name_col = self._code_column(header), self._name_column(header)
        seen: dict[str, int] = {}
        values: dict[str, list[float | None]] = {}
        data = self.rows[header + 1:]
        for offset, row in enumerate(data):
            number = header + 2 + offset  # 1-based spreadsheet row
            first = cell_text(cell_at(row, 0))
            if TABLE_END.match(first):
                break
            code = cell_text(cell_at(row, code_col)) if code_col is not None else ""
            name = cell_text(cell_at(row, name_col))
            if not code and not name:
                continue  # spacer row, or the 'Numbers' units row
            if INC_BTP.search(name):
                continue  # the total including BTP; the 'exc. BTP' row is England and Wales
            area = self._area(code, name, number, code_col, name_col, data[offset + 1:])
            if area is None:
                continue
            if area.code in seen:
                self.problem("duplicate-key", f"{area.name} also appears in row {seen[area.code]}", row=number,
                             column=column_letter(name_col), value=name)
                continue
            seen[area.code] = number
            values[area.code] = [self._value(row, column, number) for column in columns]
        missing = [f for f in forces.forces() if f.code not in seen and f.code not in self.claimed]
        for force in missing:
            self.problem("missing-force", f"{force.name} ({force.code}) has no row in this table",
                         expected="a row for each of the 43 forces")
        if not self.stage.ok:
            return
        self._drop_total_including_btp(values)
        for area_code, row_values in values.items():
            for column, value in zip(columns, row_values, strict=True):
                cell = cell_at(self.rows[seen[area_code] - 1], column.index)
                marker = cell_text(cell) if value is None else None
                facts.add(self.kind, area_code, column, value, marker)

    def _area(self, code: str, name: str, row: int, code_col: int | None, name_col: int,
              below: Rows) -> Area | None:
        if code:
            area = area_by_code(code)
            if area is None:
                suggestions = forces.suggest(name) if name else []
                self.problem("unknown-force", f"area code {code!r} ({name}) is not a known area code", row=row,
                             column=column_letter(code_col or 0), value=code,
                             expected=f"closest known: {', '.join(suggestions)}" if suggestions else "a GSS code")
                return None
            if name and not names_area(area, name):
                self.claimed.add(area.code)
                other = forces.find(name)
                self.problem("code-name-mismatch",
                             f"area code {code} is {area.name} but the row is named {name!r}"
                             + (f" ({other.code})" if other else ""),
                             row=row, column=column_letter(name_col), value=name, expected=area.name)
                return None
            return area
        area = area_by_name(name, below, name_col)
        if area is None:
            suggestions = forces.suggest(name)
            self.problem("unknown-force", f"{name!r} is not a known police force or area", row=row,
                         column=column_letter(name_col), value=name,
                         expected=f"closest known: {', '.join(suggestions)}" if suggestions else "a force name")
        return area

    def _value(self, row: Sequence[Cell], column: Column, number: int) -> float | None:
        cell = cell_at(row, column.index)
        where: dict[str, Any] = {"row": number, "column": f"{column_letter(column.index)} ({column.label})"}
        if isinstance(cell, bool) or not isinstance(cell, (int, float)):
            text = cell_text(cell)
            if text in MISSING_MARKS:
                return None
            if not text:
                self.problem("blank-value", "the value is blank", expected="a number or '..'", **where)
                return None
            if text.startswith("="):
                self.problem("formula-cell", **formula_problem(text), **where)
                return None
            try:
                cell = float(text.replace(",", ""))
            except ValueError:
                self.problem("not-a-number", "the value is not a number", value=text,
                             expected="a whole number, or '..' for not available", **where)
                return None
        value = float(cell)
        if value < 0:
            self.problem("negative-count", "a count cannot be negative", value=cell_text(cell),
                         expected="zero or more", **where)
            return None
        if not value.is_integer():
            self.problem("not-a-whole-number", "a count must be a whole number", value=cell_text(cell),
                         expected="a whole number", **where)
            return None
        return value

    def _drop_total_including_btp(self, values: dict[str, list[float | None]]) -> None:
        # The crime tables' 'ENGLAND AND WALES' row includes British Transport Police (a footnote says so);
        # K04000001 means the territorial total, so such a row is not stored under that code.
        total, parts = values.get(forces.ENGLAND_AND_WALES), [values.get(c) for c in ("E92000001", "W92000004")]
        btp = values.get("X-BTP")
        if total is None or btp is None or parts[0] is None or parts[1] is None:
            return
        compared = [(t, e + w, b) for t, e, w, b in zip(total, parts[0], parts[1], btp, strict=True)
                    if t is not None and e is not None and w is not None and b is not None and b != 0]
        if compared and all(abs(t - (ew + b)) < 0.5 and abs(t - ew) >= 0.5 for t, ew, b in compared):
            del values[forces.ENGLAND_AND_WALES]
            self.stage.notes.append(f"{self.sheet}: the ENGLAND AND WALES row includes British Transport Police "
                                    "(England + Wales + BTP); not stored as the England and Wales total")
