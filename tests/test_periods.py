from __future__ import annotations

from datetime import date

import pytest

from peelkit import periods


def test_twelve_months_to_a_quarter_end() -> None:
    period = periods.months_to(date(2017, 6, 30))
    assert (period.start, period.end, period.months) == (date(2016, 7, 1), date(2017, 6, 30), 12)
    assert period.label() == "12 months to 30 June 2017"


def test_financial_quarter() -> None:
    assert periods.financial_quarter("2017/18", 1) == periods.Period(date(2017, 4, 1), date(2017, 6, 30))
    assert periods.financial_quarter("2017/18", 4) == periods.Period(date(2018, 1, 1), date(2018, 3, 31))
    with pytest.raises(ValueError, match="consecutive"):
        periods.financial_quarter("2017/19", 1)


def test_snap_only_near_a_quarter_end() -> None:
    assert periods.snap_to_quarter_end(date(2017, 12, 30)) == date(2017, 12, 31)
    assert periods.snap_to_quarter_end(date(2017, 7, 1)) == date(2017, 6, 30)
    assert periods.snap_to_quarter_end(date(2017, 5, 15)) is None
