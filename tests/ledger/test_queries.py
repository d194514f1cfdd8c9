"""Data queries and sign-offs in the ledger (SQLite and PostgreSQL), and the commands that drive them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from peelkit import config
from peelkit.checks.registry import CheckFinding
from peelkit.clitools import PeelGroup
from peelkit.errors import PeelError, RecordRuleError
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.db import session_scope
from peelkit.ledger.queries import (
    DataQuery,
    Signoff,
    answer_query,
    list_queries,
    raise_queries,
    reopen_query,
    resolve_query,
    return_status,
    sign_off,
)
from peelkit.ledger.queries_cli import checks_app, queries_app, returns_status_command, signoff_command
from tests.checks.world import AT17, Y17, World, code

PUB = "peel-effectiveness-2017"
runner = CliRunner()


def _findings() -> list[CheckFinding]:
    kent, durham = code("Kent"), code("Durham")
    return [CheckFinding("consistency.ocgs-mapped-within-ocgs", "error", kent, "ocgs_mapped", date(2017, 7, 1), 41.0,
                         "mapped exceeds OCGs", import_id=3),
            CheckFinding("completeness.not-supplied", "info", durham, "da_arrests", date(2017, 6, 30), None,
                         "could not supply", import_id=3)]


def test_raising_queries_twice_creates_no_duplicates(ledger_url: str) -> None:
    with session_scope(actor="analyst") as session:
        report = raise_queries(session, PUB, _findings())
        assert len(report.created) == 2
    with session_scope(actor="analyst") as session:
        report = raise_queries(session, PUB, [*_findings(), *_findings()])
        assert (len(report.created), len(report.unchanged)) == (0, 2)
        queries = list_queries(session, PUB)
        assert len(queries) == 2 and {q.status for q in queries} == {"open"}
        # Another publication has its own queries.
        assert len(raise_queries(session, "other-publication", _findings()).created) == 2


def test_a_changed_figure_is_a_new_query_and_old_ones_are_reported(ledger_url: str) -> None:
    with session_scope() as session:
        raise_queries(session, PUB, _findings())
    changed = _findings()[0]
    changed = CheckFinding(changed.rule_id, changed.severity, changed.force_code, changed.item, changed.period_end,
                           45.0, changed.message)
    with session_scope() as session:
        report = raise_queries(session, PUB, [changed])
        assert len(report.created) == 1
        assert {q.item for q in report.no_longer_found} == {"ocgs_mapped", "da_arrests"}


def test_answer_and_resolve_lifecycle_with_audit(ledger_url: str) -> None:
    with session_scope(actor="analyst") as session:
        raise_queries(session, PUB, _findings())
        query_id = list_queries(session, PUB, force="Kent")[0].id
    with session_scope(actor="kent-user") as session:
        query = answer_query(session, query_id, "Mapped count included archived groups", by="K Force")
        assert (query.status, query.answered_by, query.version) == ("answered", "K Force", 2)
        assert query.answered_at is not None
    with session_scope(actor="analyst") as session, pytest.raises(ConflictError):
        resolve_query(session, query_id, by="A Analyst", expected_version=1)
    with session_scope(actor="analyst") as session:
        query = resolve_query(session, query_id, by="A Analyst", accept=True, expected_version=2)
        assert (query.status, query.closed_by) == ("accepted", "A Analyst") and query.closed_at is not None
    with session_scope() as session:
        with pytest.raises(PeelError, match="already accepted"):
            answer_query(session, query_id, "again", by="K Force")
        audit = session.scalars(select(AuditLog).where(AuditLog.table_name == "data_query",
                                                       AuditLog.record_id == str(query_id))
                                .order_by(AuditLog.id)).all()
        assert [(a.action, a.actor) for a in audit] == [("insert", "analyst"), ("update", "kent-user"),
                                                        ("update", "analyst")]
        assert audit[1].before is not None and audit[1].before["status"] == "open"
        assert audit[2].after is not None and audit[2].after["status"] == "accepted"
        # An accepted query is not raised again when the checks find the same figure.
        report = raise_queries(session, PUB, _findings())
        assert not report.created and not report.reopened


def test_accepting_needs_an_answer_and_resolved_queries_reopen(ledger_url: str) -> None:
    with session_scope() as session:
        raise_queries(session, PUB, _findings())
        query_id = list_queries(session, PUB, force="Durham")[0].id
        with pytest.raises(PeelError, match="no answer yet"):
            resolve_query(session, query_id, by="A", accept=True)
        resolve_query(session, query_id, by="A")
        assert list_queries(session, PUB, status="resolved")[0].id == query_id
        report = raise_queries(session, PUB, _findings())
        assert [q.id for q in report.reopened] == [query_id]
        assert session.get(DataQuery, query_id).status == "open"  # type: ignore[union-attr]


def test_an_analyst_reopens_a_closed_query_by_hand(ledger_url: str) -> None:
    with session_scope(actor="analyst") as session:
        raise_queries(session, PUB, _findings())
        query_id = list_queries(session, PUB, force="Kent")[0].id
        with pytest.raises(PeelError, match="nothing to reopen"):
            reopen_query(session, query_id)
        answer_query(session, query_id, "Archived groups were counted", by="K Force")
        closed = resolve_query(session, query_id, by="A Analyst", accept=True)
        with pytest.raises(ConflictError):
            reopen_query(session, query_id, expected_version=closed.version - 1)
        query = reopen_query(session, query_id, expected_version=closed.version)
        assert (query.status, query.closed_by, query.closed_at) == ("open", None, None)
        assert query.answer == "Archived groups were counted"  # the force's answer is kept


def test_concurrent_edits_are_refused(ledger_url: str) -> None:
    with session_scope() as session:
        raise_queries(session, PUB, _findings())
        query_id = list_queries(session, PUB, force="Kent")[0].id
    with pytest.raises(ConflictError), session_scope(actor="two") as second:
        read = second.get(DataQuery, query_id)  # holds version 1 (kept referenced: the identity map is weak)
        assert read is not None and read.version == 1
        with session_scope(actor="one") as first:
            answer_query(first, query_id, "first answer", by="one")
        answer_query(second, query_id, "second answer", by="two")
    with session_scope() as session:
        assert session.get(DataQuery, query_id).answer == "first answer"  # type: ignore[union-attr]


def test_signoff_and_the_forces_not_signed_off(ledger_url: str) -> None:
    with session_scope() as session:
        raise_queries(session, PUB, _findings())
        # One open query, worded as one (not "1 open data queries").
        with pytest.raises(PeelError, match=r"Kent has 1 open data query \(\d+\); answer it first"):
            sign_off(session, PUB, "Kent", by="K Force", return_import_id=3)
        sign_off(session, PUB, "Kent", by="K Force", return_import_id=3, allow_open=True)
        sign_off(session, PUB, "Surrey", by="S Force", note="checked", return_import_id=3)
    with session_scope() as session:
        current = {code("Kent"): 3, code("Surrey"): 9}  # Surrey resubmitted since it signed off
        rows = {r.force_code: r for r in return_status(session, PUB, current)}
        assert len(rows) == 43
        assert rows[code("Kent")].signed_off and rows[code("Kent")].open_queries == 1
        assert not rows[code("Surrey")].signed_off and "sign off again" in rows[code("Surrey")].note
        assert not rows[code("Durham")].signed_off and rows[code("Durham")].open_queries == 1
        assert "no return loaded" in rows[code("Durham")].note
        assert sum(not r.signed_off for r in rows.values()) == 42


def test_a_return_is_signed_off_once(ledger_url: str) -> None:
    """Signing off the same return again is refused (exit 8) and records nothing; a new return signs again."""
    with session_scope() as session:
        sign_off(session, PUB, "Kent", by="K Force", return_import_id=3)
    with session_scope() as session, pytest.raises(RecordRuleError, match=r"Kent has already signed off this "
                                                                          r"return \(import 3\): K Force"):
        sign_off(session, PUB, "Kent", by="Someone Else", return_import_id=3)
    with session_scope() as session:
        sign_off(session, PUB, "Kent", by="K Force", return_import_id=4)
        assert [(s.signed_by, s.return_import_id) for s in session.scalars(select(Signoff).order_by(Signoff.id))] \
            == [("K Force", 3), ("K Force", 4)]
    assert RecordRuleError.exit_code == 8


# ------------------------------------------------------------------------------------------- commands

def _peel() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(checks_app, name="checks")
    app.add_typer(queries_app, name="queries")
    return app


def _returns_app() -> typer.Typer:
    app = typer.Typer(cls=PeelGroup)  # as the `peel returns` app mounts them: its group answers errors
    app.command("signoff")(signoff_command)
    app.command("status")(returns_status_command)
    return app


def _warehouse(peel_home: Path) -> None:
    world = World.realistic()
    kent = code("Kent")
    world.set(kent, "ocgs_mapped", AT17, world.get(kent, "ocgs", AT17) + 1)
    world.status(code("Durham"), "da_arrests", Y17, "unable", "arrests are not flagged")
    world.build(config.warehouse_path()).close()


def test_checks_run_twice_raises_each_query_once(ledger_url: str, peel_home: Path) -> None:
    _warehouse(peel_home)
    first = runner.invoke(_peel(), ["checks", "run", "--publication", PUB])
    assert first.exit_code == 0, first.output
    assert "2 findings: 1 error, 0 warning, 1 info" in first.output and "new" in first.output
    second = runner.invoke(_peel(), ["checks", "run", "--publication", PUB, "--format", "json"])
    assert second.exit_code == 0, second.output
    body = json.loads(second.output)
    assert body["counts"] == {"error": 1, "warning": 0, "info": 1}
    assert [f["new"] for f in body["findings"]] == [False, False]
    listed = runner.invoke(_peel(), ["queries", "list", "--format", "json"])
    assert len(json.loads(listed.output)) == 2
    csv_out = runner.invoke(_peel(), ["checks", "run", "--publication", PUB, "--format", "csv", "--no-queries"])
    assert csv_out.output.splitlines()[0] == ("query_id,query_status,new,severity,rule_id,force_code,force_name,"
                                              "item,period_end,figure,synthetic,message")


def test_queries_and_signoff_commands(ledger_url: str, peel_home: Path) -> None:
    _warehouse(peel_home)
    assert runner.invoke(_peel(), ["checks", "run", "--publication", PUB]).exit_code == 0
    listed = json.loads(runner.invoke(_peel(), ["queries", "list", "--force", "Kent", "--status", "open",
                                                    "--format", "json"]).output)
    (query,) = listed
    result = runner.invoke(_peel(), ["queries", "answer", str(query["id"]), "--text", "typo", "--by", "K Force",
                                         "--expected-version", "1"])
    assert result.exit_code == 0, result.output
    stale = runner.invoke(_peel(), ["queries", "resolve", str(query["id"]), "--by", "A", "--expected-version", "1"])
    assert stale.exit_code == ConflictError.exit_code and "changed by someone else" in stale.output
    assert runner.invoke(_peel(), ["queries", "resolve", str(query["id"]), "--by", "A", "--expected-version",
                                   "2"]).exit_code == 0
    listing = runner.invoke(_peel(), ["queries", "list", "--format", "csv", "--status", "resolved"])
    csv_lines = listing.output.splitlines()
    assert len(csv_lines) == 2 and csv_lines[0].startswith("id,publication_id,force_code,rule_id")

    app = _returns_app()
    refused = runner.invoke(app, ["signoff", "--force", "Durham", "--by", "D Force"])
    assert refused.exit_code == 1 and "Durham has 1 open data query (" in refused.output, refused.output
    signed = runner.invoke(app, ["signoff", "--force", "Kent", "--by", "K Force"])
    assert signed.exit_code == 0 and "covering return" in signed.output, signed.output
    status = json.loads(runner.invoke(app, ["status", "--publication", PUB, "--format", "json"]).output)
    assert code("Kent") not in status["not_signed_off"] and len(status["not_signed_off"]) == 42
    table = runner.invoke(app, ["status"]).output
    assert "42 of 43 forces have not signed off" in table
    reopened = runner.invoke(_peel(), ["queries", "reopen", str(query["id"]), "--by", "A", "--expected-version", "3"])
    assert reopened.exit_code == 0 and " open (version" in reopened.output, reopened.output
    again = runner.invoke(_peel(), ["queries", "reopen", str(query["id"]), "--by", "A", "--expected-version", "4"])
    unversioned = runner.invoke(_peel(), ["queries", "answer", str(query["id"]), "--text", "x", "--by", "K"])
    assert unversioned.exit_code == 2 and "--expected-version" in unversioned.output  # required: never skipped
    assert again.exit_code != 0 and "nothing to reopen" in again.output


def test_every_command_help_ends_with_an_example() -> None:
    for app, commands in ((checks_app, ["run", "rules"]), (queries_app, ["list", "answer", "resolve"]),
                          (_returns_app(), ["signoff", "status"])):
        for command in commands:
            out = runner.invoke(app, [command, "--help"], terminal_width=200).output
            assert "Example:" in out, command
