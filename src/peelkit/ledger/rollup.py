"""Advisory roll-up of question grades into an overall grade, shown beside the inspector's recorded overall
grade. The roll-up never changes a recorded grade: a recorded overall grade that differs is *flagged* as a
departure (which is the inspector's right: the overall grade is a judgment, not a sum).

Default rule: modelled on the Care Quality Commission's published ratings aggregation principles ("How we
aggregate ratings using the rating principles", CQC, page last updated 12 May 2022,
https://www.cqc.org.uk/guidance-providers/adult-social-care/how-we-aggregate-ratings-using-rating-principles-adult-social,
and the equivalent pages for other sectors), which say that key questions are weighted equally; ratings
carried forward for questions not re-inspected are aggregated with the new ones; and, normally:

1. two or more Inadequate -> overall Inadequate;
2. otherwise one Inadequate, or two or more Requires improvement -> Requires improvement;
3. Outstanding needs at least two Outstanding and the rest Good (CQC: "at least two of the five key questions
   ... outstanding and three ... good"), i.e. no Requires improvement or Inadequate;
4. otherwise Good (no Inadequate and at most one Requires improvement).

Applied here to the graded questions of a PEEL framework (four in 2015-2018/19 rather than CQC's five); ungraded
questions (specialist capabilities) are left out. If any graded question has no known grade the roll-up is
not computed (None, with the reason); `advise_standing` also treats a grade only assumed to stand (the year has
no record of that question at all) as unknown. The thresholds are configurable (`RollupRule`); the rule is defined for
four-grade scales (Outstanding, Good, Requires improvement, Inadequate); frameworks on other scales (the
2021+ five-grade scale gives no overall grade) get no roll-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peelkit.ledger import frameworks as fw

if TYPE_CHECKING:
    from peelkit.ledger.judgments import StandingReport

OUTSTANDING, GOOD, RI, INADEQUATE = "Outstanding", "Good", "Requires improvement", "Inadequate"
FOUR_GRADES = (OUTSTANDING, GOOD, RI, INADEQUATE)


@dataclass(frozen=True)
class RollupRule:
    """Thresholds of the aggregation; the defaults are CQC's."""

    name: str = "cqc"
    inadequate_for_inadequate: int = 2
    inadequate_for_requires_improvement: int = 1
    requires_improvement_for_requires_improvement: int = 2
    outstanding_for_outstanding: int = 2
    source: str = ("CQC ratings aggregation principles (How we aggregate ratings using the rating principles, "
                   "cqc.org.uk, 12 May 2022)")

    def apply(self, grades: Sequence[str]) -> str:
        counts = Counter(grades)
        unknown = set(counts) - set(FOUR_GRADES)
        if unknown:
            raise fw.FrameworkError(f"the {self.name} roll-up takes only {', '.join(FOUR_GRADES)}, "
                                    f"not {', '.join(sorted(unknown))}")
        if counts[INADEQUATE] >= self.inadequate_for_inadequate:
            return INADEQUATE
        if (counts[INADEQUATE] >= self.inadequate_for_requires_improvement
                or counts[RI] >= self.requires_improvement_for_requires_improvement):
            return RI
        if counts[OUTSTANDING] >= self.outstanding_for_outstanding and counts[RI] == 0 and counts[INADEQUATE] == 0:
            return OUTSTANDING
        return GOOD


DEFAULT_RULE = RollupRule()


@dataclass(frozen=True)
class Rollup:
    advisory: str | None
    recorded: str | None
    departs: bool
    reason: str  # why there is no advisory grade, or the rule used

    def to_dict(self) -> dict[str, object]:
        return {"advisory": self.advisory, "recorded": self.recorded, "departs": self.departs,
                "reason": self.reason}


def advise(framework: fw.Framework, question_grades: dict[str, str | None], recorded: str | None,
           rule: RollupRule = DEFAULT_RULE) -> Rollup:
    """The advisory overall grade from the standing grades of the graded questions, beside the recorded one;
    ``departs`` is True when both are known and differ."""
    if set(framework.grades) != set(FOUR_GRADES):
        return Rollup(None, recorded, False, f"no roll-up rule for the {framework.scale} scale")
    graded = [q.id for q in framework.questions if q.graded]
    missing = [q for q in graded if question_grades.get(q) is None]
    if missing:
        return Rollup(None, recorded, False, f"grade unknown for {', '.join(missing)}")
    advisory = rule.apply([question_grades[q] or "" for q in graded])
    departs = recorded is not None and recorded != advisory
    return Rollup(advisory, recorded, departs, rule.source)


def advise_standing(report: StandingReport, rule: RollupRule = DEFAULT_RULE) -> Rollup:
    """The roll-up for a force's standing judgments in one year. Only grades the ledger actually records for
    that year (inspected, or explicitly carried forward) count: a grade merely assumed to stand because the year
    has no record of the question is treated as unknown, so no departure is flagged on a guess."""
    assumed = [q.question_id for q in report.questions if q.graded and q.basis.startswith("carried forward (no")]
    recorded = report.overall.grade if report.overall is not None else None
    if assumed:
        return Rollup(None, recorded, False, f"no {report.year} record for {', '.join(assumed)}")
    return advise(report.framework, {q.question_id: q.grade for q in report.questions}, recorded, rule)
