"""PEEL framework versions as data: each programme year's questions (with short ids) and its grade scale.

The versions ship as TOML files in ``peelkit/ledger/frameworks/`` (one per programme year). A framework has an
id (``peel-effectiveness-2017``), a programme year label (``2017``, ``2018/19``), a sort ``order``, its questions
(id, title, graded or not), whether it gives an overall grade, and a scale: an id and its grades, best first.
``Ungraded`` is allowed only for ungraded questions. Grades on different scales are never compared: `compare`
and `movement` raise a PeelError naming both scales.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from peelkit.errors import PeelError

OVERALL = "overall"
UNGRADED = "Ungraded"


class FrameworkError(PeelError):
    exit_code = 2


class ScaleMismatchError(PeelError):
    """Two grades on different scales were compared or trended."""

    exit_code = 2

    def __init__(self, scale_a: str, scale_b: str, what: str = "grades") -> None:
        self.scales = (scale_a, scale_b)
        super().__init__(f"cannot compare {what} on different grade scales: {scale_a!r} and {scale_b!r} "
                         "(a grade on one scale means something different on the other)")


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    graded: bool


@dataclass(frozen=True)
class Framework:
    id: str
    year: str
    order: int
    title: str
    scale: str
    grades: tuple[str, ...]
    questions: tuple[Question, ...]
    overall: bool
    note: str = ""

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def question(self, question_id: str) -> Question:
        """The question (or the overall judgment, as a graded pseudo-question); unknown ids raise."""
        if question_id == OVERALL and self.overall:
            return Question(OVERALL, "Overall effectiveness", True)
        for question in self.questions:
            if question.id == question_id:
                return question
        allowed = [*self.question_ids, *([OVERALL] if self.overall else [])]
        raise FrameworkError(f"{question_id!r} is not a question of {self.id} ({self.year}); "
                             f"its questions are: {', '.join(allowed)}")

    def check_grade(self, question_id: str, grade: str) -> str:
        """The grade, spelled as on the scale; a grade not on the scale, or Ungraded for a graded question,
        raises."""
        question = self.question(question_id)
        if question.graded:
            for allowed in self.grades:
                if grade.strip().lower() == allowed.lower():
                    return allowed
            raise FrameworkError(f"{grade!r} is not a grade on the {self.scale} scale of {self.id} "
                                 f"(question {question_id}); allowed: {', '.join(self.grades)}")
        if grade.strip().lower() == UNGRADED.lower():
            return UNGRADED
        raise FrameworkError(f"question {question_id} of {self.id} is ungraded: its only grade is {UNGRADED!r}, "
                             f"not {grade!r}")

    def rank(self, grade: str) -> int:
        """0 for the best grade on the scale; Ungraded and other labels raise."""
        try:
            return self.grades.index(grade)
        except ValueError:
            raise FrameworkError(f"{grade!r} is not a grade on the {self.scale} scale") from None


def _load(text: str, source: str) -> Framework:
    data = tomllib.loads(text)
    try:
        questions = tuple(Question(str(q["id"]), str(q["title"]), bool(q["graded"])) for q in data["questions"])
        framework = Framework(id=str(data["id"]), year=str(data["year"]), order=int(data["order"]),
                              title=str(data["title"]), scale=str(data["scale"]),
                              grades=tuple(str(g) for g in data["grades"]), questions=questions,
                              overall=bool(data.get("overall", True)), note=str(data.get("note", "")))
    except (KeyError, TypeError, ValueError) as error:
        raise FrameworkError(f"framework file {source} is malformed: {error}") from error
    if len(set(framework.question_ids)) != len(framework.questions) or OVERALL in framework.question_ids:
        raise FrameworkError(f"framework file {source}: question ids must be unique and not {OVERALL!r}")
    if UNGRADED in framework.grades:
        raise FrameworkError(f"framework file {source}: {UNGRADED!r} is not a grade on a scale")
    return framework


@cache
def frameworks() -> tuple[Framework, ...]:
    """Every shipped framework version, oldest first."""
    folder = resources.files("peelkit.ledger").joinpath("frameworks")
    found = [_load(entry.read_text(encoding="utf-8"), entry.name) for entry in folder.iterdir()
             if entry.name.endswith(".toml")]
    found.sort(key=lambda f: f.order)
    ids = [f.id for f in found]
    if len(set(ids)) != len(ids) or len({f.year for f in found}) != len(found):
        raise FrameworkError("two shipped frameworks share an id or a programme year")
    return tuple(found)


def get(id_or_year: str) -> Framework:
    """A framework by id (``peel-effectiveness-2017``) or programme year label (``2017``, ``2018/19``)."""
    key = str(id_or_year).strip()
    for framework in frameworks():
        if key in (framework.id, framework.year):
            return framework
    known = ", ".join(f"{f.year} ({f.id})" for f in frameworks())
    raise FrameworkError(f"no framework for {id_or_year!r}; known programme years: {known}")


def previous(framework: Framework) -> Framework | None:
    """The programme year before this one (on any scale), or None for the first."""
    earlier = [f for f in frameworks() if f.order < framework.order]
    return earlier[-1] if earlier else None


def earlier_on_same_scale(framework: Framework) -> list[Framework]:
    """Earlier programme years on the same scale, most recent first (where a grade may be carried from)."""
    return [f for f in reversed(frameworks()) if f.order < framework.order and f.scale == framework.scale]


def compare(framework_a: Framework, grade_a: str, framework_b: Framework, grade_b: str) -> int:
    """Negative if grade_a is better than grade_b, 0 if the same, positive if worse. Grades on different
    scales raise ScaleMismatchError."""
    if framework_a.scale != framework_b.scale:
        raise ScaleMismatchError(framework_a.scale, framework_b.scale)
    return framework_a.rank(grade_a) - framework_b.rank(grade_b)


def movement(previous_framework: Framework, previous_grade: str, framework: Framework, grade: str) -> str:
    """'improved', 'declined' or 'unchanged' from the previous grade to this one; different scales raise."""
    difference = compare(framework, grade, previous_framework, previous_grade)
    return "improved" if difference < 0 else "declined" if difference > 0 else "unchanged"


def trend(points: list[tuple[Framework, str]]) -> list[str]:
    """The movement between each consecutive pair of (framework, grade); refused across scales."""
    scales = {f.scale for f, _ in points}
    if len(scales) > 1:
        first, *rest = sorted(scales)
        raise ScaleMismatchError(first, rest[0], "a trend of grades")
    return [movement(a_f, a_g, b_f, b_g) for (a_f, a_g), (b_f, b_g) in itertools.pairwise(points)]
