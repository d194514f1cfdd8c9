"""A force's filled data return (the template of `peel returns template`), as XLSX or as the long CSV.

Recognised by content: the workbook's "Cover" sheet titled "PEEL force data return", or the CSV's header.
Both forms become the same rows and go through one set of checks, so every problem of a return is listed
together (sheet, row, column) and nothing is loaded unless the whole return is clean.

The return's vintage is its submission date (a field of the return): `YYYY-MM-DD`, or `YYYY-MM-DD.N` for the
Nth return of the same force submitted that day, so a resubmission never clashes with the earlier one, which
stays in the warehouse as history. A file marked as synthetic demonstration data is read like any other; the
import records it in a note (`peel returns import` and `peel returns demo` flag such imports as synthetic).

The package: `items` (what each publication asks forces for) and `layout` (where it sits in the file), which
the template writer in `peelkit.returns` shares; `parse` (XLSX or CSV into rows), `validate` (the checks);
here, recognising a return, staging it and numbering its vintage.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from peelkit import forces
from peelkit.forces import Area
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources.force_return.items import RETURNS
from peelkit.sources.force_return.layout import COVER_FIELDS, COVER_SHEET, COVER_TITLE, CSV_COLUMNS
from peelkit.sources.force_return.parse import Parsed, cell_text, norm, read_csv, read_workbook, sheet_rows
from peelkit.sources.force_return.validate import (
    GoodRow,
    ItemKey,
    check_rows,
    return_force,
    submission_date,
    synthetic_marker,
)
from peelkit.warehouse import Stage

DATASET = "force_return"
_SUFFIX = re.compile(r"^\d{4}-\d{2}-\d{2}(?:\.(\d+))?$")


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
            title = cell_text(sheet_rows(found.path, COVER_SHEET, nrows=1)[0][0])
        except Exception:  # calamine raises several types for broken workbooks; the reader reports them
            return 0.0
        if title.startswith(COVER_TITLE):
            return 1.0
        items = {item.id for spec in RETURNS.values() for item in spec.items}
        return 0.6 if len(items & set(found.sheet_names)) >= 3 else 0.0
    return 0.0


# ---------------------------------------------------------------------------------------------- reading


def _wrong_force(parsed: Parsed, force: Area, expected: str, stage: Stage) -> None:
    """A return uploaded for one force (the web's force users) that is another force's: refused, located."""
    cells = parsed.meta.get("force_name") or parsed.meta.get("force_code") or []
    where = cells[0].where if cells else {}
    stage.problem("unexpected-value", f"this is {force.name}'s return: you can submit your own force's return only",
                  value=force.name, expected=forces.match(expected).name, **where)


def _check(path: Path, stage: Stage) -> tuple[Checked, dict[ItemKey, GoodRow]] | None:
    workbook = path.suffix.lower() in (".xlsx", ".xlsm", ".ods")
    parsed = read_workbook(path, stage) if workbook else read_csv(path, stage)
    spec = parsed.spec
    if spec is None:
        return None
    force = return_force(parsed, stage)
    if force is not None and stage.options.get("expect_force") not in (None, force.code):
        _wrong_force(parsed, force, str(stage.options["expect_force"]), stage)
    submitted_on = submission_date(parsed, spec, stage)
    synthetic = synthetic_marker(parsed, stage)
    good = check_rows(parsed, spec, stage)
    if not stage.ok or force is None or submitted_on is None:
        return None
    return Checked(force, submitted_on, synthetic), good


def _stage(stage: Stage, checked: Checked, good: dict[ItemKey, GoodRow]) -> None:
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
            for row in sheet_rows(path, COVER_SHEET):
                texts = [cell_text(v) for v in row]
                if texts and norm(texts[0]) == norm(COVER_FIELDS["synthetic"]):
                    return len(texts) > 1 and norm(texts[1]) in ("yes", "y", "true", "1")
            return False
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.DictReader(handle), None)
        return first is not None and norm(first.get("synthetic") or "") in ("yes", "y", "true", "1")
    except Exception:  # an unreadable file is reported by the import itself
        return False
