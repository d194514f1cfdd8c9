"""Evaluate a publication's indicators for the 43 forces and England and Wales, from the warehouse."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, cast

import duckdb

from peelkit import forces, overdispersion, stats
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators import comparators, dispersion, peer_values
from peelkit.indicators.catalogue import BY_ID, CATALOGUE, DATASET_TITLES, POPULATION, Indicator, Input
from peelkit.indicators.display import DASH, display
from peelkit.indicators.publication import Group, Publication
from peelkit.peers import lookup as peers
from peelkit.periods import Period, add_months, month_end, months_to
from peelkit.warehouse import CURRENT_RETURNS_SQL

ResultStatus = Literal["ok", "missing", "excluded", "partial"]

RETURN_DATASET = "force_return"
SYNTHETIC_NOTE = "synthetic demonstration data"
CURRENT_RETURNS = f"SELECT import_id FROM ({CURRENT_RETURNS_SQL})"


@dataclass(frozen=True)
class Result:
    force_code: str
    force_name: str
    indicator: str
    period: Period
    value: float | None
    numerator: float | None
    denominator: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    comparison: str
    status: ResultStatus
    note: str
    display: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def csv_row(self) -> dict[str, Any]:
        return {
            "force_code": self.force_code, "force_name": self.force_name, "indicator": self.indicator,
            "value": _num(self.value), "display": self.display, "numerator": _num(self.numerator),
            "denominator": _num(self.denominator), "lower_95": _num(self.lower_95), "upper_95": _num(self.upper_95),
            "comparison": self.comparison, "status": self.status, "note": self.note,
        }


CSV_COLUMNS = ("force_code", "force_name", "indicator", "value", "display", "numerator", "denominator",
               "lower_95", "upper_95", "comparison", "status", "note")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Sum:
    total: float | None  # None when any contributing figure was published as missing
    months_covered: int
    marker: str | None
    synthetic: bool = False  # any contributing figure is synthetic demonstration data


@dataclass
class _Inputs:
    numerator: float | None = None
    denominator: float | None = None
    status: ResultStatus = "ok"
    notes: list[str] = field(default_factory=list)
    shown: tuple[float, float] | None = None  # a combined group's figure, shown for each member
    synthetic: bool = False
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a comparator's: reason -> force codes


class Engine:
    """Evaluates indicators against one warehouse connection; input sums are cached per period."""

    def __init__(self, con: duckdb.DuckDBPyConnection, publication: Publication) -> None:
        self.con = con
        self.publication = publication
        self._cache: dict[tuple[Input, Period], dict[str, Sum]] = {}
        self._loaded: dict[str, bool] = {}
        self._items: dict[tuple[str, str, date], list[tuple[str, str]]] | None = None
        self._peers: tuple[dict[str, peers.PeerGroup], str] | None = None
        self.forces = forces.forces()

    # ----------------------------------------------------------------------------------------- inputs

    def _facts(self, dataset: str) -> tuple[str, list[Any]]:
        if dataset == RETURN_DATASET:
            # A force's current return is its latest submission; earlier ones stay as history.
            return f"(SELECT * FROM facts WHERE import_id IN ({CURRENT_RETURNS}))", []
        vintage = self.publication.vintages.get(dataset)
        if vintage is None:
            return "latest_facts", []
        return "(SELECT * FROM facts WHERE vintage = ?)", [vintage]

    def return_items(self) -> dict[tuple[str, str, date], list[tuple[str, str]]]:
        """(force, measure, period end) -> [(status, reason)] of each force's current return."""
        if self._items is None:
            self._items = {}
            for area, item, end, status, reason in self.con.execute(
                    f"""SELECT area_code, item, period_end, status, reason FROM return_items
                        WHERE import_id IN ({CURRENT_RETURNS})""").fetchall():
                key = (area, item.split(":", 1)[0], end)
                self._items.setdefault(key, []).append((status, reason or ""))
        return self._items

    def input_loaded(self, spec: Input) -> bool:
        key = f"{spec.dataset}/{spec.measure}"
        if key not in self._loaded:
            source, params = self._facts(spec.dataset)
            # A figure is in the newest vintage view exactly when it is in some vintage: ask the table, not
            # the view's window, and stop at the first row.
            source = "facts" if source == "latest_facts" else source
            row = self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {source} WHERE dataset = ? AND measure = ?)",
                                   [*params, spec.dataset, spec.measure]).fetchone()
            self._loaded[key] = bool(row and row[0])
        return self._loaded[key]

    def sums(self, spec: Input, period: Period) -> dict[str, Sum]:
        key = (spec, period)
        if key in self._cache:
            return self._cache[key]
        source, params = self._facts(spec.dataset)
        where = ["dataset = ?", "measure = ?", "period_start >= ?", "period_end <= ?"]
        args: list[Any] = [*params, spec.dataset, spec.measure, period.start, period.end]
        if spec.exclude_offences:
            where.append(f"coalesce(offence, '') NOT IN ({', '.join('?' * len(spec.exclude_offences))})")
            args.extend(spec.exclude_offences)
        if spec.outcome_types is not None:
            where.append(f"outcome_type IN ({', '.join('?' * len(spec.outcome_types))})")
            args.extend(spec.outcome_types)
        rows = self.con.execute(
            f"""SELECT area_code, sum(value), count(*) - count(value), any_value(marker) FILTER (marker IS NOT NULL),
                       list(DISTINCT [period_start, period_end]),
                       bool_or(import_id IN (SELECT import_id FROM imports WHERE synthetic))
                FROM {source} WHERE {' AND '.join(where)} GROUP BY area_code""",
            args,
        ).fetchall()
        result = {}
        for area_code, total, n_missing, marker, spans, synthetic in rows:
            months = sum(_months(start, end) for start, end in spans)
            result[area_code] = Sum(None if n_missing else float(total), months, marker, bool(synthetic))
        self._cache[key] = result
        return result

    def _input(self, spec: Input, period: Period, area_code: str, into: _Inputs, role: str) -> float | None:
        if spec == POPULATION:
            return self._population(area_code, into)
        sums = self.sums(spec, period)
        found = sums.get(area_code)
        wanted = 0 if period.start == period.end else period.months
        if spec.dataset == RETURN_DATASET and not self._return_status(spec, period, area_code, into, found):
            return None
        if found is not None and found.synthetic:
            into.synthetic = True
        if found is None:
            if not self.input_loaded(spec):
                into.notes.append(f"{spec.missing_reason} ({spec.label})")
            elif not sums:
                into.notes.append(f"no {spec.label} figures are loaded for {period.label()}")
            else:
                into.notes.append(f"no {spec.label} figure for this force for {period.label()}")
            into.status = "missing"
            return None
        if found.total is None:
            into.notes.append(f"{spec.label} is published as not available ('{found.marker}') for {period.label()}")
            into.status = "missing"
            return None
        if found.months_covered != wanted:
            source = DATASET_TITLES.get(spec.dataset, spec.dataset)
            shortfall = f"{source}: only {found.months_covered} of the {wanted} months of {period.label()} are loaded"
            if not self.publication.allow_partial_periods:
                into.notes.append(shortfall)
                into.status = "missing"
                return None
            into.notes.append(shortfall + "; the figure covers those months only")
            into.status = "partial"
        excess = self._exceeds_whole(spec, period, area_code, found.total)
        if excess:
            into.notes.append(excess)
            into.status = "missing"
            return None
        return found.total

    def _exceeds_whole(self, spec: Input, period: Period, area_code: str, total: float) -> str | None:
        """A part larger than the whole the catalogue declares it part of cannot be used in any figure.

        Every proportion declares its numerator a part of its denominator (domestic-abuse-flagged crimes are
        part of recorded crime). When a force's part exceeds its whole, the part is impossible as given, so
        every indicator built from it (not only the proportion) is unusable for that force and period."""
        for indicator in CATALOGUE:
            if indicator.kind != "proportion" or indicator.numerator != spec:
                continue
            whole = self.sums(indicator.denominator, period).get(area_code)
            if whole is not None and whole.total is not None and total > whole.total:
                return (f"{spec.label} ({total:,.0f}) exceeds {indicator.denominator.label} ({whole.total:,.0f}) "
                        f"for {period.label()}, of which it is a part, so it cannot be used")
        return None

    def _return_status(self, spec: Input, period: Period, area_code: str, into: _Inputs,
                       found: Sum | None) -> bool:
        """Apply what the force said of this item in its return; False when there is no figure to use."""
        said = self.return_items().get((area_code, spec.measure, period.end), [])
        reasons = sorted({reason for status, reason in said if status in ("unable", "partial") and reason})
        if any(status == "unable" for status, _reason in said) and found is None:
            into.notes.append("the force could not supply this" + (f": {'; '.join(reasons)}" if reasons else ""))
            into.status = "missing"
            return False
        if any(status in ("unable", "partial") for status, _reason in said) and found is not None:
            into.notes.append("the force supplied this only in part" + (f": {'; '.join(reasons)}" if reasons else ""))
            if into.status == "ok":
                into.status = "partial"
        return True

    def _population(self, area_code: str, into: _Inputs) -> float | None:
        as_at = self.publication.population_as_at
        sums = self.sums(POPULATION, Period(as_at, as_at))
        found = sums.get(area_code)
        if found is None or found.total is None:
            into.notes.append(f"no ONS population estimate as at {as_at:%-d %B %Y} is loaded for this force")
            into.status = "missing"
            return None
        return found.total

    # -------------------------------------------------------------------------------------- evaluation

    def evaluate_all(self, include_earlier: bool = False) -> list[Result]:
        results = []
        for indicator_id, periods in self.publication.periods.items():
            results.extend(self.evaluate(indicator_id, periods.main))
            if include_earlier:
                for earlier in periods.compare_with:
                    results.extend(self.evaluate(indicator_id, earlier))
        return results

    def evaluate(self, indicator_id: str, period: Period) -> list[Result]:
        indicator = BY_ID[indicator_id]
        gathered = {force.code: self._gather(indicator, period, force.code) for force in self.forces}
        group = self._group(indicator_id, period)
        if group is not None:
            self._combine(group, gathered)
        # Each force's own figure first: England and Wales pools exactly the forces whose figure is usable.
        own = {code: self._result(indicator, period, code, inputs) for code, inputs in gathered.items()}
        members = _members(gathered, {code: result for code, (result, _e) in own.items()})
        ew = self._england_and_wales(gathered, members)
        ew_result, _estimate95 = self._result(indicator, period, ENGLAND_AND_WALES, ew)
        results = [_compared(result, estimate, ew_result, indicator) for result, estimate in own.values()]
        results = self._beside(indicator, period, results, {c: e for c, (_r, e) in own.items()}, members, ew_result)
        return [*results, ew_result]

    def _beside(self, indicator: Indicator, period: Period, results: list[Result],
                estimates: dict[str, stats.Estimate | None], members: dict[str, comparators.Member],
                ew_result: Result) -> list[Result]:
        """Add to each force's JSON fields its peer figure, its over-dispersed comparison and its trend."""
        groups, why = self.peer_groups()
        counts = {r.force_code: (r.numerator, r.denominator) for r in results
                  if r.value is not None and r.numerator is not None and r.denominator is not None}
        method = cast(overdispersion.Method, self.publication.overdispersion)
        spread = dispersion.estimate(indicator, method, ew_result.value, counts)
        earlier, earlier_label = self._earlier_counts(indicator, period)
        out = []
        for result in results:
            group = groups.get(result.force_code)
            peer = (peer_values.peer_fields(indicator, group, members, estimates[result.force_code], _estimate)
                    if group is not None else peer_values.missing(why, self.publication.peer_groups))
            now = counts.get(result.force_code)
            extra = {**result.extra, **peer, **dispersion.fields(indicator, spread, now),
                     **dispersion.trend(indicator, result.comparison, now,
                                        earlier.get(result.force_code), earlier_label)}
            out.append(replace(result, extra=extra))
        return out

    def peer_groups(self) -> tuple[dict[str, peers.PeerGroup], str]:
        """The publication's peer groups by force, or none and the reason (computed once per engine)."""
        if self._peers is None:
            main = self.publication.periods.get("crimes_per_1000")
            crime_end = main.main.end if main else self.publication.population_as_at
            try:
                groups = peers.groups_for(self.con, self.publication.peer_groups,
                                          self.publication.population_as_at, crime_end)
                self._peers = (groups, "" if groups else
                               "no peer groups: the warehouse lacks the public data they are computed from")
            except peers.PeerGroupError as error:
                self._peers = ({}, str(error))
        return self._peers

    def _earlier_counts(self, indicator: Indicator, period: Period) -> tuple[dict[str, tuple[float, float]], str]:
        """Each force's usable counts for the period before (the publication's earlier one, else a year before)."""
        if indicator.polarity == "neither" or indicator.kind == "change":
            return {}, ""
        declared = self.publication.periods.get(indicator.id)
        before = declared.compare_with[0] if declared and declared.compare_with else _shift(period, -12)
        counts = {}
        for force in self.forces:
            inputs = self._gather(indicator, before, force.code)
            result, _estimate = self._result(indicator, before, force.code, inputs)
            if result.value is not None and result.numerator is not None and result.denominator is not None:
                counts[force.code] = (result.numerator, result.denominator)
        return counts, before.label()

    def _gather(self, indicator: Indicator, period: Period, area_code: str) -> _Inputs:
        inputs = _Inputs()
        exclusion = self.publication.exclusion(area_code, indicator.id)
        if exclusion and exclusion.status == "excluded":
            inputs.status = "excluded"
            inputs.notes.append(exclusion.reason)
            return inputs
        if indicator.kind == "change":
            before = _shift(period, -indicator.change_months)
            inputs.numerator = self._input(indicator.numerator, period, area_code, inputs, "numerator")
            inputs.denominator = self._input(indicator.numerator, before, area_code, inputs, "previous")
        else:
            inputs.numerator = self._input(indicator.numerator, period, area_code, inputs, "numerator")
            inputs.denominator = self._input(indicator.denominator, period, area_code, inputs, "denominator")
            override = self._override(area_code, indicator.id)
            if override is not None and indicator.denominator == POPULATION:
                inputs.denominator = override[0]
                inputs.notes.append(override[1])
        if exclusion and exclusion.status == "partial" and inputs.status == "ok":
            inputs.status = "partial"
            inputs.notes.append(exclusion.reason)
        return inputs

    def _override(self, area_code: str, indicator_id: str) -> tuple[float, str] | None:
        for override in self.publication.population_overrides:
            if override.force_code == area_code and (not override.indicators or indicator_id in override.indicators):
                return override.population, f"population: {override.reason or 'set by the publication'}"
        return None

    def _group(self, indicator_id: str, period: Period) -> Group | None:
        for group in self.publication.groups:
            if indicator_id in group.indicators and period.end in group.periods:
                return group
        return None

    @staticmethod
    def _combine(group: Group, gathered: dict[str, _Inputs]) -> None:
        members = [gathered[c] for c in group.force_codes]
        if any(m.status in ("missing", "excluded") for m in members):
            return
        numerator = sum(m.numerator or 0.0 for m in members)
        denominator = sum(m.denominator or 0.0 for m in members)
        for index, code in enumerate(group.force_codes):
            member = gathered[code]
            member.notes.append(f"combined figure for {group.name}")
            # The group counts once in England and Wales: its first member carries the totals.
            member.numerator, member.denominator = (numerator, denominator) if index == 0 else (0.0, 0.0)
            member.status = "partial" if member.status == "partial" else "ok"
            member.shown = (numerator, denominator)

    def _england_and_wales(self, gathered: dict[str, _Inputs], members: dict[str, comparators.Member]) -> _Inputs:
        pooled = comparators.pool(members.values())
        ew = _Inputs()
        if not pooled.usable:
            ew.status = "missing"
            reasons = Counter(n for i in gathered.values() for n in i.notes)
            ew.notes.append("no force has a figure" + (f": {reasons.most_common(1)[0][0]}" if reasons else ""))
            return ew
        ew.numerator, ew.denominator, ew.synthetic = pooled.numerator, pooled.denominator, pooled.synthetic
        ew.left_out = pooled.left_out
        for reason, codes in pooled.left_out.items():
            ew.notes.append(comparators.excludes_note(codes, reason))
            if reason != EXCLUDED_REASON:
                ew.status = "partial"
        return ew

    def _result(self, indicator: Indicator, period: Period, code: str,
                inputs: _Inputs) -> tuple[Result, stats.Estimate | None]:
        """The figure without its comparison, and the 95% estimate the comparison is made from."""
        name = forces.match(code).name
        if inputs.synthetic:
            # Said wherever a synthetic value is shown, first, so it cannot be missed.
            inputs.notes.insert(0, SYNTHETIC_NOTE)
        inputs.notes = list(dict.fromkeys(inputs.notes))  # numerator and denominator may give the same reason
        numerator, denominator = inputs.shown or (inputs.numerator, inputs.denominator)
        base: dict[str, Any] = {"force_code": code, "force_name": name, "indicator": indicator.id, "period": period}
        if inputs.status in ("missing", "excluded") or numerator is None or denominator is None:
            return Result(**base, value=None, numerator=numerator, denominator=denominator, lower_95=None,
                          upper_95=None, lower_99_8=None, upper_99_8=None, comparison="not compared",
                          status=inputs.status if inputs.status != "ok" else "missing",
                          note="; ".join(inputs.notes), display=DASH), None
        try:
            estimate95, estimate998, extra = _estimate(indicator, numerator, denominator)
        except ValueError as error:
            return Result(**base, value=None, numerator=numerator, denominator=denominator, lower_95=None,
                          upper_95=None, lower_99_8=None, upper_99_8=None, comparison="not compared",
                          status="missing", note="; ".join([*inputs.notes, f"cannot compute: {error}"]),
                          display=DASH), None
        value = None if estimate95.is_missing and math.isnan(estimate95.value) else estimate95.value
        return Result(**base, value=value, numerator=numerator, denominator=denominator,
                      lower_95=_finite(estimate95.lower), upper_95=_finite(estimate95.upper),
                      lower_99_8=_finite(estimate998.lower), upper_99_8=_finite(estimate998.upper),
                      comparison="", status=inputs.status, note="; ".join(inputs.notes),
                      display=display(value, indicator.kind),
                      extra={**extra, "synthetic": inputs.synthetic,
                             **({"left_out": {k: list(v) for k, v in inputs.left_out.items()}}
                                if inputs.left_out else {})}), estimate95


EXCLUDED_REASON = "excluded from this indicator"


def _members(gathered: dict[str, _Inputs], own: dict[str, Result]) -> dict[str, comparators.Member]:
    """Each force as a comparator member: the one construction England and Wales and peer groups share."""
    return {code: comparators.Member(code, inputs.numerator, inputs.denominator, own[code].status,
                                     _left_out_reason(inputs, own[code]), inputs.synthetic)
            for code, inputs in gathered.items()}


def _left_out_reason(inputs: _Inputs, own: Result) -> str:
    if own.status == "excluded":
        return EXCLUDED_REASON
    return "no usable figure"


def _compared(result: Result, estimate: stats.Estimate | None, ew: Result, indicator: Indicator) -> Result:
    if estimate is None:
        return result
    usable = estimate if not math.isnan(estimate.lower) else None
    return replace(result, comparison=stats.compare(usable, ew.value, indicator.polarity))


def _estimate(indicator: Indicator, numerator: float, denominator: float) -> tuple[
        stats.Estimate, stats.Estimate, dict[str, Any]]:
    if indicator.kind == "rate":
        return (stats.rate(numerator, denominator, indicator.multiplier, stats.CONFIDENCE_95),
                stats.rate(numerator, denominator, indicator.multiplier, stats.CONFIDENCE_99_8), {})
    if indicator.kind == "proportion":
        return (stats.proportion(numerator, denominator, indicator.multiplier, stats.CONFIDENCE_95),
                stats.proportion(numerator, denominator, indicator.multiplier, stats.CONFIDENCE_99_8), {})
    return _change(numerator, denominator)


def _change(now: float, before: float) -> tuple[stats.Estimate, stats.Estimate, dict[str, Any]]:
    """Percentage change in a count, with an exact interval from the conditional binomial test."""
    if before <= 0:
        raise ValueError("the earlier figure is zero or negative, so a percentage change is undefined")
    test = stats.change_significance(now, 1.0, before, 1.0, kind="rate")
    value = (now - before) / before * 100
    estimates = []
    for confidence in (stats.CONFIDENCE_95, stats.CONFIDENCE_99_8):
        lower, upper = stats.rate_ratio_interval(now, before, confidence)
        estimates.append(stats.Estimate(value, (lower - 1) * 100, (upper - 1) * 100, confidence, test.test))
    extra = {"change_p_value": test.p_value, "change_significant": test.significant, "change_test": test.test}
    return estimates[0], estimates[1], extra


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def _months(start: date, end: date) -> int:
    if start == end:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _shift(period: Period, months: int) -> Period:
    if period.start == period.end:
        day = add_months(period.end.replace(day=1), months)
        shifted = day.replace(day=min(period.end.day, month_end(day.year, day.month).day))
        return Period(shifted, shifted)
    end = add_months(period.end.replace(day=1), months)
    return months_to(month_end(end.year, end.month), period.months)


def result_json(result: Result) -> dict[str, Any]:
    """The JSON form of a result: the CSV fields plus the period, 99.8% limits and change test."""
    return {
        **{k: v for k, v in result.__dict__.items() if k not in ("period", "extra")},
        "period_start": result.period.start.isoformat(),
        "period_end": result.period.end.isoformat(),
        **result.extra,
    }


def evaluate_publication(con: duckdb.DuckDBPyConnection, publication: Publication,
                         force_code: str | None = None, include_earlier: bool = False) -> list[Result]:
    results = Engine(con, publication).evaluate_all(include_earlier)
    if force_code is not None:
        results = [r for r in results if r.force_code in (force_code, ENGLAND_AND_WALES)]
    return results


__all__ = ["CSV_COLUMNS", "Engine", "Result", "evaluate_publication", "result_json"]
