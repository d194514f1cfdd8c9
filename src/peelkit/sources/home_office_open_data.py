"""Home Office police recorded crime open data tables: offences by force, financial quarter and offence code.

Published as an ODS workbook (one sheet per financial year, sometimes with title rows above the header) and
often saved as CSV. Both go through the same row checks: only the way rows are fetched differs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from peelkit import periods
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources._csv import CsvRows, parse_area, parse_count, stage_offence_codes
from peelkit.warehouse import Stage

DATASET = "recorded_crime_quarterly"
MEASURE = "offences"
COLUMNS = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
COUNT = "Number of Offences"
# How far down a sheet the header row may sit below title and note rows.
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Record:
    """One data row, wherever it came from: the cells as text, keyed by the COLUMNS names."""

    sheet: str | None
    row: int
    cells: dict[str, str]


@dataclass
class _Fact:
    start: dt.date
    value: float
    row: int


# ---------------------------------------------------------------------------------------------- recognising


def _score(sniff: Sniff) -> float:
    if sniff.container in ("text", "gzip"):
        return header_score(sniff.header_fields(), COLUMNS)
    if sniff.container in ("xlsx", "ods"):
        try:
            sheets = _workbook_sheets(sniff.path)
        except Exception:  # calamine raises several types for broken workbooks; the reader reports them
            return 0.0
        return max((_header_row(rows)[1] for _, rows in sheets), default=0.0)
    return 0.0


# ---------------------------------------------------------------------------------------------- fetching rows


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would show (whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _workbook_sheets(path: Path) -> list[tuple[str, list[list[str]]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in book.sheet_names:
        # skip_empty_area=False keeps row 1 as the sheet's row 1, so findings point at the right row.
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets.append((name, [[_cell_text(v) for v in row] for row in rows]))
    return sheets


def _header_row(rows: list[list[str]]) -> tuple[int | None, float]:
    """The index of the row that best matches the header within the first rows, and its score."""
    best: tuple[int | None, float] = (None, 0.0)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score([c.strip() for c in row], COLUMNS)
        if score > best[1]:
            best = (index, score)
    return best


def _workbook_records(path: Path, stage: Stage) -> Iterator[Record]:
    try:
        sheets = _workbook_sheets(path)
    except Exception as error:  # calamine raises several types for broken workbooks
        stage.problem("not-a-workbook", f"the workbook cannot be read ({error}); open it and save it again",
                      expected="an ODS or XLSX workbook")
        return
    skipped: list[str] = []
    found = False
    for name, rows in sheets:
        index, score = _header_row(rows)
        if index is None or score < 0.5:
            skipped.append(name)  # cover, notes and contents sheets carry no table
            continue
        found = True
        header = [c.strip().lower() for c in rows[index]]
        missing = [c for c in COLUMNS if c.lower() not in header]
        for column in missing:
            stage.problem("missing-column", f"required column {column!r} is missing", sheet=name,
                          row=index + 1, column=column, expected=", ".join(COLUMNS))
        if missing:
            continue
        positions = {c: header.index(c.lower()) for c in COLUMNS}
        for offset, row in enumerate(rows[index + 1:], start=index + 2):
            if not any(c.strip() for c in row):
                continue
            yield Record(name, offset, {c: row[i] if i < len(row) else "" for c, i in positions.items()})
    if not found:
        stage.problem("bad-header", "no sheet has the open data table header", expected=", ".join(COLUMNS))
    elif skipped:
        stage.notes.append(f"skipped sheets without the table: {', '.join(skipped)}")


def _csv_records(path: Path, stage: Stage) -> Iterator[Record]:
    for row, cells in CsvRows(path, stage, COLUMNS):
        yield Record(None, row, cells)


# ---------------------------------------------------------------------------------------------- shared checks


def read(path: Path, stage: Stage) -> None:
    workbook = path.suffix.lower() in (".ods", ".xlsx", ".xlsm")
    records = _workbook_records(path, stage) if workbook else _csv_records(path, stage)
    load_records(records, stage)


def load_records(records: Iterator[Record], stage: Stage) -> None:
    """Check every row and stage the facts and offence codes; CSV and workbook rows alike."""
    facts: dict[tuple[str, dt.date, str], _Fact] = {}
    codes: dict[str, tuple[str, str, str]] = {}
    changed_labels: set[str] = set()
    quarters: dict[tuple[str, str], periods.Period] = {}
    negatives = zeros_as_dash = merged = 0
    for record in records:
        mark = len(stage.findings)
        parsed = _check(stage, record, quarters)
        if record.sheet is not None:
            _in_sheet(stage, mark, record.sheet)
        if parsed is None:
            continue
        area_code, area_name, period, code, count = parsed
        cells, row = record.cells, record.row
        if count < 0:
            negatives += 1
        if cells[COUNT].strip().startswith("-0"):
            zeros_as_dash += 1  # "-00": a spreadsheet number format's way of showing zero
        label = (cells["Offence Description"].strip(), cells["Offence Group"].strip(),
                 cells["Offence Subgroup"].strip())
        if code not in codes:
            codes[code] = label
        elif codes[code] != label:
            changed_labels.add(code)
        key = (area_code, period.end, code)
        if key not in facts:
            facts[key] = _Fact(period.start, float(count), row)
        elif "/" in code:
            # A merged code ("1/4.1/4.10/4.2", homicide) is published as one row per member code under the
            # merged label: their sum is the figure for the merged code.
            facts[key].value += count
            merged += 1
        else:
            stage.problem("duplicate-key", f"{area_name}, offence code {code}, quarter ending {period.end} "
                          f"appears in rows {facts[key].row} and {row}; keep one", sheet=record.sheet, row=row,
                          column="Offence Code", value=code)
    if negatives:
        stage.notes.append(f"kept {negatives} negative quarterly counts as published (net of cancelled crimes)")
    if zeros_as_dash:
        stage.notes.append(f"read {zeros_as_dash} counts shown as '-00' (a spreadsheet zero format) as 0")
    if merged:
        stage.notes.append(f"summed {merged} extra rows of merged offence codes (such as homicide, "
                           "1/4.1/4.10/4.2) into one figure per force and quarter")
    if changed_labels:
        stage.notes.append("offence codes with more than one description or group (the first is kept): "
                           f"{', '.join(sorted(changed_labels))}")
    if stage.ok and facts:
        _stage_facts(stage, facts, codes)


def _stage_facts(stage: Stage, facts: dict[tuple[str, dt.date, str], _Fact],
                 codes: dict[str, tuple[str, str, str]]) -> None:
    n = len(facts)
    stage.add_facts({
        "dataset": [DATASET] * n,
        "area_code": [k[0] for k in facts],
        "period_start": [f.start for f in facts.values()],
        "period_end": [k[1] for k in facts],
        "measure": [MEASURE] * n,
        "offence": [k[2] for k in facts],
        "value": [f.value for f in facts.values()],
    })
    stage_offence_codes(stage, codes)
    stage.vintage = stage.vintage or periods.vintage_of(max(k[1] for k in facts))


def _check(stage: Stage, record: Record, quarters: dict[tuple[str, str], periods.Period]
           ) -> tuple[str, str, periods.Period, str, int] | None:
    """The row's area code and name, quarter, offence code and count; None (with findings) if unusable."""
    cells, row = record.cells, record.row
    period = _quarter(stage, quarters, cells, row, record.sheet)
    area = parse_area(stage, cells["Force Name"], row, "Force Name")
    code = cells["Offence Code"].strip()
    if not code:
        stage.problem("blank-value", "the offence code is blank", row=row, column="Offence Code")
    # Quarterly counts are net of crimes cancelled in the quarter, so a small negative count is a published
    # figure, as in the rolling totals.
    count = parse_count(stage, cells[COUNT], row, COUNT, allow_negative=True)
    if period is None or area is None or count is None or not code:
        return None
    return area.code, area.name, period, code, count


def _in_sheet(stage: Stage, mark: int, sheet: str) -> None:
    """Name the sheet in the findings the shared CSV helpers just added (they only know rows and columns)."""
    for index in range(mark, len(stage.findings)):
        if stage.findings[index].sheet is None:
            stage.findings[index] = dataclasses.replace(stage.findings[index], sheet=sheet)


def _quarter(stage: Stage, cache: dict[tuple[str, str], periods.Period], cells: dict[str, str], row: int,
             sheet: str | None) -> periods.Period | None:
    year, quarter = cells["Financial Year"].strip(), cells["Financial Quarter"].strip()
    if (year, quarter) in cache:
        return cache[(year, quarter)]
    try:
        period = periods.financial_quarter(year, int(quarter))
    except ValueError:
        stage.problem("bad-period", "the financial year and quarter cannot be read", sheet=sheet, row=row,
                      column="Financial Year", value=f"{year} Q{quarter}",
                      expected="a financial year such as 2017/18 and a quarter 1 to 4")
        return None
    if not (periods.plausible(period.start) and periods.plausible(period.end)):
        stage.problem("bad-period", "the quarter is outside the years any release covers", sheet=sheet, row=row,
                      column="Financial Year",
                      value=f"{year} Q{quarter}", expected=f"a quarter within {periods.plausible_text()[2:]}")
        return None
    cache[(year, quarter)] = period
    return period


SOURCE = register(
    Source(
        name="home_office_open_data",
        title="Home Office police recorded crime open data tables (force, quarter, offence code)",
        publisher="Home Office",
        score=_score,
        read=read,
        urls=("https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables",),
    )
)
