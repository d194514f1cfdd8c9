"""The web ledger under the framework of the publication's year: headings with core questions, every finding
kind (practice noted, with no status to move), recommendations shown, and the ledger check on the page."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from peelkit.indicators.publication import load
from peelkit.ledger import db
from peelkit.ledger import frameworks as fw
from peelkit.ledger.recommendations import add_recommendation
from peelkit.web.app import WebSettings
from tests.web.conftest import PUBLICATION
from tests.web.test_work_pages import LEDGER, hidden, post

Login = Callable[..., TestClient]
Q3 = "Q3_protecting_vulnerable_people"
REPORT = f"/publications/{PUBLICATION}/forces/warwickshire/report"


def test_a_publication_uses_the_framework_of_its_year() -> None:
    pub = load(PUBLICATION)
    assert fw.for_publication(pub).id == "peel-effectiveness-2017"
    assert fw.for_publication(dataclasses.replace(pub, year=2024)).id == "peel-2023-25"
    assert fw.for_publication(dataclasses.replace(pub, year=2022)).id == "peel-2021-22"
    # A late publication of a cycle names its framework.
    assert fw.for_publication(dataclasses.replace(pub, year=2025, framework="peel-2023-25")).year == "2023-25"


def test_ledger_page_shows_heading_and_core_question(client: TestClient, login: Login) -> None:
    login(client, "ian")
    page = client.get(f"{LEDGER}.json").json()
    assert page["framework"]["id"] == "peel-effectiveness-2017"
    q3 = next(j for j in page["judgments"] if j["question_id"] == Q3)
    assert q3["title"] == "Protecting those who are vulnerable from harm, and supporting victims"
    assert q3["core_question"].startswith("How effective is the force at protecting those who are vulnerable")
    assert q3["core_question"] in client.get(LEDGER).text


def test_every_kind_through_the_web_and_the_check_on_the_page(client: TestClient, login: Login,
                                                             web_settings: WebSettings) -> None:
    login(client, "ian")
    form = client.get(f"{LEDGER}/areas")
    for kind in ("accelerated_cause_of_concern", "innovative_practice", "promising_practice"):
        assert f'value="{kind}"' in form.text
    version = hidden(client.get(f"{LEDGER}/judgments/{Q3}").text, "version")
    saved = post(client, f"{LEDGER}/judgments/{Q3}", {"grade": "Inadequate", "inspected": "yes",
                                                      "version": version})
    assert saved.status_code == 303
    page = client.get(f"{LEDGER}.json").json()
    assert [c["code"] for c in page["checks"]] == ["inadequate-without-cause-of-concern"]
    assert 'id="ledger-check"' in client.get(LEDGER).text
    for kind, text in (("accelerated_cause_of_concern", "Referrals wait for days."),
                       ("promising_practice", "A joint triage desk.")):
        assert post(client, f"{LEDGER}/areas", {"kind": kind, "question": Q3, "text": text}).status_code == 303
    page = client.get(f"{LEDGER}.json").json()
    assert [c["code"] for c in page["checks"]] == ["cause-of-concern-without-recommendation"]
    by_kind = {a["kind"]: a for a in page["areas"]}
    practice = by_kind["promising_practice"]
    assert practice["status"] == "noted" and practice["status_url"] is None
    url = f"{LEDGER}/areas/{practice['id']}/status"
    refused = post(client, url, {"status": "closed", "version": hidden(client.get(url).text, "version")})
    assert refused.status_code == 400 and "no status to change" in refused.text
    with db.session_scope(web_settings.ledger_url, actor="ian") as session:
        add_recommendation(session, by_kind["accelerated_cause_of_concern"]["id"], "Answer referrals in a day.",
                           "Chief constable", date(2018, 9, 30))
    page = client.get(f"{LEDGER}.json").json()
    assert page["checks"] == []
    html = client.get(LEDGER).text
    assert "Accelerated cause of concern:" in html and "Answer referrals in a day." in html
    report = client.get(REPORT).text
    assert "Accelerated cause of concern:" in report and "Promising practice:" in report
    assert "owner Chief constable, due 2018-09-30" in report


def test_recommendations_are_added_and_moved_on_the_web(client: TestClient, login: Login,
                                                        web_settings: WebSettings) -> None:
    login(client, "ian")
    assert post(client, f"{LEDGER}/areas", {"kind": "cause_of_concern", "question": Q3,
                                            "text": "Referrals are slow."}).status_code == 303
    cause = next(a for a in client.get(f"{LEDGER}.json").json()["areas"] if a["kind"] == "cause_of_concern")
    url = cause["recommendations_url"]
    assert url == f"{LEDGER}/areas/{cause['id']}/recommendations"
    missing = post(client, url, {"action": "add", "text": "Answer in a day.", "owner": "", "due": "soon"})
    assert missing.status_code == 400 and 'href="#owner"' in missing.text and 'href="#due"' in missing.text
    added = post(client, url, {"action": "add", "text": "Answer <referrals> in a day.", "owner": "Chief constable",
                               "due": "2018-09-30"})
    assert added.status_code == 303 and "saved=recommendation" in added.headers["location"]
    (rec,) = client.get(f"{url}.json").json()["area"]["recommendations"]
    assert (rec["owner"], rec["due"], rec["status"]) == ("Chief constable", "2018-09-30", "open")
    assert "Answer &lt;referrals&gt; in a day." in client.get(url).text
    moved = post(client, url, {"action": "status", "recommendation": str(rec["id"]), "status": "completed",
                               "evidence": "Revisit", "version": str(rec["version"])})
    assert moved.status_code == 303
    stale = post(client, url, {"action": "status", "recommendation": str(rec["id"]), "status": "withdrawn",
                               "version": str(rec["version"])})
    assert stale.status_code == 409
    (rec,) = client.get(f"{url}.json").json()["area"]["recommendations"]
    assert [h["status"] for h in rec["history"]] == ["open", "completed"] and rec["history"][1]["actor"] == "ian"
    afi = post(client, f"{LEDGER}/areas", {"kind": "area_for_improvement", "question": Q3, "text": "Files."})
    assert afi.status_code == 303
    plain = next(a for a in client.get(f"{LEDGER}.json").json()["areas"] if a["kind"] == "area_for_improvement"
                 and a["text"] == "Files.")
    refused = post(client, f"{LEDGER}/areas/{plain['id']}/recommendations",
                   {"action": "add", "text": "x", "owner": "CC", "due": "2018-09-30"})
    assert refused.status_code == 400 and "is not one" in refused.text
