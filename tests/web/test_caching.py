"""The web app's one cache library (peelkit.web.caching): bounded, expiring, built once per key."""

from __future__ import annotations

import threading

from peelkit.web import caching
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
