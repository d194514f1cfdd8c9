"""Publication control: analysts embargo with a release time entered in UK time (stored in UTC), publish, or
return to draft before release; stale forms are shown as conflicts; every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.publication_state import get_status
from peelkit.web.app import WebSettings
from tests.web.conftest import PUBLICATION, Clock
from tests.web.test_work_pages import audit_count, hidden, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
CONTROL = f"/publications/{PUBLICATION}/control"


def _stored(settings: WebSettings) -> tuple[str, datetime | None]:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        status = get_status(session, PUBLICATION)
        return status.state, status.release_at


def test_embargo_in_uk_time_then_publish(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    login(client, "ana")
    page = client.get(CONTROL)
    assert page.status_code == 200 and client.get(f"{CONTROL}.json").json()["status"]["state"] == "draft"
    gate = client.get(f"{CONTROL}.json").json()["gate"]
    assert gate and any("has not signed off" in line for line in gate)  # the fixture has no sign-offs
    refused = post(client, f"{CONTROL}/embargo", {"release_at": "2018-03-22T09:30",
                                                  "version": hidden(page.text, "version")})
    assert refused.status_code == 400 and "cannot be released" in refused.text
    assert _stored(web_settings)[0] == "draft"
    embargo = post(client, f"{CONTROL}/embargo", {"release_at": "2018-03-22T09:30", "override": "test <b>reason</b>",
                                                  "version": hidden(page.text, "version")})
    assert embargo.status_code == 303 and embargo.headers["location"] == f"{CONTROL}?saved=embargoed"
    assert _stored(web_settings) == ("embargoed", datetime(2018, 3, 22, 9, 30, tzinfo=UTC))  # GMT = UTC in March
    shown = client.get(embargo.headers["location"])
    assert "22 March 2018, 09:30 GMT" in shown.text and 'value="2018-03-22T09:30"' in shown.text
    assert "under embargo" in shown.text

    # A release time in British Summer Time is an hour ahead of UTC.
    moved = post(client, f"{CONTROL}/embargo", {"release_at": "2018-04-10T09:30",  # the override's reason is kept
                                                "version": hidden(shown.text, "version")})
    assert moved.status_code == 303
    assert _stored(web_settings) == ("embargoed", datetime(2018, 4, 10, 8, 30, tzinfo=UTC))
    assert "10 April 2018, 09:30 BST" in client.get(CONTROL).text

    published = post(client, f"{CONTROL}/publish", {"version": hidden(client.get(CONTROL).text, "version"),
                                                    "override": "test reason"})
    assert published.status_code == 303 and _stored(web_settings)[0] == "published"
    final = client.get(CONTROL).text
    assert "only as corrections" in final and "test reason" in final and "<b>reason" not in final
    assert f"{CONTROL}/embargo" not in final and f"{CONTROL}/draft" not in final
    report = client.get(f"/publications/{PUBLICATION}/forces/warwickshire/report").text
    assert "Released despite open checks" in report and "test reason" in report  # Annex A names the override
    history = client.get(f"{CONTROL}.json").json()["audit"]
    assert [e["who"] for e in history] == ["ana", "ana", "ana"]
    assert audit_count(web_settings, "publication_state", actor="ana") == 3


def test_release_times_are_checked(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    login(client, "ana")
    before = audit_count(web_settings)
    for value, reason in (("", "Enter the release date and time"), ("next tuesday", "Enter a real release time"),
                          ("2018-02-01T09:00", "must be in the future"),
                          ("2018-03-25T01:30", "does not exist in the UK")):  # the clocks go forward at 01:00
        response = post(client, f"{CONTROL}/embargo", {"override": "test", "release_at": value, "version": "0"})
        assert response.status_code == 400, value
        assert reason in response.text and 'href="#release_at"' in response.text, value
    assert audit_count(web_settings) == before and _stored(web_settings) == ("draft", None)


def test_return_to_draft_before_release_only(client: TestClient, login: Login, web_settings: WebSettings,
                                             clock: Clock) -> None:
    login(client, "ana")
    post(client, f"{CONTROL}/embargo", {"override": "test", "release_at": "2018-03-22T09:30", "version": "0"})
    page = client.get(CONTROL).text
    assert "Return to draft" in page
    back = post(client, f"{CONTROL}/draft", {"version": hidden(page, "version")})
    assert back.status_code == 303 and _stored(web_settings) == ("draft", None)
    version = hidden(client.get(CONTROL).text, "version")
    post(client, f"{CONTROL}/embargo", {"override": "test", "release_at": "2018-03-22T09:30", "version": version})
    clock.set(datetime(2018, 3, 22, 10, 0, tzinfo=UTC))  # the release time has passed
    login(client, "ana")  # sessions last 8 hours
    page = client.get(CONTROL).text
    assert "Return to draft" not in page and "The release time has passed" in page
    refused = post(client, f"{CONTROL}/draft", {"version": hidden(page, "version")})
    assert refused.status_code == 400 and "can only be marked published" in refused.text
    assert _stored(web_settings)[0] == "embargoed"


def test_a_stale_control_form_is_a_conflict(new_client: NewClient, login: Login, web_settings: WebSettings) -> None:
    first, second = login(new_client(), "ana"), login(new_client(), "ana")
    version = hidden(first.get(CONTROL).text, "version")
    assert post(second, f"{CONTROL}/embargo", {"release_at": "2018-03-22T09:30", "version": version,
                                               "override": "test"}).status_code == 303
    stale = post(first, f"{CONTROL}/embargo", {"release_at": "2018-03-29T09:30", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this publication" in stale.text and "22 March 2018, 09:30 GMT" in stale.text
    assert 'value="2018-03-29T09:30"' in stale.text  # the time this analyst entered is still in the form
    assert _stored(web_settings)[1] == datetime(2018, 3, 22, 9, 30, tzinfo=UTC)
    assert post(first, f"{CONTROL}/publish", {"version": version}).status_code == 409
    assert _stored(web_settings)[0] == "embargoed"


def test_publishing_opens_the_force_pages_to_the_public(new_client: NewClient, login: Login) -> None:
    ana, public = login(new_client(), "ana"), new_client()
    force_page = f"/publications/{PUBLICATION}/forces/warwickshire"
    assert public.get(force_page).status_code != 200
    post(ana, f"{CONTROL}/publish", {"version": "0", "override": "test"})
    assert public.get(force_page).status_code == 200


def test_publishing_before_the_release_time_shows_the_actual_release(client: TestClient, login: Login,
                                                                    clock: Clock) -> None:
    """Published ahead of its embargo's release time: the page gives the time it became public, never the
    release time still to come (the publication is not waiting for it)."""
    login(client, "ana")
    page = client.get(CONTROL)
    post(client, f"{CONTROL}/embargo", {"release_at": "2018-03-22T09:30", "override": "test",
                                        "version": hidden(page.text, "version")})
    clock.set(datetime(2018, 3, 1, 12, 45, tzinfo=UTC))  # within the session's idle limit
    post(client, f"{CONTROL}/publish", {"version": hidden(client.get(CONTROL).text, "version")})
    status = client.get(f"{CONTROL}.json").json()["status"]
    assert status["state"] == "published" and status["public"] is True
    assert status["release_at"] == status["released_at"] == "2018-03-01T12:45:00+00:00"
    shown = client.get(CONTROL).text
    summary = shown[shown.index("govuk-summary-list"):shown.index("History of")]
    assert "1 March 2018, 12:45 GMT" in summary and "22 March" not in summary
