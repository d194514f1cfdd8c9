"""Areas for improvement and causes of concern: raise one for a force's question, and move one through its
statuses (open, in progress, addressed, closed) with evidence. Through peelkit.ledger.improvements (audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit.errors import PeelError, RecordRuleError
from peelkit.ledger import frameworks as fw
from peelkit.ledger import improvements as imp
from peelkit.ledger.base import ConflictError
from peelkit.web.routes import work_common as common

router = APIRouter(include_in_schema=False)
KIND_LABELS = imp.KIND_LABELS
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "addressed": "Addressed", "closed": "Closed"}


# ------------------------------------------------------------------------------------------------ raise


def raise_data(session: Session, target: common.Target, values: dict[str, str], errors: common.FormErrors | None = None
               ) -> dict[str, Any]:
    earlier = [a for a in imp.areas_for(session, target.area.code)
               if fw.get(a.framework_id).order < target.framework.order]
    return {**target.to_dict(), "values": values, "errors": (errors or common.FormErrors()).to_dict(),
            "kinds": [{"value": k, "text": t} for k, t in KIND_LABELS.items()],
            "questions": [{"value": q.id, "text": common.area_label(q)} for q in target.framework.all_areas],
            "earlier": [{"value": str(a.id), "text": f"{a.year_raised}: {a.text}"} for a in earlier],
            "action": f"{target.base}/areas"}


@router.get("/ledger/{publication}/forces/{slug}/areas")
@router.get("/ledger/{publication}/forces/{slug}/areas.json")
def new_area_page(request: Request, viewer: common.Inspector, publication: str, slug: str) -> Response:
    target = common.target_or_404(publication, slug)
    values = {"kind": "area_for_improvement", "question": "", "text": "", "predecessor": "", "on": ""}
    with common.ledger(request, viewer) as session:
        data = raise_data(session, target, values)
    return common.render_ledger(request, viewer, target, "work/area_new.html", data)


@router.post("/ledger/{publication}/forces/{slug}/areas", dependencies=common.CSRF)
def raise_area(request: Request, viewer: common.Inspector, publication: str, slug: str,
               kind: common.FormText = "", question: common.FormText = "",
               text: common.FormText = "", predecessor: common.FormText = "",
               on: common.FormText = "", correction: common.FormText = "") -> Response:
    target = common.target_or_404(publication, slug)
    values = {"kind": kind, "question": question, "text": text, "predecessor": predecessor, "on": on,
              "correction": correction}
    errors = common.FormErrors()
    if kind not in KIND_LABELS:
        errors.add("kind", "Choose the kind of finding")
    if question not in target.framework.area_ids:
        errors.add("question", "Choose the question the area is about")
    if not text.strip():
        errors.add("text", "Enter what the force should improve")
    day = common.parse_day(on, errors, "on", request)
    earlier: int | None = None
    if predecessor.strip():
        try:
            earlier = int(predecessor)
        except ValueError:
            errors.add("predecessor", "Choose an earlier area from the list, or none")
    if not errors:
        try:
            with common.ledger(request, viewer, correction) as session:
                imp.raise_area(session, target.area.code, target.framework.id, question, text, kind=kind,
                               predecessor_id=earlier, on=day)
        except RecordRuleError as error:
            errors.add("correction", str(error))
        except PeelError as error:
            errors.add("predecessor" if earlier is not None else "text", str(error))
    if errors:
        with common.ledger(request, viewer) as session:
            data = raise_data(session, target, values, errors)
        return common.render_ledger(request, viewer, target, "work/area_new.html", data,
                                    status_code=400)
    return common.saved(request, target.base, "area-raised")


# ------------------------------------------------------------------------------------------------ status


def area_or_404(session: Session, target: common.Target, area_id: str) -> imp.ImprovementArea:
    try:
        area = session.get(imp.ImprovementArea, int(area_id.removesuffix(".json")))
    except ValueError:
        area = None
    if area is None or area.force_code != target.area.code:
        raise HTTPException(status_code=404)
    return area


def status_data(session: Session, target: common.Target, area: imp.ImprovementArea,
                values: dict[str, str] | None = None) -> dict[str, Any]:
    view = imp.AreaView(area).to_dict()
    return {**target.to_dict(), "area": {**view, "kind_label": KIND_LABELS.get(area.kind, area.kind),
                                         "status_label": STATUS_LABELS.get(area.status, area.status),
                                         "question_title": _question_title(target, area.question_id)},
            "statuses": [{"value": k, "text": t} for k, t in STATUS_LABELS.items()],
            "values": values or {"status": area.status, "evidence": "", "on": ""},
            "version": area.version, "errors": common.FormErrors().to_dict(), "conflict": False,
            "action": f"{target.base}/areas/{area.id}/status"}


def _question_title(target: common.Target, question_id: str) -> str:
    try:
        return target.framework.question(question_id).title
    except fw.FrameworkError:
        return question_id


@router.get("/ledger/{publication}/forces/{slug}/areas/{area_id}/status")
@router.get("/ledger/{publication}/forces/{slug}/areas/{area_id}/status.json")
def area_status_page(request: Request, viewer: common.Inspector, publication: str, slug: str, area_id: str) -> Response:
    target = common.target_or_404(publication, slug)
    with common.ledger(request, viewer) as session:
        data = status_data(session, target, area_or_404(session, target, area_id))
    return common.render_ledger(request, viewer, target, "work/area_status.html", data)


@router.post("/ledger/{publication}/forces/{slug}/areas/{area_id}/status", dependencies=common.CSRF)
def set_area_status(request: Request, viewer: common.Inspector, publication: str, slug: str, area_id: str,
                    status: common.FormText = "", evidence: common.FormText = "",
                    on: common.FormText = "", version: common.FormText = "",
                    correction: common.FormText = "") -> Response:
    target = common.target_or_404(publication, slug)
    values = {"status": status, "evidence": evidence, "on": on, "correction": correction}
    errors = common.FormErrors()
    if status not in STATUS_LABELS:
        errors.add("status", "Choose the area's status")
    day = common.parse_day(on, errors, "on", request)
    conflict = False
    with common.ledger(request, viewer) as session:
        area_pk = area_or_404(session, target, area_id).id
    if not errors:
        try:
            with common.ledger(request, viewer, correction) as session:
                imp.set_status(session, area_pk, status, on=day, evidence=evidence.strip() or None,
                               expected_version=common.parse_version(version))
        except ConflictError:
            conflict = True
        except RecordRuleError as error:
            errors.add("correction", str(error))
        except PeelError as error:
            errors.add("status", str(error))
    if errors or conflict:
        with common.ledger(request, viewer) as session:
            data = status_data(session, target, area_or_404(session, target, area_id), values)
        return common.ledger_form_again(request, viewer, target, "work/area_status.html", data, errors, conflict)
    return common.saved(request, target.base, "area-status")

