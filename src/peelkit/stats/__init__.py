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

The package is split by method: ``common`` (confidence levels, result types, input checks),
``intervals`` (Byar, exact Poisson, Wilson, comparison with a benchmark), ``change``
(significance of a change between periods), ``funnel`` (control limits and classification)
and ``funnel_table`` (PHE's 100-row chart table). Import from ``peelkit.stats``.
"""

from __future__ import annotations

from peelkit.stats.change import ChangeTest, change_significance, rate_ratio_interval
from peelkit.stats.common import (
    CONFIDENCE_95,
    CONFIDENCE_99_8,
    EXACT_BELOW,
    ChangeKind,
    Comparison,
    Estimate,
    FunnelStatistic,
    Polarity,
    RateType,
    RatioType,
    Side,
    z_score,
)
from peelkit.stats.funnel import (
    FUNNEL_HIGH_001,
    FUNNEL_HIGH_025,
    FUNNEL_LOW_001,
    FUNNEL_LOW_025,
    FUNNEL_NOT_APPLICABLE,
    FUNNEL_NOT_SIGNIFICANT,
    FunnelLimits,
    FunnelPoint,
    classify_funnel_proportion,
    classify_funnel_rate,
    classify_funnel_ratio,
    poisson_funnel,
    proportion_funnel_limits,
    rate_funnel_point,
    ratio_funnel_point,
)
from peelkit.stats.funnel_table import FunnelRow, calculate_funnel_limits, calculate_funnel_points, funnel_x_values
from peelkit.stats.intervals import byars_interval, byars_lower, byars_upper, compare, proportion, rate, wilson_interval

__all__ = [
    "CONFIDENCE_95",
    "CONFIDENCE_99_8",
    "EXACT_BELOW",
    "FUNNEL_HIGH_001",
    "FUNNEL_HIGH_025",
    "FUNNEL_LOW_001",
    "FUNNEL_LOW_025",
    "FUNNEL_NOT_APPLICABLE",
    "FUNNEL_NOT_SIGNIFICANT",
    "ChangeKind",
    "ChangeTest",
    "Comparison",
    "Estimate",
    "FunnelLimits",
    "FunnelPoint",
    "FunnelRow",
    "FunnelStatistic",
    "Polarity",
    "RateType",
    "RatioType",
    "Side",
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
    "z_score",
]
