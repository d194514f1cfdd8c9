"""Optimistic locking is never skipped (issue 13, 8): every form that edits a record that can be edited by
someone else meanwhile must carry the version its editor read. Without it the edit is refused (400) and nothing
is saved; "0" means "there was no record" and conflicts if one has been made since."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.improvements import raise_area
from peelkit.web.app import WebSettings
from tests.web.conftest import PUBLICATION, WARKS
from tests.web.test_work_pages import LEDGER, Q4, audit_count, make_query, post

Login = Callable[..., TestClient]


def _area(settings: WebSettings) -> int:
    with db.session_scope(settings.ledger_url, actor="ian") as session:
        return raise_area(session, "Warwickshire", "2017", Q4, "Map more groups.").id


EDITS: dict[str, tuple[str, Callable[[WebSettings], str], dict[str, Any]]] = {
    # name: (who, url for the world, form without its version)
    "area status": ("ian", lambda s: f"{LEDGER}/areas/{_area(s)}/status", {"status": "closed", "evidence": "done"}),
    "judgment": ("ian", lambda s: f"{LEDGER}/judgments/{Q4}", {"grade": "Good", "inspected": "yes"}),
    "narrative": ("ian", lambda s: f"{LEDGER}/narrative/overview", {"text": "New text", "action": "save"}),
    "query answer": ("warks", lambda s: f"/queries/{make_query(s, WARKS)}/answer", {"answer": "It is right"}),
    "query close": ("ana", lambda s: f"/queries/{make_query(s, WARKS)}/close", {"outcome": "accepted"}),
    "query reopen": ("ana", lambda s: f"/queries/{make_query(s, WARKS)}/reopen", {}),
    "publish": ("ana", lambda s: f"/publications/{PUBLICATION}/control/publish", {}),
    "back to draft": ("ana", lambda s: f"/publications/{PUBLICATION}/control/draft", {}),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_without_its_version_is_refused_and_saves_nothing(edit: str, client: TestClient, login: Login,
                                                                  web_settings: WebSettings) -> None:
    who, url_for, form = EDITS[edit]
    url = url_for(web_settings)
    login(client, who)
    before = audit_count(web_settings)
    refused = post(client, url, form)
    assert refused.status_code == 400, (refused.status_code, refused.text[:300])
    assert "version" in refused.text
    assert audit_count(web_settings) == before
    assert post(client, url, {**form, "version": "x"}).status_code == 400


def test_version_0_conflicts_when_the_record_was_made_meanwhile(new_client: Callable[[], TestClient],
                                                                login: Login) -> None:
    first, second = login(new_client(), "ian"), login(new_client(), "ian")
    url = f"{LEDGER}/narrative/specialist_capabilities"
    assert post(first, url, {"text": "First", "version": "0"}).status_code == 303
    clash = post(second, url, {"text": "Second", "version": "0"})
    assert clash.status_code == 409
