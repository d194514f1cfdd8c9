"""Over-dispersed funnel limit lines (Spiegelhalter): the normal-approximation limits around England and Wales,
widened by the forces' own over-dispersion, for the funnel plot. See peelkit.overdispersion for the method."""

from __future__ import annotations

from collections.abc import Sequence

from peelkit import overdispersion, stats
from peelkit.indicators.catalogue import Indicator

LEVELS = ((stats.CONFIDENCE_99_8, "lower_99_8", "upper_99_8"), (stats.CONFIDENCE_95, "lower_95", "upper_95"))


def dispersion_for(indicator: Indicator, method: overdispersion.Method, average: float,
                   points: Sequence[tuple[float, float]]) -> overdispersion.Dispersion:
    """phi and tau-squared of the forces' (numerator, denominator) around `average` (on the indicator's scale)."""
    kind: overdispersion.Statistic = "proportion" if indicator.kind == "proportion" else "rate"
    usable = [(n, d) for n, d in points if d > 0]
    return overdispersion.estimate(method, kind, average / indicator.multiplier, [n / d for n, d in usable],
                                   [d for _n, d in usable])


def limit_rows(indicator: Indicator, dispersion: overdispersion.Dispersion, min_denominator: float,
               max_denominator: float) -> list[dict[str, float]]:
    """Rows of x (denominator) and the four limits on the indicator's scale, as funnel.funnel_limits gives them
    for proportions; a lower limit below zero is drawn at zero (no count is negative)."""
    rows = []
    for x in stats.funnel_x_values(min_denominator, max_denominator, "proportion"):
        row = limit_rows_at(indicator, dispersion, x)
        if indicator.kind == "proportion":
            row["upper_95"] = min(row["upper_95"], indicator.multiplier)
            row["upper_99_8"] = min(row["upper_99_8"], indicator.multiplier)
        rows.append(row)
    return rows


def limits_at(indicator: Indicator, dispersion: overdispersion.Dispersion,
              denominator: float) -> tuple[float, float, float, float]:
    """(lower 99.8%, lower 95%, upper 95%, upper 99.8%) at one denominator, on the indicator's scale."""
    row = limit_rows_at(indicator, dispersion, denominator)
    return row["lower_99_8"], row["lower_95"], row["upper_95"], row["upper_99_8"]


def limit_rows_at(indicator: Indicator, dispersion: overdispersion.Dispersion, x: float) -> dict[str, float]:
    kind: overdispersion.Statistic = "proportion" if indicator.kind == "proportion" else "rate"
    s = overdispersion.null_standard_error(kind, dispersion.target, x)
    row = {"x": x}
    for confidence, low, high in LEVELS:
        lower, upper = dispersion.limits(s, confidence)
        row[low], row[high] = max(lower, 0.0) * indicator.multiplier, upper * indicator.multiplier
    return row


__all__ = ["dispersion_for", "limit_rows", "limits_at"]
