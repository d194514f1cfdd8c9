"""PHE's funnel chart table: the 100 x values and the control limits at each (``calculate_funnel_limits``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from peelkit.stats.common import (
    EXACT_BELOW,
    FunnelStatistic,
    RateType,
    RatioType,
    check_count,
    check_denominator,
    check_multiplier,
)
from peelkit.stats.funnel import proportion_funnel_limits, rate_funnel_point, ratio_funnel_point


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """One of the 100 rows of :func:`calculate_funnel_limits` (PHE's chart table)."""

    x: float
    lower_2s_limit: float
    upper_2s_limit: float
    lower_3s_limit: float
    upper_3s_limit: float
    baseline: float | None = None
    lower_2s_denominator: float | None = None
    upper_2s_denominator: float | None = None
    lower_3s_denominator: float | None = None
    upper_3s_denominator: float | None = None


def _r_nchar(x: float) -> int:
    """``nchar(x)`` for a non-negative whole double in R: as.character() may choose "1e+05"."""
    digits = str(int(x))
    fixed = len(digits)
    mantissa = digits.rstrip("0") or "0"
    exponent = len(digits) - 1
    sci = len(mantissa) + (1 if len(mantissa) > 1 else 0) + 2 + max(2, len(str(exponent)))
    return fixed if fixed <= sci else sci


def _signif_floor(x: float, percentage_down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.floor(x * percentage_down)) - 1
    return math.floor(x * percentage_down / 10.0**n) * 10.0**n


def _signif_ceiling(x: float, percentage_up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.ceil(x * percentage_up)) - 2
    return math.ceil(x * percentage_up / 10.0**n) * 10.0**n


def funnel_x_values(
    min_denominator: float,
    max_denominator: float,
    statistic: FunnelStatistic,
    average: float | None = None,
    years_of_data: float = 1,
) -> list[float]:
    """The 100 x values (population, observed events or events) of PHE's funnel chart table.

    Rounded axis limits (0 when the denominators span more than a factor of 2), then a
    geometric progression of whole numbers, as ``calculate_funnel_limits``. For rates the
    axis is in events, so the overall ``average`` rate per unit is needed.
    """
    if statistic not in ("proportion", "ratio", "rate"):
        raise ValueError(f"statistic must be 'proportion', 'ratio' or 'rate', got {statistic!r}")
    if max_denominator > 2 * min_denominator:
        axis_min = 0.0
    elif statistic == "rate":
        axis_min = _signif_floor(min_denominator / years_of_data) * years_of_data
    else:
        axis_min = _signif_floor(min_denominator)
    if statistic == "rate":
        if average is None:
            raise ValueError("the average rate is needed for a rate funnel")
        axis_max = _signif_ceiling(max_denominator / years_of_data) * years_of_data
        axis_min = math.floor(axis_min * average)
        axis_max = math.ceil(axis_max * average)
    else:
        axis_max = _signif_ceiling(max_denominator)
    values = [max(1.0, axis_min)]
    for j in range(2, 101):
        offset = j - 1 if statistic == "ratio" else j
        previous = values[-1]
        values.append(max(float(round((axis_max / previous) ** (1 / (101 - offset)) * previous)), previous + 1))
    return values


def _derived_denominators(
    numerators: Sequence[float],
    denominators: Sequence[float] | None,
    rates: Sequence[float] | None,
    rate_type: RateType,
    multiplier: float,
) -> list[float | None]:
    """PHE's ``denominator_derived`` for rate funnels: multiplier x count / rate.

    dsr: undefined (None) for a zero count; crude: the supplied denominator for a zero count.
    """
    if rates is None or len(rates) != len(numerators):
        raise ValueError("rate funnels need one rate per numerator")
    if denominators is not None and len(denominators) != len(numerators):
        raise ValueError("numerators and denominators must have the same length")
    out: list[float | None] = []
    for i, (count, value) in enumerate(zip(numerators, rates, strict=True)):
        if count == 0:
            if rate_type == "dsr":
                out.append(None)
            elif denominators is None:
                raise ValueError("for rates, where there are 0 events for a record, the denominator must be supplied")
            else:
                out.append(denominators[i])
        else:
            out.append(multiplier * count / value)
    return out


def calculate_funnel_limits(
    numerators: Sequence[float],
    denominators: Sequence[float] | None = None,
    *,
    statistic: FunnelStatistic,
    multiplier: float,
    ratio_type: RatioType | None = None,
    rates: Sequence[float] | None = None,
    rate_type: RateType | None = None,
    years_of_data: float | None = None,
) -> list[FunnelRow]:
    """PHE's ``calculate_funnel_limits``: the 100-row table of control limits for a chart.

    Proportions: x = population, limits from :func:`proportion_funnel_limits`. Ratios:
    x = observed events, :func:`ratio_funnel_point` (denominators are expected counts).
    Rates ('dsr' or 'crude', from numerators and rates, with optional denominators):
    x = events, :func:`rate_funnel_point`.
    """
    check_multiplier(multiplier)
    for count in numerators:
        check_count(count, "numerator")
    if statistic == "rate":
        if rate_type not in ("dsr", "crude") or years_of_data is None:
            raise ValueError("rate funnels need rate_type ('dsr' or 'crude') and years_of_data")
        derived = _derived_denominators(numerators, denominators, rates, rate_type, multiplier)
    elif statistic in ("proportion", "ratio"):
        if denominators is None or len(denominators) != len(numerators):
            raise ValueError("numerators and denominators must have the same length")
        for den in denominators:
            check_denominator(den)
        derived = list(denominators)
        if statistic == "ratio" and ratio_type not in ("count", "isr"):
            raise ValueError("ratio funnels need ratio_type 'count' or 'isr'")
    else:
        raise ValueError(f"statistic must be 'proportion', 'ratio' or 'rate', got {statistic!r}")
    known = [d for d in derived if d is not None]
    if not known:
        raise ValueError("no usable denominators")
    average = sum(numerators) / sum(known)
    years = years_of_data if years_of_data is not None else 1
    xs = funnel_x_values(min(known), max(known), statistic, average, years)

    return [_funnel_row(x, statistic, average, multiplier, ratio_type, years) for x in xs]


def _funnel_row(
    x: float,
    statistic: FunnelStatistic,
    average: float,
    multiplier: float,
    ratio_type: RatioType | None,
    years: float,
) -> FunnelRow:
    """One row of the chart table at ``x`` (population for proportions, events otherwise)."""
    if statistic == "proportion":
        lim = proportion_funnel_limits(x, average, multiplier)
        return FunnelRow(x, lim.lower_2s, lim.upper_2s, lim.lower_3s, lim.upper_3s, lim.baseline)
    if statistic == "ratio":
        assert ratio_type is not None
        pt = ratio_funnel_point(x, ratio_type)
        baseline = None
    else:
        pt = rate_funnel_point(x, average, multiplier, years)
        baseline = average * multiplier
    return FunnelRow(
        x,
        pt.lower_2s_limit,
        pt.upper_2s_limit,
        pt.lower_3s_limit,
        pt.upper_3s_limit,
        baseline,
        pt.lower_2s_denominator,
        pt.upper_2s_denominator,
        pt.lower_3s_denominator,
        pt.upper_3s_denominator,
    )


def calculate_funnel_points(
    numerators: Sequence[float],
    rates: Sequence[float],
    rate_type: RateType,
    years_of_data: float,
    multiplier: float,
    denominators: Sequence[float] | None = None,
) -> list[tuple[float | None, float | None]]:
    """PHE's ``calculate_funnel_points``: (rate to chart, population per year) for each point.

    dsr: both None when fewer than 10 events (PHE does not chart them). crude: the rate,
    and multiplier x count / rate / years, or the supplied denominator / years for 0 events.
    """
    if len(rates) != len(numerators) or (denominators is not None and len(denominators) != len(numerators)):
        raise ValueError("numerators, rates and denominators must have the same length")
    check_multiplier(multiplier)
    check_denominator(years_of_data, "years_of_data")
    out: list[tuple[float | None, float | None]] = []
    for i, (count, value) in enumerate(zip(numerators, rates, strict=True)):
        check_count(count, "numerator")
        if rate_type == "dsr":
            if count < EXACT_BELOW:
                out.append((None, None))
            else:
                out.append((float(value), multiplier * count / value / years_of_data))
        elif rate_type == "crude":
            if count == 0:
                if denominators is None:
                    raise ValueError(
                        "for rates, where there are 0 events for a record, the denominator must be supplied"
                    )
                out.append((float(value), denominators[i] / years_of_data))
            else:
                out.append((float(value), multiplier * count / value / years_of_data))
        else:
            raise ValueError(f"rate_type must be 'dsr' or 'crude', got {rate_type!r}")
    return out
