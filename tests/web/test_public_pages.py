"""The public pages and their `.json` twins: what each shows of a published publication, and that before
publication the public sees nothing of its figures, grades or narrative and a force user only its own force."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.engine import evaluate_publication
from peelkit.indicators.publication import load
from peelkit.ledger import db
from peelkit.ledger.corrections import begin_correction
from peelkit.ledger.improvements import raise_area
from peelkit.ledger.narrative import set_narrative
from peelkit.web import data as store
from peelkit.web import pages
from peelkit.web.app import WebSettings
from tests.web.conftest import KENT, PUBLICATION, WARKS, Clock, World

PUB = f"/publications/{PUBLICATION}"
WARKS_PAGE = f"{PUB}/forces/warwickshire"
KENT_PAGE = f"{PUB}/forces/kent"
HOSTILE = '<img src=x onerror=alert("afi")><script>alert("afi2")</script>'
# Text that is only on a page when a force's grades or figures are shown.
GRADE_WORDS = ("Requires improvement", ">Good<")


def _main_display(world: World, code: str) -> dict[str, str]:
    """`peel indicators` display values of one force (main periods), computed independently of the web app."""
    from peelkit import warehouse

    pub = load(PUBLICATION)
    con = warehouse.connect(world.warehouse_path, read_only=True)
    try:
        results = evaluate_publication(con, pub, code)
    finally:
        con.close()
    return {r.indicator: r.display for r in results
            if r.force_code == code and r.period == pub.periods[r.indicator].main}


# ------------------------------------------------------------------------------------- published pages


@pytest.fixture
def published(set_state: Callable[..., Any]) -> None:
    set_state("published")


PAGES = ("/", PUB, WARKS_PAGE, f"{PUB}/compare", f"{PUB}/compare?view=funnel&indicator=outcome_charged_pct")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_and_its_json_twin(published: None, client: TestClient, url: str) -> None:
    html = client.get(url)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    path, _, query = url.partition("?")
    twin = client.get(("/index" if path == "/" else path) + ".json" + (f"?{query}" if query else ""))
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert isinstance(twin.json(), dict)
    assert "Draft — embargoed" not in html.text
    # The twin is the page's data: every piece of text it says the page shows is on the page.
    shown = _page_text(html.text)
    values = _shown_values(twin.json())
    assert len(values) >= 5, values  # the walk found the page's data (a twin of the wrong shape would not)
    assert [v for v in values if v not in shown] == []


# Keys whose values the HTML page prints as they are (names, titles, formatted figures, grades, labels).
SHOWN_KEYS = frozenset({"title", "name", "display", "grade", "label", "force", "interval", "ew_display"})


def _shown_values(value: Any, key: str = "") -> set[str]:
    """The text values under SHOWN_KEYS anywhere in a JSON document."""
    if isinstance(value, dict):
        return set().union(*(_shown_values(v, k) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_shown_values(v, key) for v in value))
    return {" ".join(value.split())} if key in SHOWN_KEYS and isinstance(value, str) and value.strip() else set()


def _page_text(page: str) -> str:
    """The page as a reader (or a screen reader) meets it: its text, and the expansions and labels in title,
    aria-label and alt attributes; entities decoded, white space collapsed."""
    import html as html_module

    attributes = re.findall(r'\s(?:title|aria-label|alt)="([^"]*)"', page)
    return " ".join(html_module.unescape(" ".join([re.sub(r"<[^>]+>", " ", page), *attributes])).split())


def test_force_page_shows_the_same_figures_as_peel_indicators(published: None, client: TestClient,
                                                             world: World) -> None:
    expected = _main_display(world, WARKS)
    page = client.get(f"{WARKS_PAGE}.json").json()
    assert {f["id"]: f["value"] for f in page["figures"]} == expected
    crimes = next(f for f in page["figures"] if f["id"] == "crimes_per_1000")
    assert crimes == {**crimes, "value": "60", "ew_value": "67", "comparison": "lower", "interval": "59.4 to 60.6",
                      "period": "12 months to 30 June 2017"}
    missing = next(f for f in page["figures"] if f["id"] == "incidents_per_1000")
    assert missing["value"] == "–" and missing["note"] is not None  # a dash with its reason, never 0
    assert page["footnotes"][missing["note"] - 1].startswith("No force data return is loaded")
    html = client.get(WARKS_PAGE).text
    assert "59.4 to 60.6" in html and f'href="#note-{missing["note"]}"' in html


def test_force_page_judgments_areas_and_links(published: None, client: TestClient) -> None:
    page = client.get(f"{WARKS_PAGE}.json").json()
    assert page["overall"]["grade"] == "Good"
    assert page["movement"] == "Warwickshire Police's overall grade is Good, unchanged from 2016."
    by_question = {q["id"]: q for q in page["judgments"]}
    assert by_question["Q1_preventing_crime_and_ASB"]["last_inspected"] == "2016"
    assert by_question["Q1_preventing_crime_and_ASB"]["carried_forward"] is True
    assert by_question["Q2_investigating_crime"]["last_inspected"] == "2017"
    assert page["areas"] == [{
        "question": "Investigating crime and reducing re-offending",
        "kind": "area_for_improvement", "text": "The force should improve the supervision of investigations.",
        "kind_label": "Area for improvement", "recommendations": [], "status": "in_progress",
        "raised": "raised in our last two inspections", "year_raised": "2017"}]
    assert page["links"] == {"report_html": f"{WARKS_PAGE}/report", "report_pdf": f"{WARKS_PAGE}/report.pdf",
                             "data_csv": f"{WARKS_PAGE}/data.csv", "compare": f"{PUB}/compare"}
    html = client.get(WARKS_PAGE).text
    for link in page["links"].values():
        assert f'href="{link}"' in html


def test_home_lists_the_publication_with_grades(published: None, client: TestClient) -> None:
    home = client.get("/index.json").json()
    assert [p["id"] for p in home["publications"]] == [PUBLICATION]
    assert home["publications"][0]["state"] == "Published March 2018"
    grades = {row["name"]: row for row in home["overview"]["grades"]}
    assert len(grades) == 43
    assert grades["Warwickshire"]["overall"] == "Good"
    assert grades["Kent"]["overall"] == "No judgment recorded"
    assert home["overview"]["map"]["has_shapes"] is False  # no boundaries in this warehouse: table only
    html = client.get("/").text
    assert "No force area boundaries are loaded" in html and "govuk-tag--turquoise" in html


def test_compare_ranks_sorts_and_highlights(published: None, client: TestClient) -> None:
    ranked = client.get(f"{PUB}/compare.json?indicator=crimes_per_1000&force=kent").json()
    assert [r["name"] for r in ranked["rows"][:4]] == ["Suffolk", "Kent", "West Mercia", "Warwickshire"]
    assert ranked["rows"][-1]["display"] == "–"  # forces with no figure sort last
    assert ranked["highlight"] == "kent" and "Kent" in ranked["chart"]["alt_text"]
    assert ranked["chart"]["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert ranked["england_and_wales"]["display"] == "67"
    ascending = client.get(f"{PUB}/compare.json?indicator=crimes_per_1000&sort=value&order=asc").json()
    shown = [r["name"] for r in ascending["rows"] if r["value"] is not None]
    assert shown == ["Warwickshire", "West Mercia", "Kent", "Suffolk"]
    assert ascending["rows"][-1]["value"] is None  # missing last whichever the order
    by_name = client.get(f"{PUB}/compare.json?sort=force&order=desc").json()
    names = [r["name"] for r in by_name["rows"]]
    assert names == sorted(names, reverse=True)
    html = client.get(f"{PUB}/compare?indicator=crimes_per_1000&sort=value&order=asc").text
    assert re.search(r'aria-sort="ascending" data-sort-key="value"', html)
    # The column's link sorts the other way next, keeping the indicator and view.
    assert "?indicator=crimes_per_1000&amp;view=ranked&amp;sort=value&amp;order=desc" in html
    assert '<script type="application/json" class="vega-spec">' in html
    assert '<script src="/assets/vega.js" defer></script>' in html


def test_funnel_view_and_bad_parameters_fall_back(published: None, client: TestClient) -> None:
    funnel = client.get(f"{PUB}/compare.json?view=funnel&indicator=outcome_charged_pct&force=warwickshire").json()
    assert funnel["chart"]["id"] == "outcome_charged_pct_funnel" and funnel["view"] == "funnel"
    assert "Warwickshire" in funnel["chart"]["alt_text"]
    odd = client.get(f"{PUB}/compare.json?view=pie&indicator=nope&sort=colour&order=sideways&force=atlantis")
    assert odd.status_code == 200
    assert (odd.json()["view"], odd.json()["sort"], odd.json()["order"], odd.json()["highlight"]) == (
        "ranked", "value", "desc", "")
    change = client.get(f"{PUB}/compare.json?view=funnel&indicator=crime_change_pct").json()
    assert change["chart"]["spec"] is None  # a funnel is for rates and proportions: the chart says so
    assert "rates and proportions only" in change["chart"]["alt_text"]


def test_force_csv_is_the_forces_figures_with_england_and_wales(published: None, client: TestClient) -> None:
    response = client.get(f"{WARKS_PAGE}/data.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="peel-effectiveness-2017-warwickshire.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["force_code"] for r in rows} == {WARKS, ENGLAND_AND_WALES}
    crimes = next(r for r in rows if r["indicator"] == "crimes_per_1000" and r["force_code"] == WARKS)
    assert (crimes["display"], crimes["period_end"]) == ("60", "2017-06-30")
    everyone = list(csv.DictReader(io.StringIO(client.get(f"{PUB}/data.csv").text)))
    assert len({r["force_code"] for r in everyone}) == 44


def test_csv_cells_that_could_run_as_formulas_are_neutralised(world: World) -> None:
    cache = store.PublicationCache(world.warehouse_path, world.ledger_url)
    data = cache.data(PUBLICATION)
    hostile = [replace(r, note="=HYPERLINK(\"http://x\")", force_name="@SUM(A1)") if r.force_code == WARKS else r
               for r in data.results]
    text = pages.force_csv(replace(data, results=hostile), frozenset({WARKS}))
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["force_code"] == WARKS]
    assert rows and all(r["note"] == "'=HYPERLINK(\"http://x\")" and r["force_name"] == "'@SUM(A1)" for r in rows)
    assert any(r["display"].startswith("-") and not r["display"].startswith("'") for r in csv.DictReader(
        io.StringIO(text)))  # a negative number is a number, not a formula


def test_unknown_things_are_404(published: None, client: TestClient) -> None:
    for url in ("/publications/nope", f"{PUB}/forces/atlantis", f"{PUB}/forces/E23000017",
                "/publications/..%2F..%2Fetc.toml/forces/kent", f"{PUB}/forces/kent/report.docx",
                "/assets/evil.js", f"{PUB}.json/compare"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"{PUB}/forces/atlantis.json").json()["status"] == 404


# -------------------------------------------------------------------------------------------- reports


def test_live_report_is_the_publish_template_with_its_stylesheet_allowed(published: None, client: TestClient
                                                                         ) -> None:
    response = client.get(f"{WARKS_PAGE}/report")
    assert response.status_code == 200
    assert "<h1" in response.text and "An inspection of Warwickshire" in response.text
    policy = response.headers["content-security-policy"]
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy) and "unsafe-inline" not in policy
    assert "Draft — embargoed" not in response.text
    script = client.get(f"{PUB}/forces/assets/charts.js")  # the report's relative ../assets/ address
    assert script.status_code == 200 and "vegaEmbed" in script.text
    assert script.headers["content-type"].startswith("text/javascript")


def test_published_site_files_are_served_as_published(published: None, client: TestClient,
                                                      web_settings: WebSettings) -> None:
    site = web_settings.site_dir
    (site / "forces").mkdir(parents=True)
    (site / "manifest.json").write_text(json.dumps({"publication": PUBLICATION}), encoding="utf-8")
    (site / "forces" / "warwickshire.html").write_text("<!DOCTYPE html><title>as published</title>", "utf-8")
    (site / "forces" / "warwickshire.pdf").write_bytes(b"%PDF-1.7 as published")
    (site / "assets").mkdir()
    (site / "assets" / "vega.js").write_text("window.vegaEmbed = function () {};", "utf-8")
    assert client.get("/assets/vega.js").text == "window.vegaEmbed = function () {};"
    assert client.get(f"{WARKS_PAGE}/report").text == "<!DOCTYPE html><title>as published</title>"
    pdf = client.get(f"{WARKS_PAGE}/report.pdf")
    assert pdf.content == b"%PDF-1.7 as published" and pdf.headers["content-type"] == "application/pdf"
    # Another publication's site is not this one's: render live instead.
    (site / "manifest.json").write_text(json.dumps({"publication": "other"}), encoding="utf-8")
    assert "An inspection of Warwickshire" in client.get(f"{KENT_PAGE.replace('kent', 'warwickshire')}/report").text


def test_draft_report_and_pdf_carry_the_banner(client: TestClient, login: Callable[..., TestClient]) -> None:
    from peelkit.web.security_headers import sha256_source

    login(client, "ian")
    response = client.get(f"{WARKS_PAGE}/report")
    html = response.text
    assert '<p class="draft-banner" role="note">Draft — embargoed: not published. Do not share.</p>' in html
    style = re.search(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert style and ".draft-banner{" in style.group(1)
    assert sha256_source(style.group(1)) in response.headers["content-security-policy"]
    pdf = client.get(f"{WARKS_PAGE}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The draft line is in the PDF too (Typst, from the same view data), on the cover and every page's header.
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    pages = text.decode().split("\f")
    assert all("Draft — embargoed: not published. Do not share." in page for page in pages if page.strip())


# ------------------------------------------------------------------------------------ before publication


DRAFT_ONLY_404 = (PUB, f"{PUB}.json", WARKS_PAGE, f"{WARKS_PAGE}.json", f"{WARKS_PAGE}/report",
                  f"{WARKS_PAGE}/report.pdf", f"{WARKS_PAGE}/data.csv", f"{PUB}/data.csv", f"{PUB}/compare",
                  f"{PUB}/compare.json", KENT_PAGE)


@pytest.mark.parametrize("state", ["draft", "embargoed"])
def test_the_public_sees_nothing_of_an_unreleased_publication(client: TestClient, set_state: Callable[..., Any],
                                                              clock: Clock, state: str) -> None:
    set_state(state, release_at=clock.now + timedelta(days=1) if state == "embargoed" else None)
    for url in DRAFT_ONLY_404:
        assert client.get(url).status_code == 404, url
    home = client.get("/")
    assert "Not yet published" in home.text
    for word in (*GRADE_WORDS, "Warwickshire", "Kent", "67", "supervision of investigations", "embargoed until"):
        assert word not in home.text, word
    data = client.get("/index.json").json()
    assert data["overview"] is None and data["publications"][0]["public"] is False
    assert data["publications"][0]["state"] == "Not yet published"


def test_an_embargo_lifts_at_its_release_time(client: TestClient, set_state: Callable[..., Any],
                                              clock: Clock) -> None:
    set_state("embargoed", release_at=clock.now + timedelta(hours=1))
    assert client.get(WARKS_PAGE).status_code == 404
    clock.advance(hours=1)
    page = client.get(WARKS_PAGE)
    assert page.status_code == 200 and "Draft — embargoed" not in page.text
    assert client.get("/index.json").json()["overview"]["grades"]


def test_a_force_user_sees_only_its_own_force_in_a_draft(client: TestClient,
                                                         login: Callable[..., TestClient]) -> None:
    login(client, "warks")
    own = client.get(WARKS_PAGE)
    assert own.status_code == 200 and "Draft — embargoed" in own.text
    for url in (KENT_PAGE, f"{KENT_PAGE}.json", f"{KENT_PAGE}/report", f"{KENT_PAGE}/report.pdf",
                f"{KENT_PAGE}/data.csv", f"{PUB}/forces/west-mercia"):
        assert client.get(url).status_code == 404, url
    home = client.get("/index.json").json()
    assert [r["name"] for r in home["overview"]["grades"]] == ["Warwickshire"]
    compare = client.get(f"{PUB}/compare.json?indicator=crimes_per_1000&force=kent").json()
    assert [r["name"] for r in compare["rows"]] == ["Warwickshire"]
    assert compare["highlight"] == "warwickshire"  # asking for Kent does not reveal it
    assert "Kent" not in json.dumps(compare) and "Suffolk" not in json.dumps(compare)
    csv_text = client.get(f"{PUB}/data.csv").text
    assert {r["force_code"] for r in csv.DictReader(io.StringIO(csv_text))} == {WARKS, ENGLAND_AND_WALES}
    # The live report's charts and annex are drawn from the force's own figures only.
    report = client.get(f"{WARKS_PAGE}/report").text
    assert "Draft — embargoed" in report and "Kent" not in report
    assert own.text.count(">Kent<") == 0


def test_staff_see_every_force_of_a_draft_with_the_banner(client: TestClient,
                                                          login: Callable[..., TestClient]) -> None:
    login(client, "ana")
    page = client.get(KENT_PAGE)
    assert page.status_code == 200 and "Draft — embargoed" in page.text
    home = client.get("/index.json").json()
    assert len(home["overview"]["grades"]) == 43
    assert home["publications"][0]["state"] == "Draft (not yet published)"
    assert home["draft_status"]["state"] == "draft"


def test_a_force_user_sees_its_new_draft_content_at_once(client: TestClient, login: Callable[..., TestClient],
                                                         world: World, app: Any) -> None:
    login(client, "kent")
    assert client.get(f"{KENT_PAGE}.json").json()["areas"] == []
    with db.session_scope(world.ledger_url, actor="ian") as session:
        raise_area(session, "Kent", "2017", "Q2_investigating_crime", "Kent should check crime data.")
    store.cache_for(app.state).invalidate()  # what the ledger pages do after a save
    assert client.get(f"{KENT_PAGE}.json").json()["areas"][0]["text"] == "Kent should check crime data."


# ---------------------------------------------------------------------------------------------- escaping


def test_hostile_ledger_text_is_escaped_everywhere(published: None, client: TestClient, world: World,
                                                   app: Any) -> None:
    with db.session_scope(world.ledger_url, actor="ian") as session:
        begin_correction(session, "published text corrected")
        raise_area(session, "Warwickshire", "2017", "Q3_protecting_vulnerable_people", HOSTILE)
        set_narrative(session, "Warwickshire", "2017", "overview", f"Overview {HOSTILE}")
    store.cache_for(app.state).invalidate()
    for url in (WARKS_PAGE, f"{WARKS_PAGE}/report", "/"):
        text = client.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
    page = client.get(WARKS_PAGE).text
    assert "&lt;img src=x onerror=alert(&#34;afi&#34;)&gt;" in page
    assert HOSTILE in [a["text"] for a in client.get(f"{WARKS_PAGE}.json").json()["areas"]]


def test_reflected_parameters_are_never_echoed_raw(published: None, client: TestClient) -> None:
    attack = "%22%3E%3Cscript%3Ealert(9)%3C/script%3E"
    for url in (f"/?indicator={attack}&publication={attack}", f"{PUB}/compare?indicator={attack}&force={attack}"
                f"&view={attack}&sort={attack}&order={attack}"):
        response = client.get(url)
        assert response.status_code == 200 and "alert(9)" not in response.text, url


def test_force_page_is_built_once_until_the_ledger_changes(published: None, client: TestClient, app: Any,
                                                           world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = pages.force_page

    def counting(data: Any, code: str) -> dict[str, Any]:
        built.append(code)
        return original(data, code)

    monkeypatch.setattr(pages, "force_page", counting)
    cache = store.cache_for(app.state)
    for _ in range(3):
        assert client.get(WARKS_PAGE).status_code == 200
    assert client.get(f"{WARKS_PAGE}.json").status_code == 200
    assert built == [WARKS, WARKS]  # once for the HTML, once for its JSON twin
    cache.invalidate()  # a look at the versions, with nothing changed: still kept
    client.get(WARKS_PAGE)
    assert len(built) == 2
    with db.session_scope(world.ledger_url, actor="ian") as session:
        begin_correction(session, "published text corrected")
        set_narrative(session, "Kent", "2017", "overview", "Anything audited is a new ledger version.")
    cache.invalidate()
    client.get(WARKS_PAGE)
    assert len(built) == 3


def test_a_second_cache_reads_the_same_data(world: World) -> None:
    cache = store.PublicationCache(world.warehouse_path, world.ledger_url)
    first = cache.data(PUBLICATION)
    assert cache.data(PUBLICATION) is first  # loaded once
    assert cache.publication("../../etc/passwd.toml") is None  # never a path
    assert cache.status(PUBLICATION).state == "draft"
    assert {r.force_code for r in store.restricted(first, frozenset({KENT})).results} == {KENT, ENGLAND_AND_WALES}


# ---------------------------------------------------------------------------------------------- real data


@pytest.mark.slow
def test_real_data_force_page_map_and_grades(peel_home: Any, data_dir: Any, clock: Clock) -> None:
    """The real files, the demo returns and the real grades: Warwickshire's page shows what `peel indicators`
    prints, the map has every force area, and the grade table what the ledger holds."""
    from fastapi.testclient import TestClient as Client

    from peelkit.ledger.grades_import import import_grades
    from peelkit.ledger.publication_state import set_status
    from peelkit.returns.demo import run_demo
    from peelkit.web.app import create_app
    from tests.helpers import load
    from tests.web.conftest import SECRET

    warehouse_path = peel_home / "warehouse.duckdb"
    load(warehouse_path, data_dir / "home_office" / "rec-crime-pfa.csv",
         data_dir / "home_office" / "prc-outcomes-open-data-2017-18.csv.gz",
         data_dir / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx", data_dir / "boundaries")
    run_demo(PUBLICATION, 1, out=peel_home / "returns", db_path=warehouse_path)
    url = f"sqlite:///{peel_home / 'ledger.sqlite3'}"
    with db.session_scope(url, actor="test") as session:
        import_grades(session, data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv")
        set_status(session, PUBLICATION, "published", None, 0, override="test")
    app = create_app(WebSettings(warehouse_path=warehouse_path, ledger_url=url, site_dir=peel_home / "site",
                                 secret_key=SECRET, clock=clock))
    with Client(app) as client:
        world = World(peel_home, warehouse_path, url)
        page = client.get(f"{WARKS_PAGE}.json").json()
        assert {f["id"]: f["value"] for f in page["figures"]} == _main_display(world, WARKS)
        home = client.get("/index.json").json()["overview"]
        assert home["map"]["has_shapes"] and sum(1 for f in home["map"]["forces"] if f["path"]) == 43
        grades = {row["name"]: row["overall"] for row in home["grades"]}
        assert len(grades) == 43 and grades["Warwickshire"] == page["overall"]["grade"] != "No judgment recorded"
        assert client.get("/").status_code == 200 and client.get(f"{PUB}/compare").status_code == 200
    db.engine_for(url).dispose()


def test_the_ledger_version_is_read_at_most_once_a_second(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    cache = store.PublicationCache(world.warehouse_path, world.ledger_url, monotonic=lambda: now[0])
    reads: list[int] = []
    real = cache._read_ledger_version

    def counted() -> int:
        reads.append(1)
        return real()

    monkeypatch.setattr(cache, "_read_ledger_version", counted)
    for _ in range(50):
        cache.status(PUBLICATION)
    assert len(reads) == 1
    now[0] += 0.5
    cache.status(PUBLICATION)
    assert len(reads) == 1
    now[0] += 0.6
    cache.status(PUBLICATION)
    assert len(reads) == 2
    cache.invalidate()
    cache.status(PUBLICATION)
    assert len(reads) == 3
