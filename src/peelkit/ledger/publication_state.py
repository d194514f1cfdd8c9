"""Whether a publication is a draft, under embargo until a release time, or published: the switch that decides
what the public (and each force) may see in the web app. A publication with no row is a draft.

Allowed changes: draft -> embargoed (needs a release time) or published; embargoed -> published at any time;
embargoed -> draft or a new release time, only before the release time; nothing after publication (published
records then change only as corrections: peelkit.ledger.corrections). Every change writes an audit row;
``version`` refuses stale edits.

The gate: a publication is embargoed or published only when no error-severity data query is unresolved,
every force has signed off its current return and every judgment of its programme year has been moderated
(peelkit.ledger.moderation), unless an override reason is given; the reason and what it
overrode are kept (audited) and Annex A lists them. Publishing records the actual release time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast, get_args

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError, PeelError, RecordRuleError
from peelkit.ledger.base import Base, ConflictError, Versioned, utcnow
from peelkit.plural import counted, word_for

State = Literal["draft", "embargoed", "published"]
STATES: tuple[State, ...] = get_args(State)


class TransitionError(InputError, ValueError):
    """A change of publication state that the rules do not allow."""


class PublicationStateRow(Versioned, Base):
    __tablename__ = "publication_state"
    __audited__ = True

    publication_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    release_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # naive UTC
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # naive UTC, when published
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_detail: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # what the override let through


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise TransitionError(f"the release time {value.isoformat()} has no time zone: give one, e.g. "
                              "2018-03-22T00:01:00+00:00")
    return value.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class PublicationStatus:
    publication_id: str
    state: State
    release_at: datetime | None  # UTC, tz-aware
    version: int
    released_at: datetime | None = None  # UTC, tz-aware: when it actually became public by being published
    override_reason: str | None = None
    override_detail: tuple[str, ...] = ()

    def is_public(self, now: datetime) -> bool:
        """Published, or embargoed and the release time has come."""
        if self.state == "published":
            return True
        return self.state == "embargoed" and self.release_at is not None and self.release_at <= now

    def to_dict(self) -> dict[str, object]:
        return {"publication_id": self.publication_id, "state": self.state,
                "release_at": None if self.release_at is None else self.release_at.isoformat(),
                "version": self.version,
                "released_at": None if self.released_at is None else self.released_at.isoformat(),
                "override_reason": self.override_reason, "override_detail": list(self.override_detail)}


def _status(row: PublicationStateRow) -> PublicationStatus:
    return PublicationStatus(row.publication_id, cast(State, row.state), _aware(row.release_at), row.version,
                             _aware(row.released_at), row.override_reason, tuple(row.override_detail or ()))


def get_status(session: Session, publication_id: str) -> PublicationStatus:
    """The publication's state; a publication never set is a draft (version 0)."""
    row = session.get(PublicationStateRow, publication_id)
    if row is None:
        return PublicationStatus(publication_id, "draft", None, 0)
    return _status(row)


def all_statuses(session: Session) -> dict[str, PublicationStatus]:
    """Every publication that has a stored state (the others are drafts)."""
    rows = session.scalars(select(PublicationStateRow)).all()
    return {row.publication_id: _status(row) for row in rows}


def _check_transition(current: PublicationStatus, state: State, release_at: datetime | None, now: datetime) -> None:
    name = current.publication_id
    if current.state == "published":
        raise TransitionError(f"{name} is already published: its state cannot change (its records change only as "
                              "corrections: --correction)")
    if current.state == "embargoed" and current.is_public(now) and state != "published":
        assert current.release_at is not None
        raise TransitionError(f"{name} was released at {current.release_at.isoformat()}; it can only be "
                              "marked published now")
    if state == "embargoed" and release_at is None:
        raise TransitionError(f"an embargo needs a release time: give --release-at for {name}")


def gate_problems(session: Session, publication_id: str,
                  current_returns: dict[str, int] | None = None) -> list[str]:
    """What stands between a publication and its release: unresolved error-severity data queries, forces that
    have not signed off their current return (`current_returns` from the warehouse, when there is one) and
    judgments of its programme year not yet moderated."""
    from peelkit.ledger.queries import list_queries, return_status

    problems = []
    for query in list_queries(session, publication_id):
        if query.severity == "error" and query.status in ("open", "answered"):
            problems.append(f"data query {query.id} ({query.force_code}, {query.item}) is {query.status}")
    for row in return_status(session, publication_id, current_returns):
        if not row.signed_off:
            problems.append(f"{row.force_name} has not signed off its figures ({row.note or 'not signed off'})")
    return problems + _unmoderated_lines(session, publication_id)


def _unmoderated_lines(session: Session, publication_id: str) -> list[str]:
    # A publication with no programme framework (an indicators-only one) has no judgments to moderate.
    from peelkit.indicators.publication import load
    from peelkit.ledger import frameworks as fw
    from peelkit.ledger.moderation import gate_lines

    try:
        framework = fw.for_publication(load(publication_id))
    except PeelError:
        return []
    return gate_lines(session, framework.id)


def _gate(session: Session, publication_id: str, current_returns: dict[str, int] | None,
          override: str | None) -> tuple[str | None, list[str] | None]:
    problems = gate_problems(session, publication_id, current_returns)
    reason = (override or "").strip()
    if problems and not reason:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        listed = "".join(f"\n  {line}" for line in shown)
        raise RecordRuleError(
            f"{publication_id} cannot be released: {counted(len(problems), 'problem')} "
            f"{word_for(len(problems), 'stands', 'stand')} in the way:{listed}\n"
            "Resolve them, or give the reason to release anyway with --override \"...\" (it is audited and "
            "listed in Annex A).")
    return (reason, problems) if problems else (None, None)


def set_status(session: Session, publication_id: str, state: str, release_at: datetime | None,
               expected_version: int, *, now: datetime | None = None, override: str | None = None,
               current_returns: dict[str, int] | None = None) -> PublicationStatus:
    """Change a publication's state (the actor is the session's). ``expected_version`` is the version the
    editor read (0 for a publication never set); a stale one raises ConflictError, a change the rules refuse
    TransitionError, a release through an unclear gate without ``override`` RecordRuleError."""
    if state not in STATES:
        raise TransitionError(f"unknown publication state {state!r}: use one of {', '.join(STATES)}")
    new_state: State = state
    now = now or datetime.now(UTC)
    stored_release = _naive_utc(release_at) if release_at is not None else None
    if new_state == "draft":
        stored_release = None
    what = f"the state of {publication_id}"
    row = session.get(PublicationStateRow, publication_id)
    current = get_status(session, publication_id)
    if current.version != expected_version:
        raise ConflictError(what, expected_version, current.version)
    _check_transition(current, new_state, release_at, now)
    override_reason, override_detail = (None, None)
    if new_state in ("embargoed", "published"):
        # An embargo released with an override keeps its reason when its time moves or it is published.
        kept = current.override_reason if current.state == "embargoed" else None
        override_reason, override_detail = _gate(session, publication_id, current_returns, override or kept)
    released_at = None
    if new_state == "published":
        # The actual release: the embargo's time if it has passed, else now (never a time still to come).
        planned = current.release_at if current.state == "embargoed" else None
        released = planned if planned is not None and planned <= now else now
        released_at = stored_release = released.astimezone(UTC).replace(tzinfo=None)
    actor = str(session.info.get("actor", "system"))
    if row is None:
        row = PublicationStateRow(publication_id=publication_id, state=new_state, release_at=stored_release,
                                  updated_by=actor)
        session.add(row)
    else:
        row.state = new_state
        row.release_at = stored_release
        row.updated_by = actor
    row.released_at = released_at
    if new_state == "draft" or override_reason is not None or current.state == "draft":
        row.override_reason, row.override_detail = override_reason, override_detail
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as error:  # IntegrityError: two first settings at once
        raise ConflictError(what) from error
    return _status(row)
