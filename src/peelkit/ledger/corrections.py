"""Published records change only as corrections.

Once a publication is public (published, or embargoed and past its release time), the judgments, narrative and
findings (areas for improvement and the other kinds) of its programme year are frozen (a finding's status moving
on later is dated tracking and stays open): any insert, update or delete of them is refused unless
the session carries a correction reason (`peel ... --correction "reason"`, or the web form's reason field).
Each corrected record leaves a Correction row (who, when, why, what) beside its audit rows, and the report and
force page say "Corrected on <date>: <reason>". The rule is enforced at flush time, so no path (CLI, web,
imports) can go round it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from peelkit.errors import RecordRuleError
from peelkit.ledger.base import Base, utcnow

CORRECTION_KEY = "correction"  # session.info key holding the reason of a correction
NOW_KEY = "now"  # session.info key: the time that decides what is public (default: the real time)
MAX_REASON = 2_000


class Correction(Base):
    __tablename__ = "correction"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    record: Mapped[str] = mapped_column(Text, nullable=False)  # what was corrected, in words
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


@dataclass(frozen=True)
class CorrectionView:
    on: date
    reason: str
    record: str

    @property
    def sentence(self) -> str:
        return f"Corrected on {self.on:%-d %B %Y}: {self.reason}"


def corrections_for(session: Session, publication_id: str) -> dict[str, list[CorrectionView]]:
    """Force code -> its corrections in this publication, oldest first."""
    found: dict[str, list[CorrectionView]] = {}
    for row in session.scalars(select(Correction).where(Correction.publication_id == publication_id)
                               .order_by(Correction.at, Correction.id)):
        found.setdefault(row.force_code, []).append(CorrectionView(row.at.date(), row.reason, row.record))
    return found


def begin_correction(session: Session, reason: str | None) -> None:
    """Mark the session's changes as a correction of published records (None or blank: not a correction)."""
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise RecordRuleError(f"the correction reason is {len(text):,} characters; the limit is {MAX_REASON:,}")
    if text:
        session.info[CORRECTION_KEY] = text
    else:
        session.info.pop(CORRECTION_KEY, None)


@functools.cache
def _publication_year(publication_id: str) -> str | None:
    """The programme year label of a built-in publication, or None when it is not one we know."""
    from peelkit.indicators.publication import available, load
    from peelkit.ledger import frameworks

    if publication_id not in available():
        return None
    try:
        return frameworks.get(str(load(publication_id).year)).year
    except Exception:  # a publication whose year has no framework has no frozen ledger records
        return None


def public_publications(session: Session, now: datetime | None = None) -> dict[str, list[str]]:
    """Programme year label -> the public publications of that year (published, or released from embargo)."""
    from peelkit.ledger.publication_state import PublicationStateRow

    now_naive = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    rows = session.connection().execute(select(
        PublicationStateRow.publication_id, PublicationStateRow.state, PublicationStateRow.release_at)).all()
    years: dict[str, list[str]] = {}
    for publication_id, state, release_at in rows:
        public = state == "published" or (state == "embargoed" and release_at is not None and release_at <= now_naive)
        year = _publication_year(publication_id) if public else None
        if year is not None:
            years.setdefault(year, []).append(publication_id)
    return years


def _frozen_key(session: Session, obj: Any) -> tuple[str, str, str] | None:
    """(programme year, force code, description) of a ledger record that publication freezes, else None."""
    from peelkit.ledger import frameworks
    from peelkit.ledger.improvements import ImprovementArea
    from peelkit.ledger.judgments import Judgment
    from peelkit.ledger.narrative import Narrative

    if isinstance(obj, Judgment):
        return frameworks.get(obj.framework_id).year, obj.force_code, obj.describe()
    if isinstance(obj, Narrative):
        return obj.year, obj.force_code, obj.describe()
    if isinstance(obj, ImprovementArea):
        if obj in session.dirty and _changed_columns(obj) <= STATUS_TRACKING:
            return None  # its status moving on is a later, dated event, not a change to what was published
        return obj.year_raised, obj.force_code, obj.describe()
    return None  # anything else, status history included (dated events after publication are tracking)


# An area's status moves on after publication (in progress, addressed): recorded as dated history, not frozen.
STATUS_TRACKING = frozenset({"status", "version", "updated_at"})


def _changed_columns(obj: Any) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


def _guard(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    changed = [obj for obj in session.new] + [obj for obj in session.deleted] + [
        obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    with session.no_autoflush:
        keys = [key for key in (_frozen_key(session, obj) for obj in changed) if key is not None]
        if not keys:
            return
        public = public_publications(session, session.info.get(NOW_KEY))
        hits = [(year, force, what) for year, force, what in keys if year in public]
        if not hits:
            return
        reason = session.info.get(CORRECTION_KEY)
        if not reason:
            year, _force, what = hits[0]
            raise RecordRuleError(
                f"{what} belongs to {', '.join(public[year])}, which is published: it can change only as a "
                "correction; give the reason with --correction \"...\" (on the web, the correction reason field)")
        actor = str(session.info.get("actor", "system"))
        for year, force, what in dict.fromkeys(hits):
            for publication_id in public[year]:
                session.add(Correction(publication_id=publication_id, force_code=force, record=what,
                                       reason=str(reason), actor=actor))


def install() -> None:
    """Register the freeze on every Session (idempotent)."""
    if not event.contains(Session, "before_flush", _guard):
        # First among the before_flush listeners, so the audit log also captures the Correction rows it adds.
        event.listen(Session, "before_flush", _guard, insert=True)


__all__ = ["CORRECTION_KEY", "NOW_KEY", "Correction", "CorrectionView", "begin_correction", "corrections_for",
           "install", "public_publications"]
