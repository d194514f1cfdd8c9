"""The web app's one cache library (peelkit.web.caching): bounded, expiring, built once per key."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.improvements import raise_area
from peelkit.web import caching, pages
from peelkit.web.app import WebSettings
from peelkit.web.data import MEMO_LIMIT, PublicationCache


def test_an_lru_cache_stays_within_its_bound_and_drops_the_least_recently_used() -> None:
    cache: caching.Bounded[int, str] = caching.lru(3)
    for key in range(3):
        cache.put(key, str(key))
    assert cache.get(0) == "0"  # 0 is now the most recently used
    cache.put(3, "3")
    assert len(cache) == 3 and cache.get(1) is None and cache.get(0) == "0" and cache.get(3) == "3"


def test_a_ttl_cache_forgets_after_its_seconds() -> None:
    now = [100.0]
    cache: caching.Bounded[str, int] = caching.ttl(10, 5.0, timer=lambda: now[0])
    cache.put("user", 1)
    now[0] = 104.9
    assert cache.get("user") == 1
    now[0] = 105.1
    assert cache.get("user") is None


def test_a_zero_second_ttl_keeps_nothing_for_a_later_request() -> None:
    now = [0.0]
    cache: caching.Bounded[str, int] = caching.ttl(10, 0, timer=lambda: now[0])
    assert cache.get_or_build("a", lambda: 1) == 1
    now[0] = 1e-6
    assert cache.get("a") is None


def test_get_or_build_builds_once_and_drop_removes_by_key() -> None:
    cache: caching.Bounded[tuple[int, str], str] = caching.lru(10)
    built: list[str] = []
    for _ in range(3):
        cache.get_or_build((1, "a"), lambda: built.append("a") or "A")
    cache.put((2, "b"), "B")
    assert built == ["a"]
    cache.drop(lambda key: key[0] != 1)
    assert cache.get((1, "a")) is None and cache.get((2, "b")) == "B"


def test_threads_share_one_cache_without_losing_entries() -> None:
    cache: caching.Bounded[int, int] = caching.lru(10_000)

    def fill(start: int) -> None:
        for key in range(start, start + 1000):
            cache.put(key, key)
            assert cache.get(key) == key

    threads = [threading.Thread(target=fill, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 4000


def test_the_page_memo_is_bounded_and_keyed_by_the_versions() -> None:
    cache = PublicationCache(None, None)
    cache._ledger_version, cache._warehouse_stamp = 7, 1  # as if the versions had been read
    cache._checked_at = float("inf")  # and were fresh: no ledger is read here
    for key in range(MEMO_LIMIT + 10):
        cache.memo(key, lambda key=key: key)
    assert len(cache._memo) == MEMO_LIMIT
    assert cache.peek(MEMO_LIMIT + 9) == MEMO_LIMIT + 9 and cache.peek(0) is None
    cache._ledger_version = 8  # a later ledger: nothing built for version 7 answers
    assert cache.peek(MEMO_LIMIT + 9) is None


# ------------------------------------------------------------------------------------ the signed-in force page

FORCE_PAGE = "/publications/peel-effectiveness-2017/forces/warwickshire"


def test_signed_in_pages_reuse_the_page_data_but_are_rendered_for_each_viewer(
        new_client: Callable[[], TestClient], login: Callable[..., TestClient], set_state: Callable[..., Any],
        web_settings: WebSettings, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    set_state("draft")
    built: list[str] = []
    real = pages.force_page

    def counting(data: Any, code: str) -> dict[str, Any]:
        built.append(code)
        return real(data, code)

    monkeypatch.setattr(pages, "force_page", counting)
    ana, warks = login(new_client(), "ana"), login(new_client(), "warks")
    seen = [ana.get(FORCE_PAGE) for _ in range(3)]
    assert [r.status_code for r in seen] == [200] * 3 and len(built) == 1  # built once for the analysts' key
    assert all("Signed in as" in r.text and ">ana<" in r.text for r in seen)  # rendered for this viewer
    own = warks.get(FORCE_PAGE)
    assert own.status_code == 200 and ">warks<" in own.text and ">ana<" not in own.text
    assert len(built) == 2  # a force user's view is its own key: never the analyst's data
    assert form_token_of(own.text) != form_token_of(seen[0].text)

    with db.session_scope(web_settings.ledger_url, actor="inspector") as session:
        raise_area(session, "Warwickshire", "2017", "Q2_investigating_crime",
                   "A sentence written after the page was kept.")
    app.state.cache.invalidate()  # what a work-side save does; other processes look within a second
    assert "A sentence written after the page was kept." in ana.get(FORCE_PAGE).text and len(built) == 3

    # The page kept for a session is never answered once the session has ended: signed out, the same browser
    # gets the public's page (a draft: not found), and a new session of the same user gets its own form token.
    cookie = ana.cookies.get("peel_session")
    assert ana.post("/logout", data={"csrf_token": form_token_of(seen[0].text)},
                    follow_redirects=False).status_code == 303
    ana.cookies.set("peel_session", cookie)  # even a browser that kept the old cookie
    assert ana.get(FORCE_PAGE).status_code == 404
    again = login(new_client(), "ana").get(FORCE_PAGE)
    assert again.status_code == 200 and form_token_of(again.text) != form_token_of(seen[0].text)


def form_token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)
