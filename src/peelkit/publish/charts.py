"""Figures by force (DESIGN.md section 6): ranked bar charts of the forces, each a Vega-Lite spec (interactive on
the web; written by peelkit.publish.bar_spec) with its SVG rendered offline by vl-convert (print), a text
alternative and a data table fallback.

Speed. vl-convert takes about 0.1 s a chart once warm (0.5 s for the first), too slow for 4 charts x 43 forces
in the publisher's budget. Every force's chart of an indicator differs from the others only in the highlight, so
each indicator's chart is built and rendered ONCE with no force highlighted (cached on the figures themselves),
and a force's SVG is that base SVG with the highlighted force's few elements edited (bar fill and outline, the
bold "▶" axis label, the value labels made visible). The edits reproduce exactly what vl-convert renders for the
highlighted spec (the tests compare the two byte for byte); if an edit does not find what it expects, the
highlighted spec is rendered in full instead. The spec carries the highlight as a parameter, so the interactive
chart on the web shows the same highlight.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from peelkit.indicators.catalogue import BY_ID, Indicator
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication
from peelkit.plural import counted
from peelkit.publish.bar_spec import bar_spec
from peelkit.publish.chart_parts import (
    ARROW,
    HIGHLIGHT_FILLS,
    OTHER_FILLS,
    BaseChart,
    ChartError,
    Edit,
    Fig,
    Series,
    apply_edits,
    during,
    empty_chart,
    force_name_in,
    grouped_notes,
    highlight_edits,
    lower_first,
    mark_start,
    no_figures_reason,
    ordinal,
    own_ids,
    render_svg,
    series_of,
    short_note,
    svg_text,
    with_highlight,
    with_unit,
)
from peelkit.publish.model import Chart

FIGURES_BY_FORCE = ("asb_powers_per_million", "action_taken_pct", "da_arrests_per_100", "ocgs_per_million")
"""The four figures by force of the 2017 publication, in the order the report shows them."""

# What the force did, for the text alternative: "{force} used 310 ASB powers per million population".
_SAYINGS = {
    "asb_powers_per_million": "{force} used {value} anti-social behaviour powers per million population",
    "action_taken_pct": "{force} took action in {value} of investigations",
    "da_arrests_per_100": "{force} made {value} arrests per 100 domestic abuse crimes",
    "ocgs_per_million": "{force} had {value} organised crime groups per million population",
}

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------- ranked bar charts


@dataclass(frozen=True)
class _BarBase(BaseChart):
    """An indicator's bar chart with no force highlighted, and what changes when one is."""

    chart_id: str
    order: tuple[str, ...]  # force names, as ranked in the chart
    series: tuple[Series, ...]  # the periods with figures, earliest first


def force_figures(results: list[Result], publication: Publication, force_code: str) -> list[Chart]:
    """The four figures by force of the publication (FIGURES_BY_FORCE), the force `force_code` highlighted.

    Each is a ranked horizontal bar chart of every force with a figure, two periods side by side where the
    publication compares with an earlier one (and `results` hold it), England and Wales as a reference line,
    forces without a figure left out and named in the notes. Never fails: an indicator with no figures gives a
    chart saying so.
    """
    return [force_figure(results, publication, indicator_id, force_code) for indicator_id in FIGURES_BY_FORCE]


def force_figure(results: list[Result], publication: Publication, indicator_id: str, force_code: str) -> Chart:
    """One ranked bar chart (see force_figures)."""
    indicator = BY_ID[indicator_id]
    series = _indicator_series(results, publication, indicator_id)
    if series is None:
        return empty_chart(indicator_id, indicator.title, f"the publication {publication.id} does not include it")
    base = _bar_base(indicator_id, series)
    if isinstance(base, str):
        columns = ("Force", *(s.label for s in series))
        return empty_chart(indicator_id, indicator.title, base, columns)
    name = force_name_in(series, force_code)
    spec = with_highlight(json.loads(base.spec_json), name)
    svg = base.svg
    if name in base.edits:
        edited = apply_edits(base.svg, base.edits[name])
        if edited is None:
            log.warning("chart %s: highlight edits did not apply for %s; rendering in full", indicator_id, name)
            edited = own_ids(render_svg(spec), indicator_id)
        svg = edited
    return Chart(id=indicator_id, title=base.title, spec=spec, svg=svg,
                 alt_text=_bar_alt_text(indicator, base, force_code), table_columns=base.columns,
                 table_rows=base.rows, notes=base.notes)



BaseKey = tuple[str, tuple[Series, ...]]  # an indicator and its figures
BarBases = MutableMapping[BaseKey, "_BarBase | str"]
Layouts = dict[BaseKey, "_BarLayout | str"]
# An indicator and its figures -> its base chart, or why there is none (failures are cached too: logged once).
# Bounded: a long-running web app sees new figures after every import.
_BAR_BASES: BarBases = LRUCache(maxsize=64)


def _indicator_series(results: list[Result], publication: Publication, indicator_id: str
                      ) -> tuple[Series, ...] | None:
    """The indicator's periods in the publication (earliest first), or None if it does not include it."""
    periods_of = publication.periods.get(indicator_id)
    if periods_of is None:
        return None
    return series_of(results, indicator_id, sorted([*periods_of.compare_with, periods_of.main]))


def _bar_base(indicator_id: str, all_series: tuple[Series, ...]) -> _BarBase | str:
    """The chart with no force highlighted, or why there is none."""
    key = (indicator_id, all_series)
    if key not in _BAR_BASES:
        with _naming_the_chart(indicator_id):
            layout = _bar_layout(indicator_id, all_series)
            _BAR_BASES[key] = layout if isinstance(layout, str) else _bar_finish(layout, render_svg(layout.spec))
    return _BAR_BASES[key]


@contextmanager
def _naming_the_chart(indicator_id: str) -> Iterator[None]:
    try:
        yield
    except Exception as error:  # never printed into an official report: the publish stops, naming the chart
        raise ChartError(f"the chart {BY_ID[indicator_id].title!r} could not be drawn: "
                         f"{type(error).__name__}: {error}") from error


def bar_layouts(results: list[Result], publication: Publication) -> Layouts:
    """Every figure-by-force base chart of the publication before it is drawn: its layout (and spec), or why
    there is none."""
    layouts: Layouts = {}
    for indicator_id in FIGURES_BY_FORCE:
        series = _indicator_series(results, publication, indicator_id)
        if series is not None:
            with _naming_the_chart(indicator_id):
                layouts[(indicator_id, series)] = _bar_layout(indicator_id, series)
    return layouts


def start_drawing(layouts: Layouts, render: Callable[[dict[str, Any]], Future[str]]) -> dict[BaseKey, Future[str]]:
    """Hand every spec to `render` (a thread, or the publisher's worker processes) at once."""
    return {key: render(layout.spec) for key, layout in layouts.items() if not isinstance(layout, str)}


def finish_bar_bases(layouts: Layouts, drawings: Mapping[BaseKey, Future[str]]) -> BarBases:
    """The base charts, from their layouts and their SVGs as they arrive; a chart that could not be drawn is a
    ChartError naming it."""
    drawn: BarBases = {}
    for key, layout in layouts.items():
        if isinstance(layout, str):
            drawn[key] = layout
            continue
        with _naming_the_chart(key[0]):
            drawn[key] = _bar_finish(layout, drawings[key].result())
    _BAR_BASES.update(drawn)
    return drawn


def bar_bases(results: list[Result], publication: Publication) -> BarBases:
    """Every figure-by-force base chart of the publication, drawn now, vl-convert rendering on a thread of its
    own (outside the GIL) while the next chart is finished here. A publisher with worker processes draws them
    there instead (peelkit.publish.publisher) and hands them round (seed_bar_bases)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="peel-chart-render") as renderer:
        layouts = bar_layouts(results, publication)
        return finish_bar_bases(layouts, start_drawing(layouts, lambda spec: renderer.submit(render_svg, spec)))


def seed_bar_bases(bases: BarBases) -> None:
    _BAR_BASES.update(bases)


@dataclass(frozen=True)
class _BarLayout:
    """A bar chart before vl-convert has drawn it: its spec and what the highlight edits and table need."""

    indicator_id: str
    all_series: tuple[Series, ...]
    series: tuple[Series, ...]  # the periods with figures
    order: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    values: dict[str, dict[str, Fig]]
    synthetic: bool
    spec: dict[str, Any]


def _bar_layout(indicator_id: str, all_series: tuple[Series, ...]) -> _BarLayout | str:
    indicator = BY_ID[indicator_id]
    series = tuple(s for s in all_series if s.shown)
    if not series:
        return no_figures_reason(all_series)
    latest = series[-1]
    synthetic = any(f.synthetic for s in series for f in (*s.forces, *([s.ew] if s.ew else [])))

    # Rank by the latest period's value (highest first); forces with only an earlier figure go last.
    values: dict[str, dict[str, Fig]] = {}
    for s in series:
        for fig in s.shown:
            values.setdefault(fig.name, {})[s.label] = fig
    latest_value = {f.name: f.value for f in latest.shown}
    order = tuple(sorted(values, key=lambda n: (latest_value.get(n) is None, -(latest_value.get(n) or 0.0), n)))

    n_series = len(series)
    rows: list[dict[str, Any]] = []
    for s, fill, highlight_fill in zip(series, OTHER_FILLS[-n_series:], HIGHLIGHT_FILLS[-n_series:], strict=True):
        for fig in s.shown:
            description = f"{fig.name}, {s.label}: {fig.display}"
            rows.append({"force": fig.name, "code": fig.code, "period": s.label, "value": fig.value,
                         "display": fig.display, "description": description, "fill": fill,
                         "highlight_fill": highlight_fill, "label_description": f"Value label: {description}"})
    ew_rows = []
    for index, s in enumerate(reversed(series)):
        if s.ew is not None and s.ew.value is not None:
            ew_rows.append({"value": s.ew.value, "latest": index == 0,
                            "text": f"England and Wales{' ' + s.short if n_series > 1 else ''}: {s.ew.display}",
                            "dy": -6 - 14 * index})
    spec = {**bar_spec(indicator, series, ew_rows, order, synthetic), "datasets": {"forces": rows}}
    return _BarLayout(indicator_id, all_series, series, order, tuple(rows), values, synthetic, spec)


def _bar_finish(layout: _BarLayout, rendered: str) -> _BarBase:
    """The base chart from its layout and vl-convert's SVG of it."""
    indicator_id, series, order = layout.indicator_id, layout.series, layout.order
    svg = own_ids(rendered, indicator_id)
    # The edits that turn the base SVG into the one rendered with a force highlighted.
    edits: dict[str, tuple[Edit, ...]] = {}
    for name in order:
        axis_label = Edit(f'font-weight="normal" fill="#000" opacity="1">{svg_text(name)}</text>',
                          f'font-weight="bold" fill="#000" opacity="1">{svg_text(ARROW + name)}</text>')
        element_edits = highlight_edits(svg, [
            *((mark_start(r["description"], "bar"), "fill") for r in layout.rows if r["force"] == name),
            *((mark_start(r["label_description"], "text mark"), "show") for r in layout.rows if r["force"] == name)])
        if element_edits is not None:
            edits[name] = (axis_label, *element_edits)

    columns = ("Force", *(s.label for s in series))
    table: list[tuple[str, ...]] = []
    for name in order:
        table.append((name, *(layout.values[name][s.label].display if s.label in layout.values[name] else DASH
                              for s in series)))
    not_shown = sorted({f.name for s in layout.all_series for f in s.forces} - set(order))
    by_name: dict[str, dict[str, Fig]] = {}
    for s in layout.all_series:
        for fig in s.forces:
            by_name.setdefault(fig.name, {})[s.label] = fig
    for name in not_shown:
        table.append((name, *(by_name[name][s.label].display if s.label in by_name[name] else DASH
                              for s in series)))
    table.append(("England and Wales", *(s.ew.display if s.ew else DASH for s in series)))
    notes = _bar_notes(layout.all_series, series, order, layout.synthetic)
    return _BarBase(title=BY_ID[indicator_id].title, spec_json=json.dumps(layout.spec), svg=svg, columns=columns,
                    rows=tuple(table), notes=tuple(notes), edits=edits, chart_id=indicator_id, order=order,
                    series=series)


def _bar_notes(all_series: Sequence[Series], series: Sequence[Series], order: Sequence[str],
               synthetic: bool) -> list[str]:
    notes: list[str] = []
    if synthetic:
        notes.append("Includes synthetic demonstration data: these are not official statistics.")
    shown = set(order)
    latest = series[-1]
    never = [f for f in latest.forces if f.name not in shown]
    notes += grouped_notes("Not shown", never)
    for s in all_series:
        if s.shown and s is not latest:
            gaps = [f for f in s.forces if f.value is None and f.name in shown]
            notes += grouped_notes(f"No figure for {s.label}", gaps)
        elif not s.shown:
            notes.append(f"No figures for {s.label}: {short_note(no_figures_reason([s]))}")
        if s is latest:
            gaps = [f for f in s.forces if f.value is None and f.name in shown]
            notes += grouped_notes(f"No figure for {s.label}", gaps)
    for s in series:
        partial = [f for f in s.shown if f.status == "partial"]
        notes += grouped_notes(f"Partial figure for {s.label}", partial)
        caveats = [f for f in s.shown if f.status == "ok" and short_note(f.note) != "No reason was recorded."]
        notes += grouped_notes(s.label, caveats)
    return notes


def _bar_alt_text(indicator: Indicator, base: _BarBase, force_code: str) -> str:
    latest = base.series[-1]
    ew = latest.ew
    ew_text = f"England and Wales ({ew.display})" if ew is not None and ew.value is not None else None
    fig = next((f for f in latest.forces if f.code == force_code), None)
    earlier_all = [next((f for f in s.forces if f.code == force_code), None) for s in base.series[:-1]]
    if fig is None:
        fig = next((f for s in base.series for f in s.forces if f.code == force_code), None)
    if fig is None:
        return (f"{indicator.title}, {latest.label}, for {counted(len(base.order), 'force')}, ranked from highest"
                + (f"; {ew_text}." if ew_text else "."))
    if fig.value is None:
        text = f"{fig.name} is not shown in this chart: {lower_first(short_note(fig.note))}"
        if ew is not None and ew.value is not None:
            text += f" England and Wales: {with_unit(ew.display, indicator)} {during(latest.period)}."
    else:
        saying = _SAYINGS.get(indicator.id, "{force}'s figure was {value} (" + indicator.unit + ")")
        text = saying.format(force=fig.name, value=fig.display) + f" {during(latest.period)}"
        if ew is not None and ew.value is not None:
            if fig.display == ew.display:
                text += f", the same as {ew_text}"
            else:
                text += f", {'above' if fig.value > ew.value else 'below'} {ew_text}"
        rank = base.order.index(fig.name) + 1 if fig.name in base.order else None
        if rank is not None:
            text += f"; {ordinal(rank)} highest of {counted(len(latest.shown), 'force')} with a figure"
        text += "."
    for s, earlier in zip(base.series[:-1], earlier_all, strict=True):
        text += f" {s.short}: {earlier.display if earlier and earlier.value is not None else 'no figure'}"
        if s.ew is not None and s.ew.value is not None:
            text += f" (England and Wales {s.ew.display})"
        text += "."
    return text

