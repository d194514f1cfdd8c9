"""Data status: what the warehouse holds (datasets, vintages), each force's return, queries and sign-off, and a
summary of the check results. Staff see every force; a force user sees only its own force's part, and signs
off its return here."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from peelkit import warehouse
from peelkit.errors import PeelError
from peelkit.indicators.publication import available
from peelkit.ledger.queries import list_queries, return_status, sign_off
from peelkit.status import dataset_status
from peelkit.web.auth import csrf_protect, require
from peelkit.web.policy import Viewer
from peelkit.web.routes import work_common as common
from peelkit.web.templating import force_name, page

router = APIRouter(include_in_schema=False)


def _warehouse_path(request: Request) -> Path:
    path: Path = common.settings(request).warehouse_path
    return path


current_returns = warehouse.current_returns


def _own_returns(path: Path, force_code: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    con = warehouse.connect(path, read_only=True)
    try:
        rows = con.execute(
            """SELECT i.import_id, i.file_name, i.vintage, i.imported_at, i.synthetic
               FROM imports i WHERE i.import_id IN (SELECT import_id FROM return_items WHERE area_code = ?)
               ORDER BY i.import_id""", [force_code]).fetchall()
    finally:
        con.close()
    return [{"import_id": r[0], "file_name": r[1], "vintage": r[2], "imported_at": common.iso(r[3]),
             "imported": common.uk_time(r[3]), "synthetic": bool(r[4])} for r in rows]


def _datasets_for(viewer: Viewer, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if viewer.role != "force":
        return rows
    # A force user learns whether its own force is in each dataset, not which other forces are.
    own = force_name(viewer.force_code or "")
    out = []
    for row in rows:
        kept = {k: v for k, v in row.items() if k not in ("rows", "forces_present", "forces_missing", "other_areas")}
        if "forces_missing" in row:
            kept["own_force_present"] = own not in row["forces_missing"]
        out.append(kept)
    return out


def _check_summary(queries: list[Any]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for q in queries:
        counts[(q.rule_id, q.severity)][q.status] += 1
    order = {"error": 0, "warning": 1, "info": 2}
    return [{"rule_id": rule, "severity": severity, "open": c["open"], "answered": c["answered"],
             "closed": c["resolved"] + c["accepted"], "total": sum(c.values())}
            for (rule, severity), c in sorted(counts.items(), key=lambda kv: (order.get(kv[0][1], 3), kv[0][0]))]


def status_data(request: Request, viewer: Viewer, publication_id: str) -> dict[str, Any]:
    pub = common.publication_or_404(publication_id)
    path = _warehouse_path(request)
    warehouse_note = None
    try:
        datasets = dataset_status(path)
        current = current_returns(path)
        own_returns = _own_returns(path, viewer.force_code) if viewer.role == "force" and viewer.force_code else []
    except duckdb.Error as error:
        datasets, current, own_returns = [], None, []
        warehouse_note = f"The warehouse could not be read just now ({type(error).__name__}); try again shortly."
    if not datasets and warehouse_note is None:
        warehouse_note = "The warehouse is empty: nothing has been imported yet (peel data import)."
    own = viewer.force_code if viewer.role == "force" else None
    with common.ledger(request, viewer) as session:
        rows = [r for r in return_status(session, pub.id, current) if own is None or r.force_code == own]
        queries = [q for q in list_queries(session, pub.id) if own is None or q.force_code == own]
    returns = [{**r.to_dict(), "signed": common.uk_time(r.signed_at) if r.signed_at else None} for r in rows]
    return {
        "publication": {"id": pub.id, "title": pub.title},
        "publications": available(),
        "scope": force_name(own) if own else "all forces",
        "datasets": _datasets_for(viewer, datasets),
        "warehouse_note": warehouse_note,
        "own_returns": own_returns,
        "returns": returns,
        "not_signed_off": sum(1 for r in rows if not r.signed_off),
        "checks": _check_summary(queries),
        "open_queries": sum(1 for q in queries if q.status == "open"),
        # Once the force has signed off its current return there is nothing left to sign: the form goes.
        "can_sign_off": viewer.role == "force" and not all(r.signed_off for r in rows),
        "signed_off": viewer.role == "force" and bool(rows) and all(r.signed_off for r in rows),
        "notice": common.notice(request),
    }


@router.get("/status")
@router.get("/status.json")
def status_page(request: Request, viewer: common.Signed, publication: str = "") -> Response:
    data = status_data(request, viewer, publication or common.default_publication())
    return page(request, "work/status.html", data)


@router.post("/status/signoff", dependencies=[Depends(csrf_protect)])
def signoff(request: Request, viewer: Annotated[Viewer, Depends(require("force"))],
            publication: common.FormText = "", note: common.FormText = "",
            allow_open: common.FormText = "") -> Response:
    pub_id = publication or common.default_publication()
    pub = common.publication_or_404(pub_id)
    errors = common.FormErrors()
    code = viewer.force_code or ""
    try:
        current = (current_returns(_warehouse_path(request)) or {}).get(code)
        with common.ledger(request, viewer) as session:
            waiting = [q.id for q in list_queries(session, pub.id, code, "open")]
            if waiting and allow_open != "yes":
                errors.add("allow_open", f"Your force has {len(waiting)} open data "
                           f"{'query' if len(waiting) == 1 else 'queries'}: answer "
                           f"{'it' if len(waiting) == 1 else 'them'} first, or tick \"Sign off although some "
                           "queries are still open\".")
            else:
                sign_off(session, pub.id, code, viewer.name or "", note, current, allow_open=True)
    except PeelError as error:
        errors.add("note", str(error))
    except duckdb.Error:
        errors.add("note", "The warehouse could not be read just now, so the return you are signing off is not "
                           "known; try again shortly.")
    if errors:
        data = status_data(request, viewer, pub.id)
        data["form"] = {"note": note, "allow_open": allow_open == "yes", "errors": errors.to_dict()}
        return page(request, "work/status.html", data, status_code=400)
    return common.saved(request, "/status", "signed-off", publication=pub.id)
