"""Reference lookups: LSOA 2011 to police force, Home Office offence codes to data.police.uk categories, and
the list of the 43 forces (cross-checked against the built-in registry, not loaded as data).

These files carry no release date of their own, so each gets a fixed default vintage saying what it
describes (override with --vintage):
- LSOA lookup: '2011-12', the December 2011 LSOA geography it is keyed on;
- offence categories: '2018-03', the offence code list of the year ending March 2018 open data tables it
  matches (it still carries FFA UK, renamed UK Finance during 2017/18);
- force list: '2016-12', the December 2016 force boundaries and names (its population is mid-2016).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from peelkit import forces
from peelkit.sources import Reader, Sniff, Source, header_score, register
from peelkit.sources._csv import CsvRows, parse_area, parse_count
from peelkit.warehouse import Stage

LSOA_COLUMNS = ["Local authority code", "Local authority name", "LSOA Code", "LSOA Name", "Police_force"]
CATEGORY_COLUMNS = ["Offence_Group", "Offence_Code", "Offence_Description", "Offence_Subgroup", "Police.uk_Cat"]
FORCE_COLUMNS = [
    "gss_code",
    "ons_pfa_name",
    "pfa16nm_boundaries",
    "region",
    "home_office_rec_crime_pfa_name",
    "home_office_open_data_tables_name",
    "police_uk_force_id",
    "police_uk_force_name",
    "population_mid2016",
]
# Columns of the force list holding a name the registry must resolve to the row's force.
FORCE_NAME_COLUMNS = FORCE_COLUMNS[1:3] + FORCE_COLUMNS[4:6] + FORCE_COLUMNS[7:8]

LSOA_VINTAGE = "2011-12"
CATEGORY_VINTAGE = "2018-03"
FORCE_LIST_VINTAGE = "2016-12"
POPULATION_DATE = date(2016, 6, 30)

LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
# data.police.uk street-level crime categories (compared case-insensitively).
POLICE_UK_CATEGORIES = {
    "anti-social behaviour", "bicycle theft", "burglary", "criminal damage and arson", "drugs", "other crime",
    "other theft", "possession of weapons", "public order", "robbery", "shoplifting", "theft from the person",
    "vehicle crime", "violence and sexual offences",
}


def _scorer(columns: list[str], key: str) -> Callable[[Sniff], float]:
    """Header match, capped below the threshold without the `key` column that sets the lookup apart (the
    outcomes file, for one, shares the offence columns of the category lookup)."""

    def score(sniff: Sniff) -> float:
        if sniff.container not in ("text", "gzip"):
            return 0.0
        found = sniff.header_fields()
        share = header_score(found, columns)
        return share if header_score(found, [key]) else min(share, 0.4)

    return score


def _repeated(stage: Stage, seen: dict[str, int], code: str, row: int, column: str, what: str) -> bool:
    """Whether `code` was in an earlier row (a duplicate-key problem); a first sighting is remembered in `seen`."""
    if code in seen:
        stage.problem("duplicate-key", f"{what} {code} appears in rows {seen[code]} and {row}", row=row,
                      column=column, value=code)
        return True
    seen[code] = row
    return False


# ---------------------------------------------------------------------------------------------- LSOA lookup


def read_lsoa(path: Path, stage: Stage) -> None:
    rows: dict[str, list[str | None]] = {k: [] for k in
                                         ("lsoa_code", "lsoa_name", "local_authority_code", "local_authority_name",
                                          "area_code")}
    seen: dict[str, int] = {}
    areas: dict[str, forces.Area] = {}
    unmapped: dict[str, int] = {}  # local authority -> LSOAs with a blank force
    for row, record in CsvRows(path, stage, LSOA_COLUMNS):
        code = record["LSOA Code"].strip()
        if not LSOA_CODE.match(code):
            stage.problem("unexpected-value", "not an LSOA code", row=row, column="LSOA Code", value=code,
                          expected="a code such as E01020634")
            continue
        if _repeated(stage, seen, code, row, "LSOA Code", "LSOA"):
            continue
        name = record["Police_force"].strip()
        area: forces.Area | None = None
        if name:
            area = areas.get(name) or parse_area(stage, name, row, "Police_force")
            if area is None:
                continue
            if area.kind != "force":
                stage.problem("unknown-force", f"{name!r} is a {area.kind}, not a territorial force", row=row,
                              column="Police_force", value=name, expected="one of the 43 force names")
                continue
            areas[name] = area
        else:
            # The third party left some LSOAs without a force: kept with no area code rather than dropped.
            authority = record["Local authority name"].strip()
            unmapped[authority] = unmapped.get(authority, 0) + 1
        rows["lsoa_code"].append(code)
        rows["lsoa_name"].append(record["LSOA Name"].strip())
        rows["local_authority_code"].append(record["Local authority code"].strip())
        rows["local_authority_name"].append(record["Local authority name"].strip())
        rows["area_code"].append(area.code if area else None)
    if not stage.ok or not seen:
        return
    if unmapped:
        stage.notes.append(f"{sum(unmapped.values())} LSOAs in {len(unmapped)} local authorities have no police "
                           f"force in the file (kept with no area code): {', '.join(sorted(unmapped))}")
    absent = [f.name for f in forces.forces() if f.code not in {a.code for a in areas.values()}]
    if absent:
        stage.notes.append(f"forces with no LSOA in this lookup: {', '.join(absent)}"
                           + (" (expected: the lookup covers England only)"
                              if all(f.startswith("W") for f in _codes(absent)) else ""))
    stage.add_rows("lsoa_force", {**rows})
    stage.vintage = stage.vintage or LSOA_VINTAGE


def _codes(names: list[str]) -> list[str]:
    return [a.code for a in (forces.find(n) for n in names) if a is not None]


# ---------------------------------------------------------------------------------------------- offence categories


def read_categories(path: Path, stage: Stage) -> None:
    rows: dict[str, list[str]] = {k: [] for k in ("offence_code", "description", "offence_group",
                                                  "offence_subgroup", "police_uk_category")}
    seen: dict[str, int] = {}
    for row, record in CsvRows(path, stage, CATEGORY_COLUMNS):
        code = record["Offence_Code"].strip()
        category = record["Police.uk_Cat"].strip()
        if not code:
            stage.problem("blank-value", "the offence code is blank", row=row, column="Offence_Code")
            continue
        if _repeated(stage, seen, code, row, "Offence_Code", "offence code"):
            continue
        if category.lower() not in POLICE_UK_CATEGORIES:
            stage.problem("unexpected-value", "not a data.police.uk crime category", row=row,
                          column="Police.uk_Cat", value=category,
                          expected=", ".join(sorted(POLICE_UK_CATEGORIES)))
            continue
        rows["offence_code"].append(code)
        rows["description"].append(record["Offence_Description"].strip())
        rows["offence_group"].append(record["Offence_Group"].strip())
        rows["offence_subgroup"].append(record["Offence_Subgroup"].strip())
        rows["police_uk_category"].append(category)
    if not stage.ok or not seen:
        return
    stage.add_rows("offence_categories", {**rows})
    stage.vintage = stage.vintage or CATEGORY_VINTAGE


# ---------------------------------------------------------------------------------------------- force list


def read_force_list(path: Path, stage: Stage) -> None:
    """Cross-check every force's codes and names against the registry; load only the mid-2016 population."""
    population: dict[str, float] = {}
    present: set[str] = set()
    for row, record in CsvRows(path, stage, FORCE_COLUMNS):
        code = record["gss_code"].strip()
        area = forces.find(code)
        if area is None or area.kind != "force" or area.code != code:
            named = forces.find(record["ons_pfa_name"])
            hint = f"{named.code} for {named.name}" if named else "E23000001-E23000039 or W15000001-W15000004"
            stage.problem("unknown-force", f"{code!r} is not the GSS code of one of the 43 forces", row=row,
                          column="gss_code", value=code, expected=hint)
            continue
        if code in present:
            stage.problem("duplicate-key", f"{area.name} ({code}) appears twice", row=row, column="gss_code",
                          value=code)
            continue
        present.add(code)
        _cross_check(stage, area, record, row)
        count = parse_count(stage, record["population_mid2016"], row, "population_mid2016")
        if count is not None:
            population[code] = float(count)
    missing = [f.name for f in forces.forces() if f.code not in present]
    if missing and present:
        stage.problem("missing-force", f"{len(missing)} forces are absent: {', '.join(missing)}",
                      expected="all 43 territorial forces")
    if not stage.ok or not population:
        return
    n = len(population)
    stage.add_facts({
        "dataset": ["population_lookup"] * n,
        "area_code": list(population),
        "period_start": [POPULATION_DATE] * n,
        "period_end": [POPULATION_DATE] * n,
        "measure": ["population"] * n,
        "value": list(population.values()),
    })
    stage.notes.append(f"cross-checked {n} forces against the built-in registry; loaded only their mid-2016 "
                       "population (dataset population_lookup)")
    stage.vintage = stage.vintage or FORCE_LIST_VINTAGE


def _cross_check(stage: Stage, area: forces.Area, record: dict[str, str], row: int) -> None:
    for column in FORCE_NAME_COLUMNS:
        name = record[column].strip()
        named = forces.find(name)
        if named is None or named.code != area.code:
            stage.problem("code-name-mismatch", f"{area.code} is {area.name} in the registry, but {column} "
                          f"says {name!r}", row=row, column=column, value=name, expected=area.name)
    police_uk_id = record["police_uk_force_id"].strip()
    if police_uk_id != area.police_uk_id:
        stage.problem("code-name-mismatch", f"{area.name}'s data.police.uk id in the registry is "
                      f"{area.police_uk_id!r}", row=row, column="police_uk_force_id", value=police_uk_id,
                      expected=area.police_uk_id)
    region = record["region"].strip()
    if region.lower() != area.region.lower():
        stage.problem("code-name-mismatch", f"{area.name}'s region in the registry is {area.region!r}", row=row,
                      column="region", value=region, expected=area.region)


# ---------------------------------------------------------------------------------------------- registration

# name, title, publisher, header columns, the column that sets the lookup apart, reader
_LOOKUPS: tuple[tuple[str, str, str, list[str], str, Reader], ...] = (
    ("lookup_lsoa_force", "LSOA 2011 to police force lookup (England)",
     "Office for National Statistics (via a third party)", LSOA_COLUMNS, "Police_force", read_lsoa),
    ("lookup_offence_categories", "Home Office offence codes to data.police.uk crime categories",
     "Home Office (via a third party)", CATEGORY_COLUMNS, "Police.uk_Cat", read_categories),
    ("lookup_force_list", "The 43 police forces of England and Wales (names, codes, mid-2016 population)",
     "compiled from ONS, Home Office and data.police.uk files", FORCE_COLUMNS, "gss_code", read_force_list),
)
LSOA_SOURCE, CATEGORY_SOURCE, FORCE_LIST_SOURCE = (
    register(Source(name=name, title=title, publisher=publisher, score=_scorer(columns, key), read=read))
    for name, title, publisher, columns, key, read in _LOOKUPS
)
