"""Record integrity through the web app with a second process at work: a password changed elsewhere ends the
user's open sessions, the ledger page's "Recent changes" shows command-line edits beside web ones, and a
published publication's records change on the web only with a correction reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.helpers import run_peel
from tests.web.conftest import PUBLICATION, PublicationStatus
from tests.web.test_work_pages import hidden, post

Login = Callable[..., TestClient]
LEDGER = f"/ledger/{PUBLICATION}/forces/warwickshire"
Q1 = "Q1_preventing_crime_and_ASB"


def test_a_password_changed_elsewhere_ends_open_sessions(client: TestClient, login: Login) -> None:
    login(client, "ian")
    assert client.get("/account.json").status_code == 200
    run_peel("users", "password", "ian", "--password-stdin", "--by", "admin", stdin="a brand new password\n")
    assert client.get("/account.json").status_code == 401
    assert client.get("/account").status_code == 303  # to the sign-in page
    login(client, "ian", "a brand new password")
    assert client.get("/account.json").status_code == 200


def test_recent_changes_show_web_and_command_line_edits(client: TestClient, login: Login) -> None:
    login(client, "ian")
    page = client.get(f"{LEDGER}/judgments/{Q1}")
    saved = post(client, f"{LEDGER}/judgments/{Q1}", {"grade": "Good", "inspected": "yes", "evidence": "web",
                                                      "version": hidden(page.text, "version")})
    assert saved.status_code == 303, saved.text[:400]
    run_peel("ledger", "set-narrative", "--force", "Warwickshire", "--year", "2017", "--section", "overview",
             "--file", "-", "--by", "cli inspector", stdin="Written at the command line.")
    audit = client.get(f"{LEDGER}.json").json()["audit"]
    who = [entry["who"] for entry in audit]
    assert "cli inspector" in who and "ian" in who
    shown = client.get(LEDGER).text
    assert "cli inspector" in shown


def test_published_records_need_a_correction_on_the_web(client: TestClient, login: Login,
                                                        set_state: Callable[..., PublicationStatus]) -> None:
    set_state("published", release_at=datetime(2018, 2, 1, tzinfo=UTC))
    login(client, "ian")
    page = client.get(f"{LEDGER}/judgments/{Q1}")
    assert 'name="correction"' in page.text  # asked for once the publication is public
    form = {"grade": "Outstanding", "inspected": "yes", "evidence": "", "version": hidden(page.text, "version")}
    refused = post(client, f"{LEDGER}/judgments/{Q1}", form)
    assert refused.status_code == 400 and "only as a correction" in refused.text
    corrected = post(client, f"{LEDGER}/judgments/{Q1}", {**form, "correction": "a <script>typo</script> fixed"})
    assert corrected.status_code == 303, corrected.text[:400]
    force_page = client.get(f"/publications/{PUBLICATION}/forces/warwickshire")
    assert "Corrected on" in force_page.text and "a &lt;script&gt;typo&lt;/script&gt; fixed" in force_page.text
    report = client.get(f"/publications/{PUBLICATION}/forces/warwickshire/report")
    assert report.status_code == 200 and "Corrected on" in report.text
