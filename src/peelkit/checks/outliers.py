"""Cross-force outliers: a force's rate far from England and Wales, beyond the funnel plot's 99.8% limits.

Why a second condition. At PEEL scale the 99.8% funnel (Poisson) limits are very narrow: a force of 1.5
million people with 700,000 incidents a year has limits about +/-0.4% either side of the average, so real
forces, whose recording practice genuinely differs by 20-50%, would nearly all be "significant". Funnel limits
assume the only variation between forces is chance; between police forces it is not (overdispersion). So a
force is flagged only when all three hold:

1. its count is outside the 99.8% funnel limits around England and Wales (PHE's method: the count's Poisson
   interval excludes the average) - keeps small counts (a few OCGs in a small force) from being flagged on
   chance alone;
2. its log rate is an outlier among the forces by a robust z-score, 0.6745 x (x - median) / MAD, of at least
   `outlier_z` (default 3.5, Iglewicz and Hoaglin's cut-off) - the overdispersion allowance: the yardstick is
   how far forces actually spread on this measure (incidents rates spread less than OCG rates), measured with
   the median and median absolute deviation so that the outlier itself does not widen it;
3. its rate is at least `outlier_factor` (default 1.5) times, or at most 1 / `outlier_factor` times, the
   England and Wales rate - so that when forces agree closely a 20% difference is still not queried.

The England and Wales rate each force is compared with leaves that force out (sum of the other forces'
events over the sum of their populations), so a large force's own error cannot hide itself by moving the
average. Forces the publication excludes from an indicator are neither judged nor counted in the average;
items a force supplied only in part are not judged (completeness reports them); a publication's group (e.g.
the Warwickshire and West Mercia alliance's combined 2016 OCGs) is judged as one unit.

`CheckSettings.outlier_overdispersion` (default none) widens condition 1's limits by Spiegelhalter's
over-dispersion estimate (multiplicative or additive, see peelkit.overdispersion) instead.

Which items: `CheckSettings.outlier_items` (default incidents, domestic abuse incidents and OCGs, all per
head of population). ASB powers are left to the year-on-year rule (forces' use of the powers differs many-fold
by policy); domestic-abuse-flagged crimes are judged against recorded crime by the agreement rule.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import cast

from peelkit import overdispersion, stats
from peelkit.checks.registry import RETURN_DATASET, CheckContext, CheckFinding, fmt, force_name, period_label, rule
from peelkit.indicators.catalogue import BY_ID, Indicator
from peelkit.periods import Period

RULE_ID = "outliers.funnel"


@dataclass
class _Unit:
    code: str  # the force (a group's first member)
    label: str
    events: float
    population: float
    fact_value: float
    import_id: int
    synthetic: bool


def _indicator_for(item: str) -> Indicator | None:
    for indicator in BY_ID.values():
        if (indicator.kind == "rate" and indicator.numerator.dataset == RETURN_DATASET
                and indicator.numerator.measure == item and indicator.denominator.dataset == "population"):
            return indicator
    return None


@rule(id=RULE_ID, title="Rates far outside the funnel plot's 99.8% limits", kind="outliers")
def funnel_outliers(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Warning when a force's rate per head is outside the 99.8% funnel limits around England and Wales (the
    other forces), a robust z-score outlier among forces (|z| >= `outlier_z`, default 3.5) and at least
    `outlier_factor` (default 1.5) times higher or lower than England and Wales."""
    population = ctx.population()
    pub = ctx.publication
    for item in ctx.settings.outlier_items:
        indicator = _indicator_for(item)
        if indicator is None or indicator.id not in pub.periods:
            continue
        periods = pub.periods[indicator.id]
        for period in (periods.main, *periods.compare_with):
            yield from _judge(ctx, item, indicator, period, population)


def _population(ctx: CheckContext, code: str, indicator_id: str, population: dict[str, float]) -> float | None:
    for override in ctx.publication.population_overrides:
        if override.force_code == code and (not override.indicators or indicator_id in override.indicators):
            return override.population
    return population.get(code)


def _units(ctx: CheckContext, item: str, indicator: Indicator, period: Period,
           population: dict[str, float]) -> list[_Unit]:
    """The forces (or a publication's combined group, as one) compared: each with its events and population."""
    pub = ctx.publication
    facts = {f.force_code: f for f in ctx.return_facts(item, period.end) if f.offence is None}
    group = next((g for g in pub.groups if indicator.id in g.indicators and period.end in g.periods), None)
    units: list[_Unit] = []
    grouped = set(group.force_codes) if group else set()
    if group is not None:
        members = [facts.get(c) for c in group.force_codes]
        pops = [_population(ctx, c, indicator.id, population) for c in group.force_codes]
        present = [(f, p) for f, p in zip(members, pops, strict=True) if f is not None and f.value is not None]
        if present and all(p for p in pops) and all(f.status != "partial" for f, _ in present) and not any(
                pub.exclusion(c, indicator.id) for c in group.force_codes):
            first = present[0][0]
            units.append(_Unit(group.force_codes[0], group.name, sum(f.value or 0.0 for f, _ in present),
                               sum(p or 0.0 for p in pops), first.value or 0.0, first.import_id, first.synthetic))
    for code, fact in facts.items():
        if code in grouped or fact.value is None or fact.status == "partial":
            continue
        exclusion = pub.exclusion(code, indicator.id)
        if exclusion is not None and exclusion.status == "excluded":
            continue
        pop = _population(ctx, code, indicator.id, population)
        if not pop:
            continue
        units.append(_Unit(code, force_name(code), fact.value, pop, fact.value, fact.import_id, fact.synthetic))
    return units


def _judge(ctx: CheckContext, item: str, indicator: Indicator, period: Period,
           population: dict[str, float]) -> Iterator[CheckFinding]:
    units = _units(ctx, item, indicator, period, population)
    if len(units) < 5:
        return  # too few forces for an England and Wales comparison
    logs = [math.log(u.events / u.population) if u.events > 0 else None for u in units]
    known = sorted(x for x in logs if x is not None)
    median = statistics.median(known) if known else 0.0
    mad = statistics.median(abs(x - median) for x in known) if known else 0.0
    mad = max(mad, 1e-3)  # forces in perfect agreement: any real departure counts as far out
    all_events = sum(u.events for u in units)
    all_population = sum(u.population for u in units)
    factor = ctx.settings.outlier_factor
    dispersion = _dispersion(ctx.settings.outlier_overdispersion, units, all_events / all_population)
    limits = f" (allowing for over-dispersion: {dispersion.label})" if dispersion else ""
    for unit, log_rate in zip(units, logs, strict=True):
        z = math.inf if log_rate is None else 0.6745 * abs(log_rate - median) / mad
        if z < ctx.settings.outlier_z:
            continue
        others_events, others_pop = all_events - unit.events, all_population - unit.population
        if others_events <= 0 or others_pop <= 0:
            continue
        average = others_events / others_pop
        ratio = unit.events / unit.population / average
        if 1 / factor < ratio < factor:
            continue
        if not _outside_998(unit, average, dispersion):
            continue
        mult = indicator.multiplier
        rate, ew = unit.events / unit.population * mult, average * mult
        direction = "higher" if ratio > 1 else "lower"
        how_far = f"{ratio:.1f} times" if ratio > 1 else f"{1 / ratio:.1f} times lower than"
        yield CheckFinding(
            RULE_ID, "warning", unit.code, item, period.end, unit.fact_value,
            f"{unit.label}'s {indicator.title.lower()} ({period_label(period.start, period.end)}) is {fmt(rate)} "
            f"{indicator.unit}, {how_far} the England and Wales rate of the other forces ({fmt(ew)}), and "
            f"{direction} than the funnel plot's 99.8% limits{limits} allow for its population; further from the other "
            f"forces than their own spread explains (robust z-score {z:.1f}). Ask the force to confirm "
            f"the figure ({fmt(unit.events)}) and how it was counted (period, units, what was included), and to "
            "resubmit it if it is wrong; if it is right, accept it as is with the force's explanation.",
            period_start=period.start, import_id=unit.import_id, synthetic=unit.synthetic)


def _dispersion(method: str, units: list[_Unit], average: float) -> overdispersion.Dispersion | None:
    if method == "none":
        return None
    return overdispersion.estimate(cast(overdispersion.Method, method), "rate", average,
                                   [u.events / u.population for u in units], [u.population for u in units])


def _outside_998(unit: _Unit, average: float, dispersion: overdispersion.Dispersion | None) -> bool:
    """Outside the 99.8% funnel limits around `average`: PHE's Poisson limits, or Spiegelhalter's widened ones."""
    if dispersion is None:
        call = stats.classify_funnel_rate(unit.events, unit.population, average)
        return call in (stats.FUNNEL_HIGH_001, stats.FUNNEL_LOW_001)
    around = replace(dispersion, target=average)
    return overdispersion.classify(around, "rate", unit.events / unit.population, unit.population,
                                   stats.CONFIDENCE_99_8) != "similar"
