"""Data queries and sign-off on the web: a force answers its own queries, analysts raise, close and reopen them,
stale answers are shown with both texts, and every change is audited under the user's name."""

from __future__ import annotations

import html
from collections.abc import Callable

from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.queries import get_query, latest_signoffs
from peelkit.web.app import WebSettings
from tests.web.conftest import KENT, PUBLICATION, WARKS
from tests.web.test_work_pages import audit_count, hidden, make_query, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]


def _status(settings: WebSettings, query_id: int) -> tuple[str, str | None]:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        query = get_query(session, query_id)
        return query.status, query.answer


def test_the_whole_life_of_a_query(new_client: NewClient, login: Login, web_settings: WebSettings) -> None:
    ana, warks = login(new_client(), "ana"), login(new_client(), "warks")
    before = audit_count(web_settings, "data_query", actor="ana")
    raised = post(ana, "/queries/new", {"publication": PUBLICATION, "force": WARKS, "item": "ocgs",
                                        "severity": "error", "period_end": "2017-07-01", "figure": "1,234",
                                        "message": "The OCG count doubled: please check."})
    assert raised.status_code == 303 and raised.headers["location"].endswith("?saved=raised")
    query_id = int(raised.headers["location"].split("/")[2].split("?")[0])
    assert audit_count(web_settings, "data_query", actor="ana") == before + 1
    listed = warks.get("/queries.json").json()["queries"]
    assert [(q["id"], q["rule_id"], q["figure"]) for q in listed] == [(query_id, "manual", 1234.0)]

    page = warks.get(f"/queries/{query_id}")
    assert "Answer this query" in page.text and "Close this query" not in page.text
    answered = post(warks, f"/queries/{query_id}/answer", {"answer": "Two OCGs were split in 2017.",
                                                          "version": hidden(page.text, "version")})
    assert answered.status_code == 303
    assert _status(web_settings, query_id) == ("answered", "Two OCGs were split in 2017.")
    assert audit_count(web_settings, "data_query", actor="warks") == 1

    page = ana.get(f"/queries/{query_id}")
    assert "Answer this query" not in page.text  # analysts do not answer for the force
    closed = post(ana, f"/queries/{query_id}/close", {"outcome": "accepted", "version": hidden(page.text, "version")})
    assert closed.status_code == 303 and _status(web_settings, query_id)[0] == "accepted"
    page = ana.get(f"/queries/{query_id}")
    assert "Reopen this query" in page.text
    reopened = post(ana, f"/queries/{query_id}/reopen", {"version": hidden(page.text, "version")})
    assert reopened.status_code == 303 and _status(web_settings, query_id)[0] == "open"
    history = ana.get(f"/queries/{query_id}.json").json()["audit"]
    assert [e["who"] for e in history] == ["ana", "ana", "warks", "ana"]


def test_raising_a_query_checks_the_form(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    login(client, "ana")
    bad = post(client, "/queries/new", {"publication": PUBLICATION, "force": "Atlantis", "item": "",
                                        "severity": "loud", "period_end": "soon", "figure": "many", "message": ""})
    assert bad.status_code == 400
    for field in ("force", "item", "severity", "period_end", "figure", "message"):
        assert f'href="#{field}"' in bad.text, field
    first = post(client, "/queries/new", {"publication": PUBLICATION, "force": KENT, "item": "asb_powers",
                                          "severity": "warning", "message": "Why so few?"})
    assert first.status_code == 303
    again = post(client, "/queries/new", {"publication": PUBLICATION, "force": KENT, "item": "asb_powers",
                                          "severity": "warning", "message": "Why so few? (again)"})
    assert again.status_code == 409 and "already asks about this item" in again.text


def test_only_the_force_answers_and_only_analysts_close(new_client: NewClient, login: Login,
                                                        web_settings: WebSettings) -> None:
    query_id = make_query(web_settings, WARKS)
    ian, ana, warks = (login(new_client(), name) for name in ("ian", "ana", "warks"))
    assert post(ian, f"/queries/{query_id}/answer", {"answer": "x", "version": "1"}).status_code == 403
    assert post(ana, f"/queries/{query_id}/answer", {"answer": "x", "version": "1"}).status_code == 403
    assert post(warks, f"/queries/{query_id}/close", {"outcome": "resolved", "version": "1"}).status_code == 403
    assert post(ian, f"/queries/{query_id}/close", {"outcome": "resolved", "version": "1"}).status_code == 403
    assert post(ian, "/queries/new", {"force": WARKS, "item": "x", "message": "x"}).status_code == 403
    # Accepting needs the force's explanation first.
    refused = post(ana, f"/queries/{query_id}/close", {"outcome": "accepted", "version": "1"})
    assert refused.status_code == 400 and "has no answer yet" in refused.text
    assert _status(web_settings, query_id) == ("open", None)


def test_a_stale_answer_keeps_both_texts(new_client: NewClient, login: Login, web_settings: WebSettings) -> None:
    query_id = make_query(web_settings, WARKS)
    first, second = login(new_client(), "warks"), login(new_client(), "warks")
    version = hidden(first.get(f"/queries/{query_id}").text, "version")
    assert post(second, f"/queries/{query_id}/answer", {"answer": "Answer sent from the other desk",
                                                        "version": version}).status_code == 303
    stale = post(first, f"/queries/{query_id}/answer", {"answer": "My longer explanation", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this query" in stale.text
    assert "Answer sent from the other desk" in stale.text and ">My longer explanation</textarea>" in stale.text
    assert _status(web_settings, query_id)[1] == "Answer sent from the other desk"


def test_a_force_signs_off_its_return(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    query_id = make_query(web_settings, WARKS)
    login(client, "warks")
    page = client.get("/status")
    assert "Sign off your figures" in page.text and "1 open" in page.text
    refused = post(client, "/status/signoff", {"publication": PUBLICATION, "note": "Checked by the data team"})
    assert refused.status_code == 400 and 'href="#allow_open"' in refused.text
    assert "Checked by the data team</textarea>" in refused.text
    post(client, f"/queries/{query_id}/answer", {"answer": "Correct as submitted", "version": "1"})
    before = audit_count(web_settings, "return_signoff", actor="warks")
    signed = post(client, "/status/signoff", {"publication": PUBLICATION, "note": "Checked by the data team"})
    assert signed.status_code == 303 and signed.headers["location"].endswith("saved=signed-off")
    assert audit_count(web_settings, "return_signoff", actor="warks") == before + 1
    row = client.get("/status.json").json()["returns"][0]
    assert row["signed_off"] is True and row["signed_by"] == "warks" and row["return_import_id"] == 5
    with db.session_scope(web_settings.ledger_url, actor="test") as session:
        assert latest_signoffs(session, PUBLICATION)[WARKS].note == "Checked by the data team"
    # The form is gone once signed off; a sign-off posted again anyway is refused and records nothing.
    again = post(client, "/status/signoff", {"publication": PUBLICATION, "note": "again"})
    assert again.status_code == 400 and "already signed off this return" in html.unescape(again.text)
    assert audit_count(web_settings, "return_signoff", actor="warks") == before + 1
    # Only force users sign off.
    login(client, "ana")
    assert post(client, "/status/signoff", {"publication": PUBLICATION}).status_code == 403


def test_staff_see_every_force_and_filter(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    warks, kent = make_query(web_settings, WARKS), make_query(web_settings, KENT, "asb_powers")
    login(client, "ian")
    assert {q["id"] for q in client.get("/queries.json").json()["queries"]} == {warks, kent}
    assert [q["id"] for q in client.get(f"/queries.json?force={KENT}").json()["queries"]] == [kent]
    assert client.get("/queries.json?status=resolved").json()["queries"] == []
    status = client.get("/status.json").json()
    assert len(status["returns"]) == 43 and status["not_signed_off"] == 43
    assert {c["rule_id"]: c["open"] for c in status["checks"]} == {"consistency.test": 2}
    assert "Open queries" in client.get("/status").text


def test_the_list_says_which_queries_it_shows(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    make_query(web_settings, WARKS, message="Warwickshire's question")
    make_query(web_settings, KENT, item="asb_powers", message="Kent's question")
    login(client, "ana")

    def text(url: str) -> str:
        return html.unescape(client.get(url).text)

    assert "Showing all forces' queries." in text("/queries")
    filtered = text("/queries?force=warwickshire")
    assert "Showing Warwickshire's queries." in filtered and "Showing all forces" not in filtered
    assert "Warwickshire's question" in filtered and "Kent's question" not in filtered
    narrowed = text(f"/queries?force=kent&status=open&publication={PUBLICATION}")
    assert f"Showing Kent's open queries in {PUBLICATION}." in narrowed
    assert client.get("/queries.json?force=warwickshire").json()["scope"] == "Warwickshire's queries"
