"""Sign-in throttling against a real server: concurrent attempts cannot race past the limit (issue 13, 1), and
a client on this host cannot pose as other addresses with X-Forwarded-For unless a proxy is configured (2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from peelkit.ledger import users
from peelkit.web.auth import THROTTLE_LIMIT
from peelkit.web.cli import proxy_options
from tests.helpers import post_login
from tests.web.conftest import PASSWORD, _free_port


class CountingHasher(PasswordHasher):
    """Cheap argon2 that counts password checks and takes a while over each (as the real one does), so that
    racing requests overlap."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 (argon2's own name)
        with self._lock:
            self.checks += 1
        time.sleep(0.05)
        return super().verify(hash, password)


@contextmanager
def serving(app: FastAPI, **options: object) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           access_log=False, **options))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _attempt(base: str, name: str, password: str, headers: dict[str, str] | None = None) -> int:
    with httpx.Client(base_url=base, timeout=60) as browser:
        return int(post_login(browser, name, password, headers).status_code)


@pytest.fixture
def counting_hasher() -> Iterator[CountingHasher]:
    hasher = CountingHasher()
    users.use_hasher(hasher)
    yield hasher
    users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_concurrent_wrong_passwords_check_at_most_the_limit(app: FastAPI, counting_hasher: CountingHasher) -> None:
    with serving(app, **proxy_options()) as base, ThreadPoolExecutor(24) as pool:
        codes = list(pool.map(lambda _: _attempt(base, "ana", "wrong password!"), range(24)))
    assert counting_hasher.checks <= THROTTLE_LIMIT, codes
    assert sorted(set(codes)) == [401, 429] and codes.count(401) == counting_hasher.checks
    # The refused attempts were not counted as failures: the limit is reached, no more.
    assert _attempt_after(app, "ana") == 429


def _attempt_after(app: FastAPI, name: str) -> int:
    with serving(app, **proxy_options()) as base:
        return _attempt(base, name, PASSWORD)


def test_a_right_password_racing_wrong_ones_is_never_counted_as_a_failure(
        app: FastAPI, counting_hasher: CountingHasher) -> None:
    with serving(app, **proxy_options()) as base, ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda p: _attempt(base, "ian", p), [PASSWORD, "bad 1", "bad 2", PASSWORD]))
        assert sorted(codes) == [303, 303, 401, 401]
        assert _attempt(base, "ian", PASSWORD) == 303


def test_forwarded_for_from_loopback_is_not_believed_by_default(app: FastAPI, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.delenv("PEEL_FORWARDED_ALLOW_IPS", raising=False)
    with serving(app, **proxy_options()) as base:
        for n in range(THROTTLE_LIMIT):
            assert _attempt(base, f"guess{n}", "wrong", {"X-Forwarded-For": f"203.0.113.{n}"}) == 401
        assert _attempt(base, "ian", PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 429


def test_forwarded_for_is_believed_from_a_configured_proxy(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    # Positive control: the same rotation is per address when loopback is declared a proxy.
    monkeypatch.setenv("PEEL_FORWARDED_ALLOW_IPS", "127.0.0.1")
    with serving(app, **proxy_options()) as base:
        for n in range(THROTTLE_LIMIT):
            assert _attempt(base, f"guess{n}", "wrong", {"X-Forwarded-For": f"203.0.113.{n}"}) == 401
        assert _attempt(base, "ian", PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 303
