"""The factual-accuracy check in the ledger: the window decides when a force may comment; inspectors answer each
comment with a reason; everything is audited and shows in the force's history; `peel ledger accuracy` sets the
window from another process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from peelkit.ledger import db
from peelkit.ledger.accuracy import (
    AccuracyError,
    add_comment,
    answer_comment,
    list_comments,
    report_sections,
    set_window,
)
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.history import force_history
from tests.helpers import run_peel

PUB = "peel-effectiveness-2017"
KENT, WARKS = "E23000032", "E23000017"
OPENS = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2018, 2, 15, 17, 0, tzinfo=UTC)


def test_the_sections_are_the_reports_narrative_sections() -> None:
    ids = [s.id for s in report_sections(PUB)]
    assert ids[0] == "overview" and ids[-1] == "specialist_capabilities"
    assert "Q1_preventing_crime_and_ASB" in ids and "Q5_specialist_capabilities" not in ids


def test_a_force_comments_only_while_the_window_is_open(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="test") as session:
        with pytest.raises(AccuracyError, match="not been opened"):
            add_comment(session, PUB, KENT, "overview", "Wrong year", "kent", OPENS)
        set_window(session, PUB, OPENS, CLOSES, "ana")
        with pytest.raises(AccuracyError, match="opens at 2018-02-01 09:00"):
            add_comment(session, PUB, KENT, "overview", "Too early", "kent", OPENS - timedelta(minutes=1))
        with pytest.raises(AccuracyError, match="closed at 2018-02-15 17:00"):
            add_comment(session, PUB, KENT, "overview", "Too late", "kent", CLOSES)
        with pytest.raises(AccuracyError, match="not a section"):
            add_comment(session, PUB, KENT, "Q9_nothing", "Which?", "kent", OPENS)
        with pytest.raises(AccuracyError, match="blank"):
            add_comment(session, PUB, KENT, "overview", "   ", "kent", OPENS)
        made = add_comment(session, PUB, KENT, "overview", "The force has 4 not 5 OCG units.", "kent",
                           OPENS + timedelta(days=1))
        assert made.outcome == "pending"
    with db.session_scope(ledger_url, actor="test") as session:
        assert [c.text for c in list_comments(session, PUB, KENT)] == ["The force has 4 not 5 OCG units."]
        assert list_comments(session, PUB, WARKS) == []


def test_the_window_must_close_after_it_opens_and_edits_race_safely(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="test") as session:
        with pytest.raises(AccuracyError, match="close after it opens"):
            set_window(session, PUB, CLOSES, OPENS, "ana")
        window = set_window(session, PUB, OPENS, CLOSES, "ana", expected_version=0)
        assert window.version == 1
        with pytest.raises(ConflictError):
            set_window(session, PUB, OPENS, CLOSES + timedelta(days=1), "ana", expected_version=0)


def test_inspectors_answer_each_comment_with_a_reason_all_audited(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="ana") as session:
        set_window(session, PUB, OPENS, CLOSES, "ana")
    with db.session_scope(ledger_url, actor="kent") as session:
        comment_id = add_comment(session, PUB, KENT, "overview", "Wrong figure", "kent", OPENS).id
    with db.session_scope(ledger_url, actor="ian") as session:
        with pytest.raises(AccuracyError, match="reason"):
            answer_comment(session, comment_id, "accepted", " ", "ian")
        with pytest.raises(AccuracyError, match="accepted or not_accepted"):
            answer_comment(session, comment_id, "maybe", "why", "ian")
        answered = answer_comment(session, comment_id, "not_accepted", "The figure is the force's own return.",
                                  "ian", expected_version=1)
        assert (answered.outcome, answered.version) == ("not_accepted", 2)
        with pytest.raises(ConflictError):
            answer_comment(session, comment_id, "accepted", "Changed my mind", "ian", expected_version=1)
    with db.session_scope(ledger_url) as session:
        actors = {(r.table_name, r.actor) for r in session.scalars(select(AuditLog))}
        assert {("accuracy_window", "ana"), ("accuracy_comment", "kent"), ("accuracy_comment", "ian")} <= actors
        history = force_history(session, KENT)
        assert [c.table_name for c in history[:2]] == ["accuracy_comment", "accuracy_comment"]
        assert "reason" in history[0].changed and "outcome" in history[0].changed


def test_the_cli_sets_shows_and_lists_the_accuracy_check(ledger_url: str) -> None:
    run_peel("ledger", "accuracy", "window", "--publication", PUB, "--opens", "2018-02-01T09:00Z",
             "--closes", "2018-02-15T17:00Z", "--by", "ana")
    shown = json.loads(run_peel("ledger", "accuracy", "window", "--publication", PUB, "--format", "json").stdout)
    assert shown["opens_at"].startswith("2018-02-01T09:00") and shown["set_by"] == "ana"
    bad = run_peel("ledger", "accuracy", "window", "--publication", PUB, "--opens", "2018-02-15T09:00Z",
                   "--closes", "2018-02-01T17:00Z", "--by", "ana", check=False)
    assert bad.returncode == 2 and "close after it opens" in bad.stderr
    with db.session_scope(ledger_url, actor="kent") as session:
        add_comment(session, PUB, KENT, "overview", "Wrong figure", "kent", OPENS)
    listed = json.loads(run_peel("ledger", "accuracy", "list", "--publication", PUB, "--format", "json").stdout)
    assert [(c["force_code"], c["outcome"]) for c in listed] == [(KENT, "pending")]
    answered = run_peel("ledger", "accuracy", "answer", str(listed[0]["id"]), "--outcome", "accepted",
                        "--reason", "Corrected in the report", "--by", "ian", "--expected-version", "1")
    assert "accepted" in answered.stdout
