"""Figures by force: ranked bar charts and funnel plots from hand-made results."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import altair as alt
import pytest

from peelkit import stats
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators import publication as publications
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.display import DASH, display
from peelkit.indicators.engine import Result
from peelkit.periods import Period
from peelkit.publish import bar_spec, chart_parts, charts
from peelkit.publish.funnel import funnel_chart
from peelkit.publish.model import Chart

PUB = publications.load("peel-effectiveness-2017")
WARWICKSHIRE, DURHAM, KENT, SURREY, BEDFORDSHIRE = "E23000017", "E23000008", "E23000032", "E23000031", "E23000026"
NAMES = {WARWICKSHIRE: "Warwickshire", DURHAM: "Durham", KENT: "Kent", SURREY: "Surrey",
         BEDFORDSHIRE: "Bedfordshire", ENGLAND_AND_WALES: "England and Wales"}
EXCLUDED = "The force could not supply data on the anti-social behaviour powers it used."
# (numerator, denominator) per force, per period of ASB powers per million
ASB = {
    2017: {WARWICKSHIRE: (173, 558_000), DURHAM: (200, 630_000), KENT: (300, 1_800_000), SURREY: (500, 1_180_000)},
    2016: {WARWICKSHIRE: (156, 555_000), DURHAM: (220, 628_000), KENT: (350, 1_790_000), SURREY: (400, 1_170_000)},
}


def result(code: str, indicator: str, period: Period, num: float | None, den: float | None,
           status: str = "ok", note: str = "") -> Result:
    kind = BY_ID[indicator].kind
    if num is None or den is None:
        return Result(code, NAMES[code], indicator, period, None, None, None, None, None, None, None,
                      "not compared", status, note, DASH)  # type: ignore[arg-type]
    value = num / den * BY_ID[indicator].multiplier
    return Result(code, NAMES[code], indicator, period, value, num, den, value * 0.9, value * 1.1, value * 0.8,
                  value * 1.2, "similar", status, note, display(value, kind))  # type: ignore[arg-type]


def indicator_results(indicator: str, period: Period, figures: Mapping[str, tuple[float, float]],
                      excluded: dict[str, str]) -> list[Result]:
    out = [result(code, indicator, period, num, den) for code, (num, den) in figures.items()]
    out += [result(code, indicator, period, None, None, "excluded", reason) for code, reason in excluded.items()]
    num = sum(n for n, _ in figures.values())
    den = sum(d for _, d in figures.values())
    out.append(result(ENGLAND_AND_WALES, indicator, period, num, den))
    return out


def make_results() -> list[Result]:
    periods = PUB.periods
    out: list[Result] = []
    asb = periods["asb_powers_per_million"]
    for period in (asb.main, *asb.compare_with):
        out += indicator_results("asb_powers_per_million", period, ASB[period.end.year], {BEDFORDSHIRE: EXCLUDED})
    out += indicator_results("action_taken_pct", periods["action_taken_pct"].main,
                             {WARWICKSHIRE: (3000, 12000), DURHAM: (3500, 11000), KENT: (9000, 40000),
                              BEDFORDSHIRE: (2000, 9000)}, {SURREY: "Surrey could not provide outcomes data."})
    out += indicator_results("da_arrests_per_100", periods["da_arrests_per_100"].main,
                             {DURHAM: (900, 2500), KENT: (2500, 9000), SURREY: (1300, 4000)},
                             {WARWICKSHIRE: "The force could not supply data on arrests for domestic abuse offences."})
    ocg = periods["ocgs_per_million"]
    for period, scale in ((ocg.main, 1.0), (ocg.compare_with[0], 0.9)):
        out += indicator_results("ocgs_per_million", period,
                                 {code: (round(20 * scale * i), 1_000_000 + 100_000 * i)
                                  for i, code in enumerate((WARWICKSHIRE, DURHAM, KENT, SURREY, BEDFORDSHIRE), 1)},
                                 {})
    return out


RESULTS = make_results()


@pytest.fixture(scope="module")
def figures() -> dict[str, Chart]:
    return {chart.id: chart for chart in charts.force_figures(RESULTS, PUB, WARWICKSHIRE)}


def bar_data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    assert spec["layer"][0]["data"] == {"name": "forces"}
    return list(spec["datasets"]["forces"])


def rules(spec: dict[str, Any]) -> list[dict[str, Any]]:
    for layer in spec["layer"]:
        if layer.get("mark", {}).get("type") == "rule":
            return list(layer["data"]["values"])
    raise AssertionError("no reference line")


def normalise_ids(svg: str) -> str:
    """Vega numbers clip paths per process; compare SVGs with ids renumbered in order of appearance."""
    seen: dict[str, str] = {}
    return re.sub(r"[\w-]*clip\d+", lambda m: seen.setdefault(m.group(0), f"clip{len(seen)}"), svg)


def test_the_four_figures_with_ids_and_titles(figures: dict[str, Chart]) -> None:
    assert list(figures) == list(charts.FIGURES_BY_FORCE)
    for chart_id, chart in figures.items():
        assert chart.title == BY_ID[chart_id].title
        assert chart.spec["title"]["text"] == chart.title
        assert chart.svg.startswith("<svg")


def test_spec_embeds_its_data_and_uses_a_generic_font(figures: dict[str, Chart]) -> None:
    text = json.dumps(figures["asb_powers_per_million"].spec)
    assert '"url"' not in text
    assert figures["asb_powers_per_million"].spec["config"]["font"] == "sans-serif"


def test_bars_ranked_by_latest_year_two_years_side_by_side(figures: dict[str, Chart]) -> None:
    chart = figures["asb_powers_per_million"]
    rows = bar_data(chart.spec)
    latest = [r for r in rows if r["period"].endswith("2017")]
    assert {r["period"] for r in rows} == {"12 months to 30 June 2016", "12 months to 30 June 2017"}
    ranked = [r["force"] for r in sorted(latest, key=lambda r: -r["value"])]
    assert ranked == ["Surrey", "Durham", "Warwickshire", "Kent"]
    assert chart.table_columns == ("Force", "12 months to 30 June 2016", "12 months to 30 June 2017")
    assert [row[0] for row in chart.table_rows] == [*ranked, "Bedfordshire", "England and Wales"]
    assert chart.table_rows[2] == ("Warwickshire", "281", "310")
    assert chart.table_rows[-2] == ("Bedfordshire", DASH, DASH)


def test_highlighted_force_marked_in_spec_and_svg(figures: dict[str, Chart]) -> None:
    chart = figures["asb_powers_per_million"]
    assert chart.spec["params"] == [{"name": "highlight", "value": "Warwickshire"}]
    assert "► Warwickshire</text>" in chart.svg  # a label, not colour alone
    for colour in chart_parts.HIGHLIGHT_FILLS:  # the force's two bars, in the highlight colours and outlined
        assert chart.svg.count(f'fill="{colour}" stroke="{chart_parts.OUTLINE}"') == 1
    assert 'opacity="1">310</text>' in chart.svg  # its values labelled
    assert "► Durham" not in chart.svg


def test_highlight_edits_equal_a_full_render() -> None:
    """The cheap path (base SVG edited) gives exactly what vl-convert renders for the highlighted spec."""
    for code in (WARWICKSHIRE, DURHAM, KENT, SURREY):
        for chart in charts.force_figures(RESULTS, PUB, code):
            if chart.spec:
                assert normalise_ids(chart.svg) == normalise_ids(chart_parts.render_svg(chart.spec)), (code, chart.id)
        funnel = funnel_chart(RESULTS, "action_taken_pct", code)
        assert normalise_ids(funnel.svg) == normalise_ids(chart_parts.render_svg(funnel.spec))


def test_reference_line_is_england_and_wales(figures: dict[str, Chart]) -> None:
    ew = {r.period.end.year: r for r in RESULTS
          if r.indicator == "asb_powers_per_million" and r.force_code == ENGLAND_AND_WALES}
    lines = rules(figures["asb_powers_per_million"].spec)
    assert [line["value"] for line in lines] == [ew[2017].value, ew[2016].value]
    assert lines[0]["text"] == f"England and Wales 2017: {ew[2017].display}"
    assert f"England and Wales 2017: {ew[2017].display}" in figures["asb_powers_per_million"].svg


def test_excluded_forces_left_out_with_a_note(figures: dict[str, Chart]) -> None:
    chart = figures["asb_powers_per_million"]
    assert "Bedfordshire" not in {r["force"] for r in bar_data(chart.spec)}
    assert any("Bedfordshire" in note and "could not supply data on the anti-social behaviour powers" in note
               for note in chart.notes)
    assert ">Bedfordshire<" not in chart.svg


def test_alt_text(figures: dict[str, Chart]) -> None:
    assert figures["asb_powers_per_million"].alt_text == (
        "Warwickshire used 310 anti-social behaviour powers per million population in the 12 months to "
        "30 June 2017, above England and Wales (281); 3rd highest of 4 forces with a figure. "
        "2016: 281 (England and Wales 272).")
    assert figures["action_taken_pct"].alt_text.startswith(
        "Warwickshire took action in 25% of investigations in the 12 months to 30 June 2017, above England and "
        "Wales (24%)")
    assert figures["da_arrests_per_100"].alt_text.startswith(
        "Warwickshire is not shown in this chart: the force could not supply data on arrests")
    assert "as at 1 July 2017" in figures["ocgs_per_million"].alt_text


def test_svg_is_valid_xml_naming_the_forces(figures: dict[str, Chart]) -> None:
    for chart in figures.values():
        root = ET.fromstring(chart.svg)
        assert root.tag.endswith("svg")
        text = " ".join(root.itertext())
        assert "Durham" in text
        assert "England and Wales" in text
        assert ("► Warwickshire" in text) == (chart.id != "da_arrests_per_100")  # excluded there


def test_no_figures_gives_a_chart_saying_so() -> None:
    period = PUB.periods["da_arrests_per_100"].main
    missing = [result(code, "da_arrests_per_100", period, None, None, "missing",
                      "no force data return is loaded for this item (arrests)") for code in (DURHAM, KENT)]
    missing.append(result(ENGLAND_AND_WALES, "da_arrests_per_100", period, None, None, "missing",
                          "no force has a figure: no force data return is loaded for this item (arrests)"))
    chart = charts.force_figure(missing, PUB, "da_arrests_per_100", DURHAM)
    assert chart.id == "da_arrests_per_100"
    assert "No figures are available: no force data return is loaded" in chart.svg
    ET.fromstring(chart.svg)
    assert chart.table_rows == ()
    # Said once, in `missing` (the report prints it in place of the graphic, its alt text and its table).
    assert chart.missing == chart.alt_text and "No figures are available" in chart.missing
    assert chart.notes == ()
    # and with no results at all
    assert all("No figures are available" in c.svg for c in charts.force_figures([], PUB, DURHAM))
    assert "No figures are available" in funnel_chart([], "action_taken_pct", DURHAM).svg


def test_funnel_limits_match_stats() -> None:
    chart = funnel_chart(RESULTS, "action_taken_pct", WARWICKSHIRE)
    assert chart.id == "action_taken_pct_funnel"
    ew = next(r for r in RESULTS if r.indicator == "action_taken_pct" and r.force_code == ENGLAND_AND_WALES)
    assert ew.numerator is not None and ew.denominator is not None
    lines = chart.spec["datasets"]["limits"]
    layers = [layer.get("data") for layer in chart.spec["layer"]]
    # England and Wales first, the control limits drawn over it (they run close to it at large denominators).
    assert layers.index({"name": "limits"}) > next(i for i, d in enumerate(layers) if d and "values" in d)
    point = next(row for row in lines if row["limit"] == "upper_95" and row["x"] > 5000)
    expected = stats.proportion_funnel_limits(point["x"], ew.numerator / ew.denominator, 100)
    assert point["y"] == pytest.approx(expected.upper_2s)
    lower = next(row for row in lines if row["limit"] == "lower_99_8" and row["x"] == point["x"])
    assert lower["y"] == pytest.approx(expected.lower_3s)
    assert chart.spec["params"] == [{"name": "highlight", "value": "Warwickshire"}]
    assert "Warwickshire: 25%" in chart.alt_text
    ET.fromstring(chart.svg)


def test_rate_funnel_uses_poisson_limits() -> None:
    chart = funnel_chart(RESULTS, "asb_powers_per_million", KENT)
    ew = next(r for r in RESULTS if r.indicator == "asb_powers_per_million" and r.force_code == ENGLAND_AND_WALES
              and r.period.end.year == 2017)
    assert ew.numerator is not None and ew.denominator is not None
    row = next(r for r in chart.spec["datasets"]["limits"] if r["limit"] == "upper_99_8")
    expected = stats.rate_funnel_point(row["events"], ew.numerator / ew.denominator, 1_000_000)
    assert (row["x"], row["y"]) == pytest.approx((expected.upper_3s_denominator, expected.upper_3s_limit))
    assert "Kent" in chart.alt_text
    assert any("Bedfordshire" in note for note in chart.notes)
    # Where the limits are widest, said in words (at large denominators they sit on England and Wales's line).
    widest = next(n for n in chart.notes if n.startswith("The 99.8% control limits are widest"))
    smallest = min((r for r in RESULTS if r.indicator == "asb_powers_per_million" and r.period == ew.period
                    and r.force_code != ENGLAND_AND_WALES and r.value is not None and r.denominator),
                   key=lambda r: r.denominator or 0)
    assert f"({smallest.force_name})" in widest


def test_specs_are_valid_vega_lite(figures: dict[str, Chart]) -> None:
    """Charts are built without Altair's (slow) validation; check the specs against the schema here."""
    for chart in [*figures.values(), funnel_chart(RESULTS, "asb_powers_per_million", KENT)]:
        alt.LayerChart.from_dict(chart.spec, validate=True)


def test_bar_specs_name_the_vega_lite_version_altair_writes(figures: dict[str, Chart]) -> None:
    """The bar specs are plain dicts (peelkit.publish.bar_spec); the funnel plots come from Altair: one version."""
    assert bar_spec.VEGA_LITE_SCHEMA == alt.SCHEMA_URL
    assert {chart.spec["$schema"] for chart in figures.values() if chart.spec} == {alt.SCHEMA_URL}


def test_funnel_axis_reads_as_numbers_not_exponents() -> None:
    chart = funnel_chart(RESULTS, "asb_powers_per_million", KENT)
    labels = re.findall(r">([^<>]*)</text>", chart.svg)
    assert not [label for label in labels if re.fullmatch(r"[\d.]+e[+-]?\d+", label)], labels
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", label) for label in labels), labels


def test_a_chart_that_cannot_be_drawn_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("renderer crashed")

    monkeypatch.setattr(charts, "_BAR_BASES", {})
    monkeypatch.setattr(charts, "_bar_layout", broken)
    with pytest.raises(chart_parts.ChartError, match=r"Anti-social behaviour powers used per million population.*"
                                                r"renderer crashed"):
        charts.force_figures(RESULTS, PUB, KENT)


def test_bar_bases_drawn_together_match_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing all the base charts at once (specs handed to a renderer, finished as the SVGs arrive) gives the
    same charts as drawing each on demand, and a chart vl-convert cannot render is an error naming it."""
    monkeypatch.setattr(charts, "_BAR_BASES", {})
    drawn = charts.bar_bases(RESULTS, PUB)
    assert {key[0] for key in drawn} == set(charts.FIGURES_BY_FORCE) & set(PUB.periods)
    monkeypatch.setattr(charts, "_BAR_BASES", {})
    one_by_one = {(key[0], key[1]): charts._bar_base(key[0], key[1]) for key in drawn}
    assert one_by_one == drawn

    def crashed(spec: object) -> str:
        raise RuntimeError("vl-convert crashed")

    monkeypatch.setattr(charts, "_BAR_BASES", {})
    monkeypatch.setattr(charts, "render_svg", crashed)
    with pytest.raises(chart_parts.ChartError, match=r"could not be drawn: RuntimeError: vl-convert crashed"):
        charts.bar_bases(RESULTS, PUB)


def test_chart_text_prints_at_8_pt_or_more(figures: dict[str, Chart]) -> None:
    from peelkit.publish.pdf import chart_scale, print_svg

    for chart in [*figures.values(), funnel_chart(RESULTS, "asb_powers_per_million", KENT)]:
        svg = print_svg(chart.svg)
        sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', svg)]
        assert sizes, chart.id
        assert min(sizes) * chart_scale(svg) >= 8.0, (chart.id, min(sizes), chart_scale(svg))
