"""The web app's caches: one bounded cache library (cachetools) and one invalidation rule.

The rule (README "How the web app caches" says the same):

* Anything built from the ledger or the warehouse (publication data, states, map geometry, page data, whole
  public responses, API bodies) is kept against the two versions it was built from: the ledger's change counter
  (``ledger_version``, peelkit.ledger.changes, raised in the same transaction as every committed change from any
  process, a publication's state change or withdrawal included) and the warehouse's import stamp (the
  warehouse file's modification time, which every import changes). A process reads both at most once a second
  (:meth:`peelkit.web.data.PublicationCache.refresh`); a new value empties what was built from the old ones
  before the request that saw it is answered. A work-side save calls ``invalidate()`` so the next request reads
  the versions at once. So no answer is more than a second behind the ledger, and a withdrawn publication is
  never served from a cache once its withdrawal is committed and the second has passed (at once in the process
  that withdrew it). A page that must follow the ledger exactly (the ledger overview) reads the counter on
  every request instead (``PublicationCache.ledger_version_now``) and puts it in its key.
* Who a signed-in user is (role, force, still active, session not signed out) is kept for
  ``WebSettings.user_cache_seconds`` (a TTL cache), and dropped at once in the process that changes the user.
* Files that do not change while the server runs (the chart scripts) are kept by name.

Every cache is bounded (LRU or TTL with a maximum size): a cache, never a record. cachetools' caches are not
thread-safe and FastAPI runs routes in a thread pool, so each is used through :class:`Bounded`, which holds a
lock for each look-up (microseconds) but never while a value is built.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import Cache, LRUCache, TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A cachetools cache behind a lock."""

    def __init__(self, cache: Cache[K, V]) -> None:
        self._cache = cache
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._cache[key] = value

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The kept value, else `build()` (outside the lock: a slow build holds up no other key) kept."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = build()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def drop(self, keep: Callable[[K], bool]) -> None:
        """Drop every entry whose key `keep` refuses."""
        with self._lock:
            for key in [k for k in self._cache if not keep(k)]:
                self._cache.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


def lru(maxsize: int) -> Bounded[K, V]:
    """Least recently used entries go first beyond `maxsize`."""
    return Bounded(LRUCache(maxsize=maxsize))


def ttl(maxsize: int, seconds: float, timer: Callable[[], float] = time.monotonic) -> Bounded[K, V]:
    """Entries expire `seconds` after they were kept; least recently used go first beyond `maxsize`."""
    return Bounded(TTLCache(maxsize=maxsize, ttl=seconds, timer=timer))


__all__ = ["Bounded", "lru", "ttl"]
