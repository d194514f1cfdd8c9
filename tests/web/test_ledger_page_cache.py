"""The signed-in ledger page is kept whole between requests, yet never shows a ledger older than the request:
its key is the ledger version read on every request, so a change committed anywhere (another `peel` process,
another user, this user's save) shows on the very next page. Kept per session: one user never gets another's
name or form token. The embargo banner follows the clock, and the saved notice follows the address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.users import add_user
from peelkit.web.app import WebSettings
from peelkit.web.routes import work_ledger
from tests.web.conftest import PASSWORD, Clock
from tests.web.test_work_pages import LEDGER, Q4, hidden, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
BANNER = "Draft — embargoed"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The force codes of every ledger page built from the records (not served kept)."""
    built: list[str] = []
    real = work_ledger.overview_data

    def counting(*args: object, **kwargs: object) -> dict[str, object]:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        built.append(str(found["force"]))
        return found

    monkeypatch.setattr(work_ledger, "overview_data", counting)
    return built


def _grade_in_json(client: TestClient, question: str) -> str | None:
    page = client.get(LEDGER + ".json")
    assert page.status_code == 200
    for judgment in page.json()["judgments"]:
        if judgment["question_id"] == question:
            return judgment["recorded"]["grade"] if judgment["recorded"] else None
    raise AssertionError(f"{question} is not on the ledger page")


def _record_elsewhere(settings: WebSettings, grade: str) -> None:
    """A judgment committed straight to the ledger, as another `peel` process would: the app is not told."""
    with db.session_scope(settings.ledger_url, actor="another process") as session:
        record_judgment(session, "Warwickshire", "2017", Q4, grade, evidence="recorded elsewhere")


def test_a_kept_page_is_served_until_the_ledger_changes(client: TestClient, login: Login, builds: list[str],
                                                        web_settings: WebSettings) -> None:
    login(client, "ian")
    first = client.get(LEDGER)
    again = client.get(LEDGER)
    assert first.status_code == again.status_code == 200
    assert again.text == first.text and again.headers["content-type"] == first.headers["content-type"]
    assert len(builds) == 1, "the second request should be served from the kept page"

    _record_elsewhere(web_settings, "Good")
    changed = client.get(LEDGER)
    assert len(builds) == 2 and changed.text != first.text
    assert "recorded elsewhere" not in first.text
    assert _grade_in_json(client, Q4) == "Good"  # no wait: the version is read on every request


def test_a_change_from_another_process_shows_on_the_next_request(client: TestClient, login: Login,
                                                                 web_settings: WebSettings) -> None:
    login(client, "ana")  # an analyst: the page read-only
    assert _grade_in_json(client, Q4) is None
    _record_elsewhere(web_settings, "Good")
    assert _grade_in_json(client, Q4) == "Good"
    _record_elsewhere(web_settings, "Requires improvement")
    assert _grade_in_json(client, Q4) == "Requires improvement"


def test_an_inspectors_save_shows_on_the_page_it_redirects_to(client: TestClient, login: Login) -> None:
    login(client, "ian")
    client.get(LEDGER)  # kept before the save
    form = client.get(f"{LEDGER}/judgments/{Q4}")
    answers = {"grade": "Outstanding", "inspected": "yes", "evidence": "saved here",
               "version": hidden(form.text, "version")}
    saved = post(client, f"{LEDGER}/judgments/{Q4}", answers)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert page.status_code == 200 and "Outstanding" in page.text
    assert "The judgment has been saved." in page.text
    assert _grade_in_json(client, Q4) == "Outstanding"


def test_each_session_gets_its_own_page(client: TestClient, new_client: NewClient, login: Login,
                                        builds: list[str], web_settings: WebSettings) -> None:
    with db.session_scope(web_settings.ledger_url, actor="test-setup") as session:
        add_user(session, "ivy", "inspector", PASSWORD)
    ian, ivy = login(client, "ian"), login(new_client(), "ivy")
    ian_page, ivy_page = ian.get(LEDGER).text, ivy.get(LEDGER).text
    assert len(builds) == 2
    assert "Signed in as" in ian_page and ">ian<" in ian_page and ">ivy<" not in ian_page
    assert ">ivy<" in ivy_page and ">ian<" not in ivy_page
    ian_token, ivy_token = hidden(ian_page, "csrf_token"), hidden(ivy_page, "csrf_token")
    assert ian_token != ivy_token
    # Signing in again is a new session: its page carries the new session's token, never the old one's.
    again = login(new_client(), "ian").get(LEDGER).text
    assert hidden(again, "csrf_token") != ian_token and len(builds) == 3


def test_the_saved_notice_follows_the_address(client: TestClient, login: Login) -> None:
    login(client, "ian")
    plain = client.get(LEDGER).text
    noticed = client.get(LEDGER, params={"saved": "judgment"}).text
    assert "The judgment has been saved." in noticed and "The judgment has been saved." not in plain
    assert client.get(LEDGER).text == plain  # the notice is not kept for the plain address


def test_the_embargo_banner_follows_the_clock_on_a_kept_page(client: TestClient, login: Login, clock: Clock,
                                                            set_state: Callable[..., object],
                                                            builds: list[str]) -> None:
    set_state("embargoed", release_at=clock() + timedelta(hours=1))
    login(client, "ian")
    assert BANNER in client.get(LEDGER).text
    assert BANNER in client.get(LEDGER).text
    clock.advance(hours=2)  # released: nothing in the ledger changed
    assert BANNER not in client.get(LEDGER).text
