"""The report context and HTML carry each force's similar forces: figure, group, label and ski-slope chart."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from peelkit import forces
from peelkit.indicators.publication import load
from peelkit.peers.similar import LABEL
from peelkit.publish.context import force_context, load_publication_data
from peelkit.publish.report import render_force_html
from peelkit.publish.ski_slope import ski_slope
from tests.peers import world


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = tmp_path_factory.mktemp("peers")
    world.build(folder / "w.duckdb").close()
    return load_publication_data(folder / "w.duckdb", f"sqlite:///{folder / 'l.sqlite3'}",
                                 load("peel-effectiveness-2017"))


def test_context_has_the_pooled_peer_figure_and_group(data: object) -> None:
    code = world.CODES[0]
    context = force_context(data, code)  # type: ignore[arg-type]
    crimes = next(f for f in context["figures"] if f["id"] == "crimes_per_1000")
    neighbours = world.CODES[1:8]  # the line of forces: its seven nearest are the next seven
    events = 1000 * len(neighbours)  # every force has 1,000 crimes excluding fraud
    people = sum(world.place(i)["population"] for i in range(1, 8))
    assert crimes["peer_value"] == f"{events / people * 1000:,.0f}"
    assert crimes["peer_members"] == [forces.match(c).name for c in neighbours]
    assert crimes["peer_comparison"] in ("higher", "lower", "similar")
    assert context["peer_group"]["label"] == LABEL and context["peer_group"]["members"] == crimes["peer_members"]
    html = render_force_html(data, code)  # type: ignore[arg-type]
    assert "Compared with similar forces" in html and LABEL in html
    ranked = next(c for c in context["ski_slopes"] if c["id"] == "crimes_per_1000_ski_slope")
    assert forces.match(code).name in ranked["alt_text"] and "similar forces rank" in ranked["alt_text"]


def test_ski_slope_ranks_highlights_and_lists_the_missing(data: object) -> None:
    results = [r for r in data.results if r.indicator == "crimes_per_1000"  # type: ignore[attr-defined]
               and r.period.end.year == 2017]
    me, peers = world.CODES[10], world.CODES[11:14]
    chart = ski_slope(results, "crimes_per_1000", me, peers, 12.5, "13")
    ET.fromstring(chart.svg)  # well-formed
    bars = {fill: d.count("z") for d, fill in re.findall(r'<path d="([^"]*)" fill="([^"]*)"', chart.svg)}
    assert bars == {"#08457e": 1, "#5b8fc9": 3, "#b1b4b6": 39}  # the force, its three peers, the others
    ranks = [int(row[2]) for row in chart.table_rows if row[2]]
    assert ranks == list(range(1, 44))
    values = [float(row[1].replace(",", "")) for row in chart.table_rows if row[2]]
    assert values == sorted(values, reverse=True)
    roles = {row[0]: row[3] for row in chart.table_rows}
    assert roles[forces.match(me).name] == "this force"
    assert [roles[forces.match(c).name] for c in peers] == ["similar force"] * 3
    assert ("Similar forces (pooled)", "13", "", "comparator", "", "") in chart.table_rows
    gone = [r for r in results if r.force_code != world.CODES[5]]
    missing = [r if r.force_code != world.CODES[6] else r.__class__(**{**r.__dict__, "value": None})
               for r in gone]
    chart = ski_slope(missing, "crimes_per_1000", me)
    assert any(forces.match(world.CODES[6]).name in note for note in chart.notes)
    assert "41 forces ranked" in chart.alt_text  # one force absent, one without a figure: neither drawn as zero


def test_no_ski_slope_where_no_force_has_a_figure(tmp_path: Path, data: object) -> None:
    context = force_context(data, world.CODES[0])  # type: ignore[arg-type]
    ids = {c["id"] for c in context["ski_slopes"]}
    assert "crimes_per_1000_ski_slope" in ids and "incidents_per_1000_ski_slope" not in ids


def test_funnel_plot_names_its_over_dispersion_and_widens(data: object) -> None:
    from peelkit.publish.funnel import funnel_chart

    results = list(data.results)  # type: ignore[attr-defined]
    # The line of forces: the same 1,000 crimes over populations rising tenfold, so rates differ far beyond
    # Poisson chance. Force 26 (1,000 crimes, about 200,000 people: 5.0 per 1,000 against about 3.7 for England
    # and Wales, z about 9) is outside the plain limits and inside the over-dispersed ones.
    small = world.CODES[26]
    plain = funnel_chart(results, "crimes_per_1000", small, "none")
    wide = funnel_chart(results, "crimes_per_1000", small, "additive")
    assert "above the 99.8% limit" in plain.alt_text
    assert "within the 95% limits" in wide.alt_text or "within the 99.8% limit" in wide.alt_text
    assert any("Spiegelhalter additive random effects" in note for note in wide.notes)
    assert any("Poisson (exact) limits" in note for note in plain.notes)
    assert "allowing for over-dispersion (additive)" in json.dumps(wide.spec)
    multiplicative = funnel_chart(results, "crimes_per_1000", small, "multiplicative")
    assert any("multiplicative over-dispersion (phi)" in note for note in multiplicative.notes)
