"""What the figures by force share (peelkit.publish.charts: ranked bar charts; peelkit.publish.funnel: funnel
plots): the chart colours and sizes, rendering a Vega-Lite spec to SVG with vl-convert, the SVG edits that
highlight one force in a base chart, each period's figures, and the wording of notes and empty charts.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cachetools import LRUCache, cached

from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import Indicator
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import SYNTHETIC_NOTE, Result
from peelkit.periods import Period
from peelkit.publish.model import Chart

log = logging.getLogger(__name__)


class ChartError(RuntimeError):
    """A figure that has data could not be drawn (the publisher names the force and fails the publish)."""


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


# --------------------------------------------------------------------------------------------- rendering


def render_svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, rendered offline by vl-convert; identical specs are rendered once."""
    return _render_json(json.dumps(spec, sort_keys=True))


def warm_up() -> None:
    """Start vl-convert's JavaScript runtime (about 0.4 s: the first chart's cost) before a chart is waiting."""
    try:
        render_svg({"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"values": []},
                    "mark": "point"})
    except Exception:  # only a warm-up: a real chart that fails is reported with its force and name
        log.debug("vl-convert warm-up failed", exc_info=True)


@cached(LRUCache(maxsize=256))
def _render_json(spec_json: str) -> str:
    import vl_convert as vlc  # type: ignore[import-untyped,unused-ignore]

    svg: str = vlc.vegalite_to_svg(json.loads(spec_json))
    return svg


_SVG_ID = re.compile(r'(id="|url\(#)((?:clip|gradient|pattern)\d+)')


def own_ids(svg: str, chart_id: str) -> str:
    """Give the SVG's element ids (Vega numbers them per process: clip1, ...) the chart's id, so that several
    charts inlined in one page cannot collide."""
    return _SVG_ID.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)


def inline_data(values: list[dict[str, Any]]) -> Any:
    """Inline data: the spec carries its values (no URLs)."""
    import altair as alt  # type: ignore[import-untyped,unused-ignore]

    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def to_spec(chart: Any, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The Vega-Lite dict, with the large datasets embedded by name (top-level `datasets`, as Altair does for
    data frames) after conversion: Altair deep-copies and validates inline values, most of a chart's cost."""
    spec: dict[str, Any] = chart.to_dict(validate=False)  # the tests validate the specs against the schema
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def with_highlight(spec: dict[str, Any], force_name: str) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    for param in spec.get("params", []):
        if param.get("name") == HIGHLIGHT:
            param["value"] = force_name
    return spec


@dataclass(frozen=True)
class BaseChart:
    """A chart drawn once with no force highlighted (a ranked bar chart, a funnel plot): each force's copy is
    its SVG with that force's few elements edited (`edits`, by force name), and its data table."""

    title: str
    spec_json: str
    svg: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]
    edits: dict[str, tuple[Edit, ...]]


@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` in the SVG, expecting exactly `count` occurrences."""

    old: str
    new: str
    count: int = 1


def apply_edits(svg: str, edits: Sequence[Edit]) -> str | None:
    for edit in edits:
        if svg.count(edit.old) != edit.count:
            return None
        svg = svg.replace(edit.old, edit.new)
    return svg


def svg_attr(text: str) -> str:
    """Text as Vega's SVG renderer escapes it in an attribute."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def svg_text(text: str) -> str:
    """Text as Vega's SVG renderer escapes it in an element."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------- figures


class Fig(NamedTuple):
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
class Series:
    """One period of an indicator: every force's figure and England and Wales."""

    period: Period
    label: str  # "12 months to 30 June 2017"
    short: str  # "2017" where the periods' years differ, else the label
    forces: tuple[Fig, ...]
    ew: Fig | None

    @property
    def shown(self) -> tuple[Fig, ...]:
        return tuple(f for f in self.forces if f.value is not None)


def fig_of(result: Result) -> Fig:
    synthetic = bool(result.extra.get("synthetic")) or SYNTHETIC_NOTE in result.note
    return Fig(result.force_code, result.force_name, result.value, result.display, result.status, result.note,
                synthetic, result.numerator, result.denominator)


def series_of(results: Iterable[Result], indicator_id: str, periods: Sequence[Period]) -> tuple[Series, ...]:
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
        forces = tuple(sorted((fig_of(r) for r in found if r.force_code != ENGLAND_AND_WALES), key=lambda f: f.name))
        ew = next((fig_of(r) for r in found if r.force_code == ENGLAND_AND_WALES), None)
        out.append(Series(period, period_label(period), str(period.end.year) if distinct else period_label(period),
                           forces, ew))
    return tuple(out)


def period_label(period: Period) -> str:
    label = period.label()
    return label[0].upper() + label[1:]


def during(period: Period) -> str:
    label = period.label()
    return label if label.startswith("as at") else f"in the {label}"


def short_note(note: str) -> str:
    parts = [p.strip() for p in note.split(";") if p.strip() and p.strip() != SYNTHETIC_NOTE]
    text = "; ".join(dict.fromkeys(parts)) or "no reason was recorded"
    if len(text) > NOTE_LIMIT:
        text = text[:NOTE_LIMIT].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "…")) else text + "."


def join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def grouped_notes(prefix: str, figs: Iterable[Fig]) -> list[str]:
    """'Not shown: Bedfordshire and Greater Manchester — The force could not supply ...' (one per reason)."""
    by_reason: dict[str, list[str]] = {}
    for fig in figs:
        by_reason.setdefault(short_note(fig.note), []).append(fig.name)
    return [f"{prefix}: {join_names(names)} — {reason}" for reason, names in by_reason.items()]


def lower_first(text: str) -> str:
    """'The force could not ...' -> 'the force could not ...'; 'ONS ...' stays."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def with_unit(display: str, indicator: Indicator) -> str:
    return display if indicator.unit == "%" or display == DASH else f"{display} {indicator.unit}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def empty_svg(title: str, reason: str) -> str:
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
        f'<text x="12" y="{50 + 16 * i}" font-family="{FONT}" font-size="12px" fill="#000">{svg_text(line)}</text>'
        for i, line in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH + 160}" height="{height}" '
            f'viewBox="0 0 {BAR_WIDTH + 160} {height}" role="img" aria-label="{svg_attr(title)}: no figures">'
            f'<rect x="0.5" y="0.5" width="{BAR_WIDTH + 159}" height="{height - 1}" fill="#ffffff" '
            f'stroke="#8a8a8a"/><text x="12" y="24" font-family="{FONT}" font-size="13px" font-weight="bold" '
            f'fill="#000">{svg_text(title)}</text>{text}</svg>')


def empty_chart(chart_id: str, title: str, reason: str, columns: tuple[str, ...] = ("Force",)) -> Chart:
    # One sentence, said once: the report prints `missing` in place of the figure, its alt text and its table.
    reason = reason.rstrip(".")
    sentence = f"No figures are available for {title[0].lower() + title[1:]}: {reason}."
    return Chart(id=chart_id, title=title, spec={}, svg=empty_svg(title, reason), alt_text=sentence,
                 table_columns=columns, table_rows=(), notes=(), missing=sentence)


def no_figures_reason(series: Sequence[Series]) -> str:
    for s in reversed(series):
        if s.ew is not None and s.ew.note:
            note = s.ew.note
            return note.removeprefix("no force has a figure: ") if note.startswith("no force has a figure: ") else note
        reasons = [f.note for f in s.forces if f.note]
        if reasons:
            return max(set(reasons), key=reasons.count)
    return "no force has a figure for this indicator"


def force_name_in(series: Sequence[Series], force_code: str) -> str:
    for s in series:
        for fig in s.forces:
            if fig.code == force_code:
                return fig.name
    return ""


def mark_start(description: str, role: str) -> str:
    """The start of the SVG element Vega draws for a mark item with this description."""
    return f'aria-label="{svg_attr(description)}" role="graphics-symbol" aria-roledescription="{role}" '


def highlight_edits(svg: str, marks: Sequence[tuple[str, str]]) -> list[Edit] | None:
    """For each (mark, action): the edit of that one element ('fill': highlight colour and outline; 'show':
    make visible). None when an element is not found exactly once or does not look as expected."""
    out = []
    for mark, action in marks:
        start = svg.find(mark)
        if start < 0 or svg.count(mark) != 1:
            return None
        element = svg[start:svg.find(">", start) + 1]
        new = recolour(element) if action == "fill" else element.replace('opacity="0"', 'opacity="1"', 1)
        if new is None or new == element:
            return None
        out.append(Edit(element, new))
    return out


def recolour(element: str) -> str | None:
    for other, highlight in ((*zip(OTHER_FILLS, HIGHLIGHT_FILLS, strict=True), (POINT_FILL, HIGHLIGHT_FILLS[1]))):
        old = f'fill="{other}"'
        if old in element:
            return element.replace(old, f'fill="{highlight}" stroke="{OUTLINE}"', 1)
    return None


def value_title(indicator: Indicator) -> str:
    return f"{indicator.title} (%)" if indicator.kind == "proportion" or indicator.unit == "%" else indicator.title
