"""Completeness: which items of its return each force has not supplied.

The items a publication needs are worked out from its indicators: every force-return input of every indicator,
for the indicator's period and each period it is compared with; ASB powers by each of the four types, and
mapped OCGs beside OCGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from peelkit import forces
from peelkit.checks.registry import (
    RETURN_DATASET,
    CheckContext,
    CheckFinding,
    Severity,
    force_name,
    item_label,
    period_label,
    rule,
)
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.publication import Publication

ASB_POWER_TYPES = ("criminal_behaviour_orders", "community_protection_notices", "civil_injunctions",
                   "dispersal_orders")
# Items the return carries beside an indicator's input, with no indicator of their own.
COMPANIONS = {"ocgs": ("ocgs_mapped",)}


@dataclass(frozen=True, order=True)
class ExpectedItem:
    item: str
    period_start: date
    period_end: date


def expected_items(publication: Publication) -> list[ExpectedItem]:
    """Every (item, period) of the force return that the publication's indicators use."""
    found: set[ExpectedItem] = set()
    for indicator_id, periods in publication.periods.items():
        indicator = BY_ID[indicator_id]
        for spec in (indicator.numerator, indicator.denominator):
            if spec.dataset != RETURN_DATASET:
                continue
            measures = (spec.measure, *COMPANIONS.get(spec.measure, ()))
            for measure in measures:
                items = [f"{measure}:{t}" for t in ASB_POWER_TYPES] if measure == "asb_powers" else [measure]
                for period in (periods.main, *periods.compare_with):
                    for item in items:
                        found.add(ExpectedItem(item, period.start, period.end))
    return sorted(found, key=lambda e: (e.period_end, e.item))


def _found(force_code: str, exp: ExpectedItem, import_id: int, synthetic: bool, severity: Severity,
           figure: float | None, message: str) -> CheckFinding:
    return CheckFinding("completeness.not-supplied", severity, force_code, exp.item, exp.period_end, figure,
                        message, period_start=exp.period_start, import_id=import_id, synthetic=synthetic)


@rule(id="completeness.not-supplied", title="Items a force has not supplied", kind="completeness")
def not_supplied(ctx: CheckContext) -> Iterator[CheckFinding]:
    """A finding for each force with no return at all (warning), each item missing from a return or marked
    supplied without a figure (warning), and each item the force said it could not supply or supplied only in
    part (info, carrying the force's reason, which becomes the footnote)."""
    rule_id = "completeness.not-supplied"
    items = ctx.return_items()
    by_force: dict[str, dict[tuple[str, date | None], tuple[str, str | None, int, bool]]] = {}
    for it in items:
        by_force.setdefault(it.force_code, {})[(it.item, it.period_end)] = (it.status, it.reason, it.import_id,
                                                                             it.synthetic)
    figures = {(f.force_code, f.item, f.period_end) for f in ctx.return_facts() if f.value is not None}
    expected = expected_items(ctx.publication)
    for area in forces.forces():
        name = force_name(area.code)
        mine = by_force.get(area.code)
        if mine is None:
            yield CheckFinding(rule_id, "warning", area.code, "return", None, None,
                               f"No data return has been loaded for {name}. Ask the force for its return "
                               "and import it with `peel returns import FILE`.")
            continue
        import_id, synthetic = next(iter(mine.values()))[2:]
        values = {(f.item, f.period_end): f.value for f in ctx.return_facts() if f.force_code == area.code}
        for exp in expected:
            label = f"{item_label(exp.item)}, {period_label(exp.period_start, exp.period_end)}"
            entry = mine.get((exp.item, exp.period_end))
            where = (area.code, exp, import_id, synthetic)
            if entry is None:
                yield _found(*where, "warning", None,
                             f"{name}'s return does not cover {label}: neither a figure nor a reason for not "
                             "supplying it. Ask the force to resubmit the return with the figure, or mark the item "
                             "'unable to supply' with a reason.")
                continue
            # The reason is often a sentence with its own full stop; the message adds the stop after it.
            status, reason = entry[0], (entry[1] or "").strip().rstrip(".").rstrip()
            because = f": {reason}" if reason else " (no reason given; ask for one, it becomes a footnote)"
            if status == "unable":
                yield _found(*where, "info", None,
                             f"{name} could not supply {label}{because}. The figure will show as missing with "
                             "this reason as its footnote; if it can now be supplied, resubmit the return with it.")
            elif status == "partial":
                yield _found(*where, "info", values.get((exp.item, exp.period_end)),
                             f"{name} supplied {label} only in part{because}. The figure will be flagged partial "
                             "with this reason as its footnote; resubmit the return if the complete figure "
                             "becomes available.")
            elif (area.code, exp.item, exp.period_end) not in figures:
                yield _found(*where, "warning", None,
                             f"{name}'s return marks {label} as supplied but gives no figure. Ask the force to "
                             "resubmit with the figure, or mark the item 'unable to supply' with a reason.")
