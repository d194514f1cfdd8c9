"""File review results: the force's files sampled in the publication year's draw, and a form per file for the
reviewer's answer to each criterion (peelkit.ledger.file_review.record_answer, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool

from peelkit.errors import PeelError
from peelkit.ledger import file_review as fr
from peelkit.ledger.base import ConflictError
from peelkit.web.policy import Viewer
from peelkit.web.routes import work_common as common

router = APIRouter(include_in_schema=False)
ANSWER_LABELS = {"yes": "Yes", "no": "No", "not_applicable": "Not applicable"}


def draw_for(session: Session, target: common.Target) -> fr.SampleDraw | None:
    """The newest draw whose window starts in the publication's year (the one its reports summarise)."""
    draws = session.scalars(select(fr.SampleDraw).order_by(fr.SampleDraw.id.desc())).all()
    return next((d for d in draws if d.window_start.year == target.pub.year), None)


def _answers(session: Session, sample_ids: list[int]) -> dict[int, dict[str, fr.ReviewAnswer]]:
    found: dict[int, dict[str, fr.ReviewAnswer]] = {}
    if sample_ids:
        for row in session.scalars(select(fr.ReviewAnswer).where(fr.ReviewAnswer.sample_id.in_(sample_ids))):
            found.setdefault(row.sample_id, {})[row.criterion] = row
    return found


def _answer_counts(session: Session, sample_ids: list[int]) -> dict[int, int]:
    """Criteria answered, by sampled file (counted in the database)."""
    if not sample_ids:
        return {}
    counts = (select(fr.ReviewAnswer.sample_id, func.count()).where(fr.ReviewAnswer.sample_id.in_(sample_ids))
              .group_by(fr.ReviewAnswer.sample_id))
    return {row[0]: row[1] for row in session.execute(counts)}


def progress(session: Session, target: common.Target) -> dict[str, Any] | None:
    """How many of the force's sampled files are fully answered (None when no sample was drawn)."""
    draw = draw_for(session, target)
    if draw is None:
        return None
    files = fr.draw_files(session, draw.id, target.area.code)
    ids = [f.sample_id for f in files]
    answered = _answer_counts(session, ids)
    complete = sum(1 for i in ids if answered.get(i, 0) == len(fr.CRITERIA))
    return {"draw_id": draw.id, "files": len(files), "complete": complete, "url": f"{target.base}/file-review",
            "sample_ids": ids}


def _files_data(session: Session, target: common.Target) -> dict[str, Any]:
    draw = draw_for(session, target)
    if draw is None:
        return {**target.to_dict(), "draw": None, "files": [],
                "no_draw": f"No case-file sample has been drawn for {target.pub.year} yet (peel ledger file-review "
                           "draw)."}
    files = fr.draw_files(session, draw.id, target.area.code)
    answered = _answer_counts(session, [f.sample_id for f in files])
    rows = [{"sample_id": f.sample_id, "reference": f.reference, "crime_type": fr.crime_type_label(f.crime_type),
             "date_recorded": f.date_recorded.isoformat(), "answered": answered.get(f.sample_id, 0),
             "criteria": len(fr.CRITERIA), "url": f"{target.base}/file-review/{f.sample_id}"} for f in files]
    return {**target.to_dict(),
            "draw": {"id": draw.id, "seed": draw.seed, "window_start": draw.window_start.isoformat(),
                     "window_end": draw.window_end.isoformat()},
            "files": rows, "no_draw": None}


@router.get("/ledger/{publication}/forces/{slug}/file-review")
@router.get("/ledger/{publication}/forces/{slug}/file-review.json")
def files_page(request: Request, viewer: common.Inspector, publication: str, slug: str) -> Response:
    target = common.target_or_404(publication, slug)
    with common.ledger(request, viewer) as session:
        data = {**_files_data(session, target), "notice": common.notice(request)}
    return common.render_ledger(request, viewer, target, "work/file_review.html", data)


def _sampled_or_404(session: Session, target: common.Target, sample_id: str) -> fr.SampledFileRow:
    draw = draw_for(session, target)
    if draw is None:
        raise HTTPException(status_code=404)
    wanted = sample_id.removesuffix(".json")
    for f in fr.draw_files(session, draw.id, target.area.code):
        if str(f.sample_id) == wanted:
            return f
    raise HTTPException(status_code=404)


def file_data(session: Session, target: common.Target, sampled: fr.SampledFileRow,
              values: dict[str, str] | None = None) -> dict[str, Any]:
    saved_answers = _answers(session, [sampled.sample_id]).get(sampled.sample_id, {})
    criteria = []
    for criterion, text in fr.CRITERIA:
        row = saved_answers.get(criterion)
        criteria.append({
            "id": criterion, "text": text,
            "saved": None if row is None else {"answer": row.answer, "label": ANSWER_LABELS[row.answer],
                                               "by": row.answered_by, "when": common.uk_time(row.answered_at)},
            "version": row.version if row else 0,
            "value": (values or {}).get(criterion, row.answer if row else ""),
        })
    return {**target.to_dict(),
            "file": {"sample_id": sampled.sample_id, "reference": sampled.reference,
                     "crime_type": fr.crime_type_label(sampled.crime_type),
                     "date_recorded": sampled.date_recorded.isoformat()},
            "criteria": criteria, "answers": [{"value": k, "text": t} for k, t in ANSWER_LABELS.items()],
            "errors": common.FormErrors().to_dict(), "conflict": [],
            "action": f"{target.base}/file-review/{sampled.sample_id}",
            "list_url": f"{target.base}/file-review"}


@router.get("/ledger/{publication}/forces/{slug}/file-review/{sample_id}")
def file_page(request: Request, viewer: common.Inspector, publication: str, slug: str, sample_id: str) -> Response:
    target = common.target_or_404(publication, slug)
    with common.ledger(request, viewer) as session:
        data = file_data(session, target, _sampled_or_404(session, target, sample_id))
    return common.render_ledger(request, viewer, target, "work/file_review_file.html", data)


@router.post("/ledger/{publication}/forces/{slug}/file-review/{sample_id}", dependencies=common.CSRF)
async def save_file(request: Request, viewer: common.Inspector, publication: str, slug: str,
                    sample_id: str) -> Response:
    # One field per criterion (answer_<id>, version_<id>): read from the form rather than declared one by one.
    form = await request.form()
    values = {c: str(form.get(f"answer_{c}", "")) for c, _ in fr.CRITERIA}
    versions = {c: str(form.get(f"version_{c}", "")) for c, _ in fr.CRITERIA}
    return await run_in_threadpool(_save_file, request, viewer, publication, slug, sample_id, values, versions)


def _save_file(request: Request, viewer: Viewer, publication: str, slug: str, sample_id: str,
               values: dict[str, str], versions: dict[str, str]) -> Response:
    target = common.target_or_404(publication, slug)
    errors = common.FormErrors()
    for criterion, _text in fr.CRITERIA:
        if values[criterion] and values[criterion] not in ANSWER_LABELS:
            errors.add(f"answer_{criterion}", "Choose yes, no or not applicable")
    conflicts: list[str] = []
    if not errors:
        try:
            with common.ledger(request, viewer) as session:
                sampled = _sampled_or_404(session, target, sample_id)
                stored = _answers(session, [sampled.sample_id]).get(sampled.sample_id, {})
                for criterion, _text in fr.CRITERIA:
                    row = stored.get(criterion)
                    expected = common.parse_version(versions[criterion])
                    changed_since = (row is not None and row.version != expected) or (row is None and expected)
                    # Someone else answering the same way is no conflict; a different answer is.
                    if values[criterion] and changed_since and (row is None or row.answer != values[criterion]):
                        conflicts.append(criterion)
                if conflicts:
                    raise ConflictError(f"the answers for {sampled.reference}")
                draw = draw_for(session, target)
                assert draw is not None
                for criterion, _text in fr.CRITERIA:
                    if values[criterion]:
                        fr.record_answer(session, draw.id, sampled.reference, criterion, values[criterion],
                                         target.area.code)
                session.flush()
        except (ConflictError, StaleDataError):
            conflicts = conflicts or [c for c, _ in fr.CRITERIA]
        except PeelError as error:
            errors.add(f"answer_{fr.CRITERIA[0][0]}", str(error))
    if errors or conflicts:
        with common.ledger(request, viewer) as session:
            data = file_data(session, target, _sampled_or_404(session, target, sample_id), values)
        return common.ledger_form_again(request, viewer, target, "work/file_review_file.html", data, errors,
                                        conflicts)
    return common.saved(request, f"{target.base}/file-review", "file-review")
