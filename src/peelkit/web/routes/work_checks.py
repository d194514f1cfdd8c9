"""Analysts' data work: run the checks from the web (peelkit.ledger.check_run, as `peel checks run` does) and
read their findings with the queries that follow them up; which forces have not signed off and why; the history
of every file imported into the warehouse."""

from __future__ import annotations

from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from peelkit import warehouse
from peelkit.errors import PeelError
from peelkit.ledger.check_run import run_and_raise
from peelkit.ledger.queries import list_queries, return_status
from peelkit.status import import_history
from peelkit.web.auth import csrf_protect
from peelkit.web.policy import Viewer
from peelkit.web.routes import work_common as common
from peelkit.web.templating import force_name, page

router = APIRouter(include_in_schema=False)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
BUSY = ("The warehouse could not be read just now (an import may be running); nothing was changed. "
        "Try again shortly.")


def _counts(request: Request) -> dict[str, int] | None:
    # After a run the redirect carries the counts as numbers only: nothing typed is echoed back.
    values = {k: request.query_params.get(k, "") for k in ("error", "warning", "info")}
    if not all(v.isdigit() for v in values.values()):
        return None
    return {k: int(v) for k, v in values.items()}


def _not_signed_off(rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.signed_off:
            continue
        waiting = [f"{n} {label}" for n, label in ((r.open_queries, "open"), (r.answered_queries, "answered")) if n]
        reasons = [r.note or "not signed off", *([f"data queries: {', '.join(waiting)}"] if waiting else [])]
        out.append({"force_code": r.force_code, "force_name": r.force_name, "reason": "; ".join(reasons)})
    return out


def checks_data(request: Request, viewer: Viewer, publication_id: str) -> dict[str, Any]:
    pub = common.publication_or_404(publication_id)
    note = None
    try:
        current = warehouse.current_returns(common.settings(request).warehouse_path)
    except duckdb.Error:
        current, note = None, "The warehouse could not be read just now: sign-off is shown without it."
    with common.ledger(request, viewer) as session:
        queries = [q for q in list_queries(session, pub.id) if q.status in ("open", "answered")]
        unsigned = _not_signed_off(return_status(session, pub.id, current))
    queries.sort(key=lambda q: (SEVERITY_ORDER.get(q.severity, 3), q.force_code, q.rule_id, q.id))
    findings = [{"query_id": q.id, "severity": q.severity, "rule_id": q.rule_id, "force_code": q.force_code,
                 "force_name": force_name(q.force_code), "item": q.item,
                 "status": q.status, "message": q.message, "synthetic": q.synthetic} for q in queries]
    return {"publication": {"id": pub.id, "title": pub.title}, "findings": findings, "not_signed_off": unsigned,
            "last_run": _counts(request), "can_run": viewer.role == "analyst", "warehouse_note": note,
            "errors": common.FormErrors().to_dict(), "notice": common.notice(request)}


@router.get("/checks")
@router.get("/checks.json")
def checks_page(request: Request, viewer: common.Staff, publication: str = "") -> Response:
    return page(request, "work/checks.html", checks_data(request, viewer, publication or common.default_publication()))


@router.post("/checks/run", dependencies=[Depends(csrf_protect)])
def run_checks(request: Request, viewer: common.Analyst, publication: common.FormText = "") -> Response:
    pub = common.publication_or_404(publication or common.default_publication())
    errors = common.FormErrors()
    try:
        with common.ledger(request, viewer) as session:
            run = run_and_raise(session, common.settings(request).warehouse_path, pub)
    except duckdb.Error:
        errors.add("run", BUSY)
    except PeelError as error:
        errors.add("run", str(error))
    if errors:
        data = checks_data(request, viewer, pub.id)
        data["errors"] = errors.to_dict()
        return page(request, "work/checks.html", data, status_code=400)
    counts = {k: str(v) for k, v in run.counts.items()}
    return common.saved(request, "/checks", "checks-run", publication=pub.id, **counts)


@router.get("/imports")
@router.get("/imports.json")
def imports_page(request: Request, viewer: common.Staff) -> Response:
    note = None
    try:
        rows = import_history(common.settings(request).warehouse_path)
    except duckdb.Error:
        rows, note = [], "The warehouse could not be read just now (an import may be running); try again shortly."
    imports = [{**r, "imported_at": common.iso(r["imported_at"]), "imported": common.uk_time(r["imported_at"])}
               for r in rows]
    return page(request, "work/imports.html", {"imports": imports, "warehouse_note": note})
