"""Intervals for counts, rates and proportions, and the comparison with a benchmark.

Byar's method and the exact Poisson interval for counts and rates, Wilson's score interval
for proportions, as PHEindicatormethods 2.1.0 (``R/Rates.R``, ``R/Proportions.R``).
"""

from __future__ import annotations

import math

from peelkit.stats.common import (
    CONFIDENCE_95,
    EXACT_BELOW,
    Comparison,
    Estimate,
    Polarity,
    check_count,
    check_denominator,
    check_multiplier,
    check_proportion,
    chi2_ppf,
    confidence_level,
    is_missing,
    z_score,
)


def byars_lower(count: float, confidence: float = CONFIDENCE_95) -> float:
    """Lower limit for a count by Byar's approximation alone (PHE ``byars_lower``).

    Breslow & Day (1987): x (1 - 1/(9x) - z/(3 sqrt x))^3. Where that is negative
    (tiny counts, high confidence) PHE returns NA and so does this (NaN); 0 for a zero count.
    """
    check_count(count)
    z = z_score(confidence_level(confidence))
    if count == 0:
        return 0.0
    value = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    return math.nan if value < 0 else value


def byars_upper(count: float, confidence: float = CONFIDENCE_95) -> float:
    """Upper limit for a count by Byar's approximation alone (PHE ``byars_upper``).

    Breslow & Day (1987): (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.
    """
    check_count(count)
    z = z_score(confidence_level(confidence))
    y = count + 1
    return y * (1 - 1 / (9 * y) + z / (3 * math.sqrt(y))) ** 3


def _exact_poisson(count: float, confidence: float) -> tuple[float, float]:
    """Exact Poisson interval via chi-squared quantiles (Armitage & Berry 2002), as ``phe_rate``."""
    lower = 0.0 if count == 0 else float(chi2_ppf((1 - confidence) / 2, 2 * count)) / 2
    upper = float(chi2_ppf(confidence + (1 - confidence) / 2, 2 * count + 2)) / 2
    return lower, upper


def byars_interval(count: float, confidence: float = CONFIDENCE_95) -> tuple[float, float]:
    """Confidence interval for a Poisson count, as PHE's ``phe_rate``.

    Byar's approximation (Breslow & Day 1987) for count >= 10, the exact Poisson interval
    from chi-squared quantiles (lower = chi2((1-c)/2, 2x)/2, upper = chi2((1+c)/2, 2x+2)/2)
    for count < 10. A zero count has lower limit 0.
    """
    check_count(count)
    conf = confidence_level(confidence)
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
    conf = confidence_level(confidence)
    check_multiplier(multiplier)
    if count is not None and not math.isnan(count):
        check_count(count)
    if denominator is not None and not math.isnan(denominator):
        check_denominator(denominator)
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


def wilson_interval(successes: float, total: float, confidence: float = CONFIDENCE_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (PHE ``wilson_lower``/``wilson_upper``).

    Wilson (1927); Newcombe & Altman (2000):
    (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2 / (n + z^2). Gives lower 0 for x = 0
    and upper 1 for x = n.
    """
    check_proportion(successes, total)
    z = z_score(confidence_level(confidence))
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
    conf = confidence_level(confidence)
    check_multiplier(multiplier)
    if is_missing(successes) or is_missing(total):
        if successes is not None and not math.isnan(successes):
            check_count(successes, "successes (numerator)")
        if total is not None and not math.isnan(total):
            check_denominator(total, "total (denominator)")
        return Estimate(math.nan, math.nan, math.nan, conf, "Wilson")
    assert successes is not None and total is not None
    lower, upper = wilson_interval(successes, total, conf)
    return Estimate(successes / total * multiplier, lower * multiplier, upper * multiplier, conf, "Wilson")


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
