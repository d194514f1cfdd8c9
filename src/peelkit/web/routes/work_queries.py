"""Data queries: staff see every query (filtered by force and status); a force user sees and answers only its own
force's, and another force's query is a 404 so ids do not reveal that it exists. Analysts raise queries by
hand, and close or reopen them. Every change goes through peelkit.ledger.queries (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.checks.registry import CheckFinding
from peelkit.errors import PeelError
from peelkit.indicators.publication import available
from peelkit.ledger.base import ConflictError
from peelkit.ledger.queries import (
    STATUSES,
    DataQuery,
    answer_query,
    list_queries,
    raise_queries,
    reopen_query,
    resolve_query,
)
from peelkit.web.policy import Viewer, can_answer_query, can_close_query, can_raise_query, can_see_query
from peelkit.web.routes import work_common as common
from peelkit.web.routes.work_audit import record_audit
from peelkit.web.templating import force_name, page

router = APIRouter(include_in_schema=False)
MANUAL_RULE = "manual"
SEVERITIES = ("error", "warning", "info")


def query_row(q: DataQuery) -> dict[str, Any]:
    return {**q.to_dict(), "force_name": force_name(q.force_code), "created": common.uk_time(q.created_at),
            "answered": common.uk_time(q.answered_at) if q.answered_at else None,
            "closed": common.uk_time(q.closed_at) if q.closed_at else None}


def _visible_query(session: Session, viewer: Viewer, query_id: str) -> DataQuery:
    """The query, or 404 when it does not exist or the viewer may not see it (the same answer for both)."""
    try:
        number = int(query_id)
    except ValueError:
        raise HTTPException(status_code=404) from None
    query = session.get(DataQuery, number)
    if query is None or not can_see_query(viewer, query.force_code):
        raise HTTPException(status_code=404)
    return query


# ------------------------------------------------------------------------------------------------ list


def filter_scope(force_code: str | None, status: str | None, publication: str | None) -> str:
    """What the list shows, as the filters chose it: "Warwickshire's open queries in peel-effectiveness-2017"."""
    whose = f"{force_name(force_code)}'s" if force_code else "all forces'"
    what = f"{status} queries" if status else "queries"
    where = f" in {publication}" if publication else ""
    return f"{whose} {what}{where}"


@router.get("/queries")
@router.get("/queries.json")
def queries_page(request: Request, viewer: common.Signed, publication: str = "", force: str = "",
                 status: str = "") -> Response:
    if publication and publication not in available():
        publication = ""
    own = viewer.force_code if viewer.role == "force" else None
    area = forces.find(force) if force else None
    chosen = own or (area.code if area is not None and area.is_territorial_force else None)
    chosen_status = status if status in STATUSES else None
    with common.ledger(request, viewer) as session:
        rows = [query_row(q) for q in list_queries(session, publication or None, chosen, chosen_status)
                if can_see_query(viewer, q.force_code)]
    data = {
        "filters": {"publication": publication or None, "force": chosen, "status": chosen_status},
        "publications": available(),
        "forces": [] if own else common.force_choices(),
        "statuses": list(STATUSES),
        "scope": filter_scope(chosen, chosen_status, publication or None),
        "queries": rows,
        "can_raise": can_raise_query(viewer),
        "notice": common.notice(request),
    }
    return page(request, "work/queries.html", data)


# ------------------------------------------------------------------------------------------------ raise


def _raise_form(values: dict[str, str], errors: common.FormErrors | None = None) -> dict[str, Any]:
    return {"values": values, "errors": (errors or common.FormErrors()).to_dict(), "forces": common.force_choices(),
            "publications": available(), "severities": list(SEVERITIES)}


@router.get("/queries/new")
@router.get("/queries/new.json")
def new_query_page(request: Request, viewer: common.Analyst) -> Response:
    values = {"publication": common.default_publication(), "force": "", "item": "", "severity": "warning",
              "period_end": "", "figure": "", "message": ""}
    return page(request, "work/query_new.html", _raise_form(values))


@router.post("/queries/new", dependencies=common.CSRF)
def raise_query(request: Request, viewer: common.Analyst, publication: common.FormText = "",
                force: common.FormText = "", item: common.FormText = "",
                severity: common.FormText = "warning", period_end: common.FormText = "",
                figure: common.FormText = "", message: common.FormText = "") -> Response:
    values = {"publication": publication, "force": force, "item": item, "severity": severity,
              "period_end": period_end, "figure": figure, "message": message}
    errors = common.FormErrors()
    if publication not in available():
        errors.add("publication", "Choose the publication the query is about")
    area = forces.find(force) if force else None
    if area is None or not area.is_territorial_force:
        errors.add("force", "Choose the force the query is for")
    if not item.strip():
        errors.add("item", "Enter the return item or indicator the query is about")
    if severity not in SEVERITIES:
        errors.add("severity", "Choose how serious the query is")
    when: date | None = None
    if period_end.strip():
        try:
            when = date.fromisoformat(period_end.strip())
        except ValueError:
            errors.add("period_end", "Enter the period end as a date, for example 2017-06-30")
    number: float | None = None
    if figure.strip():
        try:
            number = float(figure.replace(",", "").strip())
        except ValueError:
            errors.add("figure", "Enter the figure as a number, for example 1234")
    if not message.strip():
        errors.add("message", "Enter the question for the force")
    if errors or area is None:
        return page(request, "work/query_new.html", _raise_form(values, errors), status_code=400)
    finding = CheckFinding(rule_id=MANUAL_RULE, severity=severity, force_code=area.code,  # type: ignore[arg-type]
                           item=item.strip(), period_end=when, figure=number, message=message.strip())
    with common.ledger(request, viewer) as session:
        report = raise_queries(session, publication, [finding])
        query = (report.created or report.reopened or report.unchanged)[0]
        existing = bool(report.unchanged)
        query_id = query.id
    if existing:
        errors.add("item", f"Query {query_id} already asks about this item, period and figure for "
                           f"{area.name}: open it rather than raising it again")
        data = _raise_form(values, errors)
        data["existing_id"] = query_id
        return page(request, "work/query_new.html", data, status_code=409)
    return common.saved(request, f"/queries/{query_id}", "raised")


# ------------------------------------------------------------------------------------------------ one query


def query_data(session: Session, request: Request, viewer: Viewer, query: DataQuery) -> dict[str, Any]:
    closed = query.status not in ("open", "answered")
    return {
        "query": query_row(query),
        "can_answer": can_answer_query(viewer, query.force_code) and not closed,
        "can_close": can_close_query(viewer) and not closed,
        "can_reopen": can_close_query(viewer) and closed,
        "accept_needs_answer": not query.answer,
        "audit": record_audit(session, "data_query", str(query.id)),
        "notice": common.notice(request),
    }


@router.get("/queries/{query_id}")
def query_page(request: Request, viewer: common.Signed, query_id: str) -> Response:
    with common.ledger(request, viewer) as session:
        query = _visible_query(session, viewer, common.strip_json(query_id))
        data = query_data(session, request, viewer, query)
    return page(request, "work/query.html", data)


def _reshow(request: Request, viewer: Viewer, query_id: str, form: dict[str, Any], status_code: int) -> Response:
    with common.ledger(request, viewer) as session:
        query = _visible_query(session, viewer, query_id)
        data = query_data(session, request, viewer, query)
    data["form"] = form
    return page(request, "work/query.html", data, status_code=status_code)


def _revised(text: str, errors: common.FormErrors) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        value = -1.0
    if not value >= 0:
        errors.add("revised_value", "Enter the revised value as a number of 0 or more, for example 1234, or leave "
                                    "it blank")
        return None
    return value


@router.post("/queries/{query_id}/answer", dependencies=common.CSRF)
def answer(request: Request, viewer: common.Signed, query_id: str, answer: common.FormText = "",
           version: common.FormText = "", revised_value: common.FormText = "") -> Response:
    errors = common.FormErrors()
    conflict = None
    with common.ledger(request, viewer) as session:
        query = _visible_query(session, viewer, query_id)
        if not can_answer_query(viewer, query.force_code):
            raise HTTPException(status_code=403)
    revised = _revised(revised_value, errors)
    if not answer.strip():
        errors.add("answer", "Enter your answer to the query")
    elif not errors:
        try:
            with common.ledger(request, viewer) as session:
                answer_query(session, query.id, answer, viewer.name or "", common.parse_version(version), revised)
        except ConflictError:
            conflict = True
        except PeelError as error:
            errors.add("answer", str(error))
    if errors or conflict:
        form = {"kind": "answer", "answer": answer, "revised_value": revised_value, "errors": errors.to_dict(),
                "conflict": bool(conflict)}
        return _reshow(request, viewer, query_id, form, 409 if conflict else 400)
    return common.saved(request, f"/queries/{query.id}", "answered")


@router.post("/queries/{query_id}/close", dependencies=common.CSRF)
def close(request: Request, viewer: common.Analyst, query_id: str, outcome: common.FormText = "",
          version: common.FormText = "") -> Response:
    errors = common.FormErrors()
    conflict = False
    if outcome not in ("resolved", "accepted"):
        errors.add("outcome", "Choose whether the figure was corrected or is accepted as it stands")
    else:
        try:
            with common.ledger(request, viewer) as session:
                query = _visible_query(session, viewer, query_id)
                resolve_query(session, query.id, viewer.name or "", outcome == "accepted",
                              common.parse_version(version))
        except ConflictError:
            conflict = True
        except PeelError as error:
            errors.add("outcome", str(error).replace("`peel queries answer`", "the force's answer"))
    if errors or conflict:
        form = {"kind": "close", "outcome": outcome, "errors": errors.to_dict(), "conflict": conflict}
        return _reshow(request, viewer, query_id, form, 409 if conflict else 400)
    return common.saved(request, f"/queries/{query_id}", "closed")


@router.post("/queries/{query_id}/reopen", dependencies=common.CSRF)
def reopen(request: Request, viewer: common.Analyst, query_id: str, version: common.FormText = "") -> Response:
    errors = common.FormErrors()
    conflict = False
    try:
        with common.ledger(request, viewer) as session:
            reopen_query(session, _visible_query(session, viewer, query_id).id, common.parse_version(version))
    except ConflictError:
        conflict = True
    except PeelError as error:
        errors.add("reopen", str(error))
    if errors or conflict:
        form = {"kind": "reopen", "errors": errors.to_dict(), "conflict": conflict}
        return _reshow(request, viewer, query_id, form, 409 if conflict else 400)
    return common.saved(request, f"/queries/{query_id}", "reopened")
