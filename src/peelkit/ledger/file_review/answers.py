"""A reviewer's answers: one per sampled file and criterion, versioned and audited."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.ledger.base import ConflictError, check_version, utcnow
from peelkit.ledger.file_review.draws import get_draw
from peelkit.ledger.file_review.models import FrameRecord, ReviewAnswer, SampledFile
from peelkit.ledger.file_review.rules import ANSWERS, CRITERIA, FileReviewError


def _criterion(criterion: str) -> str:
    ids = [cid for cid, _ in CRITERIA]
    key = criterion.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ids:
        close = difflib.get_close_matches(key, ids, n=3, cutoff=0.5)
        hint = f" Closest: {', '.join(close)}." if close else f" The criteria are: {', '.join(ids)}."
        raise FileReviewError(f"{criterion!r} is not a review criterion.{hint}")
    return key


def _answer(answer: str) -> str:
    key = answer.strip().lower().replace("-", "_").replace(" ", "_")
    key = {"na": "not_applicable", "n/a": "not_applicable", "n_a": "not_applicable"}.get(key, key)
    if key not in ANSWERS:
        raise FileReviewError(f"{answer!r} is not an answer: use yes, no or not_applicable")
    return key


def find_sampled_file(session: Session, draw_id: int, reference: str, force: str | None = None) -> SampledFile:
    get_draw(session, draw_id)
    query = (select(SampledFile).join(FrameRecord, FrameRecord.id == SampledFile.record_id)
             .where(SampledFile.draw_id == draw_id, FrameRecord.reference == reference.strip()))
    if force:
        query = query.where(SampledFile.force_code == forces.match_force(force).code)
    found = list(session.scalars(query))
    if not found:
        raise FileReviewError(f"reference {reference!r} is not among the files drawn in draw {draw_id}"
                              + (f" for {force}" if force else ""))
    if len(found) > 1:
        names = ", ".join(forces.match(f.force_code).name for f in found)
        raise FileReviewError(f"reference {reference!r} was drawn for more than one force ({names}); "
                              "say which with --force")
    return found[0]


def record_answer(session: Session, draw_id: int, reference: str, criterion: str, answer: str,
                  force: str | None = None, expected_version: int | None = None) -> ReviewAnswer:
    """Record (or change) a file's answer to one criterion; the session's actor is the reviewer."""
    sampled = find_sampled_file(session, draw_id, reference, force)
    criterion_id, answer_value = _criterion(criterion), _answer(answer)
    actor = str(session.info.get("actor", "system"))
    row = session.scalars(select(ReviewAnswer).where(ReviewAnswer.sample_id == sampled.id,
                                                     ReviewAnswer.criterion == criterion_id)).first()
    if row is None:
        if expected_version:  # the editor saw an answer that is no longer there
            raise ConflictError(f"the answer for {reference} / {criterion_id}", expected_version, 0)
        row = ReviewAnswer(sample_id=sampled.id, criterion=criterion_id, answer=answer_value, answered_by=actor,
                           answered_at=utcnow())
        session.add(row)
    else:
        if expected_version is not None:
            check_version(row, expected_version, f"the answer for {reference} / {criterion_id}")
        if row.answer != answer_value:
            row.answer, row.answered_by, row.answered_at = answer_value, actor, utcnow()
    session.flush()
    return row
