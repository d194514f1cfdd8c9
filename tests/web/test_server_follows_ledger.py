"""A running `peel serve` follows every change another `peel` process commits to the ledger, within seconds:
publication, return to draft before a release time (the embargo must hold at that time), a moved release time,
and inspectors' saves. Nothing here calls the app's cache: the server is a separate process, as in use."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.helpers import http_status as _status
from tests.helpers import peel_serve, post_login, run_peel
from tests.ledger.conftest import _admin, pg_template, postgres_server  # noqa: F401 (fixtures)
from tests.web.conftest import PUBLICATION, SECRET, World

API = f"/api/v1/publications/{PUBLICATION}"
FORCE_PAGE = f"/publications/{PUBLICATION}/forces/warwickshire"
LEDGER_PAGE = f"/ledger/{PUBLICATION}/forces/warwickshire"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The world's SQLite ledger, or a fresh migrated PostgreSQL one; the `peel` processes use it too."""
    if request.param == "sqlite":
        yield world.ledger_url
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    monkeypatch.setenv("PEEL_DATABASE_URL", f"{server}/{name}")
    try:
        yield f"{server}/{name}"
    finally:
        _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server(world: World, ledger_url: str) -> Iterator[str]:
    env = {"PEEL_HOME": str(world.home), "PEEL_DATABASE_URL": ledger_url, "PEEL_SECRET_KEY": SECRET,
           "PEEL_SITE_DIR": str(world.home / "site")}
    with peel_serve(env, start_seconds=30) as base:
        yield base


def _json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        found: dict[str, object] = json.loads(response.read())
        return found


def _wait(condition: Callable[[], bool], seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.2)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@pytest.mark.slow
def test_embargo_withdrawn_elsewhere_holds_at_its_release_time(server: str) -> None:
    assert _status(server + API) == 404  # a draft
    # Far enough ahead that both commands finish before it on a loaded two-core machine.
    release = datetime.now(UTC) + timedelta(seconds=20)
    run_peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", _iso(release),
             "--override", "test", "--by", "analyst")
    assert _status(server + API) == 404  # embargoed, before its time
    run_peel("publication", "set", PUBLICATION, "--state", "draft", "--by", "analyst")
    assert datetime.now(UTC) < release - timedelta(seconds=3), "too slow to test the release time: raise the lead"
    time.sleep(max(0.0, (release - datetime.now(UTC)).total_seconds()) + 2)
    # The repro: at the old release time an anonymous visitor must still be refused.
    assert _status(server + API) == 404
    assert _status(server + FORCE_PAGE) == 404

    # A release time set (and moved) from another process is followed too.
    release = datetime.now(UTC) + timedelta(hours=5)
    run_peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", _iso(release),
             "--override", "test", "--by", "analyst")
    soon = datetime.now(UTC) + timedelta(seconds=3)
    run_peel("publication", "set", PUBLICATION, "--state", "embargoed", "--release-at", _iso(soon),
             "--override", "test", "--by", "analyst")
    _wait(lambda: _status(server + API) == 200, 15, "the moved release time did not reach the server")


@pytest.mark.slow
def test_publishing_and_inspectors_saves_reach_a_running_server(server: str) -> None:
    assert _status(server + FORCE_PAGE) == 404
    run_peel("publication", "set", PUBLICATION, "--state", "published", "--override", "test", "--by", "analyst")
    _wait(lambda: _status(server + FORCE_PAGE + ".json") == 200, 10, "publishing did not reach the server")
    standing = json.loads(run_peel("ledger", "judgments", "--force", "Warwickshire", "--year", "2017",
                                   "--format", "json").stdout)
    version = standing["overall"]["version"] if standing["overall"] else 0
    run_peel("ledger", "record-judgment", "--force", "Warwickshire", "--year", "2017", "--question", "overall",
             "--grade", "Outstanding", "--by", "inspector", "--correction", "grade transcribed wrongly",
             "--expected-version", str(version))

    def shows_the_correction() -> bool:
        page = _json(server + FORCE_PAGE + ".json")
        return bool(page.get("corrections")) and "Outstanding" in json.dumps(page.get("overall"))

    _wait(shows_the_correction, 10, "the corrected judgment did not reach the running server")
    page = _json(server + FORCE_PAGE + ".json")
    corrections = page["corrections"]
    assert isinstance(corrections, list) and "Corrected on" in corrections[0]["sentence"]
    assert "grade transcribed wrongly" in corrections[0]["sentence"]


@pytest.fixture
def two_workers(world: World, ledger_url: str) -> Iterator[str]:
    env = {"PEEL_HOME": str(world.home), "PEEL_DATABASE_URL": ledger_url, "PEEL_SECRET_KEY": SECRET,
           "PEEL_SITE_DIR": str(world.home / "site")}
    with peel_serve(env, start_seconds=30, args=("--workers", "2")) as base:
        yield base


def _grade(browser: httpx.Client, question: str) -> str | None:
    page = browser.get(LEDGER_PAGE + ".json")
    assert page.status_code == 200, page.status_code
    found = next(j for j in page.json()["judgments"] if j["question_id"] == question)
    return found["recorded"]["grade"] if found["recorded"] else None


@pytest.mark.slow
def test_the_kept_ledger_page_shows_another_processes_change_at_once(two_workers: str) -> None:
    """Two worker processes keep the signed-in ledger page; a `peel` process records a judgment: the next
    requests, whichever worker answers them, show it. (That it shows within the second the public pages may lag
    is proved in-process, in test_ledger_page_cache.py: a `peel` process takes longer than that second.)"""
    password = "a long enough password 123"
    run_peel("users", "add", "lena", "--role", "inspector", "--password-stdin", "--by", "test", stdin=password)
    question = "Q4_serious_and_organised_crime"
    with httpx.Client(base_url=two_workers, timeout=30) as browser:
        answer = post_login(browser, "lena", password)
        assert answer.status_code == 303, answer.text[:300]
        for _ in range(6):  # both workers keep the page
            assert _grade(browser, question) is None
        for grade in ("Good", "Requires improvement"):
            standing = json.loads(run_peel("ledger", "judgments", "--force", "Warwickshire", "--year", "2017",
                                           "--format", "json").stdout)
            recorded = [q for q in standing["questions"] if q["question_id"] == question]
            version = recorded[0]["version"] if recorded and recorded[0]["version"] else 0
            run_peel("ledger", "record-judgment", "--force", "Warwickshire", "--year", "2017", "--question",
                     question, "--grade", grade, "--by", "inspector", "--expected-version", str(version))
            assert [_grade(browser, question) for _ in range(6)] == [grade] * 6
