"""A seeded, clearly marked synthetic force data return for every force: the real returns are not public.

Values are drawn around realistic England and Wales levels, scaled by each force's population. The
populations are the small table `POPULATION_MID2016` below (ONS mid-2016 estimates for police force areas,
rounded to the nearest thousand; City of London to the nearest hundred), not the warehouse's: the demo then
gives the same values for the same seed whatever is loaded. They only scale the synthetic figures; every
indicator still divides by the warehouse's ONS population.

Every figure is well inside the built-in checks, except the deliberate `PLANTED_ANOMALIES` (each names the
check rule that should flag it) and the "unable to supply" and "partial" items of `UNABLE` and `PARTIAL`
(the 2017 publication's real cases of unable to supply). The files are XLSX, one per force
(`synthetic-return-<slug>.xlsx`), marked synthetic on their cover sheet, and are imported in one batch flagged
synthetic in the warehouse (`imports.synthetic`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from peelkit import config, forces
from peelkit.forces import Area
from peelkit.returns.template import Entry, write_return
from peelkit.sources.force_return.items import ASB_POWERS, ReturnSpec, Status, return_spec

if TYPE_CHECKING:
    from peelkit.importer import ImportReport

SUBMITTED_ON = date(2017, 9, 15)
YEAR_END = date(2017, 6, 30)
PREVIOUS_YEAR_END = date(2016, 6, 30)
OCG_DATE = date(2017, 7, 1)
PREVIOUS_OCG_DATE = date(2016, 7, 1)

POPULATION_MID2016: dict[str, int] = {
    "Metropolitan Police": 8_778_000, "Cumbria": 498_000, "Lancashire": 1_496_000, "Merseyside": 1_410_000,
    "Greater Manchester": 2_782_000, "Cheshire": 1_048_000, "Northumbria": 1_457_000, "Durham": 629_000,
    "North Yorkshire": 809_000, "West Yorkshire": 2_294_000, "South Yorkshire": 1_385_000, "Humberside": 928_000,
    "Cleveland": 566_000, "West Midlands": 2_865_000, "Staffordshire": 1_120_000, "West Mercia": 1_259_000,
    "Warwickshire": 554_000, "Derbyshire": 1_046_000, "Nottinghamshire": 1_130_000, "Lincolnshire": 744_000,
    "Leicestershire": 1_073_000, "Northamptonshire": 733_000, "Cambridgeshire": 845_000, "Norfolk": 892_000,
    "Suffolk": 745_000, "Bedfordshire": 663_000, "Hertfordshire": 1_180_000, "Essex": 1_801_000,
    "Thames Valley": 2_380_000, "Hampshire": 1_971_000, "Surrey": 1_185_000, "Kent": 1_819_000,
    "Sussex": 1_680_000, "City of London": 9_400, "Devon and Cornwall": 1_737_000, "Avon and Somerset": 1_685_000,
    "Gloucestershire": 626_000, "Wiltshire": 706_000, "Dorset": 768_000, "North Wales": 698_000,
    "Gwent": 582_000, "South Wales": 1_320_000, "Dyfed-Powys": 515_000,
}

# Realistic England and Wales levels the clean figures are drawn from (uniformly between the bounds).
LEVELS = {
    "incidents_per_1000": (350.0, 500.0),
    "da_incidents_per_1000": (15.0, 25.0),
    "recorded_crime_per_1000": (70.0, 90.0),  # excluding fraud; only to size domestic abuse crimes
    "da_share_of_crime": (0.10, 0.14),
    "da_arrests_per_da_crime": (0.30, 0.55),
    "asb_powers_per_million": (100.0, 400.0),  # all four types, 12 months to 30 June 2016
    "asb_powers_change": (0.85, 1.20),  # 2017 on 2016
    "ocgs_per_million": (25.0, 60.0),  # as at 1 July 2017
    "ocgs_change": (0.85, 1.15),  # 2016 on 2017
    "ocgs_mapped_share": (0.80, 1.00),
}
# Each ASB power's share of the powers a force used.
ASB_POWER_SHARES = {"criminal_behaviour_orders": 0.15, "community_protection_notices": 0.55,
                    "civil_injunctions": 0.10, "dispersal_orders": 0.20}

UNABLE_ASB = ("The force's case management system did not record the anti-social behaviour powers used by type "
              "before April 2017, so it cannot supply these figures.")
UNABLE_ARRESTS = ("The force's custody system does not link arrests to the domestic abuse flag on the crime, so "
                  "it cannot count arrests for domestic abuse offences.")
# (force, item) -> reason: every row of the item is "unable to supply".
UNABLE: dict[tuple[str, str], str] = {
    ("Bedfordshire", "asb_powers"): UNABLE_ASB,
    ("Greater Manchester", "asb_powers"): UNABLE_ASB,
    ("Metropolitan Police", "asb_powers"): UNABLE_ASB,
    ("Durham", "da_arrests"): UNABLE_ARRESTS,
    ("Lancashire", "da_arrests"): UNABLE_ARRESTS,
    ("Warwickshire", "da_arrests"): UNABLE_ARRESTS,
    ("West Mercia", "da_arrests"): UNABLE_ARRESTS,
}
# (force, item) -> reason: supplied in part (the figure is given, within the usual range).
PARTIAL: dict[tuple[str, str], str] = {
    ("Cumbria", "da_arrests"): "Arrests from 1 July to 30 September 2016 were counted by hand from custody records "
                               "after a system change and may be slightly incomplete.",
}


@dataclass(frozen=True)
class PlantedAnomaly:
    """A deliberate error in the synthetic returns, and the check rule that should flag it."""

    force: str
    item: str  # the return item (measure; `asb_powers` = all four types)
    period_end: date  # the period end, or the as-at date
    what: str
    rule: str  # the built-in check rule id that should flag it
    factor: float  # the clean figure is multiplied by this (ocgs_mapped: of the OCG count)


PLANTED_ANOMALIES: tuple[PlantedAnomaly, ...] = (
    PlantedAnomaly("Surrey", "da_crimes", YEAR_END,
                   "domestic-abuse-flagged crimes of 150 per 1,000 population: more than all the crime the force "
                   "recorded (about 60-90 per 1,000 excluding fraud)",
                   "agreement.da-crimes-within-recorded-crime", 150 / 1000),
    PlantedAnomaly("Kent", "ocgs_mapped", OCG_DATE,
                   "more mapped organised crime groups than organised crime groups (125% of them)",
                   "consistency.ocgs-mapped-within-ocgs", 1.25),
    PlantedAnomaly("Lincolnshire", "incidents", YEAR_END,
                   "incidents three times the force's drawn level (over 1,000 per 1,000 population): far outside "
                   "the funnel's 99.8% limits and more than twice England and Wales",
                   "outliers.funnel", 3.0),
    PlantedAnomaly("Northamptonshire", "asb_powers", YEAR_END,
                   "every ASB power used six times as often in the 12 months to 30 June 2017 as a year before",
                   "trends.year-on-year", 6.0),
)


def _anomaly(force: str, item: str) -> PlantedAnomaly | None:
    return next((a for a in PLANTED_ANOMALIES if a.force == force and a.item == item), None)


def _draw(rng: random.Random, name: str) -> float:
    low, high = LEVELS[name]
    return rng.uniform(low, high)


def force_values(area: Area, seed: int) -> dict[tuple[str, str | None, date], int]:
    """The clean-or-planted synthetic figures of one force, before unable/partial statuses are applied."""
    rng = random.Random(f"peelkit-demo-{seed}-{area.code}")
    people = POPULATION_MID2016[area.name]
    thousands, millions = people / 1000, people / 1_000_000
    values: dict[tuple[str, str | None, date], int] = {}
    incidents = thousands * _draw(rng, "incidents_per_1000")
    values[("incidents", None, YEAR_END)] = round(incidents)
    values[("da_incidents", None, YEAR_END)] = round(thousands * _draw(rng, "da_incidents_per_1000"))
    da_crimes = thousands * _draw(rng, "recorded_crime_per_1000") * _draw(rng, "da_share_of_crime")
    values[("da_crimes", None, YEAR_END)] = round(da_crimes)
    values[("da_arrests", None, YEAR_END)] = round(da_crimes * _draw(rng, "da_arrests_per_da_crime"))
    powers = millions * _draw(rng, "asb_powers_per_million")
    change = _draw(rng, "asb_powers_change")
    for power in ASB_POWERS:
        before = powers * ASB_POWER_SHARES[power] * rng.uniform(0.9, 1.1)
        values[("asb_powers", power, PREVIOUS_YEAR_END)] = round(before)
        values[("asb_powers", power, YEAR_END)] = round(before * change * rng.uniform(0.97, 1.03))
    ocgs = millions * _draw(rng, "ocgs_per_million")
    ocgs_before = ocgs * _draw(rng, "ocgs_change")
    for day, count in ((PREVIOUS_OCG_DATE, ocgs_before), (OCG_DATE, ocgs)):
        groups = round(count)
        values[("ocgs", None, day)] = groups
        values[("ocgs_mapped", None, day)] = int(groups * _draw(rng, "ocgs_mapped_share"))
    _plant(area, values)
    return values


def _plant(area: Area, values: dict[tuple[str, str | None, date], int]) -> None:
    for anomaly in PLANTED_ANOMALIES:
        if anomaly.force != area.name:
            continue
        if anomaly.item == "da_crimes":
            values[("da_crimes", None, anomaly.period_end)] = round(POPULATION_MID2016[area.name] * anomaly.factor)
        elif anomaly.item == "ocgs_mapped":
            groups = values[("ocgs", None, anomaly.period_end)]
            values[("ocgs_mapped", None, anomaly.period_end)] = max(groups + 1, round(groups * anomaly.factor))
        elif anomaly.item == "asb_powers":
            for power in ASB_POWERS:
                before = values[("asb_powers", power, PREVIOUS_YEAR_END)]
                values[("asb_powers", power, anomaly.period_end)] = round(before * anomaly.factor)
        else:
            key = (anomaly.item, None, anomaly.period_end)
            values[key] = round(values[key] * anomaly.factor)


def force_entries(area: Area, seed: int) -> list[Entry]:
    """One force's filled return: the figures with their statuses (unable / partial where planned)."""
    entries = []
    for (item, part, day), value in force_values(area, seed).items():
        status: Status = "supplied"
        reason = ""
        if (area.name, item) in UNABLE:
            status, reason = "unable", UNABLE[(area.name, item)]
        elif (area.name, item) in PARTIAL:
            status, reason = "partial", PARTIAL[(area.name, item)]
        entries.append(Entry(item, part, day, None if status == "unable" else value, status, reason))
    return entries


def file_name(area: Area, suffix: str = ".xlsx") -> str:
    return f"synthetic-return-{area.slug}{suffix}"


def default_out(seed: int) -> Path:
    return config.peel_home() / "demo-returns" / f"seed-{seed}"


def write_demo(spec: ReturnSpec, seed: int, out: Path) -> list[Path]:
    """Write every force's synthetic return into `out`; the same seed writes the same bytes."""
    paths = []
    for area in forces.forces():
        path = out / file_name(area)
        write_return(spec, path, area, submitted_on=SUBMITTED_ON, entries=force_entries(area, seed), synthetic=True)
        paths.append(path)
    return paths


def run_demo(publication: str, seed: int, out: Path | None = None, db_path: Path | None = None
             ) -> tuple[list[Path], ImportReport]:
    """Write the synthetic returns and import them all in one batch flagged synthetic."""
    from peelkit.importer import import_paths
    from peelkit.sources import force_return  # noqa: F401  (registers the source)

    spec = return_spec(publication)
    paths = write_demo(spec, seed, out or default_out(seed))
    report = import_paths(paths, db_path=db_path, synthetic=True)
    return paths, report
