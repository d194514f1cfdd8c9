"""The API answers from the pages' versioned cache (issue 13, 11): each answer is built and serialised once per
version, a ledger change is seen (the cache follows its version), and the body is what the models declare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.corrections import begin_correction
from peelkit.ledger.judgments import record_judgment
from peelkit.web.routes import api
from tests.web.conftest import PUBLICATION

API = f"/api/v1/publications/{PUBLICATION}"


@pytest.fixture
def published(set_state: Callable[..., Any]) -> None:
    set_state("published")


def test_an_answer_is_built_once_per_version(published: None, client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = api._force_indicators

    def counting(*args: Any) -> Any:
        built.append("force")
        return real(*args)

    monkeypatch.setattr(api, "_force_indicators", counting)
    bodies = {client.get(f"{API}/forces/warwickshire").content for _ in range(5)}
    assert len(bodies) == 1 and built == ["force"]
    body = api.ForceIndicators.model_validate_json(bodies.pop())
    assert body.force.slug == "warwickshire" and body.figures


def test_a_ledger_change_is_seen(published: None, client: TestClient, app: Any, world: Any) -> None:
    before = client.get(f"{API}/forces").json()
    kent = next(f for f in before if f["force"]["slug"] == "kent")
    assert kent["overall_grade"] != "Outstanding"
    with db.session_scope(world.ledger_url, actor="inspector") as session:
        begin_correction(session, "the overall grade was transcribed wrongly")  # the publication is published
        record_judgment(session, "Kent", "2017", "overall", "Outstanding")
    app.state.cache.invalidate()  # what every work-side save does; other workers look within a second
    after = client.get(f"{API}/forces").json()
    assert next(f for f in after if f["force"]["slug"] == "kent")["overall_grade"] == "Outstanding"


def test_head_of_an_api_route_has_no_body(published: None, client: TestClient) -> None:
    got, head = client.get(f"{API}/indicators"), client.head(f"{API}/indicators")
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
