"""`peel users ...`, `peel publication ...` and `peel serve`; the publication state rules; audit rows for
users and state changes that never hold a password hash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from peelkit.cli import app as cli
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.publication_state import TransitionError, get_status, set_status
from peelkit.ledger.users import authenticate, find_user
from tests.web.conftest import PASSWORD, PUBLICATION, World, _free_port

runner = CliRunner()
RELEASE = "2018-03-22T00:01:00+00:00"


def peel(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def test_add_list_disable(world: World) -> None:
    code, out = peel("users", "add", "Suffolk.Data", "--role", "force", "--force", "suffolk", "--password-stdin",
                     "--by", "admin", stdin="a long enough password\n")
    assert code == 0, out
    assert "added force suffolk.data (E23000025)" in out
    code, out = peel("users", "list", "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) == {"ana", "ian", "kent", "warks", "suffolk.data"}
    assert rows["suffolk.data"]["role"] == "force" and rows["suffolk.data"]["force_code"] == "E23000025"
    assert all(set(r) == {"name", "role", "force_code", "active", "created_at"} for r in rows.values())
    code, out = peel("users", "list", "--format", "csv")
    assert out.splitlines()[0] == "name,role,force_code,active,created_at"
    assert out.splitlines()[1].startswith("ana,analyst,,true,")
    code, out = peel("users", "list")
    assert "suffolk.data" in out and "active" in out and "argon2" not in out
    assert peel("users", "disable", "suffolk.data")[0] == 0
    with db.session_scope(world.ledger_url) as session:
        assert authenticate(session, "suffolk.data", "a long enough password") is None
    assert "disabled" in peel("users", "list")[1]
    assert peel("users", "enable", "suffolk.data")[0] == 0
    with db.session_scope(world.ledger_url) as session:
        assert authenticate(session, "suffolk.data", "a long enough password") is not None


def test_add_asks_for_the_password_twice(world: World) -> None:
    code, out = peel("users", "add", "inspector2", "--role", "inspector",
                     stdin="first password x\nsecond password\nthe password 2\nthe password 2\n")
    assert code == 0, out
    assert "do not match" in out and "the password 2" not in out
    with db.session_scope(world.ledger_url) as session:
        assert authenticate(session, "inspector2", "the password 2") is not None


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["newbie", "--role", "analyst"], "short\n", "at least 10"),
    (["ana", "--role", "analyst"], "long enough password\n", "already a user"),
    (["Ana", "--role", "analyst"], "long enough password\n", "already a user"),
    (["forceless", "--role", "force"], "long enough password\n", "needs a force"),
    (["analyst2", "--role", "analyst", "--force", "Kent"], "long enough password\n", "only force users"),
    (["x", "--role", "admin"], "long enough password\n", "unknown role"),
    (["bad name", "--role", "analyst"], "long enough password\n", "user name"),
    (["kentish", "--role", "force", "--force", "Kentt"], "long enough password\n", "Kent"),
    (["nopass", "--role", "analyst"], "\n", "no password"),
])
def test_add_refuses(world: World, args: list[str], stdin: str, message: str) -> None:
    code, out = peel("users", "add", *args, "--password-stdin", stdin=stdin)
    assert code != 0
    assert message in out


def test_disable_an_unknown_user(world: World) -> None:
    code, out = peel("users", "disable", "nobody")
    assert code == 2 and "no user called 'nobody'" in out


def test_publication_set_and_status(world: World) -> None:
    code, out = peel("publication", "status", PUBLICATION, "--format", "json")
    assert code == 0 and json.loads(out) == {"publication_id": PUBLICATION, "state": "draft", "release_at": None,
                                             "version": 0, "public": False, "released_at": None,
                                             "override_reason": None, "override_detail": []}
    code, out = peel("publication", "set", PUBLICATION, "--state", "embargoed")
    assert code == 2 and "--release-at" in out
    code, out = peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", "2030-01-01T09:00")
    assert code != 0 and "time zone" in out
    code, out = peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", "soon")
    assert code != 0 and "not a time" in out
    code, out = peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", "2030-01-01T09:00Z",
                     "--by", "analyst ana")
    assert code == 8 and "has not signed off" in out  # the gate: no force has signed off
    code, out = peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", "2030-01-01T09:00Z",
                     "--by", "analyst ana", "--override", "test release")
    assert code == 0, out
    assert "embargoed" in out and "not public" in out
    status = json.loads(peel("publication", "status", PUBLICATION, "--format", "json")[1])
    assert status["state"] == "embargoed" and status["release_at"] == "2030-01-01T09:00:00+00:00"
    assert status["version"] == 1
    code, out = peel("publication", "set", PUBLICATION, "--state", "published", "--version", "0")
    assert code == 5 and "changed by someone else" in out
    code, out = peel("publication", "set", PUBLICATION, "--state", "published", "--version", "1", "--format", "json",
                     "--override", "test release")
    assert code == 0 and json.loads(out)["public"] is True
    released = json.loads(out)
    # Published before its embargo's time: released now, and the release time shown is no longer in the future.
    assert released["released_at"] == released["release_at"] and released["released_at"] < "2030"
    assert released["override_reason"] == "test release" and released["override_detail"]
    code, out = peel("publication", "set", PUBLICATION, "--state", "draft")
    assert code == 2 and "already published" in out
    code, out = peel("publication", "set", "no-such-publication", "--state", "draft")
    assert code != 0 and "no publication" in out
    code, out = peel("publication", "set", PUBLICATION, "--state", "withdrawn")
    assert code == 2


NOW = datetime(2018, 3, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=21)


def _set(url: str, state: str, release_at: datetime | None = None, now: datetime = NOW,
         expected: int | None = None) -> str:
    with db.session_scope(url, actor="tester") as session:
        version = get_status(session, PUBLICATION).version if expected is None else expected
        return set_status(session, PUBLICATION, state, release_at, version, now=now, override="test").state


def test_transitions(world: World) -> None:
    url = world.ledger_url
    with pytest.raises(TransitionError, match="needs a release time"):
        _set(url, "embargoed")
    assert _set(url, "embargoed", LATER) == "embargoed"
    assert _set(url, "embargoed", LATER + timedelta(hours=1)) == "embargoed"  # a new release time, before release
    assert _set(url, "draft") == "draft"  # withdrawn before release
    with db.session_scope(url) as session:
        assert get_status(session, PUBLICATION).release_at is None
    assert _set(url, "embargoed", LATER) == "embargoed"
    after = LATER + timedelta(seconds=1)
    with pytest.raises(TransitionError, match="released"):
        _set(url, "draft", now=after)
    with pytest.raises(TransitionError, match="released"):
        _set(url, "embargoed", LATER + timedelta(days=1), now=after)
    assert _set(url, "published", now=after) == "published"
    with db.session_scope(url) as session:
        status = get_status(session, PUBLICATION)
        assert status.release_at == LATER and status.release_at.tzinfo is not None  # kept: when it went public
    for state in ("draft", "embargoed", "published"):
        with pytest.raises(TransitionError, match="already published"):
            _set(url, state, LATER)


def test_publishing_a_draft_directly(world: World) -> None:
    assert _set(world.ledger_url, "published") == "published"
    with db.session_scope(world.ledger_url) as session:
        assert get_status(session, PUBLICATION).is_public(NOW)


def test_stale_versions_conflict(world: World) -> None:
    url = world.ledger_url
    with pytest.raises(ConflictError):
        _set(url, "published", expected=3)
    _set(url, "embargoed", LATER, expected=0)
    with pytest.raises(ConflictError):
        _set(url, "published", expected=0)
    with pytest.raises(TransitionError, match="time zone"):
        _set(url, "embargoed", datetime(2030, 1, 1), expected=1)


def test_audit_rows_for_users_and_states_never_hold_the_hash(world: World) -> None:
    peel("users", "add", "auditee", "--role", "analyst", "--password-stdin", "--by", "admin",
         stdin="a long enough password\n")
    peel("users", "password", "auditee", "--password-stdin", stdin="another long password\n")
    peel("users", "disable", "auditee", "--by", "admin")
    peel("publication", "set", PUBLICATION, "--state", "published", "--by", "analyst ana", "--override", "test")
    with db.session_scope(world.ledger_url) as session:
        user = find_user(session, "auditee")
        assert user is not None and user.password_hash.startswith("$argon2")
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        mine = [r for r in rows if r.table_name == "users" and r.record_id == str(user.id)]
        states = [r for r in rows if r.table_name == "publication_state"]
        assert [r.action for r in mine] == ["insert", "update", "update"]
        assert mine[0].actor == "admin" and mine[0].after is not None and mine[0].after["password_hash"] == "***"
        assert mine[1].before is not None and mine[1].before["password_hash"] == "***"
        assert mine[1].after is not None and mine[1].after["password_hash"] == "*** (changed)"
        assert mine[2].before is not None and mine[2].after is not None
        assert mine[2].after["password_hash"] == "***"
        assert mine[2].before["active"] is True and mine[2].after["active"] is False
        assert [(r.action, r.actor, r.after["state"] if r.after else None) for r in states] == [
            ("insert", "analyst ana", "published")]
        everything = json.dumps([[r.before, r.after] for r in rows])
        assert "$argon2" not in everything
        assert "auditee" in everything
    assert "argon2" not in repr(user)


def test_users_sign_in(world: World) -> None:
    with db.session_scope(world.ledger_url) as session:
        assert authenticate(session, "warks", PASSWORD) is not None
        assert authenticate(session, " WARKS ", PASSWORD) is not None
        assert authenticate(session, "warks", PASSWORD + " ") is None
        assert authenticate(session, "nobody", PASSWORD) is None


def test_peel_serve_runs_the_app(world: World, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PEEL_HOME": str(world.home), "PEEL_DATABASE_URL": world.ledger_url}
    env.pop("PEEL_SECRET_KEY", None)
    process = subprocess.Popen([sys.executable, "-m", "peelkit.cli", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "peel serve did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and "Sign in" in response.text
        secret = world.home / "web-secret"
        assert secret.exists() and secret.stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.wait(timeout=10)
