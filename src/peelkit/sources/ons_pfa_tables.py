"""ONS 'Crime in England and Wales: Police Force Area data tables' workbooks (xlsx or ods).

Each release holds a few tables ('Table P1', 'Table P7 ', ...). Table numbers change between releases, so
each table is identified by the title text in cell A1. Loaded: recorded crime numbers by offence group,
anti-social behaviour incidents by year, mid-year population and household estimates. Percentage changes,
rates, knife-crime breakdowns and survey (CSEW) estimates are derived or out of scope and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from peelkit import forces, periods
from peelkit.forces import Area
from peelkit.sources import Sniff, Source, register
from peelkit.sources.xlsx_formulas import fill_formulas, formula_problem, uncached_formulas
from peelkit.warehouse import Stage

Cell = object
Rows = list[list[Cell]]

# Values ONS prints instead of a number. '..' = not available (the only mark seen in the real files);
# '-', 'x' and '*' are the other common GSS marks (nil / suppressed), accepted for later releases.
MISSING_MARKS = ("..", "-", "x", "*")

_P_SHEET = re.compile(r"^\s*table\s+p\d+\s*$", re.IGNORECASE)
_TABLE_PREFIX = re.compile(r"^\s*table\s+p\d+\s*[:.]\s*", re.IGNORECASE)
# Footnote markers glued to a label, before a closing bracket or at the end: 'fraud4)', 'burglary6,7',
# 'harassment 5', "Mar '175, 6" is handled separately (the year digits are glued to the footnote).
_LABEL_FOOTNOTE = re.compile(r"(?<=[A-Za-z])\s*\d+(?:\s*,\s*\d+)*(?=\)|$)")
_TITLE_PERIOD = re.compile(r"year\s+ending\s+([A-Za-z]+)\s+(\d+)", re.IGNORECASE)
_ASB_YEAR = re.compile(r"^\s*([A-Za-z]+)\s*'\s*(\d{2})\s*to\s*([A-Za-z]+)\s*'\s*(\d{2})")
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})")
_INC_BTP = re.compile(r"\binc(?:l|luding)?\.?\s*BTP\b", re.IGNORECASE)
# Rows below a table: 'Source: ...', 'Sources: ...', numbered footnotes '1. ...', "3 '..' Not available".
_TABLE_END = re.compile(r"^\s*(sources?\s*:|notes?\s*:|\d+\s*[.)]?\s+\S|\d+\s*'|\d+\.\S)", re.IGNORECASE)
# 'West Midlands (region)' tells the region from the force of the same name.
_QUALIFIER = re.compile(r"\s*\((region|force|police force area)\)\s*$", re.IGNORECASE)
HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True)
class Kind:
    """A table kind this reader loads."""

    key: str
    dataset: str
    measure: str


CRIME = Kind("crime", "ons_recorded_crime", "offences")
ASB = Kind("asb", "asb_incidents", "incidents")
POPULATION = Kind("population", "population", "population")
HOUSEHOLDS = Kind("households", "households", "households")


def classify(title: str) -> Kind | str | None:
    """The kind of table a title names; a short reason string for tables deliberately skipped; None if
    the title is not a PFA table at all (notes, corrections)."""
    text = " ".join(_TABLE_PREFIX.sub("", title).lower().split())
    if "police force area" not in text:
        return None
    if text.startswith("police recorded crime by offence group"):
        if "number of offences" in text:
            return CRIME
        if "percentage change" in text:
            return "percentage change"
        if "rate" in text:
            return "rates"
        return "recorded crime (other measure)"
    if "knife" in text:
        return "knife or sharp instrument offences"
    if "anti-social behaviour incidents" in text:
        return "ASB by category of incident" if "by category" in text else ASB
    if "experiences of anti-social behaviour" in text:
        return "survey (CSEW) estimates"
    if text.startswith("mid-year population estimates"):
        return POPULATION
    if text.startswith("mid-year household estimates"):
        return HOUSEHOLDS
    return "not a table this reader loads"


def clean_label(label: str) -> str:
    """'Total recorded crime (excluding fraud4)' -> 'Total recorded crime (excluding fraud)';
    'Non-residential  burglary6,7' -> 'Non-residential burglary'."""
    return " ".join(_LABEL_FOOTNOTE.sub("", label.strip()).split())


def title_period_end(title: str) -> date | None:
    """The month end in 'year ending March 181,2,3' (2018), 'June 20181' (2018), 'December 2019'.

    The year and its footnote markers run together, so a run of digits starting 19xx/20xx is a four-digit
    year and anything else starts with a two-digit year.
    """
    match = _TITLE_PERIOD.search(title)
    if not match:
        return None
    month = periods.MONTHS.get(match.group(1).lower())
    digits = match.group(2)
    if month is None or len(digits) < 2:
        return None
    four_digit = len(digits) >= 4 and digits[:2] in ("19", "20")
    year = int(digits[:4]) if four_digit else 2000 + int(digits[:2])
    return periods.month_end(year, month)


def asb_period(label: str) -> periods.Period | None:
    """"Apr '16 to Mar '175, 6" -> April 2016 to March 2017 (footnotes glued after the two-digit year)."""
    match = _ASB_YEAR.match(label)
    if not match:
        return None
    first, last = periods.MONTHS.get(match.group(1).lower()), periods.MONTHS.get(match.group(3).lower())
    if first is None or last is None:
        return None
    end = periods.month_end(2000 + int(match.group(4)), last)
    period = periods.months_to(end, 12)
    if period.start != date(2000 + int(match.group(2)), first, 1):
        return None
    return period


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _cell(row: Sequence[Cell], index: int) -> Cell:
    return row[index] if index < len(row) else ""


# ---------------------------------------------------------------------------------------------- recognising


def _open(path: Path) -> object:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path))


def _sheet_rows(workbook: object, name: str, nrows: int | None = None) -> Rows:
    # skip_empty_area=False keeps leading blank rows and columns, so row numbers match the spreadsheet.
    sheet = workbook.get_sheet_by_name(name)  # type: ignore[attr-defined]
    rows: Rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
    return rows


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("xlsx", "ods"):
        return 0.0
    if not sniff.sheet_names:
        # The container looks like a workbook but calamine cannot open it: claim it weakly, so the reader
        # can say 'not-a-workbook' instead of the importer's 'unrecognised-file'.
        return 0.5
    p_sheets = [name for name in sniff.sheet_names if _P_SHEET.match(name)]
    if not p_sheets:
        return 0.0
    try:
        workbook = _open(sniff.path)
        titles = [_text(_cell(rows[0], 0)) for name in p_sheets if (rows := _sheet_rows(workbook, name, 1))]
    except Exception:  # calamine raises several types for broken sheets; the reader reports them
        return 0.6
    return 0.95 if any(isinstance(classify(t), Kind) for t in titles) else 0.6


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class _Column:
    index: int
    label: str  # for messages: the header as published
    offence: str | None
    period: periods.Period


@dataclass
class _Facts:
    columns: dict[str, list[object]] = field(
        default_factory=lambda: {k: [] for k in (
            "dataset", "area_code", "period_start", "period_end", "measure", "offence", "value", "marker")}
    )

    def add(self, kind: Kind, area: str, column: _Column, value: float | None, marker: str | None) -> None:
        for name, item in (("dataset", kind.dataset), ("area_code", area), ("period_start", column.period.start),
                           ("period_end", column.period.end), ("measure", kind.measure),
                           ("offence", column.offence), ("value", value), ("marker", marker)):
            self.columns[name].append(item)

    def __len__(self) -> int:
        return len(self.columns["value"])


class _Table:
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
            cells = [_text(c).lower() for c in row]
            if "area code" in cells or (self.kind is ASB and "number of incidents" in cells):
                return index
        return None

    def value_columns(self, header: int) -> list[_Column]:
        above = self.rows[header - 1] if header > 0 else []
        labels = [_text(c) for c in self.rows[header]]
        columns: list[_Column] = []
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
                text = label or _text(_cell(above, index))
                if not text or text.lower() in ("area code", "area name") or index <= self._name_column(header):
                    continue
                columns.append(_Column(index, text, clean_label(text), period))
        elif self.kind is ASB:
            year_label = ""
            for index, label in enumerate(labels):
                # The year label is merged across its 'Number' and 'Rate' columns: carry it rightwards.
                year_label = _text(_cell(above, index)) or year_label
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
                columns.append(_Column(index, f"{year_label} {label}", None, year))
        else:
            for index, cell in enumerate(self.rows[header]):
                if index <= self._name_column(header) or not _text(cell):
                    continue
                match = _YEAR.match(_text(cell))
                if not match:
                    self.problem("bad-header", "a mid-year column heading is not a year", row=header + 1,
                                 column=column_letter(index), value=_text(cell), expected="a year such as 2016")
                    continue
                as_at = date(int(match.group(1)), 6, 30)  # mid-year estimates are as at 30 June
                if not periods.plausible(as_at):
                    self.problem("bad-header", "a mid-year column heading is outside the years any release covers",
                                 row=header + 1, column=column_letter(index), value=_text(cell),
                                 expected=periods.plausible_text())
                    continue
                columns.append(_Column(index, _text(cell), None, periods.Period(as_at, as_at)))
        if not columns and self.stage.ok:
            self.problem("bad-header", "no value columns found in the header", row=header + 1)
        return columns

    def _code_column(self, header: int) -> int | None:
        cells = [_text(c).lower() for c in self.rows[header]]
        return cells.index("area code") if "area code" in cells else None

    def _name_column(self, header: int) -> int:
        cells = [_text(c).lower() for c in self.rows[header]]
        if "area name" in cells:
            return cells.index("area name")
        code = self._code_column(header)
        return code + 1 if code is not None else 0

    def read(self, facts: _Facts) -> None:
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
            first = _text(_cell(row, 0))
            if _TABLE_END.match(first):
                break
            code = _text(_cell(row, code_col)) if code_col is not None else ""
            name = _text(_cell(row, name_col))
            if not code and not name:
                continue  # spacer row, or the 'Numbers' units row
            if _INC_BTP.search(name):
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
                cell = _cell(self.rows[seen[area_code] - 1], column.index)
                marker = _text(cell) if value is None else None
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
        area = _by_name(name, below, name_col)
        if area is None:
            suggestions = forces.suggest(name)
            self.problem("unknown-force", f"{name!r} is not a known police force or area", row=row,
                         column=column_letter(name_col), value=name,
                         expected=f"closest known: {', '.join(suggestions)}" if suggestions else "a force name")
        return area

    def _value(self, row: Sequence[Cell], column: _Column, number: int) -> float | None:
        cell = _cell(row, column.index)
        where: dict[str, Any] = {"row": number, "column": f"{column_letter(column.index)} ({column.label})"}
        if isinstance(cell, bool) or not isinstance(cell, (int, float)):
            text = _text(cell)
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
            self.problem("negative-count", "a count cannot be negative", value=_text(cell),
                         expected="zero or more", **where)
            return None
        if not value.is_integer():
            self.problem("not-a-whole-number", "a count must be a whole number", value=_text(cell),
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


def area_by_code(code: str) -> Area | None:
    """The area with exactly this code. (forces.find alone is too lenient for codes: it strips trailing
    digits as footnotes, so an unknown code such as E23000099 would match some other E… area.)"""
    area = forces.find(code)
    return area if area is not None and area.code.lower() == code.strip().lower() else None


def names_area(area: Area, name: str) -> bool:
    """Whether a row name (footnotes, case and a '(region)' qualifier ignored) names `area`."""
    qualified = _QUALIFIER.search(name)
    if qualified:
        if qualified.group(1).lower() == "region" and area.kind != "region":
            return False
        name = _QUALIFIER.sub("", name)
    wanted = forces.normalise(name)
    if wanted in {forces.normalise(n) for n in (area.name, *area.aliases)}:
        return True
    return forces.find(name) == area


def _regions() -> dict[str, Area]:
    return {forces.normalise(n): a for a in forces.all_areas() if a.kind == "region" for n in (a.name, *a.aliases)}


def _by_name(name: str, below: Rows, name_col: int) -> Area | None:
    """The area a row names when the table has no codes. 'West Midlands' is both a region and a force:
    ONS lists each region directly above its forces, so it is the region when the next named row is one of
    that region's forces."""
    area = forces.find(name)
    region = _regions().get(forces.normalise(name))
    if area is None or region is None or area == region:
        return area
    for row in below:
        following = _text(_cell(row, name_col))
        if following:
            nxt = forces.find(following)
            in_region = nxt is not None and _regions().get(forces.normalise(nxt.region)) == region
            if nxt is not None and nxt.kind == "force" and nxt != area and in_region:
                return region
            return area
    return area


def read(path: Path, stage: Stage) -> None:
    try:
        workbook = _open(path)
        names: list[str] = list(workbook.sheet_names)  # type: ignore[attr-defined]
    except Exception as error:  # calamine raises several types for broken workbooks
        stage.problem("not-a-workbook", f"the workbook cannot be opened ({error})",
                      expected="an XLSX or ODS workbook; open it in a spreadsheet program and save it again")
        return
    formulas = uncached_formulas(path)
    facts = _Facts()
    loaded: list[str] = []
    skipped: list[str] = []
    for raw_name in names:
        sheet = raw_name.strip()  # some releases name sheets 'Table P4  '
        try:
            rows = fill_formulas([list(r) for r in _sheet_rows(workbook, raw_name)], formulas.get(raw_name, {}))
        except Exception as error:  # a sheet calamine cannot read
            stage.problem("not-a-workbook", f"the sheet cannot be read ({error})", sheet=sheet)
            continue
        title = _text(_cell(rows[0], 0)) if rows else ""
        kind = classify(title)
        if kind is None:
            continue
        if isinstance(kind, str):
            skipped.append(f"{sheet} ({kind})")
            continue
        before = len(facts)
        table = _Table(stage, sheet, rows, kind, title)
        table.read(facts)
        scope = _text(_cell(rows[2], 0)) if len(rows) > 2 else ""
        # e.g. 'England and Wales (excluding Greater Manchester Police)': the totals leave a force out.
        if scope.lower().startswith("england and wales") and scope.lower() != "england and wales":
            stage.notes.append(f"{sheet}: the table covers {scope!r}, as its heading says")
        if stage.ok:
            loaded.append(f"{sheet} ({kind.dataset}: {len(facts) - before} figures)")
    if skipped:
        stage.notes.append("not loaded (derived figures or survey estimates): " + "; ".join(skipped))
    if not loaded and stage.ok:
        stage.problem("missing-sheet", "no recorded crime, anti-social behaviour or mid-year estimate table "
                      "found (tables are recognised by the title in cell A1)",
                      expected="a table titled e.g. 'Table P1: Police recorded crime by offence group and "
                      "police force area ... number of offences, year ending March 2018'")
        return
    if not stage.ok or not len(facts):
        return
    stage.notes.append("loaded " + "; ".join(loaded))
    ends = [d for d in facts.columns["period_end"] if isinstance(d, date)]
    stage.add_facts({name: values for name, values in facts.columns.items()})
    stage.vintage = stage.vintage or periods.vintage_of(max(ends))


SOURCE = register(
    Source(
        name="ons_pfa_tables",
        title="ONS Crime in England and Wales: Police Force Area data tables",
        publisher="Office for National Statistics",
        score=_score,
        read=read,
        urls=(
            "https://www.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/datasets/"
            "policeforceareadatatables",
        ),
    )
)
