"""Ledger editing for inspectors: a force's overview page (judgments, areas for improvement, narrative, file
review progress, recent audit rows) and the judgment form. Analysts see the overview read-only.

Every save goes through the ledger functions with the version the editor read; a stale version re-shows the
form with both the saved value and the editor's unsaved one (nothing typed is lost)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.errors import PeelError, RecordRuleError
from peelkit.indicators.publication import available
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import ConflictError
from peelkit.ledger.improvements import AreaView, areas_for
from peelkit.ledger.judgments import Judgment, record_judgment, standing_judgments
from peelkit.ledger.ledger_check import check_ledger
from peelkit.ledger.moderation import programme_reviews
from peelkit.ledger.narrative import Narrative
from peelkit.ledger.publication_state import PublicationStatus, get_status
from peelkit.web import pages
from peelkit.web.auth import session_id
from peelkit.web.data import cache_for as data_cache
from peelkit.web.policy import Viewer, can_edit_ledger
from peelkit.web.routes import work_common as common
from peelkit.web.routes import work_review
from peelkit.web.routes.work_audit import force_audit
from peelkit.web.routes.work_moderation import moderation_data
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
UNKNOWN = "unknown"


def _questions(framework: fw.Framework) -> list[fw.Question]:
    """The current areas, then those of earlier revisions only (still recordable), then the overall grade."""
    earlier = [q for q in framework.all_areas if q not in framework.questions]
    return [*framework.questions, *earlier, *([framework.question(fw.OVERALL)] if framework.overall else [])]


def find_judgment(session: Session, target: common.Target, question_id: str) -> Judgment | None:
    return session.scalars(select(Judgment).where(
        Judgment.force_code == target.area.code, Judgment.framework_id == target.framework.id,
        Judgment.question_id == question_id)).one_or_none()


def judgment_dict(j: Judgment | None) -> dict[str, Any] | None:
    if j is None:
        return None
    return {"grade": j.grade, "inspected_this_year": j.inspected_this_year, "last_inspected": j.last_inspected,
            "evidence": j.evidence, "source": j.source, "confidence": j.confidence, "version": j.version,
            "updated": common.uk_time(j.updated_at)}


def _narratives(session: Session, target: common.Target) -> dict[str, Narrative]:
    rows = session.scalars(select(Narrative).where(Narrative.force_code == target.area.code,
                                                   Narrative.year == target.framework.year))
    return {row.section: row for row in rows}


def overview_data(session: Session, request: Request, viewer: Viewer, target: common.Target) -> dict[str, Any]:
    code = target.area.code
    standing = standing_judgments(session, code, target.framework.year)
    stands = {s.question_id: s for s in [*standing.questions, *([standing.overall] if standing.overall else [])]}
    judgments = []
    states = {r.question_id: r.state for r in programme_reviews(session, target.framework.id, code)}
    for q in _questions(target.framework):
        s = stands.get(q.id)
        judgments.append({
            "question_id": q.id, "title": common.area_label(q), "core_question": q.core_question, "graded": q.graded,
            "unconfirmed": list(q.unconfirmed),
            "recorded": judgment_dict(find_judgment(session, target, q.id)),
            "standing": {"grade": s.grade, "basis": s.basis, "last_inspected": s.last_inspected} if s else None,
            "edit_url": f"{target.base}/judgments/{q.id}", "moderation": states.get(q.id),
        })
    titles = {q.id: q.title for q in target.framework.all_areas}
    areas = [{**AreaView(a).to_dict(), "question_title": titles.get(a.question_id, a.question_id),
              "status_url": None if a.is_practice else f"{target.base}/areas/{a.id}/status",
              "recommendations_url": f"{target.base}/areas/{a.id}/recommendations" if a.is_cause else None}
             for a in areas_for(session, code)]
    saved_narratives = _narratives(session, target)
    narrative = []
    for section in common.narrative_sections(target.framework):
        row = saved_narratives.get(section)
        narrative.append({"section": section, "title": common.section_title(target.framework, section),
                          "recorded": bool(row and row.text.strip()), "author": row.author if row else None,
                          "updated": common.uk_time(row.updated_at) if row else None,
                          "words": len(row.text.split()) if row else 0,
                          "edit_url": f"{target.base}/narrative/{section}"})
    review = work_review.progress(session, target)
    if review:
        review.pop("sample_ids")  # for the page's JSON: the audit trail finds the force's samples itself
    return {
        **target.to_dict(),
        "can_edit": can_edit_ledger(viewer),
        "judgments": judgments,
        "movement": standing.movement,
        "moderation_url": f"/ledger/{target.pub.id}/moderation",
        "checks": [f.to_dict() for f in check_ledger(session, force=code, year=target.framework.id)],
        "areas": areas,
        "new_area_url": f"{target.base}/areas",
        "narrative": narrative,
        "file_review": review,
        "audit": force_audit(session, code),
        "notice": common.notice(request),
    }


@router.get("/ledger")
@router.get("/ledger.json")
def ledger_index(request: Request, viewer: common.Staff) -> Response:
    publications = []
    with common.ledger(request, viewer) as session:
        for pub_id in available():
            pub = common.publication_or_404(pub_id)
            try:
                year = fw.for_publication(pub).year
            except fw.FrameworkError:
                continue  # no framework for that year: nothing to record
            status = get_status(session, pub.id)
            publications.append({
                "id": pub.id, "title": pub.title, "year": year, "state": status.state,
                "forces": [{"code": f["code"], "name": f["name"], "url": f"/ledger/{pub.id}/forces/{f['slug']}"}
                           for f in common.force_choices()]})
    return page(request, "work/ledger_index.html", {"publications": publications, "can_edit": can_edit_ledger(viewer)})


@router.get("/ledger/{publication}/forces/{slug}")
def ledger_page(request: Request, viewer: common.Staff, publication: str, slug: str) -> Response:
    """Kept whole per ledger version, read on every request (a save from any process shows at once, unlike the
    public pages' second-old versions), and per session (it carries the viewer's name and form token), saved
    notice and embargo banner (the publication's state is ledger data, kept per version; whether it is public
    yet is the clock's). The version is read before the page's records, so a kept page is never older than its
    key."""
    target = common.target_or_404(publication, common.strip_json(slug))
    cache = data_cache(request.app.state)
    version = cache.ledger_version_now()

    def read_status() -> PublicationStatus:
        with common.ledger(request, viewer) as session:
            return get_status(session, target.pub.id)

    banner = pages.draft_status(cache.memo(("ledger-state", version, target.pub.id), read_status),
                                common.now(request))
    key = ("ledger-page", version, session_id(request), viewer.role, viewer.force_code, request.url.path,
           common.notice(request), json.dumps(banner, sort_keys=True, default=str))

    def build() -> tuple[bytes, str]:
        with common.ledger(request, viewer) as session:
            data = overview_data(session, request, viewer, target)
        answer = page(request, "work/ledger.html", {**data, "draft_status": banner})
        return bytes(answer.body), answer.media_type or "text/html"

    body, media_type = cache.memo(key, build)
    return Response(body, media_type=media_type)


# ------------------------------------------------------------------------------------------------ judgments


def _grade_choices(question: fw.Question, framework: fw.Framework) -> list[dict[str, str]]:
    grades = framework.grades if question.graded else (fw.UNGRADED,)
    return [*({"value": g, "text": g} for g in grades), {"value": UNKNOWN, "text": "Not known (no grade recorded)"}]


def _question_or_404(target: common.Target, question_id: str) -> fw.Question:
    try:
        return target.framework.question(question_id)
    except fw.FrameworkError:
        raise HTTPException(status_code=404) from None


def judgment_data(session: Session, target: common.Target, question: fw.Question,
                  form: dict[str, Any] | None = None) -> dict[str, Any]:
    recorded = judgment_dict(find_judgment(session, target, question.id))
    values = form or {
        "grade": (recorded["grade"] or UNKNOWN) if recorded else "",
        "inspected": ("yes" if recorded["inspected_this_year"] else "no") if recorded else "yes",
        "evidence": (recorded["evidence"] or "") if recorded else "",
    }
    return {**target.to_dict(), "question": {"id": question.id, "title": question.title, "graded": question.graded,
                                             "core_question": question.core_question},
            "grades": _grade_choices(question, target.framework), "recorded": recorded,
            "version": recorded["version"] if recorded else 0, "values": values,
            "errors": common.FormErrors().to_dict(), "conflict": False,
            "action": f"{target.base}/judgments/{question.id}"}


@router.get("/ledger/{publication}/forces/{slug}/judgments/{question_id}")
def judgment_page(request: Request, viewer: common.Inspector, publication: str, slug: str,
                  question_id: str) -> Response:
    target = common.target_or_404(publication, slug)
    question = _question_or_404(target, common.strip_json(question_id))
    with common.ledger(request, viewer) as session:
        data = judgment_data(session, target, question)
        data["moderation"] = moderation_data(session, viewer, target, question.id)
        data["notice"] = common.notice(request)
    return common.render_ledger(request, viewer, target, "work/judgment.html", data)


@router.post("/ledger/{publication}/forces/{slug}/judgments/{question_id}", dependencies=common.CSRF)
def save_judgment(request: Request, viewer: common.Inspector, publication: str, slug: str, question_id: str,
                  grade: common.FormText = "", inspected: common.FormText = "",
                  evidence: common.FormText = "", version: common.FormText = "",
                  correction: common.FormText = "") -> Response:
    target = common.target_or_404(publication, slug)
    question = _question_or_404(target, question_id)
    values = {"grade": grade, "inspected": inspected, "evidence": evidence, "correction": correction}
    errors = common.FormErrors()
    allowed = [c["value"] for c in _grade_choices(question, target.framework)]
    if grade not in allowed:
        errors.add("grade", "Choose a grade, or say that it is not known")
    if inspected not in ("yes", "no"):
        errors.add("inspected", "Say whether the question was inspected this year")
    conflict = False
    if not errors:
        expected = common.parse_version(version)
        try:
            with common.ledger(request, viewer, correction) as session:
                existing = find_judgment(session, target, question.id)
                if expected is None and existing is not None:
                    raise ConflictError(existing.describe())
                this_year = inspected == "yes"
                last = target.framework.year if this_year else (
                    existing.last_inspected if existing is not None
                    and existing.last_inspected != target.framework.year else None)
                record_judgment(
                    session, target.area.code, target.framework.id, question.id,
                    None if grade == UNKNOWN else grade, inspected_this_year=this_year, last_inspected=last,
                    judged_on=existing.judged_on if existing else None,
                    source=existing.source if existing else None,
                    evidence=evidence.strip() or None,
                    confidence=existing.confidence if existing else None, expected_version=expected)
        except ConflictError:
            conflict = True
        except RecordRuleError as error:
            errors.add("correction", str(error))
        except PeelError as error:
            errors.add("grade", str(error))
    if errors or conflict:
        with common.ledger(request, viewer) as session:
            data = judgment_data(session, target, question, values)
        return common.ledger_form_again(request, viewer, target, "work/judgment.html", data, errors, conflict)
    return common.saved(request, target.base, "judgment")
