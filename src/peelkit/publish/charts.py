"""Figures by force (DESIGN.md section 6): ranked bar charts and funnel plots of the forces, each a Vega-Lite
spec (Altair; interactive on the web) with its SVG rendered offline by vl-convert (print), a text alternative and
a data table fallback.

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

import copy
import functools
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from peelkit import forces, stats
from peelkit import overdispersion as od
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID, Indicator
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import SYNTHETIC_NOTE, Result
from peelkit.indicators.publication import Publication
from peelkit.periods import Period
from peelkit.plural import counted
from peelkit.publish import funnel_limits_od
from peelkit.publish.model import Chart

log = logging.getLogger(__name__)


class ChartError(RuntimeError):
    """A figure that has data could not be drawn (the publisher names the force and fails the publish)."""

FIGURES_BY_FORCE = ("asb_powers_per_million", "action_taken_pct", "da_arrests_per_100", "ocgs_per_million")
"""The four figures by force of the 2017 publication, in the order the report shows them."""

HIGHLIGHT = "highlight"  # the spec's parameter: the highlighted force's name ("" for none)
ARROW = "► "  # in the shipped font (Liberation Sans), unlike U+25B6
FONT = "sans-serif"

# Bars: other forces in greys, the highlighted force in blues (earlier year lighter); all at least 3:1 on white.
OTHER_FILLS = ("#8a8a8a", "#4d4d4d")
HIGHLIGHT_FILLS = ("#5b8fc9", "#08457e")
OUTLINE = "#000000"
EARLIER_RULE = "#555555"
POINT_FILL = "#6e6e6e"
LIMIT_95 = "#4d4d4d"
LIMIT_99_8 = "#000000"
EW_BAND = "#b1b4b6"

BAR_WIDTH = 420
# Sized so that a chart of 43 forces fits an A4 page at 1 px = 0.75 pt, where the smallest text (11 px) prints
# at 8.25 pt (the PDF places charts at that scale: see peelkit.publish.pdf).
FORCE_ROW = 14.0  # pixels per force, one period
FORCE_ROW_TWO = 15.0  # pixels per force, two periods side by side
FUNNEL_WIDTH = 480
FUNNEL_HEIGHT = 320
NOTE_LIMIT = 160

# What the force did, for the text alternative: "{force} used 310 ASB powers per million population".
_SAYINGS = {
    "asb_powers_per_million": "{force} used {value} anti-social behaviour powers per million population",
    "action_taken_pct": "{force} took action in {value} of investigations",
    "da_arrests_per_100": "{force} made {value} arrests per 100 domestic abuse crimes",
    "ocgs_per_million": "{force} had {value} organised crime groups per million population",
}


# --------------------------------------------------------------------------------------------- rendering


def render_svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, rendered offline by vl-convert; identical specs are rendered once."""
    return _render_json(json.dumps(spec, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _render_json(spec_json: str) -> str:
    import vl_convert as vlc  # type: ignore[import-untyped,unused-ignore]

    svg: str = vlc.vegalite_to_svg(json.loads(spec_json))
    return svg


_SVG_ID = re.compile(r'(id="|url\(#)((?:clip|gradient|pattern)\d+)')


def _own_ids(svg: str, chart_id: str) -> str:
    """Give the SVG's element ids (Vega numbers them per process: clip1, ...) the chart's id, so that several
    charts inlined in one page cannot collide."""
    return _SVG_ID.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)


def _data(values: list[dict[str, Any]]) -> Any:
    """Inline data: the spec carries its values (no URLs)."""
    import altair as alt  # type: ignore[import-untyped,unused-ignore]

    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _to_spec(chart: Any, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The Vega-Lite dict, with the large datasets embedded by name (top-level `datasets`, as Altair does for
    data frames) after conversion: Altair deep-copies and validates inline values, most of a chart's cost."""
    spec: dict[str, Any] = chart.to_dict(validate=False)  # the tests validate the specs against the schema
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def _with_highlight(spec: dict[str, Any], force_name: str) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    for param in spec.get("params", []):
        if param.get("name") == HIGHLIGHT:
            param["value"] = force_name
    return spec


@dataclass(frozen=True)
class _Edit:
    """Replace `old` by `new` in the SVG, expecting exactly `count` occurrences."""

    old: str
    new: str
    count: int = 1


def _apply(svg: str, edits: Sequence[_Edit]) -> str | None:
    for edit in edits:
        if svg.count(edit.old) != edit.count:
            return None
        svg = svg.replace(edit.old, edit.new)
    return svg


def _attr(text: str) -> str:
    """Text as Vega's SVG renderer escapes it in an attribute."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _content(text: str) -> str:
    """Text as Vega's SVG renderer escapes it in an element."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------- figures


class _Fig(NamedTuple):
    """The part of a Result a chart uses (hashable, so charts can be cached on it)."""

    code: str
    name: str
    value: float | None
    display: str
    status: str
    note: str
    synthetic: bool
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True)
class _Series:
    """One period of an indicator: every force's figure and England and Wales."""

    period: Period
    label: str  # "12 months to 30 June 2017"
    short: str  # "2017" where the periods' years differ, else the label
    forces: tuple[_Fig, ...]
    ew: _Fig | None

    @property
    def shown(self) -> tuple[_Fig, ...]:
        return tuple(f for f in self.forces if f.value is not None)


def _fig(result: Result) -> _Fig:
    synthetic = bool(result.extra.get("synthetic")) or SYNTHETIC_NOTE in result.note
    return _Fig(result.force_code, result.force_name, result.value, result.display, result.status, result.note,
                synthetic, result.numerator, result.denominator)


def _series(results: Iterable[Result], indicator_id: str, periods: Sequence[Period]) -> tuple[_Series, ...]:
    by_period: dict[Period, list[Result]] = {p: [] for p in periods}
    for result in results:
        if result.indicator == indicator_id and result.period in by_period:
            by_period[result.period].append(result)
    years = [p.end.year for p in periods]
    distinct = len(set(years)) == len(years)
    out = []
    for period in periods:
        found = by_period[period]
        if not found:
            continue  # the caller did not evaluate this period (e.g. earlier periods left out)
        forces = tuple(sorted((_fig(r) for r in found if r.force_code != ENGLAND_AND_WALES), key=lambda f: f.name))
        ew = next((_fig(r) for r in found if r.force_code == ENGLAND_AND_WALES), None)
        out.append(_Series(period, _period_label(period), str(period.end.year) if distinct else _period_label(period),
                           forces, ew))
    return tuple(out)


def _period_label(period: Period) -> str:
    label = period.label()
    return label[0].upper() + label[1:]


def _during(period: Period) -> str:
    label = period.label()
    return label if label.startswith("as at") else f"in the {label}"


def _short_note(note: str) -> str:
    parts = [p.strip() for p in note.split(";") if p.strip() and p.strip() != SYNTHETIC_NOTE]
    text = "; ".join(dict.fromkeys(parts)) or "no reason was recorded"
    if len(text) > NOTE_LIMIT:
        text = text[:NOTE_LIMIT].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "…")) else text + "."


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _grouped_notes(prefix: str, figs: Iterable[_Fig]) -> list[str]:
    """'Not shown: Bedfordshire and Greater Manchester — The force could not supply ...' (one per reason)."""
    by_reason: dict[str, list[str]] = {}
    for fig in figs:
        by_reason.setdefault(_short_note(fig.note), []).append(fig.name)
    return [f"{prefix}: {_names(names)} — {reason}" for reason, names in by_reason.items()]


def _lower_first(text: str) -> str:
    """'The force could not ...' -> 'the force could not ...'; 'ONS ...' stays."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _with_unit(display: str, indicator: Indicator) -> str:
    return display if indicator.unit == "%" or display == DASH else f"{display} {indicator.unit}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _empty_svg(title: str, reason: str) -> str:
    """A small, clear graphic saying there are no figures and why (drawn directly: cheap and cannot fail)."""
    words = f"No figures are available: {reason}".split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) < 80:
            lines[-1] += " " + word
        else:
            lines.append(word)
    height = 46 + 16 * len(lines)
    text = "".join(
        f'<text x="12" y="{50 + 16 * i}" font-family="{FONT}" font-size="12px" fill="#000">{_content(line)}</text>'
        for i, line in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH + 160}" height="{height}" '
            f'viewBox="0 0 {BAR_WIDTH + 160} {height}" role="img" aria-label="{_attr(title)}: no figures">'
            f'<rect x="0.5" y="0.5" width="{BAR_WIDTH + 159}" height="{height - 1}" fill="#ffffff" '
            f'stroke="#8a8a8a"/><text x="12" y="24" font-family="{FONT}" font-size="13px" font-weight="bold" '
            f'fill="#000">{_content(title)}</text>{text}</svg>')


def _empty_chart(chart_id: str, title: str, reason: str, columns: tuple[str, ...] = ("Force",)) -> Chart:
    # One sentence, said once: the report prints `missing` in place of the figure, its alt text and its table.
    reason = reason.rstrip(".")
    sentence = f"No figures are available for {title[0].lower() + title[1:]}: {reason}."
    return Chart(id=chart_id, title=title, spec={}, svg=_empty_svg(title, reason), alt_text=sentence,
                 table_columns=columns, table_rows=(), notes=(), missing=sentence)


def _no_figures_reason(series: Sequence[_Series]) -> str:
    for s in reversed(series):
        if s.ew is not None and s.ew.note:
            note = s.ew.note
            return note.removeprefix("no force has a figure: ") if note.startswith("no force has a figure: ") else note
        reasons = [f.note for f in s.forces if f.note]
        if reasons:
            return max(set(reasons), key=reasons.count)
    return "no force has a figure for this indicator"


# ------------------------------------------------------------------------------------- ranked bar charts


@dataclass(frozen=True)
class _BarBase:
    """An indicator's bar chart with no force highlighted, and what changes when one is."""

    chart_id: str
    title: str
    spec_json: str
    svg: str
    order: tuple[str, ...]  # force names, as ranked in the chart
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]
    series: tuple[_Series, ...]  # the periods with figures, earliest first
    edits: dict[str, tuple[_Edit, ...]]  # force name -> the SVG edits that highlight it


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
    periods_of = publication.periods.get(indicator_id)
    if periods_of is None:
        return _empty_chart(indicator_id, indicator.title, f"the publication {publication.id} does not include it")
    periods = sorted([*periods_of.compare_with, periods_of.main])
    series = _series(results, indicator_id, periods)
    base = _bar_base(indicator_id, series)
    if isinstance(base, str):
        columns = ("Force", *(s.label for s in series))
        return _empty_chart(indicator_id, indicator.title, base, columns)
    name = _force_name(series, force_code)
    spec = _with_highlight(json.loads(base.spec_json), name)
    svg = base.svg
    if name in base.edits:
        edited = _apply(base.svg, base.edits[name])
        if edited is None:
            log.warning("chart %s: highlight edits did not apply for %s; rendering in full", indicator_id, name)
            edited = _own_ids(render_svg(spec), indicator_id)
        svg = edited
    return Chart(id=indicator_id, title=base.title, spec=spec, svg=svg,
                 alt_text=_bar_alt_text(indicator, base, force_code), table_columns=base.columns,
                 table_rows=base.rows, notes=base.notes)


def _force_name(series: Sequence[_Series], force_code: str) -> str:
    for s in series:
        for fig in s.forces:
            if fig.code == force_code:
                return fig.name
    return ""


BarBases = dict[tuple[str, tuple[_Series, ...]], _BarBase | str]
_BAR_BASES: BarBases = {}
_BAR_BASES_LIMIT = 64


def _bar_base(indicator_id: str, all_series: tuple[_Series, ...]) -> _BarBase | str:
    """The chart with no force highlighted, or why there is none (failures are cached too: logged once)."""
    key = (indicator_id, all_series)
    if key not in _BAR_BASES:
        if len(_BAR_BASES) >= _BAR_BASES_LIMIT:
            _BAR_BASES.clear()
        try:
            _BAR_BASES[key] = _build_bar_base(indicator_id, all_series)
        except Exception as error:  # never printed into an official report: the publish stops, naming the chart
            raise ChartError(f"the chart {BY_ID[indicator_id].title!r} could not be drawn: "
                             f"{type(error).__name__}: {error}") from error
    return _BAR_BASES[key]


def bar_bases(results: list[Result], publication: Publication) -> BarBases:
    """Every figure-by-force base chart of the publication, drawn now: a publisher draws them once and hands
    them to its worker processes (seed_bar_bases) instead of each worker drawing them again."""
    any_force = forces.forces()[0].code
    force_figures(results, publication, any_force)
    wanted = set(FIGURES_BY_FORCE)
    return {key: base for key, base in _BAR_BASES.items() if key[0] in wanted}


def seed_bar_bases(bases: BarBases) -> None:
    _BAR_BASES.update(bases)


def _build_bar_base(indicator_id: str, all_series: tuple[_Series, ...]) -> _BarBase | str:
    indicator = BY_ID[indicator_id]
    series = tuple(s for s in all_series if s.shown)
    if not series:
        return _no_figures_reason(all_series)
    latest = series[-1]
    synthetic = any(f.synthetic for s in series for f in (*s.forces, *([s.ew] if s.ew else [])))

    # Rank by the latest period's value (highest first); forces with only an earlier figure go last.
    values: dict[str, dict[str, _Fig]] = {}
    for s in series:
        for fig in s.shown:
            values.setdefault(fig.name, {})[s.label] = fig
    latest_value = {f.name: f.value for f in latest.shown}
    order = tuple(sorted(values, key=lambda n: (latest_value.get(n) is None, -(latest_value.get(n) or 0.0), n)))

    n_series = len(series)
    fills = OTHER_FILLS[-n_series:]
    highlight_fills = HIGHLIGHT_FILLS[-n_series:]
    rows: list[dict[str, Any]] = []
    for s, fill, highlight_fill in zip(series, fills, highlight_fills, strict=True):
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

    spec = _to_spec(_bar_spec(indicator, series, ew_rows, order, synthetic), {"forces": rows})
    svg = _own_ids(render_svg(spec), indicator_id)

    # The edits that turn the base SVG into the one rendered with a force highlighted.
    edits: dict[str, tuple[_Edit, ...]] = {}
    for name in order:
        axis_label = _Edit(f'font-weight="normal" fill="#000" opacity="1">{_content(name)}</text>',
                           f'font-weight="bold" fill="#000" opacity="1">{_content(ARROW + name)}</text>')
        element_edits = _element_edits(svg, [
            *((_mark(r["description"], "bar"), "fill") for r in rows if r["force"] == name),
            *((_mark(r["label_description"], "text mark"), "show") for r in rows if r["force"] == name)])
        if element_edits is not None:
            edits[name] = (axis_label, *element_edits)

    columns = ("Force", *(s.label for s in series))
    table: list[tuple[str, ...]] = []
    for name in order:
        table.append((name, *(values[name][s.label].display if s.label in values[name] else DASH for s in series)))
    not_shown = sorted({f.name for s in all_series for f in s.forces} - set(order))
    by_name: dict[str, dict[str, _Fig]] = {}
    for s in all_series:
        for fig in s.forces:
            by_name.setdefault(fig.name, {})[s.label] = fig
    for name in not_shown:
        table.append((name, *(by_name[name][s.label].display if s.label in by_name[name] else DASH
                              for s in series)))
    table.append(("England and Wales", *(s.ew.display if s.ew else DASH for s in series)))

    notes = _bar_notes(all_series, series, order, synthetic)
    return _BarBase(indicator_id, indicator.title, json.dumps(spec), svg, order, columns, tuple(table),
                    tuple(notes), series, edits)


def _mark(description: str, role: str) -> str:
    """The start of the SVG element Vega draws for a mark item with this description."""
    return f'aria-label="{_attr(description)}" role="graphics-symbol" aria-roledescription="{role}" '


def _element_edits(svg: str, marks: Sequence[tuple[str, str]]) -> list[_Edit] | None:
    """For each (mark, action): the edit of that one element ('fill': highlight colour and outline; 'show':
    make visible). None when an element is not found exactly once or does not look as expected."""
    out = []
    for mark, action in marks:
        start = svg.find(mark)
        if start < 0 or svg.count(mark) != 1:
            return None
        element = svg[start:svg.find(">", start) + 1]
        new = _recolour(element) if action == "fill" else element.replace('opacity="0"', 'opacity="1"', 1)
        if new is None or new == element:
            return None
        out.append(_Edit(element, new))
    return out


def _recolour(element: str) -> str | None:
    for other, highlight in ((*zip(OTHER_FILLS, HIGHLIGHT_FILLS, strict=True), (POINT_FILL, HIGHLIGHT_FILLS[1]))):
        old = f'fill="{other}"'
        if old in element:
            return element.replace(old, f'fill="{highlight}" stroke="{OUTLINE}"', 1)
    return None


def _bar_spec(indicator: Indicator, series: Sequence[_Series], ew_rows: list[dict[str, Any]],
              order: Sequence[str], synthetic: bool) -> Any:
    import altair as alt  # type: ignore[import-untyped,unused-ignore]  # not needed where bases are seeded

    is_highlight = f"datum.force === {HIGHLIGHT}"
    two = len(series) > 1
    height = len(order) * (FORCE_ROW_TWO if two else FORCE_ROW)
    longest = max(len(name) for name in order)
    extent = max(110, math.ceil(longest * 7.2 + 30))
    x_title = _value_title(indicator)
    highlight = alt.param(name=HIGHLIGHT, value="")
    data = alt.NamedData(name="forces")
    y = alt.Y("force:N", sort=list(order), title="Force (ranked, highest first)",
              axis=alt.Axis(labelExpr=f"datum.value === {HIGHLIGHT} ? '{ARROW}' + datum.value : datum.value",
                            labelFontWeight=alt.ExprRef(
                                expr=f"datum.value === {HIGHLIGHT} ? 'bold' : 'normal'"),
                            labelFontSize=11, labelLimit=extent, minExtent=extent, maxExtent=extent, ticks=False,
                            labelPadding=6))
    labels = [s.label for s in series]
    offset = alt.YOffset("period:N", sort=labels, scale=alt.Scale(paddingInner=0.05)) if two else alt.Undefined
    bars = alt.Chart(data).mark_bar(height=alt.RelativeBandSize(0.9) if not two else alt.Undefined).encode(
        y=y,
        yOffset=offset,
        x=alt.X("value:Q", title=x_title, axis=alt.Axis(grid=True, labelFontSize=11, titleFontSize=12)),
        fill=alt.Fill("fill_now:N", scale=None),
        stroke=alt.condition(is_highlight, alt.value(OUTLINE), alt.value(None)),
        description=alt.Description("description:N"),
    ).transform_calculate(fill_now=f"{is_highlight} ? datum.highlight_fill : datum.fill")
    value_labels = alt.Chart(data).mark_text(align="left", baseline="middle", dx=4, fontSize=11,
                                             fontWeight="bold").encode(
        y=alt.Y("force:N", sort=list(order)),
        yOffset=offset,
        x=alt.X("value:Q"),
        text=alt.Text("display:N"),
        opacity=alt.condition(is_highlight, alt.value(1), alt.value(0)),
        description=alt.Description("label_description:N"),
    )
    layers: list[Any] = [bars, value_labels]
    if two:
        # The periods' legend, from an invisible layer (the bars' own fill carries the highlight, not a scale);
        # below the chart, as England and Wales's reference labels take the top.
        layers.append(alt.Chart(_data([{"period": label} for label in labels])).mark_square(size=0).encode(
            color=alt.Color("period:N", sort=labels, scale=alt.Scale(domain=labels, range=list(OTHER_FILLS)),
                            legend=alt.Legend(title=None, orient="bottom", labelFontSize=11, symbolType="square",
                                              columnPadding=24,
                                              symbolSize=120, symbolOpacity=1, symbolStrokeWidth=0))))
    if ew_rows:
        ew_data = _data(ew_rows)
        rule = alt.Chart(ew_data).mark_rule(strokeWidth=1.5).encode(
            x=alt.X("value:Q"),
            color=alt.condition("datum.latest", alt.value("#000000"), alt.value(EARLIER_RULE)),
            strokeDash=alt.condition("datum.latest", alt.value([1, 0]), alt.value([5, 3])),
            description=alt.Description("text:N"),
        )
        text = alt.Chart(ew_data).mark_text(align="left", baseline="bottom", dx=3, fontSize=11).encode(
            x=alt.X("value:Q"), y=alt.value(0), text=alt.Text("text:N"),
            yOffset=alt.YOffset("dy:Q", scale=None),
            color=alt.condition("datum.latest", alt.value("#000000"), alt.value(EARLIER_RULE)),
        )
        layers += [rule, text]
    subtitle = [" and ".join([labels[0], *(_lower_first(label) for label in labels[1:])])]
    if synthetic:
        subtitle.append("Synthetic demonstration data, not official statistics")
    title = alt.Title(indicator.title, subtitle=subtitle, anchor="start", fontSize=14, subtitleFontSize=11,
                      offset=10 + 14 * len(ew_rows))
    return (alt.layer(*layers).add_params(highlight)
            .properties(width=BAR_WIDTH, height=height, title=title, description=f"{indicator.title}, by force")
            .configure(font=FONT).configure_view(stroke=None))


def _value_title(indicator: Indicator) -> str:
    return f"{indicator.title} (%)" if indicator.kind == "proportion" or indicator.unit == "%" else indicator.title


def _bar_notes(all_series: Sequence[_Series], series: Sequence[_Series], order: Sequence[str],
               synthetic: bool) -> list[str]:
    notes: list[str] = []
    if synthetic:
        notes.append("Includes synthetic demonstration data: these are not official statistics.")
    shown = set(order)
    latest = series[-1]
    never = [f for f in latest.forces if f.name not in shown]
    notes += _grouped_notes("Not shown", never)
    for s in all_series:
        if s.shown and s is not latest:
            gaps = [f for f in s.forces if f.value is None and f.name in shown]
            notes += _grouped_notes(f"No figure for {s.label}", gaps)
        elif not s.shown:
            notes.append(f"No figures for {s.label}: {_short_note(_no_figures_reason([s]))}")
        if s is latest:
            gaps = [f for f in s.forces if f.value is None and f.name in shown]
            notes += _grouped_notes(f"No figure for {s.label}", gaps)
    for s in series:
        partial = [f for f in s.shown if f.status == "partial"]
        notes += _grouped_notes(f"Partial figure for {s.label}", partial)
        caveats = [f for f in s.shown if f.status == "ok" and _short_note(f.note) != "No reason was recorded."]
        notes += _grouped_notes(s.label, caveats)
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
        text = f"{fig.name} is not shown in this chart: {_lower_first(_short_note(fig.note))}"
        if ew is not None and ew.value is not None:
            text += f" England and Wales: {_with_unit(ew.display, indicator)} {_during(latest.period)}."
    else:
        saying = _SAYINGS.get(indicator.id, "{force}'s figure was {value} (" + indicator.unit + ")")
        text = saying.format(force=fig.name, value=fig.display) + f" {_during(latest.period)}"
        if ew is not None and ew.value is not None:
            if fig.display == ew.display:
                text += f", the same as {ew_text}"
            else:
                text += f", {'above' if fig.value > ew.value else 'below'} {ew_text}"
        rank = base.order.index(fig.name) + 1 if fig.name in base.order else None
        if rank is not None:
            text += f"; {_ordinal(rank)} highest of {counted(len(latest.shown), 'force')} with a figure"
        text += "."
    for s, earlier in zip(base.series[:-1], earlier_all, strict=True):
        text += f" {s.short}: {earlier.display if earlier and earlier.value is not None else 'no figure'}"
        if s.ew is not None and s.ew.value is not None:
            text += f" (England and Wales {s.ew.display})"
        text += "."
    return text


# ------------------------------------------------------------------------------------------ funnel plots


@dataclass(frozen=True)
class _FunnelBase:
    title: str
    spec_json: str
    svg: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]
    series: _Series
    average: float  # England and Wales, on the indicator's scale
    edits: dict[str, tuple[_Edit, ...]]
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
        return _empty_chart(chart_id, title, "no results were computed for this indicator")
    if indicator.kind == "change":
        return _empty_chart(chart_id, title, "a funnel plot is drawn for rates and proportions only")
    series = _series(results, indicator_id, periods[-1:])[0]
    base = _funnel_base(indicator_id, series, overdispersion)
    if isinstance(base, str):
        return _empty_chart(chart_id, title, base)
    name = _force_name([series], force_code)
    spec = _with_highlight(json.loads(base.spec_json), name)
    svg = base.svg
    if name in base.edits:
        edited = _apply(base.svg, base.edits[name])
        if edited is None:
            log.warning("funnel %s: highlight edits did not apply for %s; rendering in full", indicator_id, name)
            edited = _own_ids(render_svg(spec), chart_id)
        svg = edited
    fig = next((f for f in series.forces if f.code == force_code), None)
    ew = series.ew
    if fig is not None and fig.value is not None and fig.name in base.edits:
        limits = (_limits_at(indicator, base.average, fig) if base.dispersion is None or not fig.denominator
                  else funnel_limits_od.limits_at(indicator, base.dispersion, fig.denominator))
        where = _funnel_position(fig.value, limits)
        alt_text = (f"Funnel plot of {indicator.title.lower()} {_during(series.period)} against "
                    f"{_lower_first(_denominator_title(indicator))}. {fig.name}: {fig.display}, {where} "
                    f"England and Wales ({ew.display if ew else DASH}).")
    elif fig is not None:
        alt_text = (f"Funnel plot of {indicator.title.lower()} {_during(series.period)}. {fig.name} is not shown: "
                    f"{_short_note(fig.note)}")
    else:
        alt_text = f"Funnel plot of {indicator.title.lower()} {_during(series.period)} for every force."
    return Chart(id=chart_id, title=base.title, spec=spec, svg=svg, alt_text=alt_text, table_columns=base.columns,
                 table_rows=base.rows, notes=base.notes)


def _limits_at(indicator: Indicator, average: float, fig: _Fig) -> tuple[float, float, float, float] | None:
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


def _limits_width_note(indicator: Indicator, average: float, points: Sequence[_Fig]) -> list[str]:
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


@functools.lru_cache(maxsize=32)
def _funnel_base(indicator_id: str, series: _Series, overdispersion: od.Method = "none") -> _FunnelBase | str:
    try:
        return _build_funnel_base(indicator_id, series, overdispersion)
    except Exception as error:  # no "could not be drawn" in place of a figure: the caller is told, by chart
        raise ChartError(f"the funnel plot of {BY_ID[indicator_id].title!r} could not be drawn: "
                         f"{type(error).__name__}: {error}") from error


def _build_funnel_base(indicator_id: str, series: _Series, overdispersion: od.Method = "none"
                       ) -> _FunnelBase | str:
    import altair as alt  # type: ignore[import-untyped,unused-ignore]  # not needed where bases are seeded

    indicator = BY_ID[indicator_id]
    ew = series.ew
    points = [f for f in series.shown if f.numerator is not None and f.denominator and f.denominator > 0]
    if not points:
        return _no_figures_reason([series])
    if ew is None or ew.value is None or not ew.numerator or not ew.denominator:
        return "there is no England and Wales figure to draw the limits around"
    denominators = [f.denominator for f in points if f.denominator]
    dispersion = (funnel_limits_od.dispersion_for(indicator, overdispersion, ew.value,
                                                  [(f.numerator or 0.0, f.denominator or 0.0) for f in points])
                  if overdispersion != "none" else None)
    limits = (funnel_limits_od.limit_rows(indicator, dispersion, min(denominators), max(denominators)) if dispersion
              else funnel_limits(indicator_id, ew.numerator, ew.denominator, min(denominators), max(denominators)))
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
    lines = [r for r in lines if r["x"] <= x_max and math.isfinite(r["y"])]
    values = [f.value for f in points if f.value is not None]
    at_min = [r["y"] for r in lines if r["x"] >= min(denominators) * 0.5]
    y_low = max(0.0, min([*values, *at_min, ew.value]) * 0.9)
    y_high = max([*values, *at_min, ew.value]) * 1.1
    if indicator.kind == "proportion":
        y_high = min(y_high, indicator.multiplier)
    average = ew.value
    synthetic = any(f.synthetic for f in (*series.forces, ew))

    denominator_title = _lower_first(_denominator_title(indicator))
    dots_data: list[dict[str, Any]] = [
        {"force": f.name, "code": f.code, "x": f.denominator, "value": f.value, "display": f.display,
         "description": f"{f.name}: {f.display} ({denominator_title} {f.denominator:,.0f})",
         "label_description": f"Label: {f.name}"} for f in points]
    is_highlight = f"datum.force === {HIGHLIGHT}"
    highlight = alt.param(name=HIGHLIGHT, value="")
    # The first layer's axes are the chart's: both are declared on the limit lines too (a layer without them
    # printed the x axis as "1e+6 ... 9e+6"), and in fixed notation: "," alone lets d3 round ticks to one
    # significant digit, "5e+5").
    x_axis = alt.Axis(format=",.0f", labelFontSize=11, titleFontSize=12, tickCount=5, labelOverlap=True)
    x_scale = alt.Scale(domain=[0, x_max], nice=False)
    y_scale = alt.Scale(domain=[y_low, y_high], nice=False)
    y_axis = alt.Axis(labelFontSize=11, titleFontSize=12)
    x = alt.X("x:Q", title=_denominator_title(indicator), scale=x_scale, axis=x_axis)
    y = alt.Y("value:Q", title=_value_title(indicator), scale=y_scale, axis=y_axis)
    limit_lines = alt.Chart(alt.NamedData(name="limits")).mark_line(clip=True, strokeWidth=1.5).encode(
        x=x, y=alt.Y("y:Q", title=_value_title(indicator), scale=y_scale, axis=y_axis), detail=alt.Detail("line:N"),
        order=alt.Order("x:Q"),
        color=alt.condition("indexof(datum.limit, '99_8') >= 0", alt.value(LIMIT_99_8), alt.value(LIMIT_95)),
        strokeDash=alt.condition("indexof(datum.limit, '99_8') >= 0", alt.value([1, 0]), alt.value([5, 3])),
    )
    ew_rule = alt.Chart(_data([{"value": average, "text": f"England and Wales: {ew.display}"}]))
    # England and Wales in a wide pale band drawn first, so the control limits (black, on top) stay visible
    # where they run close to it.
    baseline = ew_rule.mark_rule(color=EW_BAND, strokeWidth=3).encode(y=alt.Y("value:Q"))
    baseline_text = ew_rule.mark_text(align="right", baseline="bottom", dy=-3, fontSize=11).encode(
        y=alt.Y("value:Q"), x=alt.value(FUNNEL_WIDTH), text=alt.Text("text:N"))
    data = alt.NamedData(name="forces")
    dots = alt.Chart(data).mark_circle(size=40, opacity=1).encode(
        x=x, y=y,
        fill=alt.condition(is_highlight, alt.value(HIGHLIGHT_FILLS[1]), alt.value(POINT_FILL)),
        stroke=alt.condition(is_highlight, alt.value(OUTLINE), alt.value(None)),
        description=alt.Description("description:N"),
    )
    names = alt.Chart(data).mark_text(align="left", baseline="middle", dx=7, fontSize=11, fontWeight="bold").encode(
        x=alt.X("x:Q"), y=alt.Y("value:Q"), text=alt.Text("force:N"),
        opacity=alt.condition(is_highlight, alt.value(1), alt.value(0)),
        description=alt.Description("label_description:N"),
    )
    subtitle = [f"{series.label}; 95% (dashed) and 99.8% (solid) control limits around England and Wales"
                + (f", allowing for over-dispersion ({overdispersion})" if dispersion else "")]
    if synthetic:
        subtitle.append("Synthetic demonstration data, not official statistics")
    chart = (alt.layer(baseline, baseline_text, limit_lines, dots, names).add_params(highlight)
             .properties(width=FUNNEL_WIDTH, height=FUNNEL_HEIGHT,
                         title=alt.Title(f"{indicator.title}: funnel plot", subtitle=subtitle, anchor="start",
                                         fontSize=14, subtitleFontSize=11),
                         description=f"Funnel plot of {indicator.title.lower()}")
             .configure(font=FONT).configure_view(stroke=None))
    spec = _to_spec(chart, {"limits": lines, "forces": dots_data})
    svg = _own_ids(render_svg(spec), f"{indicator_id}_funnel")

    edits: dict[str, tuple[_Edit, ...]] = {}
    for dot in dots_data:
        element_edits = _element_edits(svg, [(_mark(dot["description"], "circle"), "fill"),
                                             (_mark(dot["label_description"], "text mark"), "show")])
        if element_edits is not None:
            edits[dot["force"]] = tuple(element_edits)

    columns = ("Force", indicator.title + (" (%)" if indicator.kind == "proportion" else ""),
               _denominator_title(indicator))
    table = [(f.name, f.display, f"{f.denominator:,.0f}") for f in sorted(points, key=lambda f: f.name)]
    shown = {f.name for f in points}
    table += [(f.name, DASH, DASH) for f in series.forces if f.name not in shown]
    table.append(("England and Wales", ew.display, f"{ew.denominator:,.0f}"))
    notes = []
    if synthetic:
        notes.append("Includes synthetic demonstration data: these are not official statistics.")
    notes += _grouped_notes("Not shown", [f for f in series.forces if f.name not in shown])
    method = ("Poisson (exact) limits, as Fingertips" if indicator.kind == "rate"
              else "binomial (Wilson score) limits, as Fingertips")
    if dispersion is not None:
        method = f"normal approximation widened by {dispersion.label}"
    notes.append(f"Control limits: {method}, around the England and Wales figure ({ew.display}).")
    notes += _limits_width_note(indicator, average, points)
    return _FunnelBase(title=f"{indicator.title}: funnel plot", spec_json=json.dumps(spec), svg=svg,
                       columns=columns, rows=tuple(table), notes=tuple(notes), series=series,
                       average=average, edits=edits, dispersion=dispersion)


__all__ = ["FIGURES_BY_FORCE", "force_figure", "force_figures", "funnel_chart", "funnel_limits", "render_svg"]
