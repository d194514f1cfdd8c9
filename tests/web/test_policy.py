"""The access rules as a truth table: every policy function over every role, publication state and
own/other force, including an embargo just before and just after its release time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peelkit.ledger.publication_state import PublicationStatus
from peelkit.web import policy
from peelkit.web.policy import Viewer

OWN, OTHER = "E23000017", "E23000032"
NOW = datetime(2018, 3, 22, 0, 1, tzinfo=UTC)
VIEWERS = {
    "public": Viewer.public(),
    "analyst": Viewer(1, "ana", "analyst", None),
    "inspector": Viewer(2, "ian", "inspector", None),
    "force": Viewer(3, "warks", "force", OWN),
}
STATUSES = {
    "draft": PublicationStatus("p", "draft", None, 0),
    "embargoed-before": PublicationStatus("p", "embargoed", NOW + timedelta(seconds=1), 2),
    "embargoed-at": PublicationStatus("p", "embargoed", NOW, 2),
    "embargoed-after": PublicationStatus("p", "embargoed", NOW - timedelta(days=1), 2),
    "embargoed-no-time": PublicationStatus("p", "embargoed", None, 2),
    "published": PublicationStatus("p", "published", None, 3),
}
PUBLIC_STATES = {"embargoed-at", "embargoed-after", "published"}


def test_is_public() -> None:
    assert {name for name, status in STATUSES.items() if status.is_public(NOW)} == PUBLIC_STATES


@pytest.mark.parametrize("state", STATUSES)
@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize("force", ["own", "other"])
def test_can_view_force(role: str, state: str, force: str) -> None:
    expected = (state in PUBLIC_STATES or role in ("analyst", "inspector")
                or (role == "force" and force == "own"))
    code = OWN if force == "own" else OTHER
    assert policy.can_view_force(VIEWERS[role], STATUSES[state], code, NOW) is expected


@pytest.mark.parametrize("state", STATUSES)
@pytest.mark.parametrize("role", VIEWERS)
def test_can_view_publication(role: str, state: str) -> None:
    expected = state in PUBLIC_STATES or role != "public"
    assert policy.can_view_publication(VIEWERS[role], STATUSES[state], NOW) is expected


def test_a_force_user_without_a_force_sees_no_force_before_publication() -> None:
    broken = Viewer(9, "odd", "force", None)
    draft = STATUSES["draft"]
    assert not policy.can_view_force(broken, draft, OWN, NOW)
    assert not policy.can_view_publication(broken, draft, NOW)
    assert not policy.can_see_query(broken, OWN) and not policy.can_answer_query(broken, OWN)


def test_the_release_time_is_the_boundary() -> None:
    status = STATUSES["embargoed-at"]
    public = VIEWERS["public"]
    assert not policy.can_view_force(public, status, OWN, NOW - timedelta(microseconds=1))
    assert policy.can_view_force(public, status, OWN, NOW)


ACTIONS = {
    "can_edit_ledger": {"inspector"},
    "can_control_publication": {"analyst"},
    "can_raise_query": {"analyst"},
    "can_close_query": {"analyst"},
    "can_see_data_status": {"analyst", "inspector", "force"},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", VIEWERS)
def test_role_actions(role: str, action: str) -> None:
    assert getattr(policy, action)(VIEWERS[role]) is (role in ACTIONS[action])


@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize("force", ["own", "other"])
def test_queries(role: str, force: str) -> None:
    code = OWN if force == "own" else OTHER
    viewer = VIEWERS[role]
    assert policy.can_see_query(viewer, code) is (role in ("analyst", "inspector") or
                                                  (role == "force" and force == "own"))
    assert policy.can_answer_query(viewer, code) is (role == "force" and force == "own")


def test_public_viewer() -> None:
    viewer = Viewer.public()
    assert viewer == Viewer(None, None, "public", None)
    assert not viewer.signed_in and VIEWERS["force"].signed_in
