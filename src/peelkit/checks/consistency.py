"""Internal consistency of a force's return: a part cannot exceed its whole.

Only figures of the same return and the same period are compared. Comparisons with the official tables (e.g.
domestic-abuse-flagged crimes against all recorded crime) are agreement rules. Plausibility of ratios such as
domestic abuse arrests per crime is deliberately not a rule: forces' arrest practice differs too much.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from peelkit.checks.registry import CheckContext, CheckFinding, fmt, force_name, item_label, period_label, rule

# part -> whole, both items of the same return and period.
PARTS_OF: dict[str, str] = {"da_incidents": "incidents"}


def _compare(ctx: CheckContext, rule_id: str, part: str, whole: str, advice: str) -> Iterator[CheckFinding]:
    wholes = {(f.force_code, f.period_end): f for f in ctx.return_facts() if f.item == whole}
    for fact in ctx.return_facts():
        if fact.item != part or fact.value is None:
            continue
        total = wholes.get((fact.force_code, fact.period_end))
        if total is None or total.value is None or fact.value <= total.value:
            continue
        yield ctx.finding(
            rule_id, fact, "error",
            f"{force_name(fact.force_code)} reports {fmt(fact.value)} {item_label(part)} but only "
            f"{fmt(total.value)} {item_label(whole)} ({period_label(fact.period_start, fact.period_end)}); "
            f"the first is part of the second, so it cannot be larger. {advice}")


@rule(id="consistency.ocgs-mapped-within-ocgs", title="Mapped OCGs do not exceed OCGs", kind="consistency")
def ocgs_mapped_within_ocgs(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Error when a force reports more mapped organised crime groups than organised crime groups on the same
    date: every mapped group is a group."""
    yield from _compare(ctx, "consistency.ocgs-mapped-within-ocgs", "ocgs_mapped", "ocgs",
                        "Ask the force to check both counts (often the mapped count includes groups archived "
                        "since, or the two were taken on different dates) and resubmit.")


@rule(id="consistency.part-within-total", title="Parts do not exceed totals", kind="consistency")
def part_within_total(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Error when a part exceeds its total in the same return and period: domestic abuse incidents within all
    incidents, and (where a return gives an overall ASB powers total as well as the four types) the sum of the
    types within the total."""
    rule_id = "consistency.part-within-total"
    for part, whole in PARTS_OF.items():
        yield from _compare(ctx, rule_id, part, whole,
                            "Ask the force whether the two figures were counted on the same basis and period, "
                            "and to resubmit corrected figures.")
    totals = {(f.force_code, f.period_end): f for f in ctx.return_facts("asb_powers") if f.offence is None}
    sums: dict[tuple[str, date], float] = {}
    for fact in ctx.return_facts("asb_powers"):
        if fact.offence is not None and fact.value is not None:
            key = (fact.force_code, fact.period_end)
            sums[key] = sums.get(key, 0.0) + fact.value
    for key, parts in sums.items():
        total = totals.get(key)
        if total is None or total.value is None or parts <= total.value:
            continue
        yield ctx.finding(
            rule_id, total, "error",
            f"{force_name(total.force_code)}'s ASB powers by type add up to {fmt(parts)}, more than its total of "
            f"{fmt(total.value)} ({period_label(total.period_start, total.period_end)}). Ask the force to "
            "correct the types or the total and resubmit.", item="asb_powers", figure=parts)
