"""The read-only API: published data only (a draft or an unreleased embargo is a 404 for everyone, signed in or
not), the same figures as the engine, and an OpenAPI description that lists only the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit import warehouse
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.engine import evaluate_publication
from peelkit.indicators.publication import load
from tests.web.conftest import PUBLICATION, WARKS, Clock, World

API = "/api/v1"
ENDPOINTS = (f"{API}/publications/{PUBLICATION}", f"{API}/publications/{PUBLICATION}/forces",
             f"{API}/publications/{PUBLICATION}/forces/warwickshire", f"{API}/publications/{PUBLICATION}/indicators",
             f"{API}/publications/{PUBLICATION}/indicators/crimes_per_1000")


@pytest.mark.parametrize("who", [None, "ana", "ian", "warks"])
@pytest.mark.parametrize("state", ["draft", "embargoed"])
def test_nothing_unreleased_for_anyone(client: TestClient, login: Callable[..., TestClient],
                                       set_state: Callable[..., Any], clock: Clock, who: str | None,
                                       state: str) -> None:
    set_state(state, release_at=clock.now + timedelta(days=1) if state == "embargoed" else None)
    if who:
        login(client, who)
    assert client.get(f"{API}/publications").json() == []
    for url in ENDPOINTS:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": "Page not found", "status": 404,
                                   "detail": "No published publication has this id."}
        assert "Warwickshire" not in response.text


def test_released_embargo_is_published_data(client: TestClient, set_state: Callable[..., Any],
                                            clock: Clock) -> None:
    release = clock.now + timedelta(minutes=5)
    set_state("embargoed", release_at=release)
    assert client.get(ENDPOINTS[0]).status_code == 404
    clock.advance(minutes=5)
    listed = client.get(f"{API}/publications").json()
    assert [p["id"] for p in listed] == [PUBLICATION]
    assert listed[0]["released_at"].startswith(release.strftime("%Y-%m-%dT%H:%M"))
    for url in ENDPOINTS:
        assert client.get(url).status_code == 200, url


@pytest.fixture
def published(set_state: Callable[..., Any]) -> None:
    set_state("published")


def test_publication(published: None, client: TestClient) -> None:
    body = client.get(ENDPOINTS[0]).json()
    assert body["title"] == "PEEL: Police effectiveness 2017" and body["published"] == "2018-03"
    assert len(body["forces"]) == 43 and body["synthetic"] is True
    crimes = next(i for i in body["indicators"] if i["id"] == "crimes_per_1000")
    assert crimes == {"id": "crimes_per_1000", "title": "Crimes (excluding fraud) per 1,000 population",
                      "kind": "rate", "unit": "per 1,000 population", "polarity": "neither",
                      "period_start": "2016-07-01", "period_end": "2017-06-30", "period": "12 months to 30 June 2017"}


def test_grades(published: None, client: TestClient) -> None:
    body = client.get(ENDPOINTS[1]).json()
    assert len(body) == 43
    warks = next(f for f in body if f["force"]["code"] == WARKS)
    assert (warks["overall_grade"], warks["overall_text"], warks["year"]) == ("Good", "Good", "2017")
    q1 = next(q for q in warks["questions"] if q["question_id"] == "Q1_preventing_crime_and_ASB")
    assert (q1["grade"], q1["last_inspected"], q1["carried_forward"]) == ("Good", "2016", True)
    kent = next(f for f in body if f["force"]["slug"] == "kent")
    assert kent["overall_grade"] is None and kent["overall_text"] == "No judgment recorded"


def test_force_indicators_match_the_engine(published: None, client: TestClient, world: World) -> None:
    pub = load(PUBLICATION)
    con = warehouse.connect(world.warehouse_path, read_only=True)
    try:
        results = evaluate_publication(con, pub, WARKS, include_earlier=True)
    finally:
        con.close()
    main = {r.indicator: r for r in results if r.force_code == WARKS and r.period == pub.periods[r.indicator].main}
    by_slug = client.get(ENDPOINTS[2]).json()
    assert client.get(f"{API}/publications/{PUBLICATION}/forces/{WARKS}").json() == by_slug  # the code works too
    assert [f["indicator"] for f in by_slug["figures"]] == pub.indicator_ids
    for figure in by_slug["figures"]:
        result = main[figure["indicator"]]
        assert (figure["value"], figure["display"], figure["lower_95"], figure["upper_95"], figure["status"]) == (
            result.value, result.display, result.lower_95, result.upper_95, result.status)
    missing = next(f for f in by_slug["figures"] if f["indicator"] == "incidents_per_1000")
    assert missing["value"] is None and missing["display"] == "–" and missing["note"]
    assert missing["comparison"] == "not compared"
    assert all(f["comparison"] is None for f in by_slug["england_and_wales"])
    assert {(f["indicator"], f["period_end"]) for f in by_slug["earlier"]} >= {("ocgs_per_million", "2016-07-01")}


def test_one_indicator_across_forces(published: None, client: TestClient) -> None:
    body = client.get(ENDPOINTS[4]).json()
    assert body["england_and_wales"]["display"] == "67"
    values = {f["force"]["name"]: f["display"] for f in body["forces"]}
    assert len(values) == 43
    assert (values["Warwickshire"], values["Kent"], values["Dorset"]) == ("60", "68", "–")


@pytest.mark.parametrize("url", [f"{API}/publications/nope", f"{API}/publications/{PUBLICATION}/forces/atlantis",
                                 f"{API}/publications/{PUBLICATION}/indicators/nope",
                                 f"{API}/publications/..%2Fsecret.toml/forces"])
def test_unknown_ids_are_404(published: None, client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404 and set(response.json()) == {"error", "status", "detail"}


def test_openapi_describes_only_the_api(client: TestClient) -> None:
    description = client.get(f"{API}/openapi.json").json()
    assert all(path.startswith(f"{API}/") for path in description["paths"])
    assert set(description["paths"]) == {
        f"{API}/publications", f"{API}/publications/{{publication_id}}",
        f"{API}/publications/{{publication_id}}/forces", f"{API}/publications/{{publication_id}}/forces/{{force}}",
        f"{API}/publications/{{publication_id}}/indicators",
        f"{API}/publications/{{publication_id}}/indicators/{{indicator_id}}"}
    for operations in description["paths"].values():
        assert set(operations) == {"get"}  # read-only
        assert "404" in operations["get"]["responses"] or operations["get"]["operationId"].startswith("publications")
    assert "ForceIndicators" in description["components"]["schemas"]
    assert ENGLAND_AND_WALES not in str(description)
