"""The factual-accuracy check of the draft reports. The analyst sets the window (opens, closes); while it is
open a force user reads its own draft report and sends comments per section; an inspector answers each comment
(accepted or not accepted, with a reason). A force user never sees another force's comments (404, as for data
queries). Every change goes through peelkit.ledger.accuracy (audited); routes only check who may do what.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.errors import PeelError
from peelkit.forces import Area
from peelkit.ledger.accuracy import (
    OUTCOME_LABELS,
    AccuracyComment,
    add_comment,
    answer_comment,
    get_window,
    list_comments,
    report_sections,
    set_window,
)
from peelkit.ledger.base import ConflictError
from peelkit.web.policy import (
    Viewer,
    can_answer_accuracy,
    can_comment_accuracy,
    can_see_accuracy,
    can_set_accuracy_window,
)
from peelkit.web.routes import work_common as common
from peelkit.web.routes.work_audit import record_audit
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)


def _window(session: Session, request: Request, publication_id: str) -> dict[str, Any]:
    window = get_window(session, publication_id)
    if window is None:
        return {"set": False, "open": False, "version": 0, "opens": None, "closes": None,
                "opens_value": "", "closes_value": ""}
    return {"set": True, "open": window.is_open(common.now(request)), "version": window.version,
            "opens": common.uk_time(window.opens_at), "closes": common.uk_time(window.closes_at),
            "opens_value": common.uk_local_input(window.opens_at),
            "closes_value": common.uk_local_input(window.closes_at)}


def _comment_row(c: AccuracyComment, titles: dict[str, str]) -> dict[str, Any]:
    return {**c.to_dict(), "section_title": titles.get(c.section, c.section), "created": common.uk_time(c.created_at),
            "answered": common.uk_time(c.answered_at) if c.answered_at else None}


# ------------------------------------------------------------------------------------------------ index


@router.get("/accuracy/{publication}")
def accuracy_index(request: Request, viewer: common.Signed, publication: str) -> Response:
    pub = common.publication_or_404(common.strip_json(publication))
    own = viewer.force_code if viewer.role == "force" else None
    with common.ledger(request, viewer) as session:
        window = _window(session, request, pub.id)
        counts: dict[str, dict[str, int]] = {}
        for c in list_comments(session, pub.id, own):
            by = counts.setdefault(c.force_code, {"total": 0, "pending": 0})
            by["total"] += 1
            by["pending"] += c.outcome == "pending"
    shown = [forces.match(own)] if own else sorted(forces.forces(), key=lambda a: a.name)
    rows = [{"name": a.name, "slug": a.slug, **counts.get(a.code, {"total": 0, "pending": 0})} for a in shown]
    return page(request, "work/accuracy_index.html", {
        "publication": {"id": pub.id, "title": pub.title}, "window": window, "forces": rows,
        "can_set_window": can_set_accuracy_window(viewer), "notice": common.notice(request)})


@router.post("/accuracy/{publication}/window", dependencies=common.CSRF)
def window_save(request: Request, viewer: common.Analyst, publication: str,
                opens: common.FormText = "", closes: common.FormText = "",
                version: common.FormText = "") -> Response:
    pub = common.publication_or_404(publication)
    errors = common.FormErrors()
    times = {}
    for name, value in (("opens", opens), ("closes", closes)):
        try:
            times[name] = common.parse_uk_local(value)
        except ValueError as error:
            text = str(error) if "clocks" in str(error) else "Enter a date and time, for example 2018-02-01 09:00"
            errors.add(name, text)
    expected = common.parse_version(version)
    if not errors:
        try:
            with common.ledger(request, viewer) as session:
                set_window(session, pub.id, times["opens"], times["closes"], viewer.name or "", expected)
        except ConflictError:
            errors.add("opens", "Someone else changed the window since you opened this page: reload it")
        except PeelError as error:
            errors.add("closes", str(error).capitalize())
    if errors:
        with common.ledger(request, viewer) as session:
            window = _window(session, request, pub.id)
        window.update(opens_value=opens, closes_value=closes)
        return page(request, "work/accuracy_index.html", {
            "publication": {"id": pub.id, "title": pub.title}, "window": window, "forces": [],
            "can_set_window": True, "notice": None, "errors": errors.to_dict()}, status_code=400)
    return common.saved(request, f"/accuracy/{pub.id}", "accuracy-window")


# ------------------------------------------------------------------------------------------------ one force


def _force_or_404(viewer: Viewer, slug: str) -> Area:
    area = common.force_by_slug_or_404(slug)
    if not can_see_accuracy(viewer, area.code):
        raise HTTPException(status_code=404)  # another force's comments do not exist for a force user
    return area


def force_data(request: Request, viewer: Viewer, publication_id: str, area: Area) -> dict[str, Any]:
    pub = common.publication_or_404(publication_id)
    sections = report_sections(pub.id)
    titles = {s.id: s.title for s in sections}
    with common.ledger(request, viewer) as session:
        window = _window(session, request, pub.id)
        comments = [_comment_row(c, titles) for c in list_comments(session, pub.id, area.code)]
        audit = [e for c in reversed(comments) for e in record_audit(session, "accuracy_comment", str(c["id"]))]
    return {
        "publication": {"id": pub.id, "title": pub.title},
        "force": {"code": area.code, "name": area.name, "slug": area.slug},
        "report_url": f"/publications/{pub.id}/forces/{area.slug}/report",
        "window": window,
        "sections": [{"id": s.id, "title": s.title,
                      "comments": [c for c in comments if c["section"] == s.id]} for s in sections],
        "comments": comments,
        "outcomes": OUTCOME_LABELS,
        "can_comment": can_comment_accuracy(viewer, area.code) and window["open"],
        "can_answer": can_answer_accuracy(viewer),
        "audit": audit,
        "notice": common.notice(request),
    }


@router.get("/accuracy/{publication}/forces/{slug}")
def accuracy_force(request: Request, viewer: common.Signed, publication: str, slug: str) -> Response:
    area = _force_or_404(viewer, common.strip_json(slug))
    return page(request, "work/accuracy.html", force_data(request, viewer, publication, area))


def _reshow(request: Request, viewer: Viewer, publication: str, area: Area, form: dict[str, Any]) -> Response:
    data = force_data(request, viewer, publication, area)
    data["form"] = form
    return page(request, "work/accuracy.html", data, status_code=409 if form.get("conflict") else 400)


@router.post("/accuracy/{publication}/forces/{slug}/comments", dependencies=common.CSRF)
def comment(request: Request, viewer: common.Signed, publication: str, slug: str,
            section: common.FormText = "", text: common.FormText = "") -> Response:
    pub = common.publication_or_404(publication)
    area = _force_or_404(viewer, slug)
    if not can_comment_accuracy(viewer, area.code):
        raise HTTPException(status_code=403)
    errors = common.FormErrors()
    if not section:
        errors.add("section", "Choose the section of the report your comment is about")
    if not text.strip():
        errors.add("text", "Enter your comment")
    if not errors:
        try:
            with common.ledger(request, viewer) as session:
                add_comment(session, pub.id, area.code, section, text, viewer.name or "", common.now(request))
        except PeelError as error:
            errors.add("text", str(error).capitalize())
    if errors:
        return _reshow(request, viewer, pub.id, area, {"kind": "comment", "section": section, "text": text,
                                                       "errors": errors.to_dict()})
    return common.saved(request, f"/accuracy/{pub.id}/forces/{area.slug}", "accuracy-comment")


@router.post("/accuracy/{publication}/forces/{slug}/comments/{comment_id}/answer", dependencies=common.CSRF)
def answer(request: Request, viewer: common.Inspector, publication: str, slug: str,
           comment_id: str, outcome: common.FormText = "", reason: common.FormText = "",
           version: common.FormText = "") -> Response:
    pub = common.publication_or_404(publication)
    area = _force_or_404(viewer, slug)
    errors = common.FormErrors()
    conflict = False
    number = int(comment_id) if comment_id.isdigit() else -1
    with common.ledger(request, viewer) as session:
        found = session.get(AccuracyComment, number)
        if found is None or found.force_code != area.code or found.publication_id != pub.id:
            raise HTTPException(status_code=404)
    field = f"reason-{number}"
    if outcome not in ("accepted", "not_accepted"):
        errors.add(f"outcome-{number}", "Choose whether the comment is accepted")
    if not reason.strip():
        errors.add(field, "Enter the reason for your answer")
    if not errors:
        try:
            with common.ledger(request, viewer) as session:
                answer_comment(session, number, outcome, reason, viewer.name or "", common.parse_version(version),
                               common.now(request))
        except ConflictError:
            conflict = True
        except PeelError as error:
            errors.add(field, str(error).capitalize())
    if errors or conflict:
        return _reshow(request, viewer, pub.id, area, {"kind": "answer", "id": number, "outcome": outcome,
                                                       "reason": reason, "errors": errors.to_dict(),
                                                       "conflict": conflict})
    return common.saved(request, f"/accuracy/{pub.id}/forces/{area.slug}", "accuracy-answer")
