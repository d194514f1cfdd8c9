"""Home Office crime outcomes open data: outcomes by force, financial quarter, offence code and outcome type.

Each row carries two different counts, staged as two measures:
- `outcomes_tracked` (column `offences`): outcomes assigned to the offences recorded in the quarter;
- `outcomes_untracked` (column `force_outcomes_recorded_in_quarter`): outcomes recorded in the quarter,
  whenever the offence was recorded.
'NA' is the publisher's missing value (type 0, "not yet assigned", has no untracked count): it is stored
as value None with marker 'NA' rather than dropped.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from peelkit import periods
from peelkit.forces import Area
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources._csv import CsvRows, parse_area, parse_count, stage_offence_codes
from peelkit.warehouse import Stage

DATASET = "crime_outcomes"
COLUMNS = [
    "financial_year",
    "financial_quarter",
    "force_name",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "offence_code_expired",
    "outcome_description",
    "outcome_group",
    "outcome_type",
    "offences",
    "force_outcomes_recorded_in_quarter",
]
MEASURES = {"offences": "outcomes_tracked", "force_outcomes_recorded_in_quarter": "outcomes_untracked"}
OUTCOME_TYPES = range(0, 22)
MISSING = "NA"
# Values of offence_code_expired that mean "not expired".
NOT_EXPIRED = {"", "na", "0", "n", "no", "false"}
# Facts are staged in batches so a national file never holds every row in Python lists at once.
BATCH_ROWS = 100_000

_FACT_FIELDS = ("area_code", "period_start", "period_end", "measure", "offence", "outcome_type", "value", "marker")


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    return header_score(sniff.header_fields(), COLUMNS)


class _Batch:
    """Fact columns collected for one `add_facts` call."""

    def __init__(self) -> None:
        self.columns: dict[str, list[object]] = {name: [] for name in _FACT_FIELDS}

    def __len__(self) -> int:
        return len(self.columns["value"])

    def flush(self, stage: Stage) -> None:
        n = len(self)
        if n and stage.ok:
            stage.add_facts({"dataset": [DATASET] * n, **self.columns})
        self.columns = {name: [] for name in _FACT_FIELDS}


def read(path: Path, stage: Stage) -> None:
    batch = _Batch()
    seen: dict[tuple[str, date, str, int], int] = {}
    quarters: dict[tuple[str, str], periods.Period] = {}
    areas: dict[str, Area] = {}
    offence_codes: dict[str, tuple[str, str, str]] = {}
    outcome_types: dict[int, tuple[str, str]] = {}
    footer: int | None = None
    latest: date | None = None
    expired = negatives = missing = 0
    for row, record in CsvRows(path, stage, COLUMNS):
        if footer is not None:
            # The all-NA row was not the last one: it is a broken data row, not the footer.
            stage.problem("blank-value", "every field of the row is NA or blank", row=footer,
                          expected="an all-NA row only as the file's last line")
            footer = None
        if record["force_name"].strip() in ("", MISSING) and all(v.strip() in ("", MISSING) for v in record.values()):
            footer = row
            continue
        period = _quarter(stage, quarters, record, row)
        name = record["force_name"]
        area = areas.get(name) or parse_area(stage, name, row, "force_name")
        if area is not None:
            areas[name] = area
        code = record["offence_code"].strip()
        if not code:
            stage.problem("blank-value", "the offence code is blank", row=row, column="offence_code")
        outcome = _outcome_type(stage, record["outcome_type"], row)
        counts = {column: _count(stage, record[column], row, column) for column in MEASURES}
        if period is None or area is None or outcome is None or not code:
            continue
        if any(counts[c] is None and record[c].strip() != MISSING for c in MEASURES):
            continue  # a count that is neither a number nor NA has been reported
        key = (area.code, period.end, code, outcome)
        if key in seen:
            stage.problem("duplicate-key", f"{area.name}, offence code {code}, outcome type {outcome}, quarter "
                          f"ending {period.end} appears in rows {seen[key]} and {row}; keep one",
                          row=row, column="offence_code", value=code)
            continue
        seen[key] = row
        if record["offence_code_expired"].strip().lower() not in NOT_EXPIRED:
            expired += 1
        offence_codes.setdefault(code, (record["offence_description"].strip(), record["offence_group"].strip(),
                                        record["offence_subgroup"].strip()))
        outcome_types.setdefault(outcome, (record["outcome_description"].strip(), record["outcome_group"].strip()))
        latest = period.end if latest is None or period.end > latest else latest
        for column, measure in MEASURES.items():
            count = counts[column]
            if count is None:
                missing += 1
            elif count < 0:
                negatives += 1
            _append(batch, area.code, period, measure, code, outcome, count)
        if len(batch) >= BATCH_ROWS:
            batch.flush(stage)
    batch.flush(stage)
    _notes(stage, footer, expired, negatives, missing)
    if stage.ok and latest is not None:
        _stage_lookups(stage, offence_codes, outcome_types, latest)


def _stage_lookups(stage: Stage, offence_codes: dict[str, tuple[str, str, str]],
                   outcome_types: dict[int, tuple[str, str]], latest: date) -> None:
    stage_offence_codes(stage, offence_codes)
    stage.add_rows("outcome_types", {
        "outcome_type": list(outcome_types),
        "description": [v[0] for v in outcome_types.values()],
        "outcome_group": [v[1] for v in outcome_types.values()],
    })
    stage.vintage = stage.vintage or periods.vintage_of(latest)


def _append(batch: _Batch, area_code: str, period: periods.Period, measure: str, code: str, outcome: int,
            count: int | None) -> None:
    columns = batch.columns
    columns["area_code"].append(area_code)
    columns["period_start"].append(period.start)
    columns["period_end"].append(period.end)
    columns["measure"].append(measure)
    columns["offence"].append(code)
    columns["outcome_type"].append(outcome)
    columns["value"].append(None if count is None else float(count))
    columns["marker"].append(MISSING if count is None else None)


def _count(stage: Stage, text: str, row: int, column: str) -> int | None:
    if text.isdigit():  # the common case, checked without the general parser for speed
        return int(text)
    # Outcome counts are net of reclassified crimes, so a negative count is a published figure.
    return parse_count(stage, text, row, column, allow_na=(MISSING,), allow_negative=True)


def _notes(stage: Stage, footer: int | None, expired: int, negatives: int, missing: int) -> None:
    if footer is not None:
        stage.notes.append(f"skipped the all-NA footer line (row {footer})")
    # The copy in circulation was cut down by a third party who dropped the rows of expired offence codes;
    # totals over all codes can therefore fall short of the Home Office's own.
    stage.notes.append(f"{expired} rows carry an expired offence code (kept as published); expired codes may "
                       "have been removed from this copy before publication")
    if negatives:
        stage.notes.append(f"kept {negatives} negative outcome counts as published (net of reclassifications)")
    if missing:
        stage.notes.append(f"stored {missing} counts published as NA as missing values (marker 'NA')")


def _quarter(stage: Stage, cache: dict[tuple[str, str], periods.Period], record: dict[str, str],
             row: int) -> periods.Period | None:
    year, quarter = record["financial_year"].strip(), record["financial_quarter"].strip()
    period = cache.get((year, quarter))
    if period is not None:
        return period
    try:
        period = periods.financial_quarter(year, int(quarter))
    except ValueError:
        stage.problem("bad-period", "the financial year and quarter cannot be read", row=row,
                      column="financial_year", value=f"{year} Q{quarter}",
                      expected="a financial year such as 2017/18 and a quarter 1 to 4")
        return None
    if not (periods.plausible(period.start) and periods.plausible(period.end)):
        stage.problem("bad-period", "the quarter is outside the years any release covers", row=row,
                      column="financial_year",
                      value=f"{year} Q{quarter}", expected=f"a quarter within {periods.plausible_text()[2:]}")
        return None
    cache[(year, quarter)] = period
    return period


_OUTCOME_TEXT = {str(n): n for n in OUTCOME_TYPES}


def _outcome_type(stage: Stage, text: str, row: int) -> int | None:
    value = _OUTCOME_TEXT.get(text.strip())
    if value is not None:
        return value
    stage.problem("unexpected-value", "the outcome type is not one of the Home Office outcome types", row=row,
                  column="outcome_type", value=text, expected="a whole number from 0 to 21")
    return None


SOURCE = register(
    Source(
        name="home_office_outcomes",
        title="Home Office crime outcomes open data (force, quarter, offence code, outcome type)",
        publisher="Home Office",
        score=_score,
        read=read,
        urls=("https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables",),
    )
)
