"""Funnel plots (DESIGN.md section 6): every force's figure against its denominator, with England and Wales and the
95% and 99.8% control limits (Spiegelhalter 2005), optionally widened for over-dispersion; built like the bar
charts (peelkit.publish.charts): one base chart per indicator, a force highlighted by editing its SVG.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache, cached

from peelkit import overdispersion as od
from peelkit import stats
from peelkit.indicators.catalogue import BY_ID, Indicator
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import Result
from peelkit.publish import chart_parts as parts
from peelkit.publish import funnel_limits_od
from peelkit.publish.model import Chart

# ------------------------------------------------------------------------------------------ funnel plots

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _FunnelBase(parts.BaseChart):
    series: parts.Series
    average: float  # England and Wales, on the indicator's scale
    dispersion: od.Dispersion | None = None  # the over-dispersion the limits allow for, if any


def funnel_chart(results: list[Result], indicator_id: str, force_code: str,
                 overdispersion: od.Method = "none") -> Chart:
    """A funnel plot of one indicator's latest period: each force's value against its denominator, with 95% and
    99.8% control limits around England and Wales (rates: Poisson; proportions: binomial, Wilson; or, with
    `overdispersion`, Spiegelhalter's over-dispersed limits, named on the plot), the force `force_code`
    highlighted. Never fails: with no figures it gives a chart saying so."""
    indicator = BY_ID[indicator_id]
    chart_id = f"{indicator_id}_funnel"
    title = f"{indicator.title}: funnel plot"
    periods = sorted({r.period for r in results if r.indicator == indicator_id})
    if not periods:
        return parts.empty_chart(chart_id, title, "no results were computed for this indicator")
    if indicator.kind == "change":
        return parts.empty_chart(chart_id, title, "a funnel plot is drawn for rates and proportions only")
    series = parts.series_of(results, indicator_id, periods[-1:])[0]
    base = _funnel_base(indicator_id, series, overdispersion)
    if isinstance(base, str):
        return parts.empty_chart(chart_id, title, base)
    name = parts.force_name_in([series], force_code)
    spec = parts.with_highlight(json.loads(base.spec_json), name)
    svg = base.svg
    if name in base.edits:
        edited = parts.apply_edits(base.svg, base.edits[name])
        if edited is None:
            log.warning("funnel %s: highlight edits did not apply for %s; rendering in full", indicator_id, name)
            edited = parts.own_ids(parts.render_svg(spec), chart_id)
        svg = edited
    fig = next((f for f in series.forces if f.code == force_code), None)
    ew = series.ew
    if fig is not None and fig.value is not None and fig.name in base.edits:
        limits = (_limits_at(indicator, base.average, fig) if base.dispersion is None or not fig.denominator
                  else funnel_limits_od.limits_at(indicator, base.dispersion, fig.denominator))
        where = _funnel_position(fig.value, limits)
        alt_text = (f"Funnel plot of {indicator.title.lower()} {parts.during(series.period)} against "
                    f"{parts.lower_first(_denominator_title(indicator))}. {fig.name}: {fig.display}, {where} "
                    f"England and Wales ({ew.display if ew else DASH}).")
    elif fig is not None:
        alt_text = (f"Funnel plot of {indicator.title.lower()} {parts.during(series.period)}. {fig.name} is not shown: "
                    f"{parts.short_note(fig.note)}")
    else:
        alt_text = f"Funnel plot of {indicator.title.lower()} {parts.during(series.period)} for every force."
    return Chart(id=chart_id, title=base.title, spec=spec, svg=svg, alt_text=alt_text, table_columns=base.columns,
                 table_rows=base.rows, notes=base.notes)


def _limits_at(indicator: Indicator, average: float, fig: parts.Fig) -> tuple[float, float, float, float] | None:
    """(lower 99.8%, lower 95%, upper 95%, upper 99.8%) at the force's denominator."""
    if fig.denominator is None or fig.denominator <= 0 or fig.numerator is None:
        return None
    if indicator.kind == "proportion":
        lim = stats.proportion_funnel_limits(fig.denominator, average / indicator.multiplier, indicator.multiplier)
        return lim.lower_3s, lim.lower_2s, lim.upper_2s, lim.upper_3s
    # Rates: the Poisson limits for the expected count at this denominator (Byar / exact, as Fingertips).
    expected = average / indicator.multiplier * fig.denominator
    lo3, hi3 = stats.byars_interval(expected, stats.CONFIDENCE_99_8) if expected >= stats.EXACT_BELOW else (
        math.nan, math.nan)
    lo2, hi2 = stats.byars_interval(expected, stats.CONFIDENCE_95) if expected >= stats.EXACT_BELOW else (
        math.nan, math.nan)
    scale = indicator.multiplier / fig.denominator
    return lo3 * scale, lo2 * scale, hi2 * scale, hi3 * scale


def _limits_width_note(indicator: Indicator, average: float, points: Sequence[parts.Fig]) -> list[str]:
    """How far apart the 99.8% limits are where they are widest (the smallest denominator shown): where the
    forces are large they run within a line's width of England and Wales, and the reader should be told."""
    smallest = min(points, key=lambda f: f.denominator or math.inf)
    limits = _limits_at(indicator, average, smallest)
    if limits is None or any(math.isnan(v) for v in limits):
        return []
    lo3, _lo2, _hi2, hi3 = limits
    unit = "" if indicator.kind == "proportion" else f" {indicator.unit}"
    suffix = "%" if indicator.kind == "proportion" else ""
    return [f"The 99.8% control limits are widest at the smallest force shown ({smallest.name}): {lo3:,.1f}{suffix}"
            f" to {hi3:,.1f}{suffix}{unit}; at larger forces they run close to the England and Wales line and are "
            "drawn over it."]


def _funnel_position(value: float, limits: tuple[float, float, float, float] | None) -> str:
    if limits is None or any(math.isnan(v) for v in limits):
        return "compared with"
    lo3, lo2, hi2, hi3 = limits
    if value > hi3:
        return "above the 99.8% limit around"
    if value > hi2:
        return "above the 95% limit (within the 99.8% limit) around"
    if value < lo3:
        return "below the 99.8% limit around"
    if value < lo2:
        return "below the 95% limit (within the 99.8% limit) around"
    return "within the 95% limits around"


def _denominator_title(indicator: Indicator) -> str:
    label = indicator.denominator.label
    label = label.split(",")[0].split(" (")[0]
    return label[0].upper() + label[1:]


def funnel_limits(indicator_id: str, numerator: float, denominator: float,
                  min_denominator: float, max_denominator: float) -> list[dict[str, float]]:
    """The control limit lines of a funnel around the overall `numerator` / `denominator`, over the range of the
    forces' denominators: rows of x (denominator), and the four limits on the indicator's scale.

    Proportions: stats.proportion_funnel_limits at each x of stats.funnel_x_values. Rates: stats.rate_funnel_point
    at each event count of stats.funnel_x_values ("rate"); each limit line passes through its own denominators,
    so rows carry `line` and `x`, `y` (one row per line and point)."""
    indicator = BY_ID[indicator_id]
    average = numerator / denominator
    rows: list[dict[str, float]] = []
    if indicator.kind == "proportion":
        for x in stats.funnel_x_values(min_denominator, max_denominator, "proportion"):
            lim = stats.proportion_funnel_limits(x, average, indicator.multiplier)
            rows.append({"x": x, "lower_99_8": lim.lower_3s, "lower_95": lim.lower_2s, "upper_95": lim.upper_2s,
                         "upper_99_8": lim.upper_3s})
        return rows
    for events in stats.funnel_x_values(min_denominator, max_denominator, "rate", average):
        pt = stats.rate_funnel_point(events, average, indicator.multiplier)
        rows += [{"line": 0, "x": pt.lower_3s_denominator, "y": pt.lower_3s_limit, "events": events},
                 {"line": 1, "x": pt.lower_2s_denominator, "y": pt.lower_2s_limit, "events": events},
                 {"line": 2, "x": pt.upper_2s_denominator, "y": pt.upper_2s_limit, "events": events},
                 {"line": 3, "x": pt.upper_3s_denominator, "y": pt.upper_3s_limit, "events": events}]
    return rows


_LINES = ("Lower 99.8% limit", "Lower 95% limit", "Upper 95% limit", "Upper 99.8% limit")


@cached(LRUCache(maxsize=32))
def _funnel_base(indicator_id: str, series: parts.Series, overdispersion: od.Method = "none") -> _FunnelBase | str:
    try:
        return _build_funnel_base(indicator_id, series, overdispersion)
    except Exception as error:  # no "could not be drawn" in place of a figure: the caller is told, by chart
        raise parts.ChartError(f"the funnel plot of {BY_ID[indicator_id].title!r} could not be drawn: "
                         f"{type(error).__name__}: {error}") from error


def _build_funnel_base(indicator_id: str, series: parts.Series, overdispersion: od.Method = "none"
                       ) -> _FunnelBase | str:
    indicator = BY_ID[indicator_id]
    ew = series.ew
    points = [f for f in series.shown if f.numerator is not None and f.denominator and f.denominator > 0]
    if not points:
        return parts.no_figures_reason([series])
    if ew is None or ew.value is None or not ew.numerator or not ew.denominator:
        return "there is no England and Wales figure to draw the limits around"
    lines, dispersion, x_max = _limit_lines(indicator, ew, points, overdispersion)
    synthetic = any(f.synthetic for f in (*series.forces, ew))
    spec, dots_data = _funnel_spec(indicator, series, points, lines, x_max,
                                   overdispersion if dispersion else None, synthetic)
    svg = parts.own_ids(parts.render_svg(spec), f"{indicator_id}_funnel")
    edits: dict[str, tuple[parts.Edit, ...]] = {}
    for dot in dots_data:
        element_edits = parts.highlight_edits(svg, [(parts.mark_start(dot["description"], "circle"), "fill"),
                                             (parts.mark_start(dot["label_description"], "text mark"), "show")])
        if element_edits is not None:
            edits[dot["force"]] = tuple(element_edits)
    columns = ("Force", indicator.title + (" (%)" if indicator.kind == "proportion" else ""),
               _denominator_title(indicator))
    table = [(f.name, f.display, f"{f.denominator:,.0f}") for f in sorted(points, key=lambda f: f.name)]
    shown = {f.name for f in points}
    table += [(f.name, DASH, DASH) for f in series.forces if f.name not in shown]
    table.append(("England and Wales", ew.display, f"{ew.denominator:,.0f}"))
    return _FunnelBase(title=f"{indicator.title}: funnel plot", spec_json=json.dumps(spec), svg=svg,
                       columns=columns, rows=tuple(table),
                       notes=tuple(_funnel_notes(indicator, series, points, dispersion, synthetic)), series=series,
                       average=ew.value, edits=edits, dispersion=dispersion)


def _limit_lines(indicator: Indicator, ew: parts.Fig, points: Sequence[parts.Fig], overdispersion: od.Method
                 ) -> tuple[list[dict[str, Any]], od.Dispersion | None, float]:
    """The four control limits as line points across the forces' denominators, the over-dispersion they allow
    for (if any), and the x axis's end."""
    assert ew.value is not None and ew.numerator is not None and ew.denominator is not None
    denominators = [f.denominator for f in points if f.denominator]
    dispersion = (funnel_limits_od.dispersion_for(indicator, overdispersion, ew.value,
                                                  [(f.numerator or 0.0, f.denominator or 0.0) for f in points])
                  if overdispersion != "none" else None)
    limits = (funnel_limits_od.limit_rows(indicator, dispersion, min(denominators), max(denominators)) if dispersion
              else funnel_limits(indicator.id, ew.numerator, ew.denominator, min(denominators), max(denominators)))
    x_max = max(denominators) * 1.05
    lines: list[dict[str, Any]] = []
    if indicator.kind == "proportion" or dispersion is not None:
        for row in limits:
            for index, key in enumerate(("lower_99_8", "lower_95", "upper_95", "upper_99_8")):
                lines.append({"line": _LINES[index], "x": row["x"], "y": row[key], "limit": key})
    else:
        for row in limits:
            key = ("lower_99_8", "lower_95", "upper_95", "upper_99_8")[int(row["line"])]
            lines.append({"line": _LINES[int(row["line"])], "x": row["x"], "y": row["y"], "limit": key,
                          "events": row["events"]})
    return [r for r in lines if r["x"] <= x_max and math.isfinite(r["y"])], dispersion, x_max


def _funnel_spec(indicator: Indicator, series: parts.Series, points: Sequence[parts.Fig], lines: list[dict[str, Any]],
                 x_max: float, overdispersion: str | None, synthetic: bool
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Vega-Lite spec (no force highlighted) and the forces' dots it draws."""
    import altair as alt  # type: ignore[import-untyped,unused-ignore]  # not needed where bases are seeded

    ew = series.ew
    assert ew is not None and ew.value is not None
    denominators = [f.denominator for f in points if f.denominator]
    values = [f.value for f in points if f.value is not None]
    at_min = [r["y"] for r in lines if r["x"] >= min(denominators) * 0.5]
    y_low = max(0.0, min([*values, *at_min, ew.value]) * 0.9)
    y_high = max([*values, *at_min, ew.value]) * 1.1
    if indicator.kind == "proportion":
        y_high = min(y_high, indicator.multiplier)
    denominator_title = parts.lower_first(_denominator_title(indicator))
    dots_data: list[dict[str, Any]] = [
        {"force": f.name, "code": f.code, "x": f.denominator, "value": f.value, "display": f.display,
         "description": f"{f.name}: {f.display} ({denominator_title} {f.denominator:,.0f})",
         "label_description": f"Label: {f.name}"} for f in points]
    is_highlight = f"datum.force === {parts.HIGHLIGHT}"
    # The first layer's axes are the chart's: both are declared on the limit lines too (a layer without them
    # printed the x axis as "1e+6 ... 9e+6"), and in fixed notation: "," alone lets d3 round ticks to one
    # significant digit, "5e+5").
    x_axis = alt.Axis(format=",.0f", labelFontSize=11, titleFontSize=12, tickCount=5, labelOverlap=True)
    y_scale = alt.Scale(domain=[y_low, y_high], nice=False)
    y_axis = alt.Axis(labelFontSize=11, titleFontSize=12)
    x = alt.X("x:Q", title=_denominator_title(indicator), scale=alt.Scale(domain=[0, x_max], nice=False),
              axis=x_axis)
    y = alt.Y("value:Q", title=parts.value_title(indicator), scale=y_scale, axis=y_axis)
    limit_lines = alt.Chart(alt.NamedData(name="limits")).mark_line(clip=True, strokeWidth=1.5).encode(
        x=x, y=alt.Y("y:Q", title=parts.value_title(indicator), scale=y_scale, axis=y_axis),
        detail=alt.Detail("line:N"),
        order=alt.Order("x:Q"),
        color=alt.condition("indexof(datum.limit, '99_8') >= 0", alt.value(parts.LIMIT_99_8),
                            alt.value(parts.LIMIT_95)),
        strokeDash=alt.condition("indexof(datum.limit, '99_8') >= 0", alt.value([1, 0]), alt.value([5, 3])),
    )
    ew_rule = alt.Chart(parts.inline_data([{"value": ew.value, "text": f"England and Wales: {ew.display}"}]))
    # England and Wales in a wide pale band drawn first, so the control limits (black, on top) stay visible
    # where they run close to it.
    baseline = ew_rule.mark_rule(color=parts.EW_BAND, strokeWidth=3).encode(y=alt.Y("value:Q"))
    baseline_text = ew_rule.mark_text(align="right", baseline="bottom", dy=-3, fontSize=11).encode(
        y=alt.Y("value:Q"), x=alt.value(parts.FUNNEL_WIDTH), text=alt.Text("text:N"))
    data = alt.NamedData(name="forces")
    dots = alt.Chart(data).mark_circle(size=40, opacity=1).encode(
        x=x, y=y,
        fill=alt.condition(is_highlight, alt.value(parts.HIGHLIGHT_FILLS[1]), alt.value(parts.POINT_FILL)),
        stroke=alt.condition(is_highlight, alt.value(parts.OUTLINE), alt.value(None)),
        description=alt.Description("description:N"),
    )
    names = alt.Chart(data).mark_text(align="left", baseline="middle", dx=7, fontSize=11, fontWeight="bold").encode(
        x=alt.X("x:Q"), y=alt.Y("value:Q"), text=alt.Text("force:N"),
        opacity=alt.condition(is_highlight, alt.value(1), alt.value(0)),
        description=alt.Description("label_description:N"),
    )
    subtitle = [f"{series.label}; 95% (dashed) and 99.8% (solid) control limits around England and Wales"
                + (f", allowing for over-dispersion ({overdispersion})" if overdispersion else "")]
    if synthetic:
        subtitle.append("Synthetic demonstration data, not official statistics")
    highlight = alt.param(name=parts.HIGHLIGHT, value="")
    chart = (alt.layer(baseline, baseline_text, limit_lines, dots, names).add_params(highlight)
             .properties(width=parts.FUNNEL_WIDTH, height=parts.FUNNEL_HEIGHT,
                         title=alt.Title(f"{indicator.title}: funnel plot", subtitle=subtitle, anchor="start",
                                         fontSize=14, subtitleFontSize=11),
                         description=f"Funnel plot of {indicator.title.lower()}")
             .configure(font=parts.FONT).configure_view(stroke=None))
    return parts.to_spec(chart, {"limits": lines, "forces": dots_data}), dots_data


def _funnel_notes(indicator: Indicator, series: parts.Series, points: Sequence[parts.Fig],
                  dispersion: od.Dispersion | None, synthetic: bool) -> list[str]:
    ew = series.ew
    assert ew is not None and ew.value is not None
    shown = {f.name for f in points}
    notes = []
    if synthetic:
        notes.append("Includes synthetic demonstration data: these are not official statistics.")
    notes += parts.grouped_notes("Not shown", [f for f in series.forces if f.name not in shown])
    method = ("Poisson (exact) limits, as Fingertips" if indicator.kind == "rate"
              else "binomial (Wilson score) limits, as Fingertips")
    if dispersion is not None:
        method = f"normal approximation widened by {dispersion.label}"
    notes.append(f"Control limits: {method}, around the England and Wales figure ({ew.display}).")
    notes += _limits_width_note(indicator, ew.value, points)
    return notes
