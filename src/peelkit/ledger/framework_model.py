"""What a PEEL framework version is: its areas (published heading and core question kept apart), its grade
scale (an id per cycle, grades best first, with their published definitions), the publication years it
governs, its revisions within a cycle, and how sure we are of each detail.

Read from TOML by `peelkit.ledger.framework_parse`; looked up through `peelkit.ledger.frameworks`.
"""

from __future__ import annotations

from dataclasses import dataclass

from peelkit.errors import InputError

OVERALL = "overall"
UNGRADED = "Ungraded"
# Which details of an area may be marked as not confirmed against HMICFRS's published text.
AREA_DETAILS = ("heading", "core_question", "graded")
CONFIDENCES = ("confirmed", "partly unconfirmed", "unconfirmed")


class FrameworkError(InputError):
    """An unknown framework, question or grade, or a framework file that cannot be used."""


class ScaleMismatchError(InputError):
    """Two grades of different frameworks (different scales) were compared or trended."""

    def __init__(self, scale_a: str, scale_b: str, what: str = "grades", years: tuple[str, str] | None = None
                 ) -> None:
        self.scales = (scale_a, scale_b)
        where = f" ({years[0]} and {years[1]})" if years else ""
        super().__init__(f"not comparable: different framework{where}: cannot compare {what} on grade scales "
                         f"{scale_a!r} and {scale_b!r} (a grade in one cycle means something different in the "
                         "other)")


@dataclass(frozen=True)
class Question:
    """One area (question) of a framework. ``heading`` is the published section heading, ``core_question`` the
    question the inspection answers; either may be blank where it is not known. ``unconfirmed`` names the
    details not confirmed against HMICFRS's published text; ``revisions`` (empty = every revision) limits the
    area to some revisions of the cycle's framework."""

    id: str
    heading: str
    core_question: str
    graded: bool
    unconfirmed: tuple[str, ...] = ()
    revisions: tuple[str, ...] = ()
    note: str = ""

    @property
    def title(self) -> str:
        """The heading (or the core question when no heading is known): what a page or report titles it."""
        return self.heading or self.core_question or self.id

    @property
    def confirmed(self) -> bool:
        return not self.unconfirmed

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "heading": self.heading, "core_question": self.core_question,
                "graded": self.graded, "unconfirmed": list(self.unconfirmed), "revisions": list(self.revisions),
                "note": self.note}


@dataclass(frozen=True)
class Revision:
    """A revision of a cycle's framework (e.g. 2021/22 before and after March 2022): ``start``/``end`` are
    months (YYYY-MM), blank when open-ended."""

    id: str
    label: str
    start: str = ""
    end: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label, "from": self.start, "until": self.end}


@dataclass(frozen=True)
class Framework:
    id: str
    year: str
    order: int
    title: str
    scale: str
    grades: tuple[str, ...]
    # The areas of the current (last) revision; `all_areas` adds those of earlier revisions only.
    questions: tuple[Question, ...]
    overall: bool
    note: str = ""
    publication_years: tuple[int, int] | None = None
    source: str = ""
    confidence: str = "confirmed"
    areas_complete: bool = True
    expected_areas: int | None = None
    expected_graded: int | None = None
    grade_definitions: tuple[tuple[str, str], ...] = ()
    revisions: tuple[Revision, ...] = ()
    all_areas: tuple[Question, ...] = ()
    aliases: tuple[str, ...] = ()
    origin: str = "shipped"

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def area_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.all_areas or self.questions)

    def areas(self, revision: str | None = None) -> tuple[Question, ...]:
        """The areas of one revision (None: the current one)."""
        if revision is None:
            return self.questions
        if revision not in {r.id for r in self.revisions}:
            raise FrameworkError(f"{revision!r} is not a revision of {self.id}; its revisions are: "
                                 f"{', '.join(r.id for r in self.revisions) or 'none'}")
        return tuple(q for q in self.all_areas if not q.revisions or revision in q.revisions)

    def question(self, question_id: str) -> Question:
        """The area (of any revision), or the overall judgment as a graded pseudo-area; unknown ids raise."""
        if question_id == OVERALL and self.overall:
            return Question(OVERALL, "Overall effectiveness", "", True)
        for question in self.all_areas or self.questions:
            if question.id == question_id:
                return question
        allowed = [*self.area_ids, *([OVERALL] if self.overall else [])]
        incomplete = ("" if self.areas_complete else
                      " (this framework's area list is not confirmed: an administrator can load the definitive "
                      "list with `peel ledger frameworks load FILE`)")
        raise FrameworkError(f"{question_id!r} is not a question of {self.id} ({self.year}); "
                             f"its questions are: {', '.join(allowed)}{incomplete}")

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

    def covers(self, year: int) -> bool:
        return self.publication_years is not None and self.publication_years[0] <= year <= self.publication_years[1]

    def years_label(self) -> str:
        if self.publication_years is None:
            return "-"
        first, last = self.publication_years
        return str(first) if first == last else f"{first}-{last}"

    def to_dict(self) -> dict[str, object]:
        """The framework as the `peel ledger frameworks --format json` listing gives it (fields only added)."""
        definitions = dict(self.grade_definitions)
        return {
            "id": self.id, "year": self.year, "title": self.title, "order": self.order,
            "publication_years": list(self.publication_years) if self.publication_years else None,
            "scale": self.scale,
            "grades": [{"grade": g, "definition": definitions.get(g, "")} for g in self.grades],
            "overall_grade": self.overall, "areas_complete": self.areas_complete,
            "expected_areas": self.expected_areas, "expected_graded": self.expected_graded,
            "areas": [q.to_dict() for q in self.all_areas or self.questions],
            "revisions": [r.to_dict() for r in self.revisions], "aliases": list(self.aliases),
            "source": self.source, "confidence": self.confidence, "note": self.note, "origin": self.origin,
        }
