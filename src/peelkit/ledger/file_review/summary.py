"""The summary per force and criterion ("18 of 19", a Wilson interval, the small-sample caveat) and the
England and Wales pooled lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.ledger.file_review.draws import draw_forces, get_draw
from peelkit.ledger.file_review.models import ReviewAnswer, SampledFile
from peelkit.ledger.file_review.rules import (
    ANSWERS,
    CONFIDENCE,
    CRITERIA,
    POOLED_NOTE,
    SMALL_BASE,
    SMALL_BASE_CAVEAT,
    criterion_text,
)


@dataclass(frozen=True)
class SummaryLine:
    force_code: str
    force_name: str
    criterion: str
    yes: int
    no: int
    not_applicable: int
    lower: float | None  # Wilson interval, as a fraction
    upper: float | None
    pooled: bool = False

    @property
    def base(self) -> int:
        return self.yes + self.no

    @property
    def counts(self) -> str:
        return f"{self.yes} of {self.base}"

    @property
    def percent(self) -> float | None:
        return 100 * self.yes / self.base if self.base else None

    @property
    def small_sample(self) -> bool:
        return self.base < SMALL_BASE

    @property
    def caveat(self) -> str:
        if self.base == 0:
            return "No files answered yes or no."
        return SMALL_BASE_CAVEAT if self.small_sample else ""

    @property
    def note(self) -> str:
        return POOLED_NOTE if self.pooled else ""

    def as_dict(self) -> dict[str, Any]:
        return {"force_code": self.force_code, "force": self.force_name, "criterion": self.criterion,
                "criterion_text": criterion_text(self.criterion), "yes": self.yes, "no": self.no,
                "not_applicable": self.not_applicable, "base": self.base, "counts": self.counts,
                "percent": None if self.percent is None else round(self.percent, 1),
                "lower_percent": None if self.lower is None else round(100 * self.lower, 1),
                "upper_percent": None if self.upper is None else round(100 * self.upper, 1),
                "confidence": CONFIDENCE, "small_sample": self.small_sample, "caveat": self.caveat,
                "pooled": self.pooled, "note": self.note}


def summary_line(force_code: str, force_name: str, criterion: str, yes: int, no: int, not_applicable: int,
                 pooled: bool = False) -> SummaryLine:
    from peelkit.stats import wilson_interval

    lower, upper = wilson_interval(yes, yes + no, CONFIDENCE) if yes + no else (None, None)
    return SummaryLine(force_code, force_name, criterion, yes, no, not_applicable, lower, upper, pooled)


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ANSWERS, 0))


def summarise(session: Session, draw_id: int, force_code: str | None = None,
              include_pooled: bool = True) -> list[SummaryLine]:
    """Per force (drawn files only) and criterion, then the England and Wales pooled lines."""
    get_draw(session, draw_id)
    query = (select(SampledFile.force_code, ReviewAnswer.criterion, ReviewAnswer.answer)
             .join(ReviewAnswer, ReviewAnswer.sample_id == SampledFile.id)
             .where(SampledFile.draw_id == draw_id))
    tallies: dict[tuple[str, str], _Tally] = {}
    for code, criterion, answer in session.execute(query):
        tallies.setdefault((code, criterion), _Tally()).counts[answer] += 1
    drawn_forces = [f.force_code for f in draw_forces(session, draw_id) if f.drawn > 0]
    lines = []
    for code in drawn_forces:
        if force_code and code != force_code:
            continue
        name = forces.match(code).name
        for criterion, _ in CRITERIA:
            c = tallies.get((code, criterion), _Tally()).counts
            lines.append(summary_line(code, name, criterion, c["yes"], c["no"], c["not_applicable"]))
    if include_pooled:
        for criterion, _ in CRITERIA:
            totals = dict.fromkeys(ANSWERS, 0)
            for (_code, crit), tally in tallies.items():
                if crit == criterion:
                    for answer in ANSWERS:
                        totals[answer] += tally.counts[answer]
            lines.append(summary_line(forces.ENGLAND_AND_WALES, "England and Wales", criterion, totals["yes"],
                                      totals["no"], totals["not_applicable"], pooled=True))
    return lines
