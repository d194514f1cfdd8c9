"""Force data returns: the blank template (`template`), the synthetic demonstration set (`demo`) and the
`peel returns` commands (`cli`). What each publication asks forces for (`items`) and where it sits in the
file (`layout`) are declared in `peelkit.sources.force_return`, which reads filled returns like any other
source: this package builds on it, never the other way round.

A force's *current* return is its latest import holding return items (the highest import id); earlier
submissions stay in the warehouse as history (`submissions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Submission:
    import_id: int
    file_name: str
    vintage: str
    submitted_on: str  # the date part of the vintage
    imported_at: datetime
    synthetic: bool
    items: int
    current: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "imported_at": self.imported_at.isoformat(timespec="seconds")}


def submissions(con: Any, force_code: str) -> list[Submission]:
    """Every return of a force loaded in the warehouse, oldest first; the last (highest import id) is current."""
    import duckdb

    try:
        rows = con.execute(
            """SELECT i.import_id, i.file_name, i.vintage, i.imported_at, i.synthetic, count(*)
               FROM return_items r JOIN imports i USING (import_id)
               WHERE r.area_code = ? GROUP BY ALL ORDER BY i.import_id""", [force_code]).fetchall()
    except duckdb.CatalogException:  # a warehouse made before returns existed has no return_items table
        return []
    latest = max((int(r[0]) for r in rows), default=None)
    return [Submission(int(r[0]), str(r[1]), str(r[2]), str(r[2])[:10], r[3], bool(r[4]), int(r[5]),
                       int(r[0]) == latest) for r in rows]
