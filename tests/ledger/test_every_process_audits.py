"""The record as people use it: separate `peel` processes against a ledger that already exists (SQLite and
PostgreSQL). Every change is audited by whichever process makes it, raises the ledger's change counter, and a
published publication's records change only as corrections."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from peelkit.ledger import db
from peelkit.ledger.base import AuditLog
from peelkit.ledger.changes import current_version
from peelkit.ledger.corrections import Correction
from tests.helpers import run_peel

PUBLICATION = "peel-effectiveness-2017"
PASSWORD = "passwordpassword\n"


def _actors(url: str) -> list[str]:
    with db.session_scope(url) as session:
        return list(session.scalars(select(AuditLog.actor).order_by(AuditLog.id)))


def _version(url: str) -> int:
    with db.session_scope(url) as session:
        return current_version(session)


def test_each_cli_process_writes_its_audit_rows(ledger_url: str) -> None:
    # The repro: the ledger exists; users are added and disabled by later processes.
    run_peel("ledger", "judgments", "--force", "Kent", "--year", "2017")
    start = _version(ledger_url)
    run_peel("users", "add", "a", "--role", "analyst", "--password-stdin", "--by", "t1", stdin=PASSWORD)
    run_peel("users", "add", "b", "--role", "analyst", "--password-stdin", "--by", "t2", stdin=PASSWORD)
    run_peel("users", "disable", "a", "--by", "t3")
    run_peel("ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question", "overall",
             "--grade", "Good", "--by", "t4", "--expected-version", "0")
    raised = run_peel("ledger", "raise-area", "--force", "Kent", "--year", "2017", "--question",
                      "Q2_investigating_crime", "--text", "Supervise investigations", "--by", "t5")
    area_id = raised.stdout.split()[-1]
    run_peel("ledger", "set-area-status", area_id, "--status", "in_progress", "--by", "t6", "--expected-version", "1")
    run_peel("ledger", "set-narrative", "--force", "Kent", "--year", "2017", "--section", "overview",
             "--file", "-", "--by", "t7", stdin="Kent is *good* at preventing crime.")
    run_peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", "2030-01-01T00:00Z",
             "--override", "test", "--by", "t8")
    actors = _actors(ledger_url)
    for actor in ("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"):
        assert actor in actors, (actor, actors)
    assert _version(ledger_url) >= start + 8  # every committed change raised the counter
    history = json.loads(run_peel("ledger", "history", "--force", "Kent", "--format", "json").stdout)
    assert {"t4", "t5", "t6", "t7"} <= {row["actor"] for row in history}
    csv_lines = run_peel("ledger", "history", "--force", "Kent", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "at,actor,table_name,record_id,action,changed" and len(csv_lines) >= 5


def test_a_published_record_changes_only_as_a_correction(ledger_url: str) -> None:
    run_peel("ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question", "overall",
             "--grade", "Good", "--by", "inspector", "--expected-version", "0")
    area_id = run_peel("ledger", "raise-area", "--force", "Kent", "--year", "2017", "--question",
                       "Q2_investigating_crime", "--text", "Supervise investigations", "--by", "inspector"
                       ).stdout.split()[-1]
    refused = run_peel("publication", "set", PUBLICATION, "--state", "published", "--by", "analyst", check=False)
    assert refused.returncode == 8 and "has not signed off" in refused.stderr + refused.stdout
    run_peel("publication", "set", PUBLICATION, "--state", "published", "--by", "analyst",
             "--override", "all forces agreed by telephone")
    status = json.loads(run_peel("publication", "status", PUBLICATION, "--format", "json").stdout)
    assert status["released_at"] and status["override_reason"] == "all forces agreed by telephone"
    before = _actors(ledger_url)

    # The repro: after publication, a judgment of that year is refused, and nothing is written.
    changed = run_peel("ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question", "overall",
                       "--grade", "Outstanding", "--by", "someone", "--expected-version", "1", check=False)
    assert changed.returncode == 8 and "correction" in changed.stderr + changed.stdout
    for args in (["ledger", "raise-area", "--force", "Kent", "--year", "2017", "--question",
                  "Q2_investigating_crime", "--text", "x", "--by", "someone"],
                 ["ledger", "set-narrative", "--force", "Kent", "--year", "2017", "--section", "overview",
                  "--file", "-", "--by", "someone"]):
        assert run_peel(*args, stdin="text", check=False).returncode == 8, args
    assert _actors(ledger_url) == before
    judgments = json.loads(run_peel("ledger", "judgments", "--force", "Kent", "--year", "2017",
                                    "--format", "json").stdout)
    assert judgments["overall"]["grade"] == "Good" and judgments["overall"]["version"] == 1

    # A correction goes through, with its reason kept and audited.
    run_peel("ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question", "overall",
             "--grade", "Outstanding", "--by", "corrector", "--correction", "the grade was transcribed wrongly",
             "--expected-version", "1")
    with db.session_scope(ledger_url) as session:
        corrections = session.scalars(select(Correction)).all()
        assert [(c.publication_id, c.force_code, c.reason, c.actor) for c in corrections] == [
            (PUBLICATION, "E23000032", "the grade was transcribed wrongly", "corrector")]
        audited = session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.table_name == "correction", AuditLog.actor == "corrector"))
        assert audited == 1
    # An area's status moving on later is dated tracking, not a correction of what was published.
    run_peel("ledger", "set-area-status", area_id, "--status", "addressed", "--by", "inspector",
             "--expected-version", "1")
    with db.session_scope(ledger_url) as session:
        assert len(session.scalars(select(Correction)).all()) == 1
    # Other programme years are not frozen by this publication.
    run_peel("ledger", "record-judgment", "--force", "Kent", "--year", "2016", "--question", "overall",
             "--grade", "Good", "--by", "inspector", "--expected-version", "0")


def test_a_password_change_is_audited_and_recorded(ledger_url: str) -> None:
    run_peel("users", "add", "pat", "--role", "inspector", "--password-stdin", "--by", "admin", stdin=PASSWORD)
    run_peel("users", "password", "pat", "--password-stdin", "--by", "admin2", stdin="anotherpassword\n")
    with db.session_scope(ledger_url) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.table_name == "users")).all()
        assert [r.actor for r in rows][-1] == "admin2"
        assert rows[-1].after is not None and rows[-1].after["credentials_changed_at"]
        assert "argon2" not in json.dumps([r.after for r in rows])
