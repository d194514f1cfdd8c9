"""Year-on-year jumps: a figure that rose or fell beyond a set factor on the same force's previous year.

The figures a publication shows for two years side by side (force-return inputs of indicators with
`compare_with` periods) are compared (for 2017: ASB powers used, 12 months to 30 June 2016 and 2017; OCGs as
at 1 July 2016 and 2017; mapped OCGs are left to the consistency rule). ASB powers are compared as the total of
the types the force supplied in both years (single types are small counts that swing many-fold by chance and
policy).

Thresholds (`CheckSettings`): `trend_factor`, default 3 - a rise to more than three times, or a fall to less
than a third, of the previous year. Real year-on-year changes in these figures are well inside that (new
powers bedding in moved forces' counts by tens of percent, not threefold); a threefold jump is what keying the
wrong year, a cumulative instead of an annual count, or a changed definition looks like. `trend_min_count`,
default 20: the larger of the two years must be at least this, so that 2 -> 7 is not flagged. A fall to zero
from at least `trend_min_count` is flagged. Items supplied only in part in either year are not judged.
A publication group (the Warwickshire and West Mercia alliance's combined 2016 OCGs) is compared as one unit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from peelkit.checks.registry import CheckContext, CheckFinding, fmt, force_name, item_label, period_label, rule
from peelkit.indicators.catalogue import BY_ID

RULE_ID = "trends.year-on-year"


@dataclass
class _Year:
    start: date
    end: date
    values: dict[str | None, float]  # offence (type) -> value
    partial: bool
    import_id: int
    synthetic: bool


def _years(ctx: CheckContext) -> dict[tuple[str, str], dict[date, _Year]]:
    out: dict[tuple[str, str], dict[date, _Year]] = {}
    for fact in ctx.return_facts():
        if fact.value is None:
            continue
        years = out.setdefault((fact.force_code, fact.measure), {})
        year = years.setdefault(fact.period_end, _Year(fact.period_start, fact.period_end, {}, False,
                                                       fact.import_id, fact.synthetic))
        year.values[fact.offence] = fact.value
        year.partial = year.partial or fact.status == "partial"
    return out


def _groups(ctx: CheckContext, measure: str) -> list[tuple[str, tuple[str, ...], tuple[date, ...]]]:
    found = []
    for group in ctx.publication.groups:
        if any(BY_ID[i].numerator.measure == measure and BY_ID[i].numerator.dataset == "force_return"
               for i in group.indicators):
            found.append((group.name, group.force_codes, group.periods))
    return found


@rule(id=RULE_ID, title="Year-on-year jumps beyond a set factor", kind="trends")
def year_on_year(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Warning when a force's figure is more than `trend_factor` (default 3) times, or less than 1 /
    `trend_factor` times, its figure for the year before, the larger being at least `trend_min_count`."""
    factor, minimum = ctx.settings.trend_factor, ctx.settings.trend_min_count
    measures = {BY_ID[i].numerator.measure for i, p in ctx.publication.periods.items()
                if p.compare_with and BY_ID[i].numerator.dataset == "force_return"}
    series = {k: v for k, v in _years(ctx).items() if k[1] in measures}
    # Combine the members of a publication group for the periods the group covers (then every member's series
    # carries the group's sum for those periods, and the group is judged once, on its first member).
    skip: set[str] = set()
    for measure in {m for _c, m in series}:
        for _name, codes, periods in _groups(ctx, measure):
            members = [series.get((c, measure), {}) for c in codes]
            combined: dict[date, _Year] = {}
            for end in {e for m in members for e in m}:
                present = [m[end] for m in members if end in m]
                if end in periods or len(present) == len(codes):
                    values: dict[str | None, float] = {}
                    for year in present:
                        for key, value in year.values.items():
                            values[key] = values.get(key, 0.0) + value
                    combined[end] = _Year(present[0].start, end, values, any(y.partial for y in present),
                                          present[0].import_id, present[0].synthetic)
            if any(end in periods for end in combined):
                series[(codes[0], measure)] = combined
                skip.update(f"{c}/{measure}" for c in codes[1:])
    for (code, measure), years in sorted(series.items()):
        if f"{code}/{measure}" in skip:
            continue
        ends = sorted(years)
        for before_end, after_end in itertools.pairwise(ends):
            before, after = years[before_end], years[after_end]
            if not 360 <= (after_end - before_end).days <= 370 or before.partial or after.partial:
                continue
            common = set(before.values) & set(after.values)
            if not common:
                continue
            old = sum(before.values[k] for k in common)
            new = sum(after.values[k] for k in common)
            if max(old, new) < minimum:
                continue
            if old > 0 and new > 0 and 1 / factor <= new / old <= factor:
                continue
            if old == 0 and new == 0:
                continue
            change = ("rose from none the year before" if old == 0 else "fell to none" if new == 0
                      else f"is {new / old:.1f} times the previous year's" if new > old
                      else f"is {new / old:.2f} times the previous year's")
            parts = "" if common == {None} else " (the types supplied in both years)"
            item = measure
            yield CheckFinding(
                RULE_ID, "warning", code, item, after_end, new,
                f"{force_name(code)}'s {item_label(item)}{parts} {change}: "
                f"{fmt(old)} ({period_label(before.start, before_end)}) to {fmt(new)} "
                f"({period_label(after.start, after_end)}), beyond the {factor:g}-fold limit for a year-on-year "
                "change. Ask the force to confirm both years were counted the same way and cover 12 months each "
                "(not a cumulative count), and to resubmit if not; if the change is real, accept it as is with "
                "the force's explanation.",
                period_start=after.start, import_id=after.import_id, synthetic=after.synthetic)
