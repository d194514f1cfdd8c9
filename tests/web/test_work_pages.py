"""The work side: every role on every page (allowed, denied, anonymous), the JSON twins, a force user kept to
its own force (another force's query is a 404, ledger editing a 403), CSRF on every POST route, and user text
escaped. Ledger editing, queries and publication control have their own test_work_*.py files; the helpers
they share live here."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from peelkit.checks.registry import CheckFinding
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog
from peelkit.ledger.queries import raise_queries
from peelkit.web.app import WebSettings
from tests.web.conftest import KENT, PUBLICATION, WARKS, form_token

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
LEDGER = f"/ledger/{PUBLICATION}/forces/warwickshire"
Q1 = "Q1_preventing_crime_and_ASB"
Q4 = "Q4_serious_and_organised_crime"


# ------------------------------------------------------------------------------------------------ helpers


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> Any:
    """POST a form as a browser would, with this browser's CSRF token."""
    body = dict(data or {})
    if csrf:
        body["csrf_token"] = form_token(client)
    return client.post(url, data=body)


def hidden(html: str, name: str) -> str:
    """The value of a hidden (or any) input by name in a page."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no field {name!r} in the page"
    return found.group(1)


def audit_count(settings: WebSettings, table: str | None = None, actor: str | None = None) -> int:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        query = select(func.count()).select_from(AuditLog)
        if table:
            query = query.where(AuditLog.table_name == table)
        if actor:
            query = query.where(AuditLog.actor == actor)
        return int(session.scalar(query) or 0)


def make_query(settings: WebSettings, force_code: str, item: str = "ocgs", message: str = "Check this figure",
               figure: float | None = 20.0) -> int:
    """A data query as `peel checks run` would raise it; returns its id."""
    finding = CheckFinding(rule_id="consistency.test", severity="warning", force_code=force_code, item=item,
                           period_end=None, figure=figure, message=message)
    with db.session_scope(settings.ledger_url, actor="peel checks run") as session:
        report = raise_queries(session, PUBLICATION, [finding])
        return report.created[0].id


@pytest.fixture
def queries(web_settings: WebSettings) -> dict[str, int]:
    return {"warks": make_query(web_settings, WARKS), "kent": make_query(web_settings, KENT, "asb_powers")}


# ------------------------------------------------------------------------------------------------ roles x pages

# (path, {user: expected status}); "anon" is a signed-out browser (sent to sign in).
ALL = {"ana": 200, "ian": 200, "warks": 200, "kent": 200}
STAFF = {"ana": 200, "ian": 200, "warks": 403, "kent": 403}
INSPECTOR = {"ana": 403, "ian": 200, "warks": 403, "kent": 403}
ANALYST = {"ana": 200, "ian": 403, "warks": 403, "kent": 403}


def pages(queries: dict[str, int]) -> list[tuple[str, dict[str, int]]]:
    return [
        ("/status", ALL),
        ("/queries", ALL),
        ("/queries/new", ANALYST),
        (f"/queries/{queries['warks']}", {"ana": 200, "ian": 200, "warks": 200, "kent": 404}),
        (f"/queries/{queries['kent']}", {"ana": 200, "ian": 200, "warks": 404, "kent": 200}),
        ("/ledger", STAFF),
        (LEDGER, STAFF),
        (f"{LEDGER}/judgments/{Q1}", INSPECTOR),
        (f"{LEDGER}/areas", INSPECTOR),
        (f"{LEDGER}/areas/1/status", INSPECTOR),
        (f"{LEDGER}/narrative/overview", INSPECTOR),
        (f"{LEDGER}/file-review", INSPECTOR),
        (f"/publications/{PUBLICATION}/control", ANALYST),
    ]


def test_each_role_on_each_page(new_client: NewClient, login: Login, queries: dict[str, int]) -> None:
    browsers = {name: login(new_client(), name) for name in ("ana", "ian", "warks", "kent")}
    anonymous = new_client()
    for path, expected in pages(queries):
        for name, status in expected.items():
            html = browsers[name].get(path)
            assert html.status_code == status, (path, name, html.status_code)
            twin = browsers[name].get(f"{path}.json")
            assert twin.status_code == status, (f"{path}.json", name, twin.status_code)
            assert twin.headers["content-type"].startswith("application/json")
            if status == 200:
                assert html.headers["content-type"].startswith("text/html")
                assert isinstance(twin.json(), dict)
        signed_out = anonymous.get(path)
        assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login?next="), path
        assert anonymous.get(f"{path}.json").status_code == 401


def test_unknown_things_are_404(client: TestClient, login: Login) -> None:
    login(client, "ian")
    for path in ("/ledger/no-such-publication/forces/warwickshire", f"/ledger/{PUBLICATION}/forces/atlantis",
                 f"{LEDGER}/judgments/Q9_nothing", f"{LEDGER}/narrative/appendix", f"{LEDGER}/areas/999/status",
                 f"{LEDGER}/file-review/1", "/queries/999999", "/queries/abc"):
        assert client.get(path).status_code == 404, path
    # An area of another force is not reachable through this force's address.
    assert client.get(f"/ledger/{PUBLICATION}/forces/kent/areas/1/status").status_code == 404


def test_a_force_user_sees_only_its_own_force(client: TestClient, login: Login, queries: dict[str, int]) -> None:
    login(client, "warks")
    listed = client.get("/queries.json").json()
    assert [q["id"] for q in listed["queries"]] == [queries["warks"]]
    assert listed["forces"] == []  # no list of the other forces to filter by
    # Asking for another force's queries by filter still shows only its own.
    assert [q["force_code"] for q in client.get(f"/queries.json?force={KENT}").json()["queries"]] == [WARKS]
    status = client.get("/status.json").json()
    assert [r["force_code"] for r in status["returns"]] == [WARKS]
    assert all("forces_missing" not in d and "forces_present" not in d for d in status["datasets"])
    assert all(d.get("own_force_present") is True for d in status["datasets"] if "own_force_present" in d)
    html = client.get("/status").text
    assert "Kent" not in html and "West Mercia" not in html
    assert "Kent" not in client.get("/queries").text


def test_a_force_user_cannot_reach_another_forces_query(client: TestClient, login: Login,
                                                      queries: dict[str, int], web_settings: WebSettings) -> None:
    login(client, "warks")
    kent = queries["kent"]
    before = audit_count(web_settings)
    assert client.get(f"/queries/{kent}").status_code == 404
    assert client.get(f"/queries/{kent}.json").status_code == 404
    answered = post(client, f"/queries/{kent}/answer", {"answer": "Not ours", "version": "1"})
    assert answered.status_code == 404
    # The same 404 as for an id that does not exist: ids do not reveal other forces' queries.
    missing = post(client, "/queries/999999/answer", {"answer": "x", "version": "1"})
    assert missing.status_code == 404
    assert audit_count(web_settings) == before


def test_a_force_user_cannot_reach_ledger_editing(client: TestClient, login: Login,
                                                 web_settings: WebSettings) -> None:
    login(client, "warks")
    before = audit_count(web_settings)
    for path in (LEDGER, f"{LEDGER}/judgments/{Q1}", f"{LEDGER}/narrative/overview", "/ledger"):
        assert client.get(path).status_code == 403, path
    attempts = [(f"{LEDGER}/judgments/{Q1}", {"grade": "Outstanding", "inspected": "yes", "version": "1"}),
                (f"{LEDGER}/narrative/overview", {"text": "mine now", "version": "1", "action": "save"}),
                (f"{LEDGER}/areas", {"kind": "area_for_improvement", "question": Q1, "text": "x"}),
                (f"/publications/{PUBLICATION}/control/publish", {"version": "0"})]
    for path, data in attempts:
        assert post(client, path, data).status_code == 403, path
    assert audit_count(web_settings) == before


def test_analysts_see_the_ledger_read_only(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    login(client, "ana")
    page = client.get(LEDGER)
    assert page.status_code == 200 and "only inspectors can change the ledger" in page.text
    assert f"{LEDGER}/judgments/" not in page.text
    assert client.get(f"{LEDGER}.json").json()["can_edit"] is False
    before = audit_count(web_settings)
    response = post(client, f"{LEDGER}/judgments/{Q1}", {"grade": "Outstanding", "inspected": "yes", "version": "1"})
    assert response.status_code == 403
    assert audit_count(web_settings) == before


# ------------------------------------------------------------------------------------------------ CSRF

PATH_VALUES = {"publication": PUBLICATION, "slug": "warwickshire", "question_id": Q1, "area_id": "1",
               "section": "overview", "sample_id": "1"}
WORK_PREFIXES = ("/status", "/queries", "/ledger", "/publications/{publication}/control", "/checks")


def work_post_routes(app: FastAPI) -> list[str]:
    # FastAPI 0.165 keeps included routers as branches: iter_route_contexts walks them all (a plain
    # isinstance(route, APIRoute) over app.routes sees none of them).
    return sorted({str(r.path) for r in iter_route_contexts(app.routes)
                   if r.methods and "POST" in r.methods and str(r.path).startswith(WORK_PREFIXES)})


def test_every_work_post_route_needs_the_csrf_token(new_client: NewClient, login: Login, app: FastAPI,
                                                    queries: dict[str, int], web_settings: WebSettings) -> None:
    routes = work_post_routes(app)
    assert len(routes) >= 13, routes
    values = {**PATH_VALUES, "query_id": str(queries["warks"])}
    before = audit_count(web_settings)
    for name in ("ana", "ian", "warks"):
        browser = login(new_client(), name)
        for path in routes:
            url = path.format(**values)
            response = browser.post(url, data={"version": "1", "text": "x", "answer": "x"})
            assert response.status_code == 403, (name, url, response.status_code)
            wrong = browser.post(url, data={"version": "1", "csrf_token": "not-the-token"})
            assert wrong.status_code == 403, (name, url)
    assert audit_count(web_settings) == before


# ------------------------------------------------------------------------------------------------ escaping


def test_query_text_is_escaped_everywhere(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    hostile = '<script>alert("q")</script><img src=x onerror=alert(1)>'
    query_id = make_query(web_settings, WARKS, item="ocgs<b>", message=hostile)
    for name in ("ana", "warks"):
        login(client, name)
        for path in ("/queries", f"/queries/{query_id}", "/status"):
            html = client.get(path).text
            assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html, (name, path)
        assert "&lt;script&gt;alert(&#34;q&#34;)&lt;/script&gt;" in client.get(f"/queries/{query_id}").text
        assert client.get(f"/queries/{query_id}.json").json()["query"]["message"] == hostile
    answer = "<script>alert('a')</script> fixed"
    post(client, f"/queries/{query_id}/answer", {"answer": answer, "version": "1"})
    html = client.get(f"/queries/{query_id}").text
    assert "<script>alert('a')" not in html and "&lt;script&gt;" in html


def test_success_notices_come_from_a_fixed_list(client: TestClient, login: Login) -> None:
    login(client, "ana")
    html = client.get("/queries?saved=<script>alert(1)</script>").text
    assert "<script>alert(1)" not in html and "Success" not in html
    assert "The data query has been raised." in client.get("/queries?saved=raised").text


def test_work_pages_are_not_in_the_api_description(client: TestClient) -> None:
    described = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in described if p.startswith(WORK_PREFIXES)]
