"""The ledger check: what the framework's grade definitions require of the record. An Inadequate grade means
"causes of concern, with recommendations", so an Inadequate grade recorded without a cause of concern on that
question (or, for an overall grade, on any question), or a cause of concern without a recommendation, is a
finding. Findings are data (stable kebab-case codes), not exceptions."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.ledger import frameworks as fw
from peelkit.ledger.improvements import CAUSE_KINDS, KIND_LABELS, ImprovementArea
from peelkit.ledger.judgments import Judgment

INADEQUATE = "Inadequate"
CODES = {
    "inadequate-without-cause-of-concern": "An Inadequate grade has no cause of concern",
    "cause-of-concern-without-recommendation": "A cause of concern has no recommendation",
}
_CLOSED = ("addressed", "closed")


@dataclass(frozen=True)
class LedgerFinding:
    code: str
    force_code: str
    year: str
    framework_id: str
    question_id: str
    record: str  # e.g. 'judgment 12', 'finding 3'
    message: str

    @property
    def title(self) -> str:
        return CODES[self.code]

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "title": self.title}


def _causes_stand(judgment: Judgment, causes: list[ImprovementArea], framework: fw.Framework) -> bool:
    """A cause of concern raised in the judgment's year, or an earlier one still open, on its question (any
    question for the overall grade)."""
    for cause in causes:
        if cause.force_code != judgment.force_code:
            continue
        if judgment.question_id != fw.OVERALL and cause.question_id != judgment.question_id:
            continue
        if cause.framework_id == framework.id:
            return True
        raised_in = fw.get(cause.framework_id)
        if raised_in.order < framework.order and cause.status not in _CLOSED:
            return True
    return False


def check_ledger(session: Session, *, force: str | None = None, year: str | None = None) -> list[LedgerFinding]:
    """Every finding of the check, for one force and/or one programme year (id or label) or the whole ledger;
    ordered by force, year and question."""
    from peelkit.forces import match_force

    code = match_force(force).code if force else None
    framework_id = fw.get(year).id if year else None
    judgments = select(Judgment).where(Judgment.grade == INADEQUATE, Judgment.inspected_this_year.is_(True))
    causes_q = select(ImprovementArea).where(ImprovementArea.kind.in_(CAUSE_KINDS))
    if code:
        judgments = judgments.where(Judgment.force_code == code)
        causes_q = causes_q.where(ImprovementArea.force_code == code)
    causes = list(session.scalars(causes_q))
    found: list[LedgerFinding] = []
    for j in session.scalars(judgments):
        if framework_id and j.framework_id != framework_id:
            continue
        framework = fw.get(j.framework_id)
        if not _causes_stand(j, causes, framework):
            where = "the overall grade" if j.question_id == fw.OVERALL else f"question {j.question_id}"
            found.append(LedgerFinding(
                "inadequate-without-cause-of-concern", j.force_code, framework.year, framework.id, j.question_id,
                f"judgment {j.id}", f"{j.force_code} is graded Inadequate on {where} in {framework.year}, but no "
                "cause of concern is recorded for it: record the cause of concern (peel ledger raise-area --kind "
                "cause_of_concern) or correct the grade"))
    for cause in causes:
        if framework_id and cause.framework_id != framework_id:
            continue
        if not cause.recommendations:
            found.append(LedgerFinding(
                "cause-of-concern-without-recommendation", cause.force_code, cause.year_raised, cause.framework_id,
                cause.question_id, f"finding {cause.id}",
                f"{KIND_LABELS[cause.kind]} {cause.id} of {cause.force_code} ({cause.year_raised}) has no "
                f"recommendation: add one (peel ledger recommendation add --finding {cause.id})"))
    return sorted(found, key=lambda f: (f.force_code, fw.get(f.framework_id).order, f.question_id, f.code))
