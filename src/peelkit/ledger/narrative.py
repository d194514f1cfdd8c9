"""Inspector narrative: Markdown text per force, programme year and report section (a question of that year's
framework, ``overview`` or ``specialist_capabilities``). Reports render it sanitised
(:mod:`peelkit.publish.markdown`); where there is none they say so plainly rather than inventing prose.

Every change writes an audit row (``__audited__``); ``version`` refuses concurrent or stale edits
(``expected_version``) with ConflictError.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import Base, ConflictError, Versioned, check_version, utcnow

OVERVIEW = "overview"
SPECIALIST_CAPABILITIES = "specialist_capabilities"
EXTRA_SECTIONS = (OVERVIEW, SPECIALIST_CAPABILITIES)
MAX_LENGTH = 100_000


class Narrative(Versioned, Base):
    __tablename__ = "narrative"
    __audited__ = True
    __table_args__ = (UniqueConstraint("force_code", "year", "section", name="uq_narrative_force_year_section"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    year: Mapped[str] = mapped_column(String(10), nullable=False)  # programme year label, e.g. '2017'
    section: Mapped[str] = mapped_column(String(80), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)  # Markdown
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def describe(self) -> str:
        return f"the {self.year} narrative of {self.force_code} on {self.section}"


def _section(framework: fw.Framework, section: str) -> str:
    section = section.strip()
    if section in EXTRA_SECTIONS:
        return section
    if section == fw.OVERALL:
        return OVERVIEW
    framework.question(section)  # raises, naming the allowed ids
    return section


def set_narrative(session: Session, force: str, year: str, section: str, text: str,
                  expected_version: int | None = None) -> Narrative:
    """Insert or replace the Markdown narrative of a force for one section of a programme year (id or label).

    ``section`` is a question id of that year's framework, ``overview`` or ``specialist_capabilities``. The
    author is the session's actor. With ``expected_version`` (the version the editor read) an edit of a record
    changed since raises ConflictError.
    """
    from peelkit.forces import match_force

    force_code = match_force(force).code
    framework = fw.get(year)
    section = _section(framework, section)
    if len(text) > MAX_LENGTH:
        raise InputError(f"the narrative is {len(text):,} characters; the limit is {MAX_LENGTH:,}")
    author = str(session.info.get("actor", "system"))
    what = f"the {framework.year} narrative of {force_code} on {section}"
    row = session.scalars(select(Narrative).where(
        Narrative.force_code == force_code, Narrative.year == framework.year,
        Narrative.section == section)).one_or_none()
    if row is None:
        if expected_version:  # 0: the editor saw no narrative, and there is none
            raise ConflictError(what, expected_version, 0)
        row = Narrative(force_code=force_code, year=framework.year, section=section, text=text, author=author)
        session.add(row)
    else:
        if expected_version is not None:
            check_version(row, expected_version, row.describe())
        if row.text != text:
            row.text = text
            row.author = author
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error
    return row


def narratives(session: Session, force: str, year: str) -> dict[str, str]:
    """Section -> Markdown text of a force's narrative for one programme year (blank texts left out)."""
    from peelkit.forces import match_force

    force_code = match_force(force).code
    label = fw.get(year).year
    rows = session.scalars(select(Narrative).where(Narrative.force_code == force_code,
                                                   Narrative.year == label)).all()
    return {row.section: row.text for row in rows if row.text.strip()}
