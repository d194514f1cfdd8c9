"""ONS mid-year population and household figures by police force area, as a CSV (`code,name,MYE2018,SNHP2017`).

MYEyyyy is the mid-year population estimate (as at 30 June of that year); SNHPyyyy is the subnational
household projection for that year (as at 30 June), loaded as measure 'households_projected' because it
is a projection, not an estimate. The copy we have came via a third party, which added a non-ONS row
(',Beds Cambs Herts': three forces' collaboration total); such group rows are skipped with a note.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from peelkit import forces, periods
from peelkit.forces import Area
from peelkit.sources import Sniff, Source, register, sniff
from peelkit.sources._csv import CsvRows, parse_area, parse_count
from peelkit.sources.ons_pfa_tables.labels import area_by_code, names_area
from peelkit.warehouse import Stage

_ESTIMATE = re.compile(r"^MYE(\d{4})$", re.IGNORECASE)
_PROJECTION = re.compile(r"^SNHP(\d{4})$", re.IGNORECASE)
MISSING_MARK = ".."


def _value_columns(header: list[str]) -> list[tuple[str, str, str, date]]:
    """(column, dataset, measure, as-at date) for each MYEyyyy / SNHPyyyy column."""
    found = []
    for name in header:
        if match := _ESTIMATE.match(name):
            found.append((name, "population", "population", date(int(match.group(1)), 6, 30)))
        elif match := _PROJECTION.match(name):
            found.append((name, "households", "households_projected", date(int(match.group(1)), 6, 30)))
    return found


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    header = [h.lower() for h in sniff.header_fields()]
    if "code" not in header or "name" not in header:
        return 0.0
    estimates = [h for h in sniff.header_fields() if _ESTIMATE.match(h)]
    return 0.95 if estimates else 0.0


def read(path: Path, stage: Stage) -> None:
    values = _value_columns(sniff(path).header_fields())
    if not any(v[1] == "population" for v in values):
        stage.problem("missing-column", "no MYEyyyy (mid-year estimate) column", row=1, column="MYEyyyy",
                      expected="code, name, MYE2018, SNHP2017")
        return
    columns: dict[str, list[object]] = {
        k: [] for k in ("dataset", "area_code", "period_start", "period_end", "measure", "value", "marker")
    }
    seen: dict[str, int] = {}
    claimed: set[str] = set()
    groups: list[str] = []
    for row, record in CsvRows(path, stage, ["code", "name", *(v[0] for v in values)]):
        area = _area(stage, record["code"], record["name"], row)
        if area is None:
            # A known code under the wrong name is already reported: not a missing force as well.
            if (coded := area_by_code(record["code"])) is not None:
                claimed.add(coded.code)
            continue
        if area.kind == "group":
            groups.append(f"{record['name'].strip()!r} (row {row})")
            continue
        if area.code in seen:
            stage.problem("duplicate-key", f"{area.name} also appears in row {seen[area.code]}", row=row,
                          column="code", value=record["code"] or record["name"])
            continue
        seen[area.code] = row
        for column, dataset, measure, as_at in values:
            text = record[column].strip()
            count = None if text == MISSING_MARK else parse_count(stage, text, row, column)
            if count is None and text != MISSING_MARK:
                continue
            for name, item in (("dataset", dataset), ("area_code", area.code), ("period_start", as_at),
                               ("period_end", as_at), ("measure", measure),
                               ("value", None if count is None else float(count)),
                               ("marker", MISSING_MARK if count is None else None)):
                columns[name].append(item)
    if groups:
        stage.notes.append("skipped rows that are not ONS areas (collaboration totals): " + ", ".join(groups))
    if seen:
        for force in forces.forces():
            if force.code not in seen and force.code not in claimed:
                stage.problem("missing-force", f"{force.name} ({force.code}) has no row",
                              expected="a row for each of the 43 forces")
    n = len(columns["value"])
    if not stage.ok or n == 0:
        return
    stage.add_facts({name: values for name, values in columns.items()})
    # The release is named by its estimate year: the mid-2018 estimates are vintage 2018-06.
    stage.vintage = stage.vintage or periods.vintage_of(max(v[3] for v in values if v[1] == "population"))


def _area(stage: Stage, code: str, name: str, row: int) -> Area | None:
    code, name = code.strip(), name.strip()
    if not code:
        # Rows without a code are either a known non-ONS grouping (skipped by the caller) or a problem.
        return parse_area(stage, name, row, "name") if name else parse_area(stage, code, row, "code")
    area = area_by_code(code)
    if area is None:
        stage.problem("unknown-force", f"area code {code!r} ({name}) is not a known area code", row=row,
                      column="code", value=code, expected="a GSS code such as E23000001")
        return None
    if name and not names_area(area, name):
        stage.problem("code-name-mismatch", f"area code {code} is {area.name} but the row is named {name!r}",
                      row=row, column="name", value=name, expected=area.name)
        return None
    return area


SOURCE = register(
    Source(
        name="ons_population_csv",
        title="ONS mid-year population and household figures by police force area (CSV)",
        publisher="Office for National Statistics",
        score=_score,
        read=read,
        urls=(
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates",
        ),
    )
)
