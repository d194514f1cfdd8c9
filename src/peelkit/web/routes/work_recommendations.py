"""Recommendations of a cause of concern on the inspectors' ledger: list them with their status history, add
one (text, owner, due date) and move one to a new status. One page per finding, one form route with an
``action`` of ``add`` or ``status``; through peelkit.ledger.recommendations (audited, version-checked)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit.errors import PeelError
from peelkit.ledger import improvements as imp
from peelkit.ledger import recommendations as recs
from peelkit.ledger.base import ConflictError
from peelkit.web.routes import work_common as common
from peelkit.web.routes.work_areas import area_or_404

router = APIRouter(include_in_schema=False)
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "completed": "Completed", "superseded": "Superseded",
                 "withdrawn": "Withdrawn"}
EMPTY = {"text": "", "owner": "", "due": "", "recommendation": "", "status": "", "evidence": ""}


def page_data(session: Session, target: common.Target, area: imp.ImprovementArea, values: dict[str, str] | None = None,
              errors: common.FormErrors | None = None) -> dict[str, Any]:
    view = imp.AreaView(area).to_dict()
    return {**target.to_dict(), "area": view, "can_have": area.is_cause,
            "statuses": [{"value": k, "text": t} for k, t in STATUS_LABELS.items()],
            "values": values or EMPTY, "errors": (errors or common.FormErrors()).to_dict(), "conflict": False,
            "action": f"{target.base}/areas/{area.id}/recommendations"}


@router.get("/ledger/{publication}/forces/{slug}/areas/{area_id}/recommendations")
@router.get("/ledger/{publication}/forces/{slug}/areas/{area_id}/recommendations.json")
def recommendations_page(request: Request, viewer: common.Inspector, publication: str, slug: str,
                         area_id: str) -> Response:
    target = common.target_or_404(publication, slug)
    with common.ledger(request, viewer) as session:
        data = page_data(session, target, area_or_404(session, target, area_id))
    return common.render_ledger(request, viewer, target, "work/recommendations.html",
                                {**data, "notice": common.notice(request)})


def _add(session: Session, area: imp.ImprovementArea, values: dict[str, str], errors: common.FormErrors,
         request: Request) -> None:
    due: date | None = None
    try:
        due = date.fromisoformat(values["due"].strip())
    except ValueError:
        errors.add("due", "Enter the due date as year-month-day, for example 2023-03-31")
    if not values["text"].strip():
        errors.add("text", "Enter the recommendation")
    if not values["owner"].strip():
        errors.add("owner", "Enter who owns the recommendation, for example the chief constable")
    if not errors and due is not None:
        recs.add_recommendation(session, area.id, values["text"], values["owner"], due,
                                on=common.parse_day("", errors, "due", request))


def _status(session: Session, area: imp.ImprovementArea, values: dict[str, str], errors: common.FormErrors,
            version: str) -> None:
    chosen = next((r for r in area.recommendations if str(r.id) == values["recommendation"]), None)
    if chosen is None:
        errors.add("recommendation", "Choose one of this finding's recommendations")
    if values["status"] not in STATUS_LABELS:
        errors.add("status", "Choose the recommendation's new status")
    if not errors and chosen is not None:
        recs.set_recommendation_status(session, chosen.id, values["status"],
                                       evidence=values["evidence"].strip() or None,
                                       expected_version=common.parse_version(version))


@router.post("/ledger/{publication}/forces/{slug}/areas/{area_id}/recommendations", dependencies=common.CSRF)
def save_recommendation(request: Request, viewer: common.Inspector, publication: str, slug: str, area_id: str,
                        action: common.FormText = "", text: common.FormText = "",
                        owner: common.FormText = "", due: common.FormText = "",
                        recommendation: common.FormText = "", status: common.FormText = "",
                        evidence: common.FormText = "", version: common.FormText = "") -> Response:
    target = common.target_or_404(publication, slug)
    values = {"text": text, "owner": owner, "due": due, "recommendation": recommendation, "status": status,
              "evidence": evidence}
    errors, conflict = common.FormErrors(), False
    try:
        with common.ledger(request, viewer) as session:
            area = area_or_404(session, target, area_id)
            if action == "add":
                _add(session, area, values, errors, request)
            elif action == "status":
                _status(session, area, values, errors, version)
            else:
                errors.add("action", "Choose to add a recommendation or to change a status")
    except ConflictError:
        conflict = True
    except PeelError as error:
        errors.add("text" if action == "add" else "status", str(error))
    if errors or conflict:
        with common.ledger(request, viewer) as session:
            data = page_data(session, target, area_or_404(session, target, area_id), values, errors)
        return common.ledger_form_again(request, viewer, target, "work/recommendations.html", data, errors,
                                        conflict)
    return common.saved(request, f"{target.base}/areas/{area_id}/recommendations", "recommendation")
