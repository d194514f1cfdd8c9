"""Moderation of judgments: a second inspector accepts or returns the drafted version; the drafter cannot; an
edit makes a new draft; two decisions on one version conflict; the gate refuses until every judgment of the
programme is accepted, and the override still lets it through. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.errors import RecordRuleError
from peelkit.ledger import db, moderation
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.history import force_history
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.publication_state import gate_problems, set_status

PUB = "peel-effectiveness-2017"
OVERALL = "overall"
runner = CliRunner()


def _draft(url: str, actor: str, grade: str = "Good", version: int = 0) -> int:
    with db.session_scope(url, actor=actor) as session:
        return record_judgment(session, "Kent", "2017", OVERALL, grade, expected_version=version).version


def _decide(url: str, actor: str, decision: str, version: int, comment: str | None = None) -> None:
    with db.session_scope(url, actor=actor) as session:
        judgment = moderation.find(session, "Kent", "2017", OVERALL)
        moderation.moderate(session, judgment, decision, version, comment)


def _state(url: str) -> moderation.Review:
    with db.session_scope(url, actor="reader") as session:
        (review,) = moderation.programme_reviews(session, "2017", "Kent")
        return review


def test_drafted_returned_redrafted_accepted(ledger_url: str) -> None:
    version = _draft(ledger_url, "Ann")
    first = _state(ledger_url)
    assert (first.state, first.drafted_by, first.decision) == (moderation.AWAITING, "Ann", None)
    with pytest.raises(moderation.ModerationError, match="second inspector"):
        _decide(ledger_url, "ann", "accepted", version)  # the drafter, whatever the case of the name
    with pytest.raises(moderation.ModerationError, match="comment is required"):
        _decide(ledger_url, "Bob", "returned", version, "  ")
    _decide(ledger_url, "Bob", "returned", version, "The evidence supports Requires improvement")
    returned = _state(ledger_url)
    assert returned.state == moderation.RETURNED and returned.decision is not None
    assert returned.decision.comment == "The evidence supports Requires improvement"
    with pytest.raises(ConflictError):  # a decision on that version is made
        _decide(ledger_url, "Cy", "accepted", version)
    version = _draft(ledger_url, "Ann", "Requires improvement", version)
    assert _state(ledger_url).state == moderation.AWAITING  # an edit is a new draft
    _decide(ledger_url, "Bob", "accepted", version)
    done = _state(ledger_url)
    assert done.state == moderation.ACCEPTED and [r.decision for r in done.history] == ["returned", "accepted"]
    # Editing an accepted judgment (Bob now drafts) needs a new moderation, and Bob cannot give it.
    version = _draft(ledger_url, "Bob", "Good", version)
    assert _state(ledger_url).state == moderation.AWAITING
    with pytest.raises(moderation.ModerationError):
        _decide(ledger_url, "Bob", "accepted", version)
    with db.session_scope(ledger_url, actor="reader") as session:
        audited = session.scalars(select(AuditLog).where(AuditLog.table_name == "judgment_review")).all()
        assert [(a.actor, a.after["decision"]) for a in audited if a.after] == [("Bob", "returned"),
                                                                               ("Bob", "accepted")]
        assert any(c.table_name == "judgment_review" for c in force_history(session, "E23000032"))


def test_stale_version_is_refused(ledger_url: str) -> None:
    version = _draft(ledger_url, "Ann")
    with pytest.raises(ConflictError):
        _decide(ledger_url, "Bob", "accepted", version + 1)
    _draft(ledger_url, "Ann", "Outstanding", version)
    with pytest.raises(ConflictError):  # Bob read the Good version; it is Outstanding now
        _decide(ledger_url, "Bob", "accepted", version)


def test_gate_refuses_until_moderated_and_override_passes(ledger_url: str) -> None:
    version = _draft(ledger_url, "Ann")
    with db.session_scope(ledger_url, actor="reader") as session:
        lines = [p for p in gate_problems(session, PUB) if "not moderated" in p]
    assert lines == ["Kent has 1 judgment not moderated: overall (awaiting moderation)"]
    now = datetime(2018, 3, 1, tzinfo=UTC)
    with db.session_scope(ledger_url, actor="analyst") as session, \
            pytest.raises(RecordRuleError, match="44 problem"):  # 43 forces not signed off, 1 judgment
        set_status(session, PUB, "published", None, 0, now=now)
    _decide(ledger_url, "Bob", "accepted", version)
    with db.session_scope(ledger_url, actor="reader") as session:
        assert not [p for p in gate_problems(session, PUB) if "not moderated" in p]
    _draft(ledger_url, "Ann", "Inadequate", version)
    with db.session_scope(ledger_url, actor="analyst") as session:
        status = set_status(session, PUB, "published", None, 0, now=now, override="moderation by telephone")
    assert status.override_reason == "moderation by telephone"
    assert any("not moderated" in line for line in status.override_detail)


def test_cli_moderate_and_reviews(ledger_url: str) -> None:
    version = _draft(ledger_url, "Ann")
    base = ["ledger", "judgment", "moderate", "--force", "Kent", "--year", "2017", "--question", OVERALL]
    own = runner.invoke(app, [*base, "--decision", "accept", "--by", "Ann", "--expected-version", str(version)])
    assert own.exit_code == 8 and "second inspector" in own.output
    bare = runner.invoke(app, [*base, "--decision", "return", "--by", "Bob", "--expected-version", str(version)])
    assert bare.exit_code == 8 and "comment" in bare.output
    stale = runner.invoke(app, [*base, "--decision", "accept", "--by", "Bob", "--expected-version", "9"])
    assert stale.exit_code == 5
    done = runner.invoke(app, [*base, "--decision", "return", "--comment", "Too generous", "--by", "Bob",
                               "--expected-version", str(version)])
    assert done.exit_code == 0 and "returned" in done.stdout, done.output
    listed = runner.invoke(app, ["ledger", "judgment", "reviews", "--year", "2017", "--format", "json"])
    (row,) = __import__("json").loads(listed.stdout)
    assert (row["state"], row["drafted_by"], row["moderated_by"], row["comment"]) == (
        "returned", "Ann", "Bob", "Too generous")
    waiting = runner.invoke(app, ["ledger", "judgment", "reviews", "--year", "2017", "--waiting"])
    assert "returned (drafted by Ann, moderated by Bob): Too generous" in waiting.stdout
