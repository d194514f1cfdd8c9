"""What the public pages show, loaded once and kept: each publication's PublicationData (the same object
`peel publish` renders from, so the web shows exactly what the published report shows), the publications'
states, the map geometry, the page data built from them (peelkit.web.pages), and what a viewer may see of it.

Freshness follows the one invalidation rule written in peelkit.web.caching: the ledger's change counter and
the warehouse's import stamp, read at most once a second; a new value reloads the ledger part and the
publications' states and drops the page data built from the old ones (the warehouse part, indicator results and
geometry, only when the stamp moved). Work side saves call :meth:`PublicationCache.invalidate` so an editor sees
the change on the next page at once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from peelkit import forces
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication, available
from peelkit.indicators.publication import load as load_publication
from peelkit.ledger.publication_state import PublicationStatus
from peelkit.publish.model import PublicationData
from peelkit.web.caching import Bounded, lru
from peelkit.web.maps import MapGeometry
from peelkit.web.policy import Viewer, can_view_force

log = logging.getLogger(__name__)

T = TypeVar("T")
CHECK_EVERY = 1.0  # seconds between looks at the ledger's version and the warehouse file
MEMO_LIMIT = 4096  # page data entries kept (least recently used go first)
LOADED_LIMIT = 8  # publications' data kept (each is a few MB)


@dataclasses.dataclass
class _Loaded:
    """One publication's data and the versions it was built from."""

    data: PublicationData
    warehouse_stamp: int
    ledger_version: int


class PublicationCache:
    """Per process: publications' data, states and derived page data, refreshed by version (see module doc).

    Thread-safe: FastAPI runs the (synchronous) routes in a thread pool. Reads of already-built entries take only
    the caches' look-up lock; building data takes one more, so fifty requests arriving together after a change
    build the data once.
    """

    def __init__(self, warehouse_path: Path | None, ledger_url: str | None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.warehouse_path = warehouse_path
        self.ledger_url = ledger_url
        self._monotonic = monotonic
        self._lock = threading.RLock()  # building data (may take a second)
        self._version_lock = threading.Lock()  # looking at the versions (a millisecond)
        self._checked_at = -1e9  # -1e9: look on the next request, waiting if need be (start, or after a save)
        self._invalidations = 0
        self._ledger_version = -1
        self._warehouse_stamp = -1
        self._loaded: Bounded[str, _Loaded] = lru(LOADED_LIMIT)
        self._statuses: dict[str, PublicationStatus] = {}  # a snapshot of every built-in one, replaced whole
        self._memo: Bounded[Hashable, Any] = lru(MEMO_LIMIT)
        self._geometry: tuple[int, MapGeometry | None] | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> PublicationCache:
        """From the app's WebSettings (warehouse_path, ledger_url)."""
        return cls(settings.warehouse_path, settings.ledger_url)

    # ---------------------------------------------------------------------------------------- versions

    def _read_ledger_version(self) -> int:
        from peelkit.ledger import db
        from peelkit.ledger.changes import current_version

        with db.session_scope(self.ledger_url, actor="web") as session:
            return current_version(session)

    def ledger_version_now(self) -> int:
        """The ledger's change counter read now, not the second-old one the memo keys use: for pages that must
        show a save from any process on the very next request. One indexed row on a pooled connection (no ORM
        session: this is read on every request of such a page)."""
        from peelkit.ledger import db
        from peelkit.ledger.changes import current_version

        if self._ledger_version < 0:
            self.refresh()  # the first look also applies any migration owed, as every session does
        with db.engine_for(self.ledger_url or db.database_url()).connect() as connection:
            return current_version(connection)

    def _read_warehouse_stamp(self) -> int:
        from peelkit import config

        path = self.warehouse_path or config.warehouse_path()
        try:
            return path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def refresh(self) -> None:
        """Look at the versions (at most once a second); a change drops what was built from the old ones."""
        if self._monotonic() - self._checked_at < CHECK_EVERY:
            return
        # Do not wait: while another thread looks, this request uses the versions known (at most a second old).
        # Wait only when a look is owed (the first one, or after a save: the editor must see the change).
        if not self._version_lock.acquire(blocking=self._checked_at < 0):
            return
        try:
            if self._monotonic() - self._checked_at < CHECK_EVERY:
                return  # another thread looked while this one waited
            invalidations = self._invalidations
            ledger_version = self._read_ledger_version()
            warehouse_stamp = self._read_warehouse_stamp()
            if ledger_version != self._ledger_version or warehouse_stamp != self._warehouse_stamp:
                self._statuses = self._read_statuses()
                # Emptied, not left to age out: the versions are in the keys, but a withdrawn publication's
                # pages must not even be held.
                self._memo.clear()
                if warehouse_stamp != self._warehouse_stamp:
                    self._geometry = None
                self._ledger_version, self._warehouse_stamp = ledger_version, warehouse_stamp
            if invalidations == self._invalidations:  # else a save came during this look: look again
                self._checked_at = self._monotonic()
        finally:
            self._version_lock.release()

    def invalidate(self) -> None:
        """Look again on the next request (after a save: the editor must see the change at once)."""
        self._invalidations += 1
        self._checked_at = -1e9

    @property
    def version(self) -> int:
        self.refresh()
        return self._ledger_version

    # ----------------------------------------------------------------------------------- publications

    @staticmethod
    def publication_ids() -> list[str]:
        return list(_builtin_ids())

    def publication(self, publication_id: str) -> Publication | None:
        """A built-in publication by id; None for anything else (a URL must never name a .toml path)."""
        loaded = self._loaded.get(publication_id)
        return loaded.data.publication if loaded else builtin_publication(publication_id)

    def _read_statuses(self) -> dict[str, PublicationStatus]:
        from peelkit.ledger import db
        from peelkit.ledger.publication_state import get_status

        with db.session_scope(self.ledger_url, actor="web") as session:
            return {pub_id: get_status(session, pub_id) for pub_id in _builtin_ids()}

    def status(self, publication_id: str) -> PublicationStatus:
        self.refresh()
        found = self._statuses.get(publication_id)
        return found if found is not None else PublicationStatus(publication_id, "draft", None, 0)

    def data(self, publication_id: str) -> PublicationData:
        """The publication's data as of the current versions (loaded on first use, then kept)."""
        self.refresh()
        loaded = self._loaded.get(publication_id)
        if loaded and loaded.ledger_version == self._ledger_version \
                and loaded.warehouse_stamp == self._warehouse_stamp:
            return loaded.data
        with self._lock:
            loaded = self._loaded.get(publication_id)
            version, stamp = self._ledger_version, self._warehouse_stamp
            if loaded is None or loaded.warehouse_stamp != stamp:
                loaded = self._load(publication_id, loaded)
            elif loaded.ledger_version != version:
                from peelkit.publish.context import load_ledger

                data = dataclasses.replace(loaded.data, ledger=load_ledger(self.ledger_url, loaded.data.publication))
                loaded = _Loaded(data, stamp, version)
            self._loaded.put(publication_id, loaded)
            return loaded.data

    def _load(self, publication_id: str, previous: _Loaded | None) -> _Loaded:
        from peelkit.publish.context import load_publication_data

        version, stamp = self._ledger_version, self._warehouse_stamp
        try:
            data = load_publication_data(self.warehouse_path, self.ledger_url, _publication(publication_id))
        except Exception:
            # An import holding the warehouse open for writing: keep serving what we had, try again later.
            if previous is None:
                raise
            log.exception("reloading %s failed; serving the data loaded before", publication_id)
            return previous
        return _Loaded(data, stamp, version)

    def geometry(self) -> MapGeometry | None:
        """The force areas' map (None when no boundaries are loaded), built once per warehouse version."""
        self.refresh()
        held = self._geometry
        if held is not None and held[0] == self._warehouse_stamp:
            return held[1]
        with self._lock:
            from peelkit.web.maps import geometry_from_warehouse

            stamp = self._warehouse_stamp
            geometry = geometry_from_warehouse(self.warehouse_path)
            self._geometry = (stamp, geometry)
            return geometry

    def peek(self, key: Hashable) -> Any:
        """What `memo` holds for `key` at the current versions, or None (never builds: safe on the event loop)."""
        self.refresh()
        return self._memo.get((self._ledger_version, self._warehouse_stamp, key))

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()` once per key and ledger/warehouse version (page data; the key names what it depends on)."""
        self.refresh()
        value: T = self._memo.get_or_build((self._ledger_version, self._warehouse_stamp, key), build)
        return value


@functools.cache
def _builtin_ids() -> tuple[str, ...]:
    """The built-in publications (listing the package folder on every request would cost more than the page)."""
    return tuple(available())


_CREATING = threading.Lock()


def cache_for(state: Any) -> PublicationCache:
    """The app's cache (`app.state.cache`), made from `app.state.settings` on first use if the app has none."""
    found = getattr(state, "cache", None)
    if isinstance(found, PublicationCache):
        return found
    with _CREATING:
        found = getattr(state, "cache", None)
        if not isinstance(found, PublicationCache):
            found = PublicationCache.from_settings(state.settings)
            state.cache = found
        return found


@functools.cache
def _publication(publication_id: str) -> Publication:
    return load_publication(publication_id)


def builtin_publication(publication_id: str) -> Publication | None:
    """A built-in publication by id (loaded once); None for anything else (a URL must never name a .toml path)."""
    return _publication(publication_id) if publication_id in _builtin_ids() else None


def force_by_slug(slug: str) -> forces.Area | None:
    """The force whose address is this slug (one address per force: not a code or another spelling)."""
    return _FORCES_BY_SLUG.get(slug)


# ------------------------------------------------------------------------------------------- visibility

ALL_FORCES: frozenset[str] = frozenset(area.code for area in forces.forces())
_FORCES_BY_SLUG: dict[str, forces.Area] = {area.slug: area for area in forces.forces()}



def visible_codes(viewer: Viewer, status: PublicationStatus, now: datetime) -> frozenset[str]:
    """The forces whose figures and grades in this publication the viewer may see."""
    if status.is_public(now):
        return ALL_FORCES  # (can_view_force says so for every force; this is the common case, made cheap)
    return frozenset(area.code for area in forces.forces() if can_view_force(viewer, status, area.code, now))



def restricted(data: PublicationData, codes: frozenset[str]) -> PublicationData:
    """The publication as a viewer who may see only `codes` may see it: other forces' results and ledger
    content removed (England and Wales stays: it is the comparator every force's page shows). Charts and
    report annexes built from this cannot show another force's draft figures."""
    if codes >= ALL_FORCES:
        return data
    from peelkit.indicators.comparators import note_for_viewer

    keep = codes | {ENGLAND_AND_WALES}
    # A peer figure pools a handful of forces (perhaps one), so unlike England and Wales it could give away
    # another force's draft figure, and its notes name them: shown only to a viewer who may see the whole group.
    hidden = {code for code, group in data.peer_groups.items() if not set(group.pooled_codes) <= codes}
    results = [note_for_viewer(r, codes) if r.force_code == ENGLAND_AND_WALES
               else _peers_withheld(r) if r.force_code in hidden else r
               for r in data.results if r.force_code in keep]
    return dataclasses.replace(data, results=results,
                               ledger={code: entry for code, entry in data.ledger.items() if code in codes},
                               peer_groups={c: g for c, g in data.peer_groups.items() if c in codes - hidden})


PEERS_WITHHELD = "not shown before publication: the similar forces' own figures are not yet published"


def _peers_withheld(result: Result) -> Result:
    from peelkit.indicators.peer_values import missing

    return dataclasses.replace(result, extra={**result.extra, **missing(PEERS_WITHHELD,
                                                                          str(result.extra.get("peer_group", "")))})


__all__ = ["ALL_FORCES", "PublicationCache", "builtin_publication", "cache_for", "force_by_slug", "restricted",
           "visible_codes"]
