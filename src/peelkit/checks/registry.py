"""The rule registry, the finding record and what every rule reads: the current force returns.

A rule is a function taking a :class:`CheckContext` and yielding :class:`CheckFinding` records, registered with
the :func:`rule` decorator. The built-in rules (completeness, consistency, outliers, trends, agreement) are
registered exactly as a user would register one of their own::

    from peelkit.checks import CheckContext, CheckFinding, rule

    @rule(id="mine.no-zero-incidents", title="Incidents are never zero", kind="consistency")
    def no_zero_incidents(ctx: CheckContext):
        for fact in ctx.return_facts(measure="incidents"):
            if fact.value == 0:
                yield ctx.finding("mine.no-zero-incidents", fact, "error", "no incidents at all ...")

A force's *current* return is the latest import that holds return items for it: a resubmission supersedes the
earlier return (which stays in the warehouse as history). :func:`current_return_sql` is the one place that says
so; every rule reads the return through it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

import duckdb

from peelkit.indicators.publication import Publication
from peelkit.warehouse import CURRENT_RETURNS_SQL

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
Kind = Literal["completeness", "consistency", "outliers", "trends", "agreement"]

RETURN_DATASET = "force_return"


@dataclass(frozen=True)
class CheckFinding:
    """One thing a rule found about one force's figure (or missing figure)."""

    rule_id: str
    severity: Severity
    force_code: str
    item: str  # the return item (measure, or asb_powers:<type>), or an indicator id
    period_end: date | None
    figure: float | None
    message: str  # why it was flagged and how to put it right
    period_start: date | None = None
    import_id: int | None = None  # the return the figure came from
    synthetic: bool = False  # the figure is synthetic demonstration data

    @property
    def fingerprint(self) -> str:
        """Stable identity of a finding across runs: rule, force, item, period end and figure.

        The message, severity and import id are left out, so rewording a message or re-importing the same
        figure does not raise a new query; a different figure for the same item does.
        """
        parts = [self.rule_id, self.force_code, self.item,
                 self.period_end.isoformat() if self.period_end else "", _figure_key(self.figure)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["period_end"] = self.period_end.isoformat() if self.period_end else None
        body["period_start"] = self.period_start.isoformat() if self.period_start else None
        body["fingerprint"] = self.fingerprint
        return body


def _figure_key(figure: float | None) -> str:
    if figure is None:
        return ""
    return f"{float(figure):.10g}"


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds of the built-in rules (each rule's docstring says why its default is what it is)."""

    trend_factor: float = 3.0  # year-on-year: flag a rise or fall beyond this factor
    trend_min_count: float = 20.0  # ... when the larger year has at least this many
    outlier_factor: float = 1.5  # outliers: outside the 99.8% funnel AND this far from England and Wales
    outlier_z: float = 3.5  # ... AND this robust (median/MAD) z-score of the log rate across forces
    outlier_items: tuple[str, ...] = ("incidents", "da_incidents", "ocgs")
    # ... with the 99.8% funnel limits widened for over-dispersion (Spiegelhalter): none, multiplicative or
    # additive. Off by default: the robust z-score above is already this rule's allowance for it.
    outlier_overdispersion: str = "none"
    asb_tolerance: float = 0.10  # agreement: incidents may fall this far below the ONS ASB incidents
    return_period_end: date = date(2017, 6, 30)  # the 12 months the return's incident figures cover


@dataclass(frozen=True)
class ReturnFact:
    force_code: str
    item: str
    measure: str
    offence: str | None
    period_start: date
    period_end: date
    value: float | None
    status: str  # supplied, partial (no return item row: supplied)
    import_id: int
    synthetic: bool


@dataclass(frozen=True)
class ReturnItem:
    force_code: str
    item: str
    period_start: date | None
    period_end: date | None
    status: str
    reason: str | None
    import_id: int
    synthetic: bool


def current_return_sql() -> str:
    """SQL for the current return of each force: CTEs `current_returns` (area_code, import_id, synthetic),
    `current_items` (return_items of those imports) and `current_facts` (force_return facts of those imports,
    with `item` = measure, or measure:offence where there is a breakdown, and the item's status).

    Prefix a SELECT with it: ``con.execute(current_return_sql() + " SELECT * FROM current_facts")``.
    """
    return f"""
    WITH current_returns AS ({CURRENT_RETURNS_SQL}), current_returns_x AS (
        SELECT c.area_code, c.import_id, coalesce(i.synthetic, FALSE) AS synthetic
        FROM current_returns c LEFT JOIN imports i ON i.import_id = c.import_id
    ), current_items AS (
        SELECT r.*, c.synthetic FROM return_items r
        JOIN current_returns_x c ON c.area_code = r.area_code AND c.import_id = r.import_id
    ), current_facts AS (
        SELECT f.area_code, CASE WHEN f.offence IS NULL THEN f.measure ELSE f.measure || ':' || f.offence END
                   AS item,
               f.measure, f.offence, f.period_start, f.period_end, f.value, f.import_id, c.synthetic
        FROM facts f JOIN current_returns_x c ON c.area_code = f.area_code AND c.import_id = f.import_id
        WHERE f.dataset = '{RETURN_DATASET}'
    )
    """


@dataclass
class CheckContext:
    """What a rule is given: the warehouse connection, the publication and the settings, with cached reads."""

    con: duckdb.DuckDBPyConnection
    publication: Publication
    settings: CheckSettings = field(default_factory=CheckSettings)
    _facts: list[ReturnFact] | None = None
    _items: list[ReturnItem] | None = None

    def return_items(self) -> list[ReturnItem]:
        """Every item row of every force's current return."""
        if self._items is None:
            rows = self.con.execute(current_return_sql() + """
                SELECT area_code, item, period_start, period_end, status, reason, import_id, synthetic
                FROM current_items ORDER BY area_code, item, period_end""").fetchall()
            self._items = [ReturnItem(r[0], r[1], r[2], r[3], str(r[4]).lower(), r[5], int(r[6]), bool(r[7]))
                           for r in rows]
        return self._items

    def return_facts(self, measure: str | None = None, period_end: date | None = None) -> list[ReturnFact]:
        """Figures of every force's current return, with the status its item was given."""
        if self._facts is None:
            statuses = {(i.force_code, i.item, i.period_end): i.status for i in self.return_items()}
            rows = self.con.execute(current_return_sql() + """
                SELECT area_code, item, measure, offence, period_start, period_end, value, import_id, synthetic
                FROM current_facts ORDER BY area_code, item, period_end""").fetchall()
            self._facts = [ReturnFact(r[0], r[1], r[2], r[3], r[4], r[5], None if r[6] is None else float(r[6]),
                                      statuses.get((r[0], r[1], r[5]), "supplied"), int(r[7]), bool(r[8]))
                           for r in rows]
        return [f for f in self._facts
                if (measure is None or f.measure == measure) and (period_end is None or f.period_end == period_end)]

    def official_facts(self, dataset: str) -> str:
        """FROM-clause source for an official dataset: the publication's pinned vintage, or the latest."""
        vintage = self.publication.vintages.get(dataset)
        if vintage is None:
            return "latest_facts"
        return f"(SELECT * FROM facts WHERE vintage = '{vintage.replace(chr(39), '')}')"

    def population(self) -> dict[str, float]:
        """The publication's population estimate for each area (as at its population date)."""
        rows = self.con.execute(
            f"""SELECT area_code, sum(value) FROM {self.official_facts('population')}
                WHERE dataset = 'population' AND measure = 'population' AND period_end = ? GROUP BY area_code""",
            [self.publication.population_as_at]).fetchall()
        return {str(code): float(value) for code, value in rows if value is not None}

    @staticmethod
    def finding(rule_id: str, fact: ReturnFact, severity: Severity, message: str,
                item: str | None = None, figure: float | None = None) -> CheckFinding:
        """A finding about one figure of a return."""
        return CheckFinding(rule_id=rule_id, severity=severity, force_code=fact.force_code,
                            item=item or fact.item, period_end=fact.period_end,
                            figure=fact.value if figure is None else figure, message=message,
                            period_start=fact.period_start, import_id=fact.import_id, synthetic=fact.synthetic)


RuleFunc = Callable[[CheckContext], Iterable[CheckFinding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: str
    func: RuleFunc
    description: str = ""

    def run(self, ctx: CheckContext) -> list[CheckFinding]:
        return list(self.func(ctx))


_RULES: dict[str, Rule] = {}


def rule(*, id: str, title: str, kind: str) -> Callable[[RuleFunc], RuleFunc]:  # noqa: A002 - the rule's id
    """Register a rule function under a stable id (registering the same id again replaces it)."""

    def register(func: RuleFunc) -> RuleFunc:
        _RULES[id] = Rule(id=id, title=title, kind=kind, func=func, description=(func.__doc__ or "").strip())
        return func

    return register


def unregister(rule_id: str) -> None:
    _RULES.pop(rule_id, None)


def rules() -> list[Rule]:
    """Every registered rule (the built-ins are loaded first), in registration order."""
    load_builtins()
    return list(_RULES.values())


def load_builtins() -> None:
    from peelkit.checks import agreement, completeness, consistency, outliers, trends  # noqa: F401


def force_name(code: str) -> str:
    from peelkit import forces

    area = forces.find(code)
    return area.name if area else code


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def item_label(item: str) -> str:
    labels = {
        "incidents": "incidents (calls for assistance)",
        "da_incidents": "domestic abuse incidents",
        "da_crimes": "domestic-abuse-flagged crimes",
        "da_arrests": "arrests for domestic abuse offences",
        "ocgs": "organised crime groups",
        "ocgs_mapped": "mapped organised crime groups",
        "asb_powers": "ASB powers used (all types)",
    }
    if item.startswith("asb_powers:"):
        return "ASB powers used: " + item.split(":", 1)[1].replace("_", " ")
    return labels.get(item, item)


def period_label(start: date | None, end: date | None) -> str:
    if end is None:
        return "the return"
    if start is None or start == end:
        return f"as at {end:%-d %B %Y}"
    return f"12 months to {end:%-d %B %Y}"
