"""Home Office 'Recorded crime data at Police Force Area level': rolling 12-month totals by offence group."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from peelkit import periods
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources._csv import CsvRows, parse_area, parse_count, parse_dmy
from peelkit.warehouse import Stage

DATASET = "recorded_crime_rolling"
COLUMNS = ["12 months ending", "PFA", "Region", "Offence", "Rolling year total number of offences"]


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    return header_score(sniff.header_fields(), COLUMNS)


def read(path: Path, stage: Stage) -> None:
    columns: dict[str, list[object]] = {k: [] for k in ("area_code", "period_start", "period_end", "offence", "value")}
    seen: dict[tuple[str, date, str], int] = {}
    snapped: dict[str, date] = {}
    negatives = 0
    ends: list[date] = []
    for row, record in CsvRows(path, stage, COLUMNS):
        end = parse_dmy(stage, record["12 months ending"], row, "12 months ending")
        area = parse_area(stage, record["PFA"], row, "PFA")
        # Rolling totals are net of crimes cancelled or reclassified after the period, so a small
        # negative total is a published figure, not an error.
        count = parse_count(stage, record["Rolling year total number of offences"], row,
                            "Rolling year total number of offences", allow_negative=True)
        if count is not None and count < 0:
            negatives += 1
        offence = record["Offence"].strip()
        if not offence:
            stage.problem("blank-value", "the offence is blank", row=row, column="Offence")
            continue
        if end is not None and not periods.is_quarter_end(end):
            fixed = periods.snap_to_quarter_end(end)
            if fixed is None:
                stage.problem("bad-date", "a rolling year must end on a quarter end", row=row,
                              column="12 months ending", value=record["12 months ending"],
                              expected="31-03, 30-06, 30-09 or 31-12 of a year")
                end = None
            else:
                snapped[record["12 months ending"].strip()] = fixed
                end = fixed
        if end is None or area is None or count is None:
            continue
        key = (area.code, end, offence)
        if key in seen:
            stage.problem("duplicate-key", f"{area.name}, {offence}, 12 months ending {end} also appears in "
                          f"row {seen[key]}", row=row, column="Offence", value=offence)
            continue
        seen[key] = row
        period = periods.months_to(end, 12)
        columns["area_code"].append(area.code)
        columns["period_start"].append(period.start)
        columns["period_end"].append(period.end)
        ends.append(period.end)
        columns["offence"].append(offence)
        columns["value"].append(float(count))
    for text, fixed in snapped.items():
        stage.notes.append(f"read the date {text!r} as the quarter end {fixed:%d-%m-%Y}")
    if negatives:
        stage.notes.append(f"kept {negatives} negative rolling totals as published (net of cancelled or "
                           "reclassified crimes)")
    n = len(columns["value"])
    if not stage.ok or n == 0:
        return
    stage.add_facts({"dataset": [DATASET] * n, "measure": ["offences"] * n, **columns})
    stage.vintage = stage.vintage or periods.vintage_of(max(ends))


SOURCE = register(
    Source(
        name="home_office_rolling_crime",
        title="Home Office recorded crime by police force area (rolling 12 months)",
        publisher="Home Office",
        score=_score,
        read=read,
        urls=(
            "https://assets.publishing.service.gov.uk/media/rec-crime-pfa.csv",
        ),
    )
)
