"""Over-dispersion in funnel plots: Spiegelhalter's method, as PHE/Fingertips document it.

Spiegelhalter DJ (2005), "Handling over-dispersion of performance indicators", Quality and Safety in Health
Care 14:347-351. With real crime counts in the hundreds of thousands, the plain Poisson or binomial limits of a
funnel plot are so narrow that nearly every force falls outside them: the forces differ by more than chance.
The method estimates that extra variation from the forces themselves and widens the limits by it:

1. each unit's z-score against the target, ``z = (y - target) / s`` with ``s`` the unit's standard error under
   the null (binomial ``sqrt(p (1 - p) / n)`` for proportions, Poisson ``sqrt(rate / n)`` for rates);
2. the z-scores winsorised at 10% in each tail (clamped to the 10th and 90th percentiles, R's default
   quantile), so a few true outliers do not inflate the estimate;
3. ``phi`` = the mean of the squared winsorised z-scores;
4. either multiplicative over-dispersion, limits ``target +/- z_a s sqrt(phi)``, or additive random effects,
   ``tau^2 = max(0, (n phi - (n - 1)) / (sum w - sum w^2 / sum w))`` with ``w = 1 / s^2`` and limits
   ``target +/- z_a sqrt(s^2 + tau^2)``. When ``phi <= 1`` there is no over-dispersion and both give the
   plain limits.

Everything here is a pure function over floats on the per-unit scale (a proportion 0-1, a rate per person);
callers multiply for display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from peelkit import stats

Method = Literal["none", "multiplicative", "additive"]
Statistic = Literal["proportion", "rate"]
METHODS: tuple[Method, ...] = ("none", "multiplicative", "additive")
WINSORISE = 0.1

METHOD_NAMES: dict[Method, str] = {
    "none": "no over-dispersion adjustment (plain Poisson/binomial limits)",
    "multiplicative": "Spiegelhalter multiplicative over-dispersion (phi), 10% winsorised z-scores",
    "additive": "Spiegelhalter additive random effects (tau-squared), 10% winsorised z-scores",
}


@dataclass(frozen=True)
class Dispersion:
    """The over-dispersion estimated from a set of units around a target."""

    method: Method
    target: float
    phi: float
    tau2: float
    units: int

    @property
    def label(self) -> str:
        """What a plot or a comparison field says was used, with its estimate."""
        if self.method == "none":
            return METHOD_NAMES["none"]
        if self.method == "multiplicative":
            return f"{METHOD_NAMES['multiplicative']}: phi = {self.phi:.3g} over {self.units} forces"
        return f"{METHOD_NAMES['additive']}: phi = {self.phi:.3g}, tau2 = {self.tau2:.3g} over {self.units} forces"

    def standard_error(self, s: float) -> float:
        """The unit's standard error under the null, widened for over-dispersion."""
        if self.method == "multiplicative":
            return s * math.sqrt(max(self.phi, 1.0))
        if self.method == "additive":
            return math.sqrt(s * s + self.tau2)
        return s

    def limits(self, s: float, confidence: float) -> tuple[float, float]:
        """Lower and upper funnel limits for a unit with null standard error `s`."""
        half = stats.z_score(confidence) * self.standard_error(s)
        return self.target - half, self.target + half


def null_standard_error(statistic: Statistic, target: float, denominator: float) -> float:
    """A unit's standard error under the null hypothesis that its true value is the target."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator!r}")
    if statistic == "proportion":
        if not 0 <= target <= 1:
            raise ValueError(f"a target proportion must be between 0 and 1, got {target!r}")
        return math.sqrt(target * (1 - target) / denominator)
    if target < 0:
        raise ValueError(f"a target rate cannot be negative, got {target!r}")
    return math.sqrt(target / denominator)


def winsorise(z: Sequence[float], fraction: float = WINSORISE) -> list[float]:
    """Clamp the z-scores to their `fraction` and 1 - `fraction` quantiles (R's default, type 7)."""
    if not z:
        return []
    low, high = np.quantile(np.asarray(z, dtype=float), [fraction, 1 - fraction])
    return [float(min(max(v, low), high)) for v in z]


def z_scores(statistic: Statistic, target: float, values: Sequence[float],
             denominators: Sequence[float]) -> list[float]:
    """Each unit's z-score against the target, using its standard error under the null."""
    scores = []
    for value, denominator in zip(values, denominators, strict=True):
        s = null_standard_error(statistic, target, denominator)
        scores.append((value - target) / s if s > 0 else 0.0)
    return scores


def estimate(method: Method, statistic: Statistic, target: float, values: Sequence[float],
             denominators: Sequence[float]) -> Dispersion:
    """Spiegelhalter's phi and tau-squared for these units (value per unit, not multiplied) around `target`."""
    if method not in METHODS:
        raise ValueError(f"over-dispersion method must be one of {', '.join(METHODS)}, got {method!r}")
    n = len(values)
    if n < 2 or method == "none":
        return Dispersion(method if n >= 2 else "none", target, 1.0, 0.0, n)
    winsorised = winsorise(z_scores(statistic, target, values, denominators))
    phi = sum(z * z for z in winsorised) / n
    weights = [1 / null_standard_error(statistic, target, d) ** 2 for d in denominators]
    total = sum(weights)
    spread = total - sum(w * w for w in weights) / total
    tau2 = max(0.0, (n * phi - (n - 1)) / spread) if spread > 0 else 0.0
    return Dispersion(method, target, phi, tau2, n)


def classify(dispersion: Dispersion, statistic: Statistic, value: float, denominator: float,
             confidence: float = stats.CONFIDENCE_95) -> Literal["higher", "similar", "lower"]:
    """Where a unit's value falls against the (widened) funnel limits at `confidence`."""
    s = null_standard_error(statistic, dispersion.target, denominator)
    lower, upper = dispersion.limits(s, confidence)
    if value > upper:
        return "higher"
    if value < lower:
        return "lower"
    return "similar"


def with_polarity(call: str, polarity: stats.Polarity) -> str:
    """higher/lower as better/worse where the indicator has a direction."""
    if polarity == "neither" or call == "similar":
        return call
    good = "higher" if polarity == "higher_is_better" else "lower"
    return "better" if call == good else "worse"


__all__ = ["METHODS", "METHOD_NAMES", "Dispersion", "Method", "Statistic", "classify", "estimate",
           "null_standard_error", "winsorise", "with_polarity", "z_scores"]
