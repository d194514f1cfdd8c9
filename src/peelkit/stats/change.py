"""Is a change between two periods significant? Rate and proportion tests, rate-ratio intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

from peelkit.binomial_test import scipy_special, two_sided_p_value
from peelkit.stats.common import (
    CONFIDENCE_95,
    ChangeKind,
    check_count,
    check_denominator,
    check_proportion,
    confidence_level,
)


@dataclass(frozen=True, slots=True)
class ChangeTest:
    """Result of :func:`change_significance`.

    ``pct_change`` is None when the earlier value is 0; ``statistic`` is the rate ratio
    (now / before) for rates and the z statistic for proportions, None when undefined.
    """

    pct_change: float | None
    statistic: float | None
    p_value: float
    significant: bool
    test: str


def change_significance(
    count_now: float,
    denom_now: float,
    count_before: float,
    denom_before: float,
    kind: ChangeKind = "rate",
    alpha: float = 0.05,
) -> ChangeTest:
    """Is the change between two periods statistically significant (two-sided, level ``alpha``)?

    ``kind='rate'``: the conditional (exact) binomial test for the ratio of two Poisson
    rates (Przyborowski & Wilenski 1940; Armitage & Berry 2002): given the total
    k = x_now + x_before, x_now ~ Binomial(k, n_now / (n_now + n_before)) when the rates
    are equal; p-value as ``scipy.stats.binomtest`` computes it (peelkit.binomial_test). Assumes each count is Poisson
    (events independent, constant rate within a period) and that the denominators are
    known exposures (populations), not random. Counts must be whole numbers.

    ``kind='proportion'``: the two-proportion z-test with pooled variance,
    z = (p_now - p_before) / sqrt(p (1 - p) (1/n_now + 1/n_before)), p pooled. Assumes
    independent binomial samples, and is a normal approximation (reasonable when each
    n p and n (1 - p) is at least about 5).

    ``pct_change`` is the change in the rate/proportion as a percentage of the earlier
    value, None when the earlier value is 0. With no events at all the p-value is 1.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    for name, value in (("count_now", count_now), ("count_before", count_before)):
        if math.isnan(value):
            raise ValueError(f"{name} is missing (NaN)")
        check_count(value, name)
    for name, value in (("denom_now", denom_now), ("denom_before", denom_before)):
        check_denominator(value, name)
    value_now = count_now / denom_now
    value_before = count_before / denom_before
    pct_change = None if value_before == 0 else (value_now - value_before) / value_before * 100
    if kind == "rate":
        ratio = None if value_before == 0 else value_now / value_before
        p_value = _rate_p_value(count_now, denom_now, count_before, denom_before)
        return ChangeTest(pct_change, ratio, p_value, p_value < alpha, "conditional binomial test (Poisson rates)")
    if kind == "proportion":
        z = _proportion_z(count_now, denom_now, count_before, denom_before)
        if z is None:
            return ChangeTest(pct_change, None, 1.0, False, "two-proportion z-test (pooled)")
        p_value = float(2 * scipy_special().ndtr(-abs(z)))
        return ChangeTest(pct_change, z, p_value, p_value < alpha, "two-proportion z-test (pooled)")
    raise ValueError(f"kind must be 'rate' or 'proportion', got {kind!r}")


def _rate_p_value(count_now: float, denom_now: float, count_before: float, denom_before: float) -> float:
    """Two-sided p-value of the conditional binomial test; 1 when there are no events at all."""
    if count_now != int(count_now) or count_before != int(count_before):
        raise ValueError("the rate change test needs whole-number counts")
    total = int(count_now) + int(count_before)
    if total == 0:
        return 1.0
    p0 = denom_now / (denom_now + denom_before)
    return two_sided_p_value(int(count_now), total, p0)


def _proportion_z(count_now: float, denom_now: float, count_before: float, denom_before: float) -> float | None:
    """The pooled two-proportion z statistic; None when the pooled standard error is 0."""
    check_proportion(count_now, denom_now)
    check_proportion(count_before, denom_before)
    pooled = (count_now + count_before) / (denom_now + denom_before)
    se = math.sqrt(pooled * (1 - pooled) * (1 / denom_now + 1 / denom_before))
    if se == 0:
        return None
    return (count_now / denom_now - count_before / denom_before) / se


def rate_ratio_interval(
    count_now: float, count_before: float, confidence: float = CONFIDENCE_95
) -> tuple[float, float]:
    """Exact interval for the ratio of two Poisson counts with equal exposure (now / before).

    Conditional on the total k = now + before, now ~ Binomial(k, pi) with ratio = pi / (1 - pi); the
    Clopper-Pearson interval for pi (beta quantiles, as ``scipy.stats.binomtest(...).proportion_ci(method=
    'exact')``) is mapped through that function (Armitage & Berry 2002). The upper limit is infinite when before is 0.
    """
    conf = confidence_level(confidence)
    for name, value in (("count_now", count_now), ("count_before", count_before)):
        check_count(value, name)
        if value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    now, total = int(count_now), int(count_now) + int(count_before)
    if total == 0:
        return 0.0, math.inf
    # Clopper-Pearson limits as beta quantiles (closed form; much faster than root finding).
    alpha = 1 - conf
    low = 0.0 if now == 0 else float(scipy_special().betaincinv(now, total - now + 1, alpha / 2))
    high = 1.0 if now == total else float(scipy_special().betaincinv(now + 1, total - now, 1 - alpha / 2))
    lower = low / (1 - low) if low < 1 else math.inf
    upper = high / (1 - high) if high < 1 else math.inf
    return lower, upper
