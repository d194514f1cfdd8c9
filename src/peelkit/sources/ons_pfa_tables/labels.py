"""How an ONS Police Force Area table labels things: which table a title names, the period of a title or
column, footnote marks glued to labels, cell text, and which area a row's code or name denotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from peelkit import forces, periods
from peelkit.forces import Area

Cell = object
Rows = list[list[Cell]]

# Values ONS prints instead of a number. '..' = not available (the only mark seen in the real files);
# '-', 'x' and '*' are the other common GSS marks (nil / suppressed), accepted for later releases.
MISSING_MARKS = ("..", "-", "x", "*")

P_SHEET = re.compile(r"^\s*table\s+p\d+\s*$", re.IGNORECASE)
TABLE_PREFIX = re.compile(r"^\s*table\s+p\d+\s*[:.]\s*", re.IGNORECASE)
# Footnote markers glued to a label, before a closing bracket or at the end: 'fraud4)', 'burglary6,7',
# 'harassment 5', "Mar '175, 6" is handled separately (the year digits are glued to the footnote).
LABEL_FOOTNOTE = re.compile(r"(?<=[A-Za-z])\s*\d+(?:\s*,\s*\d+)*(?=\)|$)")
TITLE_PERIOD = re.compile(r"year\s+ending\s+([A-Za-z]+)\s+(\d+)", re.IGNORECASE)
ASB_YEAR = re.compile(r"^\s*([A-Za-z]+)\s*'\s*(\d{2})\s*to\s*([A-Za-z]+)\s*'\s*(\d{2})")
YEAR = re.compile(r"^\s*((?:19|20)\d{2})")
INC_BTP = re.compile(r"\binc(?:l|luding)?\.?\s*BTP\b", re.IGNORECASE)
# Rows below a table: 'Source: ...', 'Sources: ...', numbered footnotes '1. ...', "3 '..' Not available".
TABLE_END = re.compile(r"^\s*(sources?\s*:|notes?\s*:|\d+\s*[.)]?\s+\S|\d+\s*'|\d+\.\S)", re.IGNORECASE)
# 'West Midlands (region)' tells the region from the force of the same name.
QUALIFIER = re.compile(r"\s*\((region|force|police force area)\)\s*$", re.IGNORECASE)
HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True)
class Kind:
    """A table kind this reader loads."""

    key: str
    dataset: str
    measure: str


CRIME = Kind("crime", "ons_recorded_crime", "offences")
ASB = Kind("asb", "asb_incidents", "incidents")
POPULATION = Kind("population", "population", "population")
HOUSEHOLDS = Kind("households", "households", "households")


def classify(title: str) -> Kind | str | None:
    """The kind of table a title names; a short reason string for tables deliberately skipped; None if
    the title is not a PFA table at all (notes, corrections)."""
    text = " ".join(TABLE_PREFIX.sub("", title).lower().split())
    if "police force area" not in text:
        return None
    if text.startswith("police recorded crime by offence group"):
        if "number of offences" in text:
            return CRIME
        if "percentage change" in text:
            return "percentage change"
        if "rate" in text:
            return "rates"
        return "recorded crime (other measure)"
    if "knife" in text:
        return "knife or sharp instrument offences"
    if "anti-social behaviour incidents" in text:
        return "ASB by category of incident" if "by category" in text else ASB
    if "experiences of anti-social behaviour" in text:
        return "survey (CSEW) estimates"
    if text.startswith("mid-year population estimates"):
        return POPULATION
    if text.startswith("mid-year household estimates"):
        return HOUSEHOLDS
    return "not a table this reader loads"


def clean_label(label: str) -> str:
    """'Total recorded crime (excluding fraud4)' -> 'Total recorded crime (excluding fraud)';
    'Non-residential  burglary6,7' -> 'Non-residential burglary'."""
    return " ".join(LABEL_FOOTNOTE.sub("", label.strip()).split())


def title_period_end(title: str) -> date | None:
    """The month end in 'year ending March 181,2,3' (2018), 'June 20181' (2018), 'December 2019'.

    The year and its footnote markers run together, so a run of digits starting 19xx/20xx is a four-digit
    year and anything else starts with a two-digit year.
    """
    match = TITLE_PERIOD.search(title)
    if not match:
        return None
    month = periods.MONTHS.get(match.group(1).lower())
    digits = match.group(2)
    if month is None or len(digits) < 2:
        return None
    four_digit = len(digits) >= 4 and digits[:2] in ("19", "20")
    year = int(digits[:4]) if four_digit else 2000 + int(digits[:2])
    return periods.month_end(year, month)


def asb_period(label: str) -> periods.Period | None:
    """"Apr '16 to Mar '175, 6" -> April 2016 to March 2017 (footnotes glued after the two-digit year)."""
    match = ASB_YEAR.match(label)
    if not match:
        return None
    first, last = periods.MONTHS.get(match.group(1).lower()), periods.MONTHS.get(match.group(3).lower())
    if first is None or last is None:
        return None
    end = periods.month_end(2000 + int(match.group(4)), last)
    period = periods.months_to(end, 12)
    if period.start != date(2000 + int(match.group(2)), first, 1):
        return None
    return period


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def cell_at(row: Sequence[Cell], index: int) -> Cell:
    return row[index] if index < len(row) else ""


def area_by_code(code: str) -> Area | None:
    """The area with exactly this code. (forces.find alone is too lenient for codes: it strips trailing
    digits as footnotes, so an unknown code such as E23000099 would match some other E… area.)"""
    area = forces.find(code)
    return area if area is not None and area.code.lower() == code.strip().lower() else None


def names_area(area: Area, name: str) -> bool:
    """Whether a row name (footnotes, case and a '(region)' qualifier ignored) names `area`."""
    qualified = QUALIFIER.search(name)
    if qualified:
        if qualified.group(1).lower() == "region" and area.kind != "region":
            return False
        name = QUALIFIER.sub("", name)
    wanted = forces.normalise(name)
    if wanted in {forces.normalise(n) for n in (area.name, *area.aliases)}:
        return True
    return forces.find(name) == area


def _regions() -> dict[str, Area]:
    return {forces.normalise(n): a for a in forces.all_areas() if a.kind == "region" for n in (a.name, *a.aliases)}


def area_by_name(name: str, below: Rows, name_col: int) -> Area | None:
    """The area a row names when the table has no codes. 'West Midlands' is both a region and a force:
    ONS lists each region directly above its forces, so it is the region when the next named row is one of
    that region's forces."""
    area = forces.find(name)
    region = _regions().get(forces.normalise(name))
    if area is None or region is None or area == region:
        return area
    for row in below:
        following = cell_text(cell_at(row, name_col))
        if following:
            nxt = forces.find(following)
            in_region = nxt is not None and _regions().get(forces.normalise(nxt.region)) == region
            if nxt is not None and nxt.kind == "force" and nxt != area and in_region:
                return region
            return area
    return area
