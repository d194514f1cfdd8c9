"""Each force's comparison with England and Wales against over-dispersed funnel limits, and the "worse and
getting worse" flag. Both are added to a result's JSON fields; the CSV keeps its documented columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peelkit import overdispersion, stats
from peelkit.indicators.catalogue import Indicator

NOT_FUNNEL = "funnel limits are drawn for rates and proportions only"


def statistic(indicator: Indicator) -> overdispersion.Statistic | None:
    return "proportion" if indicator.kind == "proportion" else "rate" if indicator.kind == "rate" else None


def estimate(indicator: Indicator, method: overdispersion.Method, ew_value: float | None,
             counts: Mapping[str, tuple[float, float]]) -> overdispersion.Dispersion | None:
    """The over-dispersion of the forces' usable figures (numerator, denominator) around England and Wales."""
    kind = statistic(indicator)
    usable = [(n, d) for n, d in counts.values() if d > 0]
    if kind is None or ew_value is None or len(usable) < 2:
        return None
    target = ew_value / indicator.multiplier
    return overdispersion.estimate(method, kind, target, [n / d for n, d in usable], [d for _n, d in usable])


def fields(indicator: Indicator, dispersion: overdispersion.Dispersion | None,
           counts: tuple[float, float] | None) -> dict[str, Any]:
    """`comparison_overdispersed` and `overdispersion_method` for one force."""
    if dispersion is None:
        method = NOT_FUNNEL if statistic(indicator) is None else "not assessed: too few forces with a figure"
        return {"comparison_overdispersed": "not compared", "overdispersion_method": method}
    if counts is None or counts[1] <= 0:
        return {"comparison_overdispersed": "not compared", "overdispersion_method": dispersion.label}
    kind = statistic(indicator)
    assert kind is not None
    call = overdispersion.classify(dispersion, kind, counts[0] / counts[1], counts[1])
    return {"comparison_overdispersed": overdispersion.with_polarity(call, indicator.polarity),
            "overdispersion_method": dispersion.label}


def trend(indicator: Indicator, comparison: str, now: tuple[float, float] | None,
          before: tuple[float, float] | None, before_label: str) -> dict[str, Any]:
    """Worse than England and Wales and significantly worse than the earlier period (Fingertips' "worse and
    getting worse"). None where it cannot be said: no polarity, or no figure for either period."""
    if indicator.polarity == "neither" or indicator.kind == "change":
        return {"worse_and_getting_worse": None, "trend": "not assessed: the indicator has no polarity"}
    if now is None or before is None:
        return {"worse_and_getting_worse": None, "trend": f"not assessed: no figure for {before_label}"}
    kind: stats.ChangeKind = "proportion" if indicator.kind == "proportion" else "rate"
    try:
        test = stats.change_significance(now[0], now[1], before[0], before[1], kind=kind)
    except ValueError as error:
        return {"worse_and_getting_worse": None, "trend": f"not assessed: {error}"}
    rising = now[0] / now[1] > before[0] / before[1]
    worse = rising != (indicator.polarity == "higher_is_better")
    direction = "no significant change" if not test.significant else "getting worse" if worse else "getting better"
    return {"worse_and_getting_worse": comparison == "worse" and direction == "getting worse",
            "trend": f"{direction} since {before_label} ({test.test}, p = {test.p_value:.3g})"}


__all__ = ["estimate", "fields", "statistic", "trend"]
