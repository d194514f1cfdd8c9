"""The blank (or programmatically filled) force data return, as an XLSX workbook or a long CSV.

XLSX: a "Cover" sheet (publication, force, submission date, synthetic marker), an "Instructions" sheet, then
one sheet per item named by the item id, each with the periods pre-filled, a value cell, a status choice
(supplied / partial / unable) and a reason cell. CSV: one row per item, breakdown part and period, in the
columns `CSV_COLUMNS`, with the instructions beside it in `<name>.instructions.md`.

The layout it follows (`peelkit.sources.force_return.layout`) is what `peelkit.sources.force_return` reads back.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peelkit import forces
from peelkit.errors import ConfigError
from peelkit.forces import Area
from peelkit.periods import Period
from peelkit.sources.force_return.items import ASB_POWER_LABELS, STATUSES, ReturnItem, ReturnSpec, Status
from peelkit.sources.force_return.layout import (
    COVER_FIELDS,
    COVER_FIRST_ROW,
    COVER_SHEET,
    COVER_TITLE,
    CSV_COLUMNS,
    CSV_OPTIONAL,
    FORMAT_VERSION,
    INSTRUCTIONS_SHEET,
    ITEM_COLUMNS,
    ITEM_HEADER_ROW,
    LISTS_SHEET,
)

# A fixed creation time makes the same return write the same bytes (so re-importing it is "unchanged").
_CREATED = dt.datetime(2017, 7, 1)


@dataclass(frozen=True)
class Entry:
    """A filled row: the figure (None where unable) with its status and reason."""

    item: str
    part: str | None
    period_end: dt.date
    value: int | None
    status: Status
    reason: str = ""


EntryKey = tuple[str, str | None, dt.date]


def entry_key(item: ReturnItem, part: str | None, period: Period) -> EntryKey:
    return (item.id, part, item.period_date(period))


def item_columns(item: ReturnItem) -> list[str]:
    """The column keys of an item's sheet, in order."""
    keys = ["power_type"] if item.breakdown else []
    return [*keys, "period", item.date_column(), "value", "status", "reason"]


def write_return(spec: ReturnSpec, path: Path, force: Area | None = None, *, submitted_on: dt.date | None = None,
                 entries: Iterable[Entry] = (), synthetic: bool = False) -> Path:
    """Write the return (blank, or filled with `entries`) as XLSX or CSV, by the file's suffix."""
    filled = {(e.item, e.part, e.period_end): e for e in entries}
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        _write_xlsx(spec, path, force, submitted_on, filled, synthetic)
    elif suffix == ".csv":
        _write_csv(spec, path, force, submitted_on, filled, synthetic)
        instructions_path(path).write_text(instructions_markdown(spec, force), encoding="utf-8")
    else:
        raise ConfigError(f"{path.name}: the return is written as .xlsx or .csv, not {suffix or 'no suffix'}")
    return path


def instructions_path(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.stem + ".instructions.md")


# ---------------------------------------------------------------------------------------------- instructions


def instruction_lines(spec: ReturnSpec, force: Area | None) -> list[str]:
    who = f"{force.name} ({force.code})" if force else "your force (fill in its name or GSS code)"
    lines = [
        f"{spec.title}",
        f"Return for {who}, due {spec.due}.",
        "",
        "How to fill in the return",
        "For every row give the figure in Value and choose a Status:",
        "  supplied - the figure is complete for the period;",
        "  partial - the figure is given but is incomplete or not quite to the definition: say why in Reason;",
        "  unable - you cannot supply the figure: leave Value blank and say why in Reason.",
        "A reason for partial or unable is required: it is printed as a footnote wherever the figure is shown.",
        "Counts are whole numbers of zero or more. Do not change the periods, sheet names or column headings.",
        "Give the submission date (YYYY-MM-DD) on the Cover sheet (CSV: the submitted_on column). A corrected "
        "return sent later replaces the earlier one; the earlier one is kept in the history.",
        "",
        "Items",
    ]
    for item in spec.items:
        periods = "; ".join(item.period_label(p) for p in item.periods)
        lines.append(f"{item.id} - {item.label} ({item.unit}; {periods})")
        lines.append(f"  {item.guidance}")
        if item.breakdown:
            lines.append(f"  One row per {item.breakdown_label.replace('_', ' ')}: "
                         + ", ".join(f"{p} ({ASB_POWER_LABELS.get(p, p)})" for p in item.breakdown) + ".")
    lines += [
        "",
        "CSV form",
        "Columns: " + ", ".join(CSV_COLUMNS) + " (optional: " + ", ".join(CSV_OPTIONAL) + ").",
        "publication, force_code and submitted_on are the same on every row (force_name may be given instead of "
        "force_code); item is the item id above; power_type only for asb_powers; period_end (YYYY-MM-DD) for "
        "12-month items, as_at (YYYY-MM-DD) for counts on a date; status is supplied, partial or unable.",
    ]
    return lines


def instructions_markdown(spec: ReturnSpec, force: Area | None) -> str:
    lines = instruction_lines(spec, force)
    return f"# {lines[0]}\n\n" + "\n".join(lines[1:]) + "\n"


# ---------------------------------------------------------------------------------------------- CSV


def _write_csv(spec: ReturnSpec, path: Path, force: Area | None, submitted_on: dt.date | None,
               filled: dict[EntryKey, Entry], synthetic: bool) -> None:
    columns = [*CSV_COLUMNS, *(("synthetic",) if synthetic else ())]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for item in spec.items:
            for part, period in item.rows():
                entry = filled.get(entry_key(item, part, period))
                day = item.period_date(period).isoformat()
                row = [spec.publication, force.code if force else "", force.name if force else "",
                       submitted_on.isoformat() if submitted_on else "", item.id, part or "",
                       day if item.period_kind == "months" else "", day if item.period_kind == "as_at" else "",
                       _value_text(entry), entry.status if entry else "", entry.reason if entry else ""]
                writer.writerow([*row, *(("yes",) if synthetic else ())])


def _value_text(entry: Entry | None) -> str:
    return "" if entry is None or entry.value is None else str(entry.value)


# ---------------------------------------------------------------------------------------------- XLSX


def _write_xlsx(spec: ReturnSpec, path: Path, force: Area | None, submitted_on: dt.date | None,
                filled: dict[EntryKey, Entry], synthetic: bool) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"title": spec.title, "author": "peelkit", "created": _CREATED})
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "header": book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "fixed": book.add_format({"bg_color": "#F2F2F2", "border": 1}),
        "input": book.add_format({"bg_color": "#FFF2CC", "border": 1, "locked": False}),
    }
    _cover(book, fmt, spec, force, submitted_on, synthetic)
    _instructions(book, fmt, spec, force)
    for item in spec.items:
        _item_sheet(book, fmt, item, filled)
    _lists(book)
    book.close()


def _cover(book: Any, fmt: dict[str, Any], spec: ReturnSpec, force: Area | None,
           submitted_on: dt.date | None, synthetic: bool) -> None:
    sheet = book.add_worksheet(COVER_SHEET)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 44)
    sheet.write(0, 0, f"{COVER_TITLE}: {spec.title}", fmt["title"])
    sheet.write(1, 0, "Fill in the yellow cells here and on each item sheet; see the Instructions sheet.")
    if synthetic:
        sheet.write(2, 0, "SYNTHETIC DEMONSTRATION DATA - not real figures of any force.", fmt["bold"])
    values = {
        "publication": spec.publication,
        "force_name": force.name if force else "",
        "force_code": force.code if force else "",
        "submitted_on": submitted_on.isoformat() if submitted_on else "",
        "contact_name": "",
        "contact_email": "",
        "synthetic": "yes" if synthetic else "no",
        "format_version": FORMAT_VERSION,
    }
    fixed = {"publication", "format_version", "synthetic"}
    for offset, (key, label) in enumerate(COVER_FIELDS.items()):
        row = COVER_FIRST_ROW + offset
        sheet.write(row, 0, label, fmt["bold"])
        sheet.write_string(row, 1, values[key], fmt["fixed" if key in fixed else "input"])
        if key == "force_name":
            sheet.data_validation(row, 1, row, 1, {"validate": "list", "source": f"={LISTS_SHEET}!$A$1:$A$43",
                                                   "error_type": "warning"})


def _instructions(book: Any, fmt: dict[str, Any], spec: ReturnSpec, force: Area | None) -> None:
    sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, 120, fmt["wrap"])
    for row, line in enumerate(instruction_lines(spec, force)):
        heading = row == 0 or line in ("How to fill in the return", "Items", "CSV form")
        sheet.write_string(row, 0, line, fmt["title"] if row == 0 else fmt["bold"] if heading else fmt["wrap"])


def _item_sheet(book: Any, fmt: dict[str, Any], item: ReturnItem, filled: dict[EntryKey, Entry]) -> None:
    sheet = book.add_worksheet(item.id)
    keys = item_columns(item)
    sheet.write(0, 0, f"{item.label} ({item.unit})", fmt["title"])
    sheet.merge_range(1, 0, 1, len(keys) - 1, item.guidance, fmt["wrap"])
    sheet.set_row(1, 60)
    sheet.write(2, 0, "Status: supplied, partial (give a reason) or unable (leave Value blank, give a reason).")
    widths = {"power_type": 30, "period": 28, "period_end": 12, "as_at": 12, "value": 12, "status": 12,
              "reason": 60}
    for col, key in enumerate(keys):
        sheet.set_column(col, col, widths[key])
        sheet.write(ITEM_HEADER_ROW, col, ITEM_COLUMNS[key], fmt["header"])
    rows = item.rows()
    for offset, (part, period) in enumerate(rows):
        row = ITEM_HEADER_ROW + 1 + offset
        entry = filled.get(entry_key(item, part, period))
        cells: dict[str, tuple[str | int | None, str]] = {
            "power_type": (part or "", "fixed"),
            "period": (item.period_label(period), "fixed"),
            item.date_column(): (item.period_date(period).isoformat(), "fixed"),
            "value": (entry.value if entry else None, "input"),
            "status": (entry.status if entry else "", "input"),
            "reason": (entry.reason if entry else "", "input"),
        }
        for col, key in enumerate(keys):
            value, style = cells[key]
            if isinstance(value, int):
                sheet.write_number(row, col, value, fmt[style])
            elif value:
                sheet.write_string(row, col, value, fmt[style])
            else:
                sheet.write_blank(row, col, None, fmt[style])
    first, last = ITEM_HEADER_ROW + 1, ITEM_HEADER_ROW + len(rows)
    status_col, value_col = keys.index("status"), keys.index("value")
    sheet.data_validation(first, status_col, last, status_col, {
        "validate": "list", "source": list(STATUSES), "input_title": "Status",
        "input_message": "supplied, partial or unable", "error_title": "Status",
        "error_message": "Choose supplied, partial or unable."})
    sheet.data_validation(first, value_col, last, value_col, {
        "validate": "integer", "criteria": ">=", "value": 0, "error_title": "Value",
        "error_message": "A whole number of zero or more (leave blank if unable to supply)."})
    sheet.freeze_panes(ITEM_HEADER_ROW + 1, 0)


def _lists(book: Any) -> None:
    sheet = book.add_worksheet(LISTS_SHEET)
    for row, area in enumerate(sorted(forces.forces(), key=lambda a: a.name)):
        sheet.write_string(row, 0, area.name)
        sheet.write_string(row, 1, area.code)
    sheet.hide()
