"""Moderation of judgments in the web app: the judgment page shows where its current version stands (drafted
by whom, accepted or returned and why, every earlier decision) and, to an inspector other than the drafter, the
form that accepts it or returns it with a comment; /ledger/{pub}/moderation lists what waits. The rules live in
peelkit.ledger.moderation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.errors import PeelError
from peelkit.ledger import frameworks as fw
from peelkit.ledger import moderation
from peelkit.ledger.base import ConflictError
from peelkit.web.auth import csrf_protect
from peelkit.web.policy import Viewer
from peelkit.web.routes import work_common as common
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
DECISION_LABELS = {"accepted": "Accepted", "returned": "Returned to the drafter"}


def _history(review: moderation.Review) -> list[dict[str, Any]]:
    return [{**moderation.review_dict(r), "label": DECISION_LABELS[r.decision], "when": common.uk_time(r.moderated_at)}
            for r in review.history]


def moderation_data(session: Session, viewer: Viewer, target: common.Target, question_id: str) -> dict[str, Any] | None:
    """The judgment page's moderation part, or None while no judgment is recorded."""
    try:
        judgment = moderation.find(session, target.area.code, target.framework.id, question_id)
    except PeelError:
        return None
    review = moderation.review_of(session, judgment)
    drafter = review.drafted_by.casefold() == (viewer.name or "").casefold()
    return {**review.to_dict(), "history": _history(review),
            "can_moderate": viewer.role == "inspector" and not drafter and review.decision is None,
            "is_drafter": drafter, "action": f"{target.base}/judgments/{question_id}/moderate",
            "values": {"decision": "", "comment": ""}}


def _question(target: common.Target, question_id: str) -> fw.Question:
    try:
        return target.framework.question(question_id)
    except fw.FrameworkError:
        raise HTTPException(status_code=404) from None


@router.post("/ledger/{publication}/forces/{slug}/judgments/{question_id}/moderate",
             dependencies=[Depends(csrf_protect)])
def moderate(request: Request, viewer: common.Inspector, publication: str, slug: str, question_id: str,
             decision: common.FormText = "", comment: common.FormText = "",
             version: common.FormText = "") -> Response:
    from peelkit.web.routes.work_ledger import judgment_data

    target = common.target_or_404(publication, slug)
    question = _question(target, question_id)
    errors = common.FormErrors()
    conflict = False
    if decision not in DECISION_LABELS:
        errors.add("decision", "Choose whether to accept the judgment or return it to the drafter")
    else:
        expected = common.parse_version(version)
        try:
            with common.ledger(request, viewer) as session:
                judgment = moderation.find(session, target.area.code, target.framework.id, question.id)
                moderation.moderate(session, judgment, decision, expected, comment)
        except ConflictError:
            conflict = True
        except PeelError as error:
            errors.add("comment" if "comment" in str(error) else "decision", str(error))
    if errors or conflict:
        with common.ledger(request, viewer) as session:
            data = {**judgment_data(session, target, question),
                    "moderation": moderation_data(session, viewer, target, question.id)}
        if data["moderation"] is not None:
            data["moderation"]["values"] = {"decision": decision, "comment": comment}
        data["moderation_errors"], data["moderation_conflict"] = errors.to_dict(), conflict
        return common.render_ledger(request, viewer, target, "work/judgment.html", data,
                                    status_code=409 if conflict else 400)
    return common.saved(request, f"{target.base}/judgments/{question.id}", "moderated")


@router.get("/ledger/{publication}/moderation")
@router.get("/ledger/{publication}/moderation.json")
def moderation_list(request: Request, viewer: common.Staff, publication: str) -> Response:
    pub = common.publication_or_404(common.strip_json(publication))
    try:
        framework = fw.for_publication(pub)
    except fw.FrameworkError:
        raise HTTPException(status_code=404) from None
    with common.ledger(request, viewer) as session:
        waiting = moderation.unmoderated(session, framework.id)
    rows = []
    for review in waiting:
        area = forces.match_force(review.force_code)
        rows.append({**review.to_dict(), "force": area.name,
                     "url": f"/ledger/{pub.id}/forces/{area.slug}/judgments/{review.question_id}"})
    return page(request, "work/moderation.html", {
        "publication": {"id": pub.id, "title": pub.title, "year": framework.year}, "judgments": rows,
        "notice": common.notice(request)})
