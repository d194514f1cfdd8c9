"""A small world for the web app, fresh for every test (copied from a template built once per session):

- a tmp PEEL_HOME holding the four-force warehouse of tests/publish/test_report.py (Warwickshire, West Mercia,
  Kent, Suffolk) and a migrated SQLite ledger with that module's Warwickshire judgments, area for improvement
  and narrative (including hostile HTML, for escaping tests);
- users: analyst "ana", inspector "ian", force users "warks" (Warwickshire) and "kent" (Kent), all with the
  password PASSWORD;
- a settable clock (`clock.set(...)`, `clock.advance(hours=1)`), starting at 2018-03-01 12:00 UTC;
- the publication peel-effectiveness-2017 is a draft until a test calls `set_state(...)`.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from peelkit.ledger import db, users
from peelkit.ledger.publication_state import PublicationStateRow, PublicationStatus, get_status
from peelkit.ledger.users import add_user
from peelkit.web.app import WebSettings, create_app
from tests.publish.test_report import KENT, PUBLICATION, SUFFOLK, WARKS, WMERCIA, build_ledger, build_warehouse

PASSWORD = "correct horse battery staple"
USERS = {"ana": ("analyst", None), "ian": ("inspector", None), "warks": ("force", WARKS), "kent": ("force", KENT)}
START = datetime(2018, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "test-secret-key-for-the-web-tests-0123456789"
__all__ = ["KENT", "PASSWORD", "PUBLICATION", "SUFFOLK", "USERS", "WARKS", "WMERCIA", "Clock", "form_token"]


class Clock:
    """A clock the app reads instead of the system's (tz-aware UTC)."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None, "use a tz-aware time"
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class World:
    home: Path
    warehouse_path: Path
    ledger_url: str


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 with its real parameters takes ~0.2 s a check; the tests sign in hundreds of times."""
    from argon2 import PasswordHasher

    users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    users.use_hasher(None)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory, cheap_password_hashing: None) -> Path:
    folder = tmp_path_factory.mktemp("web-template")
    build_warehouse(folder / "warehouse.duckdb")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    db.upgrade(url)
    build_ledger(url)
    with db.session_scope(url, actor="test-setup") as session:
        for name, (role, force) in USERS.items():
            add_user(session, name, role, PASSWORD, force)
    db.engine_for(url).dispose()
    return folder


@pytest.fixture
def world(web_template: Path, peel_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    peel_home.mkdir(parents=True, exist_ok=True)
    for name in ("warehouse.duckdb", "ledger.sqlite3"):
        shutil.copy(web_template / name, peel_home / name)
    url = f"sqlite:///{peel_home / 'ledger.sqlite3'}"
    monkeypatch.setenv("PEEL_DATABASE_URL", url)
    db._UPGRADED.add(url)  # copied from a migrated template
    yield World(peel_home, peel_home / "warehouse.duckdb", url)
    db.engine_for(url).dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_settings(world: World, clock: Clock) -> WebSettings:
    return WebSettings(warehouse_path=world.warehouse_path, ledger_url=world.ledger_url,
                       site_dir=world.home / "site", secret_key=SECRET, https=False, clock=clock,
                       user_cache_seconds=0)


@pytest.fixture
def app(web_settings: WebSettings) -> FastAPI:
    return create_app(web_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous browser (keeps cookies; does not follow redirects unless asked)."""
    with TestClient(app, follow_redirects=False) as anonymous:
        yield anonymous


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    """More browsers, e.g. one per user in the same test."""
    made: list[TestClient] = []

    def make() -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        browser.__enter__()
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.__exit__(None, None, None)


def form_token(client: TestClient) -> str:
    """The CSRF token this browser's forms carry (read from the sign-in page, which every browser can open)."""
    response = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


@pytest.fixture
def login() -> Callable[..., TestClient]:
    """login(client, "ana") signs that browser in (asserting it worked) and returns it."""

    def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
        response = client.post("/login", data={"name": name, "password": password, "csrf_token": form_token(client),
                                               "next": "/account"}, follow_redirects=False)
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return client

    return sign_in


@pytest.fixture
def set_state(app: FastAPI, web_settings: WebSettings) -> Callable[..., PublicationStatus]:
    """set_state("embargoed", release_at=...) puts the publication in that state directly, whatever the
    transition rules say (tests need every state; the rules have their own tests)."""

    def put(state: str, release_at: datetime | None = None, publication: str = PUBLICATION) -> PublicationStatus:
        with db.session_scope(web_settings.ledger_url, actor="test") as session:
            row = session.get(PublicationStateRow, publication)
            stored = release_at.astimezone(UTC).replace(tzinfo=None) if release_at else None
            if row is None:
                session.add(PublicationStateRow(publication_id=publication, state=state, release_at=stored,
                                                updated_by="test"))
            else:
                row.state, row.release_at = state, stored
            session.flush()
            status = get_status(session, publication)
        cache: Any = getattr(app.state, "cache", None)
        if cache is not None and hasattr(cache, "invalidate"):
            cache.invalidate()
        return status

    return put


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app on a real uvicorn server on a free loopback port (for browser tests); yields the base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never `playwright install`), one per browser-test module. The modules
    call browser_gate.require_browser first, so a missing Chromium is a loud skip (a failure in CI)."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser_helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
