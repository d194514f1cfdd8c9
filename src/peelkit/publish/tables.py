"""The publication's national data tables: XLSX (gptables), ODS (publish.ods) and tidy CSV, following the Analysis
Function's guidance on releasing statistics in spreadsheets: a cover sheet, a contents sheet, a notes sheet and
one table per indicator; no merged cells; units in the column headers; missing values shown as [x] (not
available) or [z] (not applicable), never blank or zero, with the reason as a numbered note.

Formula injection: a text cell that begins with =, +, -, @, a tab or a carriage return (and is not simply a
number such as "-5%") is a risk only where a program guesses a cell's type from its text. In XLSX and ODS every
text cell is written as a typed string cell (never a formula; in XLSX also with Excel's quote-prefix style, so
editing the cell does not turn it into a formula either), keeping its text exactly. In CSV, which has no types,
such a cell gets a leading apostrophe.

Determinism: the CSV files are byte-identical for the same input. The XLSX and ODS are byte-identical too: the
document dates are the publication month, and the zip entries carry a fixed timestamp, in a fixed order.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from peelkit.csvcells import needs_neutralising, neutralise
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID, DATASET_TITLES, POPULATION
from peelkit.indicators.engine import CSV_COLUMNS, SYNTHETIC_NOTE, Result
from peelkit.indicators.publication import Publication
from peelkit.plural import counted
from peelkit.publish.model import SourceFile

Cell = str | int | float

NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
SYNTHETIC_WARNING = ("SYNTHETIC DEMONSTRATION DATA: some or all figures in these tables are synthetic demonstration "
                     "data, not official statistics. Do not use them as real figures.")
CONTACT_PLACEHOLDER = "Contact details to be added before publication."
TABLE_INSTRUCTIONS = ("This worksheet contains one table. Some cells refer to notes, which can be found on the "
                      "notes worksheet.")
LEGEND = ("[x] = not available", "[z] = not applicable")
NOTE_REASON_SEPARATOR = "; "

XLSX_NAME = "national-tables.xlsx"
ODS_NAME = "national-tables.ods"
CSV_NAME = "indicators.csv"
NOTES_CSV_NAME = "notes.csv"
NOTES_CSV_COLUMNS = ("note_number", "note_text")


# --------------------------------------------------------------------------------------------- the sheets


@dataclass(frozen=True)
class Table:
    """One worksheet holding one table, as both spreadsheet writers lay it out."""

    sheet: str
    name: str  # the Excel table name
    title: str
    subtitles: tuple[str, ...]
    instructions: str
    legend: tuple[str, ...]
    source: str | None
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Cover:
    title: str
    intro: tuple[str, ...]
    about: tuple[str, ...]
    contact: tuple[str, ...]
    emphasised: tuple[str, ...] = ()  # lines shown in bold


@dataclass(frozen=True)
class Workbook:
    cover: Cover
    contents: Table
    notes: Table
    tables: tuple[Table, ...]
    created: datetime

    def sheets(self) -> list[Table]:
        return [self.contents, self.notes, *self.tables]


def main_results(results: Sequence[Result], publication: Publication) -> list[Result]:
    """The results of each indicator's main period, in the publication's indicator order."""
    order = {indicator: index for index, indicator in enumerate(publication.indicator_ids)}
    main = [r for r in results if r.indicator in order and r.period == publication.periods[r.indicator].main]
    return sorted(main, key=lambda r: order[r.indicator])  # stable: each indicator keeps the engine's row order


def number_notes(results: Iterable[Result], publication: Publication) -> dict[str, int]:
    """Every reason in the results' notes, then any exclusion reason not already among them, numbered from 1."""
    notes: dict[str, int] = {}
    reasons = [reason for r in results for reason in _reasons(r)]
    reasons += [e.reason for e in publication.exclusions if e.indicator in publication.periods]
    for reason in reasons:
        notes.setdefault(reason, len(notes) + 1)
    return notes


def _reasons(result: Result) -> list[str]:
    return [part for part in result.note.split(NOTE_REASON_SEPARATOR) if part.strip()] if result.note else []


def _month(published: str) -> str:
    try:
        return datetime.strptime(published, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return published or "not yet published"


def _created(publication: Publication) -> datetime:
    try:
        return datetime.strptime(publication.published, "%Y-%m")
    except ValueError:
        return datetime(publication.year, 1, 1)


def _value(value: float | None, missing: str = NOT_AVAILABLE) -> Cell:
    if value is None:
        return missing
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _is_synthetic(result: Result) -> bool:
    return bool(result.extra.get("synthetic")) or SYNTHETIC_NOTE in _reasons(result)


def build_workbook(results: Sequence[Result], publication: Publication, sources: Sequence[SourceFile], *,
                   synthetic: bool) -> Workbook:
    """The cells of every sheet, shared by the XLSX and ODS writers."""
    main = main_results(results, publication)
    notes = number_notes(main, publication)
    tables = []
    for number, indicator_id in enumerate(dict.fromkeys(r.indicator for r in main), 1):
        rows = [r for r in main if r.indicator == indicator_id]
        tables.append(_indicator_table(number, indicator_id, rows, notes))
    contents = Table(
        sheet="Contents", name="contents_table", title="Table of contents", subtitles=(),
        instructions="This worksheet contains one table.", legend=(), source=None,
        columns=("Sheet name", "Table description"), rows=tuple((t.sheet, t.title) for t in tables))
    notes_table = Table(
        sheet="Notes", name="notes_table", title="Notes", subtitles=(),
        instructions="This worksheet contains one table. Each note is referred to by its number in the tables.",
        legend=(), source=None, columns=("Note number", "Note text"),
        rows=tuple((number, text) for text, number in notes.items()) or ((NOT_APPLICABLE, "No notes."),))
    return Workbook(_cover(publication, sources, synthetic, len(tables)), contents, notes_table, tuple(tables),
                    _created(publication))


def _cover(publication: Publication, sources: Sequence[SourceFile], synthetic: bool, n_tables: int) -> Cover:
    title = f"{publication.title}: national data tables"
    intro = [
        f"Force in numbers: the indicators of {publication.title} for each of the 43 police forces of England "
        f"and Wales and for England and Wales as a whole, one table per indicator ({counted(n_tables, 'table')}).",
        f"Published: {_month(publication.published)}",
    ]
    emphasised: tuple[str, ...] = ()
    if synthetic:
        title += " - synthetic demonstration data"
        intro.insert(0, SYNTHETIC_WARNING)
        emphasised = (SYNTHETIC_WARNING,)
    about = [
        "Each table gives the unrounded value and the value as published (rates and percentages as whole numbers; "
        "a change that rounds to 0% to two decimal places), the numerator and denominator, the 95% confidence "
        "interval and the comparison with England and Wales.",
        "England and Wales is the sum of numerators over the sum of denominators of the forces included; a force "
        "excluded from an indicator is left out of the England and Wales figure too.",
        "Shorthand: [x] means not available and [z] means not applicable. The reasons are numbered notes, listed "
        "on the notes worksheet.",
        *[_source_line(s) for s in sources],
        OGL,
    ]
    return Cover(title, tuple(intro), tuple(about), (CONTACT_PLACEHOLDER,), emphasised)


def _source_line(source: SourceFile) -> str:
    line = f"Source: {source.source}, {source.publisher}, file {source.file_name}, vintage {source.vintage}."
    return line + " Synthetic demonstration data." if source.synthetic else line


def _indicator_table(number: int, indicator_id: str, rows: list[Result], notes: dict[str, int]) -> Table:
    indicator = BY_ID[indicator_id]
    unit = indicator.unit
    period = rows[0].period.label()
    title = f"Table {number}: {indicator.title}, {period}, by police force, England and Wales"
    if any(_is_synthetic(r) for r in rows):
        title += " (synthetic demonstration data)"
    if indicator.kind == "change":
        terms = (f"Numerator: {indicator.numerator.label}, {period}. Denominator: the same, in the 12 months before.")
    else:
        terms = f"Numerator: {indicator.numerator.label}. Denominator: {indicator.denominator.label}."
    datasets = [indicator.numerator.dataset]
    if indicator.kind != "change":
        datasets.append(indicator.denominator.dataset)
    source = "Source: " + "; ".join(dict.fromkeys(DATASET_TITLES.get(d, d) for d in datasets)) + "."
    if indicator.denominator == POPULATION and indicator.kind != "change":
        source = source[:-1] + " (population)."
    columns = ("Force code", "Force name", f"Value ({unit}, unrounded)", f"Displayed value ({unit}, as published)",
               "Numerator (count)", "Denominator (count)", f"95% lower limit ({unit})", f"95% upper limit ({unit})",
               "Compared with England and Wales", "Status", "Notes")
    body = []
    for r in sorted(rows, key=lambda r: r.force_code == ENGLAND_AND_WALES):
        missing = r.value is None
        refs = " ".join(f"[note {notes[reason]}]" for reason in dict.fromkeys(_reasons(r)))
        body.append((
            r.force_code, r.force_name, _value(r.value), NOT_AVAILABLE if missing else r.display,
            _value(r.numerator), _value(r.denominator), _value(r.lower_95), _value(r.upper_95),
            r.comparison or NOT_APPLICABLE, r.status, refs or NOT_APPLICABLE,
        ))
    return Table(sheet=indicator_id[:31], name=f"table_{number}", title=title, subtitles=(terms,),
                 instructions=TABLE_INSTRUCTIONS, legend=LEGEND, source=source, columns=columns, rows=tuple(body))


# ---------------------------------------------------------------------------------------------- writers


def write_national_tables(results: list[Result], publication: Publication, sources: list[SourceFile],
                          out_dir: Path, *, synthetic: bool) -> list[Path]:
    """Write the national data tables to `out_dir`: XLSX, ODS, indicators.csv and notes.csv (in that order)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = build_workbook(results, publication, sources, synthetic=synthetic)
    paths = [out_dir / XLSX_NAME, out_dir / ODS_NAME, out_dir / CSV_NAME, out_dir / NOTES_CSV_NAME]
    write_xlsx(workbook, paths[0])
    write_ods(workbook, paths[1])
    write_csv(main_results(results, publication), paths[2])
    write_notes_csv(workbook.notes, paths[3])
    return paths


def write_csv(results: Iterable[Result], path: Path) -> None:
    """The tidy file: exactly the columns of `peel indicators --format csv`, text cells neutralised."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for result in results:
            writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in result.csv_row().items()})


def write_notes_csv(notes: Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(NOTES_CSV_COLUMNS)
        writer.writerows([c if not isinstance(c, str) else neutralise(c) for c in row] for row in notes.rows)


# ----------------------------------------------------------------------------------------------- XLSX


def _text(value: Cell, style: dict[str, Any] | None = None) -> Any:
    """A cell for gptables. Text goes in a FormatList, which gptables writes as it is: not parsed for
    "[text](url)" links, and given the quote-prefix style when it could be taken for a formula."""
    from gptables.core.gptable import FormatList  # type: ignore[import-untyped]

    if not isinstance(value, str):
        return value
    fmt = dict(style or {})
    if needs_neutralising(value):
        fmt["quote_prefix"] = True
    return FormatList([fmt, value])


def _gptable(table: Table) -> Any:
    from gptables import GPTable  # type: ignore[import-untyped]

    frame = pd.DataFrame([[_text(c) for c in row] for row in table.rows], columns=list(table.columns), dtype=object)
    return GPTable(table=frame, table_name=table.name, title=table.title, subtitles=list(table.subtitles),
                   instructions=table.instructions, legend=list(table.legend), source=table.source,
                   index_columns={})


def write_xlsx(workbook: Workbook, path: Path) -> None:
    import gptables

    cover = workbook.cover
    gp_cover = gptables.Cover(
        title=cover.title,
        intro=[[{"bold": True} if line in cover.emphasised else {}, line] for line in cover.intro],
        about=[[{}, line] for line in cover.about], contact=[[{}, line] for line in cover.contact])
    notes = pd.DataFrame({"order": [f"n{i}" for i in range(len(workbook.notes.rows))],
                          "Note text": [_text(row[1]) for row in workbook.notes.rows]})
    with warnings.catch_warnings():
        # Our notes are referred to from table cells, not with gptables' $$ annotations, so it warns that they
        # are "not referenced"; they are kept in our order.
        warnings.filterwarnings("ignore", message="The following notes are not referenced")
        # gptables' own use of deprecated pandas features: nothing for peelkit to fix.
        warnings.filterwarnings("ignore", module=r"gptables\.")
        book = gptables.produce_workbook(
            filename=str(path), sheets={t.sheet: _gptable(t) for t in workbook.tables}, cover=gp_cover,
            contentsheet_label=workbook.contents.sheet, notes_table=notes, notesheet_label=workbook.notes.sheet,
            contentsheet_options={"title": workbook.contents.title, "instructions": workbook.contents.instructions,
                                  "column_names": list(workbook.contents.columns)},
            notesheet_options={"title": workbook.notes.title, "instructions": workbook.notes.instructions},
            # Text stays text: no formulas, no numbers and no links guessed from strings.
            workbook_options={"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
    book.set_properties({"title": cover.title, "created": workbook.created, "author": "peelkit"})
    book.close()


# ------------------------------------------------------------------------------------------------ ODS


def write_ods(workbook: Workbook, path: Path) -> None:
    """The same sheets and cell values as the XLSX, laid out as gptables lays them out."""
    from peelkit.publish.ods import ods_bytes

    path.write_bytes(ods_bytes(workbook))


__all__ = ["CSV_NAME", "NOTES_CSV_NAME", "NOT_APPLICABLE", "NOT_AVAILABLE", "ODS_NAME", "OGL", "XLSX_NAME",
           "build_workbook", "needs_neutralising", "neutralise", "write_csv", "write_national_tables",
           "write_ods", "write_xlsx"]
