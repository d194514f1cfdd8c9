"""Funnel plot control limits and where a value falls against them (PHE ``R/Funnels.R``).

Proportions use Wilson-score limits; ratios and rates use PHE's Poisson funnel, reproduced
step for step so that limits match PHE's to all printed digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from peelkit.binomial_test import scipy_special
from peelkit.stats.common import (
    CONFIDENCE_95,
    CONFIDENCE_99_8,
    EXACT_BELOW,
    RateType,
    RatioType,
    Side,
    check_count,
    check_denominator,
    check_multiplier,
    check_proportion,
)
from peelkit.stats.intervals import byars_interval

# Where a value falls against the funnel (PHE's wording).
FUNNEL_HIGH_001 = "High (0.001)"
FUNNEL_HIGH_025 = "High (0.025)"
FUNNEL_LOW_001 = "Low (0.001)"
FUNNEL_LOW_025 = "Low (0.025)"
FUNNEL_NOT_SIGNIFICANT = "Not significant"
FUNNEL_NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"


@dataclass(frozen=True, slots=True)
class FunnelLimits:
    """Funnel plot control limits at one denominator, on the multiplier's scale."""

    lower_2s: float
    upper_2s: float
    lower_3s: float
    upper_3s: float
    baseline: float


@dataclass(frozen=True, slots=True)
class FunnelPoint:
    """One row of a Poisson funnel (ratios and rates), keyed by the observed count.

    ``*_denominator`` is where that limit line passes through ``observed``: the expected
    count for ratios, the population per year for rates. ``*_limit`` is the limit value.
    """

    observed: float
    lower_2s_denominator: float
    lower_2s_limit: float
    upper_2s_denominator: float
    upper_2s_limit: float
    lower_3s_denominator: float
    lower_3s_limit: float
    upper_3s_denominator: float
    upper_3s_limit: float


def sigma_adjustment(p: float, population: float, average: float, side: Side, multiplier: float) -> float:
    """PHE ``sigma_adjustment``: the Wilson-score funnel limit for a proportion at ``population``."""
    q2 = scipy_special().ndtri(p) ** 2
    first_part = average * (population / q2 + 1)
    adj = math.sqrt(
        (-8 * average * (population / q2 + 1)) ** 2
        - 64
        * (1 / q2 + 1 / population)
        * average
        * (population * (average * (population / q2 + 2) - 1) + q2 * (average - 1))
    )
    last_part = 1 / q2 + 1 / population
    limit = (first_part - adj / 8) / last_part if side == "low" else (first_part + adj / 8) / last_part
    return float(limit / population * multiplier)


def proportion_funnel_limits(denominator: float, average: float, multiplier: float = 100) -> FunnelLimits:
    """Funnel plot limits for a proportion at ``denominator`` around ``average`` (a fraction 0-1).

    PHE ``calculate_funnel_limits(statistic = "proportion")`` / Fingertips Technical
    Guidance: the values of p whose Wilson score limits (0.975 and 0.999 quantiles) just
    reach the average, clipped to [0, multiplier] (PHE clips at 100, i.e. multiplier 100).
    """
    check_denominator(denominator)
    check_multiplier(multiplier)
    if not 0 <= average <= 1:
        raise ValueError(f"average proportion must be between 0 and 1, got {average!r}")

    def limit(p: float, side: Side) -> float:
        return min(multiplier, max(0.0, sigma_adjustment(p, denominator, average, side, multiplier)))

    return FunnelLimits(
        lower_2s=limit(0.975, "low"),
        upper_2s=limit(0.975, "high"),
        lower_3s=limit(0.999, "low"),
        upper_3s=limit(0.999, "high"),
        baseline=average * multiplier,
    )


def _phe_poisson_cis(z: float, x_a: float, x_b: float) -> float:
    """P(x_a <= X <= x_b) for X ~ Poisson(z), as PHE's ``poisson_cis`` computes it.

    PHE sums the Poisson terms from 0 and stops at the first k > z whose term is at most
    1e-10 of the sum so far; the neglected upper tail shifts far-tail probabilities by up
    to about 1e-6 relative, enough to move a funnel limit in its 7th digit. This finds the
    same stopping point (scipy for the bulk, PHE's recurrence for the stopping rule).
    """
    k = math.floor(z) + 1
    term = math.exp(k * math.log(z) - z - math.lgamma(k + 1))
    total = float(scipy_special().pdtr(k - 1, z))
    while term > total * 1e-10:
        total += term
        k += 1
        term = term * z / k
    last = k - 1  # terms 0..last are in PHE's sum
    lo = max(math.ceil(x_a), 0)
    hi = last if math.isinf(x_b) else min(math.floor(x_b), last)
    if hi < lo:
        return 0.0
    inside = scipy_special().pdtr(hi, z) if lo == 0 else scipy_special().pdtrc(lo - 1, z) - scipy_special().pdtrc(hi, z)
    return float(inside) / total


def poisson_funnel(observed: float, p: float, side: Side) -> float:
    """Expected count at which ``observed`` sits on a Poisson funnel line (PHE ``poisson_funnel``).

    'low' finds z with P(X >= observed | z) = p (the upper control limit); 'high' finds z
    with P(X <= observed | z) = p (the lower control limit). PHE's bisection on
    v = z / (1 + observed + z), stopped at step 1e-7, and its truncated Poisson sums are
    reproduced step for step, so results match PHE's to all printed digits.
    """
    check_count(observed, "observed")
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p!r}")
    if side not in ("low", "high"):
        raise ValueError(f"side must be 'low' or 'high', got {side!r}")
    v = 0.5
    dv = 0.5
    while dv > 1e-7:
        dv = dv / 2
        z = (1 + observed) * v / (1 - v)
        # 'low': P(X >= observed) as PHE's poisson_cis(z, obs, 1e10); 'high': P(X <= observed)
        too_big = _phe_poisson_cis(z, observed, math.inf) > p if side == "low" else _phe_poisson_cis(z, 0, observed) < p
        v = v - dv if too_big else v + dv
    return (1 + observed) * v / (1 - v)


def ratio_funnel_point(observed: float, ratio_type: RatioType = "isr") -> FunnelPoint:
    """Funnel limits for a ratio (observed / expected) at ``observed`` events (PHE, statistic "ratio").

    The expected counts come from :func:`poisson_funnel`; the limit is observed / expected,
    shown as an indirectly standardised ratio x 100 (``'isr'``) or as ratio - 1 (``'count'``).
    """
    if ratio_type not in ("count", "isr"):
        raise ValueError(f"ratio_type must be 'count' or 'isr', got {ratio_type!r}")
    check_count(observed, "observed")

    def scale(x: float) -> float:
        return x - 1 if ratio_type == "count" else x * 100

    lo2 = poisson_funnel(observed, 0.025, "high")
    up2 = poisson_funnel(observed, 0.025, "low")
    lo3 = poisson_funnel(observed, 0.001, "high")
    up3 = poisson_funnel(observed, 0.001, "low")
    return FunnelPoint(
        observed,
        lo2,
        scale(observed / lo2),
        up2,
        scale(observed / up2),
        lo3,
        scale(observed / lo3),
        up3,
        scale(observed / up3),
    )


def rate_funnel_point(events: float, average: float, multiplier: float, years_of_data: float = 1) -> FunnelPoint:
    """Funnel limits for a rate at ``events`` events (PHE, statistic "rate", dsr or crude).

    ``average`` is the overall rate per unit of denominator (events / population, not
    multiplied). The population on each limit line is poisson_funnel(events) / average,
    reported per year; the limit is events / that population x ``multiplier``.
    """
    check_count(events, "events")
    check_denominator(average, "average rate")
    check_multiplier(multiplier)
    check_denominator(years_of_data, "years_of_data")

    def pair(p: float, side: Side) -> tuple[float, float]:
        population = poisson_funnel(events, p, side) / average
        return population / years_of_data, events / population * multiplier

    lo2, up2, lo3, up3 = pair(0.025, "high"), pair(0.025, "low"), pair(0.001, "high"), pair(0.001, "low")
    return FunnelPoint(events, *lo2, *up2, *lo3, *up3)


def classify_funnel_proportion(successes: float, total: float, average: float) -> str:
    """Where a proportion falls against the funnel around ``average`` (PHE ``assign_funnel_significance``).

    Returns 'Low (0.001)', 'Low (0.025)', 'High (0.001)', 'High (0.025)' or 'Not significant'
    (checked in that order; the limits are not clipped).
    """
    check_proportion(successes, total)
    if not 0 <= average <= 1:
        raise ValueError(f"average proportion must be between 0 and 1, got {average!r}")
    value = successes / total
    if value < sigma_adjustment(0.999, total, average, "low", 1):
        return FUNNEL_LOW_001
    if value < sigma_adjustment(0.975, total, average, "low", 1):
        return FUNNEL_LOW_025
    if value > sigma_adjustment(0.999, total, average, "high", 1):
        return FUNNEL_HIGH_001
    if value > sigma_adjustment(0.975, total, average, "high", 1):
        return FUNNEL_HIGH_025
    return FUNNEL_NOT_SIGNIFICANT


def _classify_poisson(observed: float, denominator: float, target: float) -> str:
    """PHE ``funnel_ratio_significance``: the count's interval (exact < 10, else Byar's) / denominator vs target."""
    lo3, up3 = byars_interval(observed, CONFIDENCE_99_8)
    lo2, up2 = byars_interval(observed, CONFIDENCE_95)
    if target < lo3 / denominator:
        return FUNNEL_HIGH_001
    if target < lo2 / denominator:
        return FUNNEL_HIGH_025
    if target > up3 / denominator:
        return FUNNEL_LOW_001
    if target > up2 / denominator:
        return FUNNEL_LOW_025
    return FUNNEL_NOT_SIGNIFICANT


def classify_funnel_ratio(observed: float, expected: float) -> str:
    """Where observed / expected falls against the ratio funnel (PHE, statistic "ratio").

    Significant when the count's 95% / 99.8% Poisson interval divided by ``expected`` excludes 1.
    """
    check_count(observed, "observed")
    check_denominator(expected, "expected")
    return _classify_poisson(observed, expected, 1.0)


def classify_funnel_rate(
    count: float,
    denominator: float,
    average: float,
    rate_type: RateType = "crude",
) -> str:
    """Where a rate falls against the rate funnel around ``average`` (rate per unit, not multiplied).

    ``denominator`` is PHE's derived denominator (multiplier x count / rate, or the
    population). Significant when the count's Poisson interval / denominator excludes the
    average; dsrs with fewer than 10 events are 'Not applicable ...' as in PHE.
    """
    check_count(count)
    check_denominator(denominator)
    if rate_type not in ("dsr", "crude"):
        raise ValueError(f"rate_type must be 'dsr' or 'crude', got {rate_type!r}")
    if rate_type == "dsr" and count < EXACT_BELOW:
        return FUNNEL_NOT_APPLICABLE
    return _classify_poisson(count, denominator, average)
