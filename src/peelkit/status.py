"""What the warehouse holds: per dataset, periods, forces present and missing, vintages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peelkit import config, forces, warehouse


def dataset_status(db_path: Path | None = None) -> list[dict[str, Any]]:
    path = db_path or config.warehouse_path()
    if not path.exists():
        return []
    con = warehouse.connect(path, read_only=True)
    try:
        territorial = {a.code: a.name for a in forces.forces()}
        rows = con.execute(
            """SELECT dataset, list(DISTINCT vintage ORDER BY vintage), count(*),
                      min(period_start), max(period_end), count(DISTINCT (period_start, period_end)),
                      list(DISTINCT area_code), list(DISTINCT measure ORDER BY measure)
               FROM facts GROUP BY dataset ORDER BY dataset"""
        ).fetchall()
        result = []
        for dataset, vintages, n, first, last, n_periods, areas, measures in rows:
            present = sorted(code for code in areas if code in territorial)
            result.append({
                "dataset": dataset,
                "kind": "facts",
                "rows": n,
                "measures": measures,
                "period_first_start": first.isoformat(),
                "period_last_end": last.isoformat(),
                "periods": n_periods,
                "forces_present": len(present),
                "forces_missing": sorted(territorial[c] for c in territorial if c not in present),
                "other_areas": sorted(c for c in areas if c not in territorial),
                "vintages": vintages,
            })
        for table in ("street_records", "boundaries", "lsoa_force", "offence_categories"):
            n, areas, vintages = con.execute(  # type: ignore[misc]
                f"""SELECT count(*), list(DISTINCT t.area_code) FILTER (WHERE t.area_code IS NOT NULL),
                           list(DISTINCT i.vintage ORDER BY i.vintage)
                    FROM {table} t JOIN imports i USING (import_id)"""
                if table != "offence_categories" else
                f"""SELECT count(*), [], list(DISTINCT i.vintage ORDER BY i.vintage)
                    FROM {table} t JOIN imports i USING (import_id)"""
            ).fetchone()
            if not n:
                continue
            present = sorted(code for code in (areas or []) if code in territorial)
            entry: dict[str, Any] = {"dataset": table, "kind": "records", "rows": n, "vintages": vintages}
            if table != "offence_categories":
                entry["forces_present"] = len(present)
                entry["forces_missing"] = sorted(territorial[c] for c in territorial if c not in present)
            if table == "street_records":
                first, last = con.execute(  # type: ignore[misc]
                    "SELECT min(month), max(month) FROM street_records"
                ).fetchone()
                entry["period_first_start"], entry["period_last_end"] = first.isoformat(), last.isoformat()
            result.append(entry)
        return result
    finally:
        con.close()



def warehouse_is_empty(db_path: Path | None = None) -> bool:
    """True when no import has been loaded at this path (no file, or a file with no imports). A warehouse held
    by a writer counts as not empty: the command that reads it says it is busy."""
    from peelkit.locks import Busy

    path = db_path or config.warehouse_path()
    if not path.exists():
        return True
    try:
        con = warehouse.connect(path, read_only=True)
    except Busy:
        return False
    try:
        row = con.execute("SELECT count(*) FROM imports").fetchone()
    finally:
        con.close()
    return not row or row[0] == 0


def import_history(db_path: Path | None = None) -> list[dict[str, Any]]:
    """Every file loaded into the warehouse, newest first: source, publisher, file, vintage, datasets, rows,
    whether synthetic, checksum and when."""
    path = db_path or config.warehouse_path()
    if not path.exists():
        return []
    con = warehouse.connect(path, read_only=True)
    try:
        rows = con.execute(
            """SELECT import_id, source, publisher, file_name, vintage, datasets, row_count, synthetic, sha256,
                      imported_at FROM imports ORDER BY imported_at DESC, import_id DESC""").fetchall()
    finally:
        con.close()
    keys = ("import_id", "source", "publisher", "file_name", "vintage", "datasets", "rows", "synthetic", "sha256",
            "imported_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]
