"""The per-force report: structure, figures identical to the engine's, dashes with footnotes, sanitised
narrative, plain statements where the ledger is empty, and a golden HTML file (the PDF: test_pdf.py)."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from peelkit import warehouse
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.display import DASH
from peelkit.ledger import db
from peelkit.ledger.improvements import raise_area, set_status
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.narrative import set_narrative
from peelkit.publish.context import NO_NARRATIVE, force_context, load_publication_data
from peelkit.publish.model import Chart, PublicationData
from peelkit.publish.report import render_force_html

GOLDEN = Path(__file__).parent / "golden" / "warwickshire.html"
WARKS, WMERCIA, KENT, SUFFOLK = "E23000017", "E23000016", "E23000032", "E23000025"
FORCES = {WARKS: 560_000, WMERCIA: 1_270_000, KENT: 1_830_000, SUFFOLK: 750_000}
Q1, Q2, Q3, Q4 = ("Q1_preventing_crime_and_ASB", "Q2_investigating_crime", "Q3_protecting_vulnerable_people",
                  "Q4_serious_and_organised_crime")
PUBLICATION = "peel-effectiveness-2017"


def _d(text: str) -> date:
    return date.fromisoformat(text)


def build_warehouse(path: Path) -> Path:
    """A few facts for four forces: population, recorded crime (two years), outcomes, ASB incidents, and
    synthetic force returns (OCGs, ASB powers)."""
    con = warehouse.connect(path)
    now = datetime(2018, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    imports = [
        (1, "ons_population", "Office for National Statistics", "population_2016.csv", "2018-03", ["population"],
         False),
        (2, "home_office_rolling", "Home Office", "recorded_crime_rolling.ods", "2018-01-25",
         ["recorded_crime_rolling"], False),
        (3, "home_office_outcomes", "Home Office", "outcomes_2017.csv", "2017-10-19", ["crime_outcomes"], False),
        (4, "ons_pfa_tables", "Office for National Statistics", "asb_table_p7.xls", "2018-03", ["asb_incidents"],
         False),
        (5, "force_return", "peelkit demo", "demo_return_all_forces.xlsx", "2017-08-01", ["force_return"], True),
    ]
    for import_id, source, publisher, name, vintage, datasets, synthetic in imports:
        con.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, source, publisher, name, f"/data/{name}", f"{import_id:064x}", vintage, datasets,
                     10, synthetic, now])
    rows: list[tuple[Any, ...]] = []

    def fact(import_id: int, vintage: str, dataset: str, area: str, start: str, end: str, measure: str,
             value: float, offence: str | None = None, outcome: int | None = None) -> None:
        rows.append((vintage, import_id, dataset, area, _d(start), _d(end), measure, offence, outcome, value, None))

    for n, (code, population) in enumerate(FORCES.items()):
        fact(1, "2018-03", "population", code, "2016-06-30", "2016-06-30", "population", population)
        fact(2, "2018-01-25", "recorded_crime_rolling", code, "2016-07-01", "2017-06-30", "offences",
             population * (0.06 + n * 0.004), offence="Violence with injury")
        fact(2, "2018-01-25", "recorded_crime_rolling", code, "2015-07-01", "2016-06-30", "offences",
             population * 0.055, offence="Violence with injury")
        for start, end in (("2016-07-01", "2016-09-30"), ("2016-10-01", "2016-12-31"),
                           ("2017-01-01", "2017-03-31"), ("2017-04-01", "2017-06-30")):
            total = population // 100
            fact(3, "2017-10-19", "crime_outcomes", code, start, end, "outcomes_tracked", total * (0.1 + n * 0.01),
                 "8N", 1)
            fact(3, "2017-10-19", "crime_outcomes", code, start, end, "outcomes_tracked", total * 0.5, "8N", 18)
            fact(3, "2017-10-19", "crime_outcomes", code, start, end, "outcomes_tracked", total * 0.3, "8N", 16)
        fact(4, "2018-03", "asb_incidents", code, "2016-04-01", "2017-03-31", "incidents", population * 0.03)
        fact(4, "2018-03", "asb_incidents", code, "2015-04-01", "2016-03-31", "incidents", population * 0.032)
        fact(5, "2017-08-01", "force_return", code, "2017-07-01", "2017-07-01", "ocgs", 20 + 5 * n)
        fact(5, "2017-08-01", "force_return", code, "2016-07-01", "2016-07-01", "ocgs", 18 + 5 * n)
        fact(5, "2017-08-01", "force_return", code, "2016-07-01", "2017-06-30", "asb_powers", 150 + 40 * n)
        for item, start, end in (("ocgs", "2017-07-01", "2017-07-01"), ("asb_powers", "2016-07-01", "2017-06-30")):
            con.execute("INSERT INTO return_items VALUES (5, ?, ?, ?, ?, 'supplied', NULL)",
                        [code, item, _d(start), _d(end)])
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    return path


def build_ledger(url: str) -> None:
    with db.session_scope(url, actor="inspector") as session:
        for question, grade in ((Q1, "Good"), (Q2, "Requires improvement"), (Q3, "Good"), (Q4, "Good")):
            record_judgment(session, "Warwickshire", "2016", question, grade)
        record_judgment(session, "Warwickshire", "2016", "overall", "Good")
        record_judgment(session, "Warwickshire", "2017", Q2, "Good")
        record_judgment(session, "Warwickshire", "2017", Q3, "Good")
        record_judgment(session, "Warwickshire", "2017", Q1, None, inspected_this_year=False)
        record_judgment(session, "Warwickshire", "2017", "overall", "Good")
        earlier = raise_area(session, "Warwickshire", "2016", Q2, "The force should improve the supervision of "
                             "investigations.", on=date(2016, 11, 1))
        area = raise_area(session, "Warwickshire", "2017", Q2, "The force should improve the supervision of "
                          "investigations.", predecessor_id=earlier.id, on=date(2017, 11, 2))
        set_status(session, area.id, "in_progress", on=date(2018, 1, 15), evidence="New supervision policy.")
        set_narrative(session, "Warwickshire", "2017", Q2,
                      "## Investigation quality\n\nThe force **investigates** crime well.<script>alert('x')</script>"
                      "\n\n[bad link](javascript:alert(1)) and <img src=x onerror=alert(2)>")
        set_narrative(session, "Warwickshire", "2017", "overview", "Warwickshire is a *good* force overall.")


def demo_charts() -> list[Chart]:
    def chart(chart_id: str, title: str) -> Chart:
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" viewBox="0 0 400 120">'
               '<rect x="10" y="10" width="200" height="30" fill="#1d70b8"/>'
               '<text x="10" y="70">Warwickshire</text></svg>')
        return Chart(id=chart_id, title=title, spec={}, svg=svg, alt_text=f"{title}: Warwickshire is highlighted.",
                     table_columns=("Force", "Value"), table_rows=(("Warwickshire", "12"), ("Kent", "9")),
                     notes=("Forces left out: none.",))

    return [chart("asb_powers_per_million", "ASB powers used per million population"),
            chart("action_taken_pct", "Investigations where action was taken"),
            chart("ocgs_per_million", "Organised crime groups per million population")]


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> PublicationData:
    folder = tmp_path_factory.mktemp("report")
    path = build_warehouse(folder / "warehouse.duckdb")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    build_ledger(url)
    data = load_publication_data(path, url, PUBLICATION)
    db.engine_for(url).dispose()
    return data


@pytest.fixture(scope="module")
def html(fixture_data: PublicationData) -> str:
    return render_force_html(fixture_data, WARKS, demo_charts())


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in: int | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._in, self._text = int(tag[1]), ""

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._in is not None and tag == f"h{self._in}":
            self.headings.append((self._in, " ".join(self._text.split())))
            self._in = None


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def test_headings_in_order_and_never_skipping_a_level(html: str) -> None:
    headings = outline(html).headings
    assert headings[0] == (1, "An inspection of Warwickshire Police")
    level_two = [text for level, text in headings if level == 2]
    expected = ["Contents", "Force in numbers", "Risk-based inspection", "Effectiveness overview"]
    assert level_two[:4] == expected
    # Each question's section is titled by its published heading, its core question beneath (stored apart).
    assert level_two[4] == "Preventing crime and tackling anti-social behaviour"
    assert level_two[7] == "Tackling serious and organised crime"
    assert ('<p class="core-question">How effective is the force at tackling serious and organised crime?</p>'
            in html)
    assert level_two[8:] == ["Specialist capabilities", "Annex A: About the data"]
    previous = 1
    for level, _text in headings:
        assert level <= previous + 1, headings
        previous = level


def test_cover(html: str) -> None:
    assert "PEEL: Police effectiveness 2017" in html
    assert "Published March 2018" in html
    assert "<title>Warwickshire Police: PEEL: Police effectiveness 2017</title>" in html


def test_force_in_numbers_shows_the_engine_display_values(fixture_data: PublicationData, html: str) -> None:
    pub = fixture_data.publication
    rows = dict(re.findall(r'<tr id="figure-([a-z0-9_]+)">(.*?)</tr>', html, flags=re.S))
    assert set(rows) == set(pub.periods)
    main = {(r.force_code, r.indicator): r for r in fixture_data.results if r.period == pub.periods[r.indicator].main}
    shown_any = False
    for indicator, row in rows.items():
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        own, ew = main[(WARKS, indicator)], main[(ENGLAND_AND_WALES, indicator)]
        assert re.sub(r"<.*", "", cells[0], flags=re.S) == own.display, indicator
        assert re.sub(r"<.*", "", cells[2], flags=re.S) == ew.display, indicator
        shown_any |= own.display != DASH
        if own.display == DASH:
            assert 'class="noteref"' in cells[0], indicator  # a dash always has a footnote
    assert shown_any
    # Warwickshire could not supply domestic abuse arrests (the publication's exclusion): a dash and its reason.
    da = rows["da_arrests_per_100"]
    assert f">{DASH}<" in da and "noteref" in da
    assert "could not supply data on arrests for domestic abuse offences" in html
    # Synthetic force return figures are labelled where they appear.
    assert "synthetic demonstration data" in rows["ocgs_per_million"]
    assert 'class="synthetic-banner"' in html
    # The interval and the comparison are on the page.
    crimes = rows["crimes_per_1000"]
    own = main[(WARKS, "crimes_per_1000")]
    assert own.lower_95 is not None and f"{own.lower_95:,.1f} to" in crimes
    assert own.comparison.capitalize() in crimes


def test_narrative_is_sanitised_and_absent_narrative_said_plainly(html: str) -> None:
    # The only scripts are the report's own (chart specs as JSON, and the chart scripts): none from narrative.
    own = re.sub(r'<script type="application/json" class="vega-spec">.*?</script>', "", html, flags=re.S)
    own = re.sub(r'<script src="\.\./assets/(vega|charts)\.js" defer></script>', "", own)
    assert "<script" not in own.lower()
    assert "javascript:" not in " ".join(re.findall(r'href="[^"]*"', html))
    assert "onerror" not in re.sub(r"&lt;.*?&gt;", "", html)
    assert "<strong>investigates</strong>" in html
    assert "<h3>Investigation quality</h3>" in html
    assert html.count(NO_NARRATIVE) == 3  # Q1, Q3 and Q4 have none
    assert "<em>good</em> force overall" in html


def test_judgments_risk_based_and_movement(html: str) -> None:
    assert "Warwickshire Police's overall grade is Good, unchanged from 2016." in unescape(html)
    risk = html.split('id="risk-based-inspection"')[1].split("</section>")[0]
    assert "Investigating crime" in risk and "Protecting those who are vulnerable from harm" in risk
    assert re.search(r"Preventing crime.*?Good, last inspected in 2016", risk, flags=re.S)
    assert re.search(r"serious and organised crime.*?Good, last inspected in 2016", risk, flags=re.S)


def test_areas_for_improvement_with_history(html: str) -> None:
    q2 = html.split('id="q2-investigating-crime"')[1].split("</section>\n")[0]
    assert "improve the supervision of investigations" in q2
    assert "raised in our last two inspections" in q2
    assert "in progress" in q2 and "New supervision policy." in q2


def test_charts_in_their_questions_with_text_alternatives(html: str) -> None:
    sections = {m: html.split(f'id="{m}"')[1].split("</section>\n")[0] for m in (
        "q1-preventing-crime-and-asb", "q2-investigating-crime", "q4-serious-and-organised-crime")}
    assert 'id="chart-asb_powers_per_million"' in sections["q1-preventing-crime-and-asb"]
    assert 'id="chart-action_taken_pct"' in sections["q2-investigating-crime"]
    assert 'id="chart-ocgs_per_million"' in sections["q4-serious-and-organised-crime"]
    assert 'role="img" aria-label="ASB powers used per million population: Warwickshire is highlighted."' in html
    assert "<details>" in html and "<caption>ASB powers used per million population: data</caption>" in html


def test_accessible_tables_and_landmarks(html: str) -> None:
    parsed = outline(html)
    tags = [t for t, _ in parsed.tags]
    assert "main" in tags and "nav" in tags and 'role="banner"' in html and 'role="contentinfo"' in html
    assert tags.count("table") == tags.count("caption")
    for tag, attrs in parsed.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row", "rowgroup"), attrs


def test_annex(html: str) -> None:
    annex = html.split('id="annex-a"')[1]
    for name in ("population_2016.csv", "recorded_crime_rolling.ods", "outcomes_2017.csv", "asb_table_p7.xls",
                 "demo_return_all_forces.xlsx"):
        assert name in annex
    assert "30 June 2016" in annex
    assert "Suffolk Constabulary could not provide outcomes data" in annex
    assert 'class="this-force"' in annex
    assert "No case-file review sample for 2017 is recorded for Warwickshire Police." in annex
    assert "No weighted public attitude survey for 2017 is recorded for Warwickshire Police." in annex


def test_empty_ledger_says_so_plainly(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb")
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    data = load_publication_data(path, url, PUBLICATION)
    db.engine_for(url).dispose()
    assert set(data.ledger) >= {WARKS, KENT} and len(data.ledger) == 43
    page = render_force_html(data, KENT)
    assert "No overall grade for 2017 is recorded for Kent Police in the ledger." in page
    assert page.count(NO_NARRATIVE) == 4
    assert "No judgment recorded" in page
    assert "No area for improvement is recorded for 2017." in page


def test_ledger_data_is_picklable(fixture_data: PublicationData) -> None:
    import pickle

    again = pickle.loads(pickle.dumps(fixture_data))
    assert again.ledger == fixture_data.ledger
    assert force_context(again, WARKS)["movement"] == force_context(fixture_data, WARKS)["movement"]


def normalise(html: str) -> str:
    """Nothing volatile is rendered today; this keeps the golden file stable if that changes."""
    return re.sub(r"[0-9a-f]{12}(?=</td>)", "<sha>", html)


def test_golden_html(html: str) -> None:
    got = normalise(html)
    if os.environ.get("PEEL_UPDATE_GOLDEN") == "1" or not GOLDEN.exists():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
        if os.environ.get("PEEL_UPDATE_GOLDEN") != "1":
            pytest.fail(f"{GOLDEN} did not exist: written; check it and commit it")
    assert got == GOLDEN.read_text(encoding="utf-8"), (
        f"the report HTML differs from {GOLDEN.name}; if the change is intended, regenerate with "
        "PEEL_UPDATE_GOLDEN=1")


def test_force_in_numbers_is_grouped_as_published(html: str) -> None:
    groups = re.findall(r'<th scope="rowgroup" colspan="7">(.*?)</th>', html)
    assert groups == ["Calls for assistance", "Anti-social behaviour", "Crime (excluding fraud)", "Outcomes",
                      "Domestic abuse", "Organised crime groups"]
    body = html.split('class="figures"')[1].split("</table>")[0]
    outcomes = body.split(">Outcomes<")[1].split('scope="rowgroup"')[0]
    assert 'id="figure-outcome_charged_pct"' in outcomes and 'id="figure-action_taken_pct"' in outcomes
    assert 'id="figure-crimes_per_1000"' not in outcomes


def test_a_chart_with_no_figures_says_so_once(fixture_data: PublicationData) -> None:
    from peelkit.publish.charts import force_figures

    charts = force_figures(fixture_data.results, fixture_data.publication, WARKS)
    da = next(c for c in charts if c.id == "da_arrests_per_100")
    assert da.missing  # no force has a domestic abuse arrests figure in the fixture
    page = render_force_html(fixture_data, WARKS, charts)
    figure = page.split('id="chart-da_arrests_per_100"')[1].split("</figure>")[0]
    assert figure.count("No figures are available") == 1
    assert "<table" not in figure and "<svg" not in figure
