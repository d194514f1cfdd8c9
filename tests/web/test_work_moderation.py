"""Moderation in the web app: the drafter cannot moderate; a second inspector accepts or returns with a comment
(required); two inspectors deciding at once: one decision is kept, the other is shown the conflict; the list of
judgments to moderate and the publication gate follow; every decision is audited and shown in the history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.users import add_user
from peelkit.web.app import WebSettings
from tests.web.conftest import PASSWORD, PUBLICATION
from tests.web.test_work_pages import LEDGER, Q4, audit_count, hidden, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
PAGE = f"{LEDGER}/judgments/{Q4}"
LIST = f"/ledger/{PUBLICATION}/moderation"


@pytest.fixture
def moderators(web_settings: WebSettings) -> None:
    with db.session_scope(web_settings.ledger_url, actor="test-setup") as session:
        add_user(session, "ivy", "inspector", PASSWORD)
        add_user(session, "ida", "inspector", PASSWORD)


def _draft(client: TestClient, grade: str) -> None:
    version = hidden(client.get(PAGE).text, "version")
    saved = post(client, PAGE, {"grade": grade, "inspected": "yes", "version": version})
    assert saved.status_code == 303, saved.text


def _moderation_form_version(html: str) -> str:
    # The page has two forms; the moderation form's version comes after its heading.
    return hidden(html.split('id="moderation"', 1)[1], "version")


def test_second_inspector_moderates(new_client: NewClient, login: Login, web_settings: WebSettings,
                                    moderators: None) -> None:
    ian = login(new_client(), "ian")
    _draft(ian, "Outstanding")
    own = ian.get(PAGE)
    assert "You drafted this version" in own.text and "Record moderation" not in own.text
    waiting = ian.get(f"{LIST}.json").json()["judgments"]
    assert any(j["question_id"] == Q4 and j["drafted_by"] == "ian" for j in waiting)
    ivy = login(new_client(), "ivy")
    page = ivy.get(PAGE)
    assert "Record moderation" in page.text
    version = _moderation_form_version(page.text)
    bare = post(ivy, f"{PAGE}/moderate", {"decision": "returned", "comment": " ", "version": version})
    assert bare.status_code == 400 and "a comment is required" in bare.text
    before = audit_count(web_settings, "judgment_review", actor="ivy")
    returned = post(ivy, f"{PAGE}/moderate", {"decision": "returned", "comment": "<b>Too</b> generous",
                                              "version": version})
    assert returned.status_code == 303 and returned.headers["location"].endswith("saved=moderated")
    assert audit_count(web_settings, "judgment_review", actor="ivy") == before + 1
    shown = ian.get(PAGE)
    assert "&lt;b&gt;Too&lt;/b&gt; generous" in shown.text and "<b>Too</b>" not in shown.text
    assert "returned" in shown.text
    # Ian redrafts; Ivy accepts the new version; the gate no longer names this judgment.
    _draft(ian, "Good")
    accepted = post(ivy, f"{PAGE}/moderate", {"decision": "accepted", "version": _moderation_form_version(
        ivy.get(PAGE).text)})
    assert accepted.status_code == 303
    state = ivy.get(f"{PAGE}.json").json()["moderation"]
    assert state["state"] == "accepted" and [h["decision"] for h in state["history"]] == ["returned", "accepted"]
    assert not any(j["question_id"] == Q4 and j["force_code"] == "E23000017"
                   for j in ivy.get(f"{LIST}.json").json()["judgments"])
    overview = ian.get(f"{LEDGER}.json").json()
    assert next(j["moderation"] for j in overview["judgments"] if j["question_id"] == Q4) == "accepted"
    assert [a["who"] for a in overview["audit"]
            if a["what"] == "Moderation"] == ["ivy", "ivy"]  # the force's history shows both decisions


def test_two_inspectors_at_once(new_client: NewClient, login: Login, web_settings: WebSettings,
                                moderators: None) -> None:
    ian = login(new_client(), "ian")
    _draft(ian, "Outstanding")
    ivy, ida = login(new_client(), "ivy"), login(new_client(), "ida")
    seen_by_ivy, seen_by_ida = ivy.get(PAGE).text, ida.get(PAGE).text
    first = post(ivy, f"{PAGE}/moderate", {"decision": "accepted", "version": _moderation_form_version(seen_by_ivy)})
    assert first.status_code == 303
    second = post(ida, f"{PAGE}/moderate", {"decision": "returned", "comment": "No",
                                            "version": _moderation_form_version(seen_by_ida)})
    assert second.status_code == 409 and 'id="moderation-conflict"' in second.text
    assert ida.get(f"{PAGE}.json").json()["moderation"]["moderated_by"] == "ivy"
    assert audit_count(web_settings, "judgment_review", actor="ida") == 0


def test_gate_names_unmoderated_judgments(new_client: NewClient, login: Login, moderators: None) -> None:
    ian = login(new_client(), "ian")
    _draft(ian, "Outstanding")
    gate = login(new_client(), "ana").get(f"/publications/{PUBLICATION}/control.json").json()["gate"]
    assert any("Warwickshire" in line and "not moderated" in line and Q4 in line for line in gate)
