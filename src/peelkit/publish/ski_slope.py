"""Ranked "ski-slope" charts: every force's figure for one indicator, highest first, with the force and its
similar forces highlighted and England and Wales and the similar forces' pooled figure as reference lines.

Drawn as SVG here rather than through Vega-Lite and vl-convert: a report carries one such chart per indicator
(14 a force, 600 a publication), each differing from the others only in which bars are highlighted, and
vl-convert needs about 0.1 s a chart; this takes about a millisecond. Every chart has a text alternative and a
data table, as the other figures do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from peelkit import forces
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import Result
from peelkit.periods import Period
from peelkit.plural import counted
from peelkit.publish.model import Chart

WIDTH, HEIGHT = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 22
FILLS = {"force": "#08457e", "peer": "#5b8fc9", "other": "#b1b4b6"}
EW_LINE, PEER_LINE = "#000000", "#08457e"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _count(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def _role(code: str, force_code: str, peers: Sequence[str]) -> str:
    return "force" if code == force_code else "peer" if code in peers else "other"


def ski_slope(results: Sequence[Result], indicator_id: str, force_code: str, peers: Sequence[str] = (),
              peer_value: float | None = None, peer_display: str = DASH, legend: bool = True) -> Chart:
    """The ranked chart of one indicator's results (one period, the viewer's forces), `force_code` and `peers`
    highlighted. Forces without a figure are listed in a note, never drawn as zero."""
    indicator = BY_ID[indicator_id]
    rows = [r for r in results if r.indicator == indicator_id and r.force_code != ENGLAND_AND_WALES]
    ew = next((r for r in results if r.indicator == indicator_id and r.force_code == ENGLAND_AND_WALES), None)
    shown = sorted((r for r in rows if r.value is not None), key=lambda r: (-(r.value or 0.0), r.force_name))
    missing = sorted(r.force_name for r in rows if r.value is None)
    title = f"{indicator.title}: forces ranked"
    chart_id = f"{indicator_id}_ski_slope"
    roles = {r.force_code: _role(r.force_code, force_code, peers) for r in shown}
    svg = _svg(title, [(r.force_name, float(r.value or 0.0), roles[r.force_code]) for r in shown],
               ew.value if ew else None, peer_value, legend)
    role_text = {"force": "this force", "peer": "similar force", "other": ""}
    table = tuple((r.force_name, r.display, str(rank), role_text[roles[r.force_code]], _count(r.numerator),
                   _count(r.denominator)) for rank, r in enumerate(shown, 1))
    table += tuple((name, DASH, "", "", "", "") for name in missing)
    if ew is not None:
        table += (("England and Wales", ew.display, "", "comparator", _count(ew.numerator),
                   _count(ew.denominator)),)
    table += (("Similar forces (pooled)", peer_display, "", "comparator", "", ""),)
    notes = [f"{indicator.unit}; ranked highest first. England and Wales is the solid line"
             + (", the similar forces' pooled figure the dashed line." if peer_value is not None else ".")]
    if missing:
        notes.append(f"No figure (not drawn): {', '.join(missing)}.")
    return Chart(id=chart_id, title=title, spec={}, svg=svg,
                 alt_text=_alt(indicator.title, shown, force_code, roles, ew, peer_display),
                 table_columns=("Force", indicator.unit, "Rank", "Role", "Count", "Denominator"),
                 table_rows=table, notes=tuple(notes))


def _alt(title: str, shown: Sequence[Result], force_code: str, roles: dict[str, str], ew: Result | None,
         peer_display: str) -> str:
    text = f"{title}, {counted(len(shown), 'force')} ranked from highest to lowest."
    mine = next(((rank, r) for rank, r in enumerate(shown, 1) if r.force_code == force_code), None)
    if mine is not None:
        text += f" {mine[1].force_name} is {_ordinal(mine[0])} at {mine[1].display}."
    elif force_code:
        text += f" {forces.match(force_code).name} has no figure."
    peer_ranks = [str(rank) for rank, r in enumerate(shown, 1) if roles[r.force_code] == "peer"]
    if peer_ranks:
        text += f" Its similar forces rank {', '.join(peer_ranks)}; their pooled figure is {peer_display}."
    if ew is not None:
        text += f" England and Wales: {ew.display}."
    return text


def _svg(title: str, bars: Sequence[tuple[str, float, str]], ew: float | None, peer: float | None,
         legend: bool) -> str:
    # Few text elements: printing lays out every SVG text, so the title is the figure's caption, a report's
    # charts share one legend (LEGEND) and the axis has three ticks.
    values = [v for _n, v, _r in bars] + [v for v in (ew, peer) if v is not None]
    high, low = max([0.0, *values]), min([0.0, *values])
    span = (high - low) or 1.0
    top_margin = TOP if legend else 16  # room for the legend above the plot, or for the force's label
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    height = plot_h + top_margin + BOTTOM

    def y(value: float) -> float:
        return top_margin + (high - value) / span * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" font-family="sans-serif">',
             _legend(y=4) if legend else ""]
    for tick in (low + span * i / 2 for i in range(3)):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     'stroke="#e5e5e5"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end">'
                     f'{escape(_fmt(tick))}</text>')
    step = plot_w / max(len(bars), 1)
    # One path per role, not one element per bar: printing renders every SVG element, and 14 charts of 43
    # bars a report made the PDF markedly slower. The data table gives each force's value.
    paths: dict[str, list[str]] = {role: [] for role in FILLS}
    for index, (name, value, role) in enumerate(bars):
        top, bottom = sorted((y(value), y(0.0)))
        paths[role].append(f"M{LEFT + index * step + 1:.1f} {top:.1f}h{max(step - 2, 1):.1f}"
                           f"v{max(bottom - top, 0.5):.1f}h{-max(step - 2, 1):.1f}z")
        if role == "force":
            parts.append(f'<text x="{LEFT + (index + 0.5) * step:.1f}" y="{top - 4:.1f}" font-size="11" '
                         f'font-weight="bold" text-anchor="middle">{escape(name)}</text>')
    for role, d in paths.items():
        if d:
            stroke = ' stroke="#000000" stroke-width="1.5"' if role == "force" else ""
            parts.append(f'<path d="{"".join(d)}" fill="{FILLS[role]}"{stroke}/>')
    for line, colour, dash in ((ew, EW_LINE, ""), (peer, PEER_LINE, ' stroke-dasharray="5 3"')):
        if line is not None:
            parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(line):.1f}" y2="{y(line):.1f}" '
                         f'stroke="{colour}" stroke-width="1.5"{dash}/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" stroke="#0b0c0c"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(y: float = 4) -> str:
    items = [("rect", FILLS["force"], "this force"), ("rect", FILLS["peer"], "similar forces"),
             ("rect", FILLS["other"], "other forces"), ("line", EW_LINE, "England and Wales"),
             ("dash", PEER_LINE, "similar forces (pooled)")]
    out, x = [], 0
    for kind, colour, label in items:
        if kind == "rect":
            out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            out.append(f'<line x1="{x}" x2="{x + 14}" y1="{y + 5}" y2="{y + 5}" stroke="{colour}" '
                       f'stroke-width="1.5"{dash}/>')
        out.append(f'<text x="{x + 16}" y="{y + 9}" font-size="10">{label}</text>')
        x += 16 + 6 * len(label) + 10
    return "".join(out)


def force_ski_slopes(results: Sequence[Result], periods: Mapping[str, Period], force_code: str) -> list[Chart]:
    """One ski-slope per indicator of the publication's main periods that any force has a figure for, for one
    force and its similar forces."""
    charts = []
    for indicator_id, period in periods.items():
        main = [r for r in results if r.indicator == indicator_id and r.period == period]
        own = next((r for r in main if r.force_code == force_code), None)
        if own is None or not any(r.value is not None for r in main if r.force_code != ENGLAND_AND_WALES):
            continue  # nothing to rank: the table's dash and footnote already say why
        extra = own.extra
        peers = [c for c in extra.get("peer_members", []) if c != force_code]
        charts.append(ski_slope(main, indicator_id, force_code, peers, extra.get("peer_value"),
                                str(extra.get("peer_display", DASH)), legend=False))
    return charts


LEGEND = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="18" viewBox="0 0 {WIDTH} 18" '
          f'role="img" aria-label="Key: this force, similar forces, other forces, England and Wales (solid '
          f'line), similar forces pooled (dashed line)" font-family="sans-serif">{_legend(y=4)}</svg>')


__all__ = ["force_ski_slopes", "ski_slope"]
