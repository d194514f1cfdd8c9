"""Each force's peer figure: its peer group's pooled value, interval and the force's comparison with it.

The group's figure pools the members whose own figure is usable with `comparators.pool`, from exactly the
members the engine builds for England and Wales, so a peer value is always the pooled numerator over the
pooled denominator of its usable members (never a mean of rates), and every member left out is named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from peelkit import forces, stats
from peelkit.indicators import comparators
from peelkit.indicators.catalogue import Indicator
from peelkit.indicators.display import DASH, display
from peelkit.peers.lookup import LABEL, PeerGroup

EstimateFn = Callable[[Indicator, float, float], tuple[stats.Estimate, stats.Estimate, dict[str, Any]]]
PEER_FIELDS = ("peer_group", "peer_group_source", "peer_members", "peer_value", "peer_display", "peer_numerator",
               "peer_denominator", "peer_lower_95", "peer_upper_95", "peer_comparison", "peer_note")


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def _source(group: PeerGroup) -> str:
    return LABEL if group.version == "computed" else group.source


def _change95(now: float, before: float) -> stats.Estimate:
    """A change's value and 95% interval alone: a comparator needs no change test (the engine's exact test is
    the slow part of a change, and every force has a peer group)."""
    if before <= 0:
        raise ValueError("the earlier figure is zero or negative, so a percentage change is undefined")
    lower, upper = stats.rate_ratio_interval(now, before, stats.CONFIDENCE_95)
    return stats.Estimate((now - before) / before * 100, (lower - 1) * 100, (upper - 1) * 100, stats.CONFIDENCE_95)


def missing(reason: str, version: str) -> dict[str, Any]:
    """The peer fields of a force with no peer figure: a dash and the reason, never a zero."""
    return {"peer_group": version, "peer_group_source": LABEL if version == "computed" else "",
            "peer_members": [], "peer_value": None, "peer_display": DASH, "peer_numerator": None,
            "peer_denominator": None, "peer_lower_95": None, "peer_upper_95": None,
            "peer_comparison": "not compared", "peer_note": reason}


def peer_fields(indicator: Indicator, group: PeerGroup, members: Mapping[str, comparators.Member],
                own_estimate: stats.Estimate | None, estimate: EstimateFn) -> dict[str, Any]:
    """The peer fields of one force, pooling its group's usable members."""
    pooled = comparators.pool(members[code] for code in group.pooled_codes if code in members)
    left = "; ".join(f"excludes {', '.join(forces.match(c).name for c in codes)} ({reason})"
                     for reason, codes in pooled.left_out.items())
    if not pooled.usable or pooled.numerator is None or pooled.denominator is None:
        fields = missing("no member of the peer group has a usable figure" + (f": {left}" if left else ""),
                         group.version)
        return {**fields, "peer_group_source": _source(group)}
    base = {"peer_group": group.version, "peer_group_source": _source(group), "peer_members": list(pooled.included),
            "peer_numerator": pooled.numerator, "peer_denominator": pooled.denominator}
    try:
        estimate95 = (_change95(pooled.numerator, pooled.denominator) if indicator.kind == "change"
                      else estimate(indicator, pooled.numerator, pooled.denominator)[0])
    except ValueError as error:
        return {**missing(f"cannot compute the peer figure: {error}", group.version), **base}
    value = None if math.isnan(estimate95.value) else estimate95.value
    usable = own_estimate if own_estimate is not None and not math.isnan(own_estimate.lower) else None
    note = "; ".join(part for part in ("synthetic demonstration data" if pooled.synthetic else "", left) if part)
    return {**base, "peer_value": value, "peer_display": display(value, indicator.kind),
            "peer_lower_95": _finite(estimate95.lower), "peer_upper_95": _finite(estimate95.upper),
            "peer_comparison": stats.compare(usable, value, indicator.polarity), "peer_note": note}


__all__ = ["PEER_FIELDS", "missing", "peer_fields"]
