"""Periods the sources speak in: 12 months to a date, financial-year quarters, months, as-at dates."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def label(self) -> str:
        if self.start == self.end:
            return f"as at {self.end:%-d %B %Y}"
        return f"12 months to {self.end:%-d %B %Y}" if self.months == 12 else f"{self.start} to {self.end}"


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_to(end: date, months: int = 12) -> Period:
    """The `months` whole calendar months ending on the month-end `end`."""
    return Period(add_months(date(end.year, end.month, 1), -(months - 1)), end)


def is_quarter_end(day: date) -> bool:
    return day.month in (3, 6, 9, 12) and day == month_end(day.year, day.month)


def snap_to_quarter_end(day: date, tolerance_days: int = 1) -> date | None:
    """The quarter end within `tolerance_days` of `day` (sources occasionally misspell 31-12 as 30-12)."""
    for candidate in (month_end(day.year, day.month), month_end(day.year, day.month) - timedelta(days=31)):
        if candidate.month in (3, 6, 9, 12) and abs((candidate - day).days) <= tolerance_days:
            return month_end(candidate.year, candidate.month)
    return None


def financial_quarter(financial_year: str, quarter: int) -> Period:
    """'2017/18', 1 -> April to June 2017."""
    match = re.fullmatch(r"(\d{4})/(\d{2})", financial_year.strip())
    if not match or quarter not in (1, 2, 3, 4):
        raise ValueError(f"not a financial year and quarter: {financial_year!r} Q{quarter}")
    first = int(match.group(1))
    if (first + 1) % 100 != int(match.group(2)):
        raise ValueError(f"financial year {financial_year!r} does not span consecutive years")
    start = add_months(date(first, 4, 1), 3 * (quarter - 1))
    end_month = add_months(start, 2)
    return Period(start, month_end(end_month.year, end_month.month))


EARLIEST_DATA = date(2000, 1, 1)


def latest_plausible(today: date | None = None) -> date:
    """The last day any release can cover: the end of next year (a file dated later is a typo, and would
    otherwise become the newest vintage and hide every real release)."""
    return date((today or date.today()).year + 1, 12, 31)


def plausible(day: date, today: date | None = None) -> bool:
    """True for a date a statistical release can cover: from 2000 to the end of next year."""
    return EARLIEST_DATA <= day <= latest_plausible(today)


def plausible_text(today: date | None = None) -> str:
    return f"a date from {EARLIEST_DATA:%d-%m-%Y} to {latest_plausible(today):%d-%m-%Y}"


def vintage_of(day: date) -> str:
    """The default vintage label of a release whose latest data end on `day`."""
    return f"{day:%Y-%m}"


VINTAGE_PATTERN = re.compile(r"^\d{4}-\d{2}(-\d{2})?([-.][A-Za-z0-9.]+)?$")
