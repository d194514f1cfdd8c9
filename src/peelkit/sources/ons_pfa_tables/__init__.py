"""ONS 'Crime in England and Wales: Police Force Area data tables' workbooks (xlsx or ods).

Each release holds a few tables ('Table P1', 'Table P7 ', ...). Table numbers change between releases, so
each table is identified by the title text in cell A1. Loaded: recorded crime numbers by offence group,
anti-social behaviour incidents by year, mid-year population and household estimates. Percentage changes,
rates, knife-crime breakdowns and survey (CSEW) estimates are derived or out of scope and are skipped.

The package: `labels` (table titles, periods, footnote marks, areas by code or name), `table` (one table into
facts); here, recognising the workbook and reading each table of it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from peelkit import periods
from peelkit.sources import Sniff, Source, register
from peelkit.sources.ons_pfa_tables.labels import P_SHEET, Kind, Rows, cell_at, cell_text, classify
from peelkit.sources.ons_pfa_tables.table import Facts, Table
from peelkit.sources.xlsx_formulas import fill_formulas, uncached_formulas
from peelkit.warehouse import Stage


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
    p_sheets = [name for name in sniff.sheet_names if P_SHEET.match(name)]
    if not p_sheets:
        return 0.0
    try:
        workbook = _open(sniff.path)
        titles = [cell_text(cell_at(rows[0], 0)) for name in p_sheets if (rows := _sheet_rows(workbook, name, 1))]
    except Exception:  # calamine raises several types for broken sheets; the reader reports them
        return 0.6
    return 0.95 if any(isinstance(classify(t), Kind) for t in titles) else 0.6


def read(path: Path, stage: Stage) -> None:
    try:
        workbook = _open(path)
        names: list[str] = list(workbook.sheet_names)  # type: ignore[attr-defined]
    except Exception as error:  # calamine raises several types for broken workbooks
        stage.problem("not-a-workbook", f"the workbook cannot be opened ({error})",
                      expected="an XLSX or ODS workbook; open it in a spreadsheet program and save it again")
        return
    formulas = uncached_formulas(path)
    facts = Facts()
    loaded: list[str] = []
    skipped: list[str] = []
    for raw_name in names:
        sheet = raw_name.strip()  # some releases name sheets 'Table P4  '
        try:
            rows = fill_formulas([list(r) for r in _sheet_rows(workbook, raw_name)], formulas.get(raw_name, {}))
        except Exception as error:  # a sheet calamine cannot read
            stage.problem("not-a-workbook", f"the sheet cannot be read ({error})", sheet=sheet)
            continue
        title = cell_text(cell_at(rows[0], 0)) if rows else ""
        kind = classify(title)
        if kind is None:
            continue
        if isinstance(kind, str):
            skipped.append(f"{sheet} ({kind})")
            continue
        before = len(facts)
        table = Table(stage, sheet, rows, kind, title)
        table.read(facts)
        scope = cell_text(cell_at(rows[2], 0)) if len(rows) > 2 else ""
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
