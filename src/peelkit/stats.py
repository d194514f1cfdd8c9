"""Fingertips-grade statistics for police indicators.

Rates, proportions, funnel plot control limits and comparisons follow the methods of
Public Health England's Fingertips, as implemented in the R package PHEindicatormethods
2.1.0 (UK Health Security Agency; ``R/utils.R``, ``R/Rates.R``, ``R/Proportions.R``,
``R/Funnels.R``) and its Technical Guidance
(https://fingertips.phe.org.uk/profile/guidance/supporting-information/PH-methods).
``tests/test_stats_parity.py`` reproduces that package's own test fixtures.

Everything here is a pure function over floats and ints. Invalid input (negative counts,
more successes than trials, a denominator <= 0, a confidence level outside 0.9-1) raises
``ValueError``; a *missing* input (``None`` or NaN) gives a missing estimate (NaN fields),
as PHE gives ``NA``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy import special as _sp  # type: ignore[import-untyped]  # scipy ships no type hints

from peelkit.binomial_test import two_sided_p_value

__all__ = [
    "CONFIDENCE_95",
    "CONFIDENCE_99_8",
    "FUNNEL_HIGH_001",
    "FUNNEL_HIGH_025",
    "FUNNEL_LOW_001",
    "FUNNEL_LOW_025",
    "FUNNEL_NOT_APPLICABLE",
    "FUNNEL_NOT_SIGNIFICANT",
    "ChangeTest",
    "Estimate",
    "FunnelLimits",
    "FunnelPoint",
    "FunnelRow",
    "byars_interval",
    "byars_lower",
    "byars_upper",
    "calculate_funnel_limits",
    "calculate_funnel_points",
    "change_significance",
    "classify_funnel_proportion",
    "classify_funnel_rate",
    "classify_funnel_ratio",
    "compare",
    "funnel_x_values",
    "poisson_funnel",
    "proportion",
    "proportion_funnel_limits",
    "rate",
    "rate_funnel_point",
    "rate_ratio_interval",
    "ratio_funnel_point",
    "wilson_interval",
]

CONFIDENCE_95 = 0.95
"""Fingertips' 95% level (about 2 standard deviations; 0.025 in each tail)."""
CONFIDENCE_99_8 = 0.998
"""Fingertips' 99.8% level (about 3 standard deviations; 0.001 in each tail)."""

EXACT_BELOW = 10
"""PHE uses the exact Poisson interval instead of Byar's approximation for counts below this."""

Polarity = Literal["neither", "higher_is_better", "lower_is_better"]
Comparison = Literal["higher", "similar", "lower", "better", "worse", "not compared"]
ChangeKind = Literal["rate", "proportion"]
FunnelStatistic = Literal["proportion", "ratio", "rate"]
RatioType = Literal["count", "isr"]
RateType = Literal["dsr", "crude"]
Side = Literal["low", "high"]

FUNNEL_HIGH_001 = "High (0.001)"
FUNNEL_HIGH_025 = "High (0.025)"
FUNNEL_LOW_001 = "Low (0.001)"
FUNNEL_LOW_025 = "Low (0.025)"
FUNNEL_NOT_SIGNIFICANT = "Not significant"
FUNNEL_NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value with its confidence interval; NaN fields mean "missing" (PHE's NA)."""

    value: float
    lower: float
    upper: float
    confidence: float = CONFIDENCE_95
    method: str = ""

    @property
    def is_missing(self) -> bool:
        return any(math.isnan(v) for v in (self.value, self.lower, self.upper))


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


# --------------------------------------------------------------------------- helpers


def _is_missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def _confidence(confidence: float) -> float:
    """Validate and scale a confidence level as PHE does (90-100 is read as a percentage)."""
    if 90 <= confidence < 100:
        confidence = confidence / 100
    if not 0.9 <= confidence < 1:
        raise ValueError(f"confidence level must be between 0.9 and 1 (or 90 and 100), got {confidence!r}")
    return confidence


def _z(confidence: float) -> float:
    """Two-sided normal quantile: qnorm(confidence + (1 - confidence) / 2)."""
    return float(_sp.ndtri(confidence + (1 - confidence) / 2))


def _chi2_ppf(p: float, df: float) -> float:
    # scipy.stats.chi2.ppf computes exactly this; scipy.stats itself takes ~0.6 s to import.
    return float(2 * _sp.gammaincinv(df / 2, p))


def _check_count(count: float, name: str = "count") -> None:
    if math.isinf(count):
        raise ValueError(f"{name} must be finite, got {count!r}")
    if count < 0:
        raise ValueError(f"{name} must be greater than or equal to zero, got {count!r}")


def _check_denominator(denominator: float, name: str = "denominator") -> None:
    if not denominator > 0 or math.isinf(denominator):
        raise ValueError(f"{name} must be greater than zero, got {denominator!r}")


def _check_multiplier(multiplier: float) -> None:
    if not multiplier > 0 or math.isinf(multiplier):
        raise ValueError(f"multiplier must be greater than zero, got {multiplier!r}")


# --------------------------------------------------------------------------- counts and rates


def byars_lower(count: float, confidence: float = CONFIDENCE_95) -> float:
    """Lower limit for a count by Byar's approximation alone (PHE ``byars_lower``).

    Breslow & Day (1987): x (1 - 1/(9x) - z/(3 sqrt x))^3. Where that is negative
    (tiny counts, high confidence) PHE returns NA and so does this (NaN); 0 for a zero count.
    """
    _check_count(count)
    z = _z(_confidence(confidence))
    if count == 0:
        return 0.0
    value = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    return math.nan if value < 0 else value


def byars_upper(count: float, confidence: float = CONFIDENCE_95) -> float:
    """Upper limit for a count by Byar's approximation alone (PHE ``byars_upper``).

    Breslow & Day (1987): (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.
    """
    _check_count(count)
    z = _z(_confidence(confidence))
    y = count + 1
    return y * (1 - 1 / (9 * y) + z / (3 * math.sqrt(y))) ** 3


def _exact_poisson(count: float, confidence: float) -> tuple[float, float]:
    """Exact Poisson interval via chi-squared quantiles (Armitage & Berry 2002), as ``phe_rate``."""
    lower = 0.0 if count == 0 else float(_chi2_ppf((1 - confidence) / 2, 2 * count)) / 2
    upper = float(_chi2_ppf(confidence + (1 - confidence) / 2, 2 * count + 2)) / 2
    return lower, upper


def byars_interval(count: float, confidence: float = CONFIDENCE_95) -> tuple[float, float]:
    """Confidence interval for a Poisson count, as PHE's ``phe_rate``.

    Byar's approximation (Breslow & Day 1987) for count >= 10, the exact Poisson interval
    from chi-squared quantiles (lower = chi2((1-c)/2, 2x)/2, upper = chi2((1+c)/2, 2x+2)/2)
    for count < 10. A zero count has lower limit 0.
    """
    _check_count(count)
    conf = _confidence(confidence)
    if count < EXACT_BELOW:
        return _exact_poisson(count, conf)
    return byars_lower(count, conf), byars_upper(count, conf)


def rate(
    count: float | None,
    denominator: float | None,
    multiplier: float = 1000,
    confidence: float = CONFIDENCE_95,
) -> Estimate:
    """Crude rate per ``multiplier`` with its confidence interval (PHE ``phe_rate``).

    Byar's method for count >= 10, exact Poisson below (see :func:`byars_interval`);
    the count's limits are divided by the denominator and scaled. A missing count or
    denominator gives a missing estimate (``method`` still names the method that would
    apply when the count is known, as PHE labels such rows).
    """
    conf = _confidence(confidence)
    _check_multiplier(multiplier)
    if count is not None and not math.isnan(count):
        _check_count(count)
    if denominator is not None and not math.isnan(denominator):
        _check_denominator(denominator)
    if count is None or math.isnan(count):
        return Estimate(math.nan, math.nan, math.nan, conf, "")
    method = "Exact" if count < EXACT_BELOW else "Byars"
    if denominator is None or math.isnan(denominator):
        return Estimate(math.nan, math.nan, math.nan, conf, method)
    lower, upper = byars_interval(count, conf)
    return Estimate(
        value=count / denominator * multiplier,
        lower=lower / denominator * multiplier,
        upper=upper / denominator * multiplier,
        confidence=conf,
        method=method,
    )


# --------------------------------------------------------------------------- proportions


def _check_proportion(successes: float, total: float) -> None:
    _check_count(successes, "successes (numerator)")
    _check_denominator(total, "total (denominator)")
    if successes > total:
        raise ValueError(
            f"successes (numerator) must be less than or equal to total (denominator), got {successes!r} > {total!r}"
        )


def wilson_interval(successes: float, total: float, confidence: float = CONFIDENCE_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (PHE ``wilson_lower``/``wilson_upper``).

    Wilson (1927); Newcombe & Altman (2000):
    (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2 / (n + z^2). Gives lower 0 for x = 0
    and upper 1 for x = n.
    """
    _check_proportion(successes, total)
    z = _z(_confidence(confidence))
    x, n = successes, total
    root = z * math.sqrt(z**2 + 4 * x * (1 - (x / n)))
    lower = (2 * x + z**2 - root) / 2 / (n + z**2)
    upper = (2 * x + z**2 + root) / 2 / (n + z**2)
    if x == 0:
        lower = 0.0
    if x == n:
        upper = 1.0
    return lower, upper


def proportion(
    successes: float | None,
    total: float | None,
    multiplier: float = 100,
    confidence: float = CONFIDENCE_95,
) -> Estimate:
    """Proportion times ``multiplier`` (100 = percentage) with its Wilson score interval.

    As PHE's ``phe_proportion``; a missing numerator or denominator gives a missing estimate.
    """
    conf = _confidence(confidence)
    _check_multiplier(multiplier)
    if _is_missing(successes) or _is_missing(total):
        if successes is not None and not math.isnan(successes):
            _check_count(successes, "successes (numerator)")
        if total is not None and not math.isnan(total):
            _check_denominator(total, "total (denominator)")
        return Estimate(math.nan, math.nan, math.nan, conf, "Wilson")
    assert successes is not None and total is not None
    lower, upper = wilson_interval(successes, total, conf)
    return Estimate(successes / total * multiplier, lower * multiplier, upper * multiplier, conf, "Wilson")


# --------------------------------------------------------------------------- comparison


def compare(estimate: Estimate | None, benchmark_value: float | None, polarity: Polarity = "neither") -> Comparison:
    """Fingertips' comparison with a benchmark (e.g. England and Wales).

    The value is significantly different from the benchmark when the confidence interval
    excludes it (an interval touching the benchmark counts as including it): 'higher' /
    'lower' for polarity 'neither', 'better' / 'worse' once polarity says which way is
    good, otherwise 'similar'. A missing estimate or benchmark gives 'not compared'.
    """
    if polarity not in ("neither", "higher_is_better", "lower_is_better"):
        raise ValueError(f"polarity must be 'neither', 'higher_is_better' or 'lower_is_better', got {polarity!r}")
    if estimate is None or estimate.is_missing or benchmark_value is None or math.isnan(benchmark_value):
        return "not compared"
    if estimate.lower > benchmark_value:
        direction: Comparison = "higher"
    elif estimate.upper < benchmark_value:
        direction = "lower"
    else:
        return "similar"
    if polarity == "neither":
        return direction
    good = "higher" if polarity == "higher_is_better" else "lower"
    return "better" if direction == good else "worse"


# --------------------------------------------------------------------------- year-on-year change


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
        _check_count(value, name)
    for name, value in (("denom_now", denom_now), ("denom_before", denom_before)):
        _check_denominator(value, name)
    value_now = count_now / denom_now
    value_before = count_before / denom_before
    pct_change = None if value_before == 0 else (value_now - value_before) / value_before * 100

    if kind == "rate":
        if count_now != int(count_now) or count_before != int(count_before):
            raise ValueError("the rate change test needs whole-number counts")
        total = int(count_now) + int(count_before)
        ratio = None if value_before == 0 else value_now / value_before
        if total == 0:
            p_value = 1.0
        else:
            p0 = denom_now / (denom_now + denom_before)
            p_value = two_sided_p_value(int(count_now), total, p0)
        return ChangeTest(pct_change, ratio, p_value, p_value < alpha, "conditional binomial test (Poisson rates)")
    if kind == "proportion":
        _check_proportion(count_now, denom_now)
        _check_proportion(count_before, denom_before)
        pooled = (count_now + count_before) / (denom_now + denom_before)
        se = math.sqrt(pooled * (1 - pooled) * (1 / denom_now + 1 / denom_before))
        if se == 0:
            return ChangeTest(pct_change, None, 1.0, False, "two-proportion z-test (pooled)")
        z = (value_now - value_before) / se
        p_value = float(2 * _sp.ndtr(-abs(z)))
        return ChangeTest(pct_change, z, p_value, p_value < alpha, "two-proportion z-test (pooled)")
    raise ValueError(f"kind must be 'rate' or 'proportion', got {kind!r}")


def rate_ratio_interval(
    count_now: float, count_before: float, confidence: float = CONFIDENCE_95
) -> tuple[float, float]:
    """Exact interval for the ratio of two Poisson counts with equal exposure (now / before).

    Conditional on the total k = now + before, now ~ Binomial(k, pi) with ratio = pi / (1 - pi); the
    Clopper-Pearson interval for pi (beta quantiles, as ``scipy.stats.binomtest(...).proportion_ci(method=
    'exact')``) is mapped through that function (Armitage & Berry 2002). The upper limit is infinite when before is 0.
    """
    conf = _confidence(confidence)
    for name, value in (("count_now", count_now), ("count_before", count_before)):
        _check_count(value, name)
        if value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    now, total = int(count_now), int(count_now) + int(count_before)
    if total == 0:
        return 0.0, math.inf
    # Clopper-Pearson limits as beta quantiles (closed form; much faster than root finding).
    alpha = 1 - conf
    low = 0.0 if now == 0 else float(_sp.betaincinv(now, total - now + 1, alpha / 2))
    high = 1.0 if now == total else float(_sp.betaincinv(now + 1, total - now, 1 - alpha / 2))
    lower = low / (1 - low) if low < 1 else math.inf
    upper = high / (1 - high) if high < 1 else math.inf
    return lower, upper


# --------------------------------------------------------------------------- funnel plots


def _sigma_adjustment(p: float, population: float, average: float, side: Side, multiplier: float) -> float:
    """PHE ``sigma_adjustment``: the Wilson-score funnel limit for a proportion at ``population``."""
    q2 = _sp.ndtri(p) ** 2
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
    _check_denominator(denominator)
    _check_multiplier(multiplier)
    if not 0 <= average <= 1:
        raise ValueError(f"average proportion must be between 0 and 1, got {average!r}")

    def limit(p: float, side: Side) -> float:
        return min(multiplier, max(0.0, _sigma_adjustment(p, denominator, average, side, multiplier)))

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
    total = float(_sp.pdtr(k - 1, z))
    while term > total * 1e-10:
        total += term
        k += 1
        term = term * z / k
    last = k - 1  # terms 0..last are in PHE's sum
    lo = max(math.ceil(x_a), 0)
    hi = last if math.isinf(x_b) else min(math.floor(x_b), last)
    if hi < lo:
        return 0.0
    inside = _sp.pdtr(hi, z) if lo == 0 else _sp.pdtrc(lo - 1, z) - _sp.pdtrc(hi, z)
    return float(inside) / total


def poisson_funnel(observed: float, p: float, side: Side) -> float:
    """Expected count at which ``observed`` sits on a Poisson funnel line (PHE ``poisson_funnel``).

    'low' finds z with P(X >= observed | z) = p (the upper control limit); 'high' finds z
    with P(X <= observed | z) = p (the lower control limit). PHE's bisection on
    v = z / (1 + observed + z), stopped at step 1e-7, and its truncated Poisson sums are
    reproduced step for step, so results match PHE's to all printed digits.
    """
    _check_count(observed, "observed")
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
    _check_count(observed, "observed")

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
    _check_count(events, "events")
    _check_denominator(average, "average rate")
    _check_multiplier(multiplier)
    _check_denominator(years_of_data, "years_of_data")

    def pair(p: float, side: Side) -> tuple[float, float]:
        population = poisson_funnel(events, p, side) / average
        return population / years_of_data, events / population * multiplier

    lo2, up2, lo3, up3 = pair(0.025, "high"), pair(0.025, "low"), pair(0.001, "high"), pair(0.001, "low")
    return FunnelPoint(events, *lo2, *up2, *lo3, *up3)


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
    _check_multiplier(multiplier)
    for count in numerators:
        _check_count(count, "numerator")
    if statistic == "rate":
        if rate_type not in ("dsr", "crude") or years_of_data is None:
            raise ValueError("rate funnels need rate_type ('dsr' or 'crude') and years_of_data")
        derived = _derived_denominators(numerators, denominators, rates, rate_type, multiplier)
    elif statistic in ("proportion", "ratio"):
        if denominators is None or len(denominators) != len(numerators):
            raise ValueError("numerators and denominators must have the same length")
        for den in denominators:
            _check_denominator(den)
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

    rows: list[FunnelRow] = []
    for x in xs:
        if statistic == "proportion":
            lim = proportion_funnel_limits(x, average, multiplier)
            rows.append(FunnelRow(x, lim.lower_2s, lim.upper_2s, lim.lower_3s, lim.upper_3s, lim.baseline))
        else:
            if statistic == "ratio":
                assert ratio_type is not None
                pt = ratio_funnel_point(x, ratio_type)
                baseline = None
            else:
                pt = rate_funnel_point(x, average, multiplier, years)
                baseline = average * multiplier
            rows.append(
                FunnelRow(
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
            )
    return rows


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
    _check_multiplier(multiplier)
    _check_denominator(years_of_data, "years_of_data")
    out: list[tuple[float | None, float | None]] = []
    for i, (count, value) in enumerate(zip(numerators, rates, strict=True)):
        _check_count(count, "numerator")
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


def classify_funnel_proportion(successes: float, total: float, average: float) -> str:
    """Where a proportion falls against the funnel around ``average`` (PHE ``assign_funnel_significance``).

    Returns 'Low (0.001)', 'Low (0.025)', 'High (0.001)', 'High (0.025)' or 'Not significant'
    (checked in that order; the limits are not clipped).
    """
    _check_proportion(successes, total)
    if not 0 <= average <= 1:
        raise ValueError(f"average proportion must be between 0 and 1, got {average!r}")
    value = successes / total
    if value < _sigma_adjustment(0.999, total, average, "low", 1):
        return FUNNEL_LOW_001
    if value < _sigma_adjustment(0.975, total, average, "low", 1):
        return FUNNEL_LOW_025
    if value > _sigma_adjustment(0.999, total, average, "high", 1):
        return FUNNEL_HIGH_001
    if value > _sigma_adjustment(0.975, total, average, "high", 1):
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
    _check_count(observed, "observed")
    _check_denominator(expected, "expected")
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
    _check_count(count)
    _check_denominator(denominator)
    if rate_type not in ("dsr", "crude"):
        raise ValueError(f"rate_type must be 'dsr' or 'crude', got {rate_type!r}")
    if rate_type == "dsr" and count < EXACT_BELOW:
        return FUNNEL_NOT_APPLICABLE
    return _classify_poisson(count, denominator, average)
