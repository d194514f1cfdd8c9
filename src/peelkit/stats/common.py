"""Shared pieces of the statistics: confidence levels, result types and input checks.

Invalid input (negative counts, more successes than trials, a denominator <= 0, a confidence
level outside 0.9-1) raises ``ValueError``; a *missing* input (``None`` or NaN) gives a
missing estimate (NaN fields), as PHE gives ``NA``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from peelkit.binomial_test import scipy_special

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


def is_missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def confidence_level(confidence: float) -> float:
    """Validate and scale a confidence level as PHE does (90-100 is read as a percentage)."""
    if 90 <= confidence < 100:
        confidence = confidence / 100
    if not 0.9 <= confidence < 1:
        raise ValueError(f"confidence level must be between 0.9 and 1 (or 90 and 100), got {confidence!r}")
    return confidence


def z_score(confidence: float) -> float:
    """Two-sided normal quantile: qnorm(confidence + (1 - confidence) / 2)."""
    return float(scipy_special().ndtri(confidence + (1 - confidence) / 2))


def chi2_ppf(p: float, df: float) -> float:
    # scipy.stats.chi2.ppf computes exactly this; scipy.stats itself takes ~0.6 s to import.
    return float(2 * scipy_special().gammaincinv(df / 2, p))


def check_count(count: float, name: str = "count") -> None:
    if math.isinf(count):
        raise ValueError(f"{name} must be finite, got {count!r}")
    if count < 0:
        raise ValueError(f"{name} must be greater than or equal to zero, got {count!r}")


def check_denominator(denominator: float, name: str = "denominator") -> None:
    if not denominator > 0 or math.isinf(denominator):
        raise ValueError(f"{name} must be greater than zero, got {denominator!r}")


def check_multiplier(multiplier: float) -> None:
    if not multiplier > 0 or math.isinf(multiplier):
        raise ValueError(f"multiplier must be greater than zero, got {multiplier!r}")


def check_proportion(successes: float, total: float) -> None:
    check_count(successes, "successes (numerator)")
    check_denominator(total, "total (denominator)")
    if successes > total:
        raise ValueError(
            f"successes (numerator) must be less than or equal to total (denominator), got {successes!r} > {total!r}"
        )
