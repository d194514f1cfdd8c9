"""Which peer groups a publication uses: a loaded version, or the computed default."""

from __future__ import annotations

from datetime import date

import duckdb

from peelkit.peers.groups import COMPUTED, PeerGroup, PeerGroupError, stored
from peelkit.peers.similar import LABEL, similar_forces


def groups_for(con: duckdb.DuckDBPyConnection, version: str, as_at: date, crime_end: date) -> dict[str, PeerGroup]:
    """The groups of a version by force code: `computed` is peelkit's own default (labelled as such)."""
    if version == COMPUTED:
        return similar_forces(con, as_at, crime_end).groups()
    return stored(con, version)


__all__ = ["COMPUTED", "LABEL", "PeerGroup", "PeerGroupError", "groups_for"]
