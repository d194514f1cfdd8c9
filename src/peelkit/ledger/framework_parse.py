"""Reading a framework file (TOML) into a Framework, checking everything and listing every problem at once
(file, key, what was found, what was expected). The shipped files and the ones an administrator loads with
`peel ledger frameworks load` go through the same checks."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any

from peelkit.ledger import framework_model as model
from peelkit.plural import counted

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_any(self) -> None:
        if self.items:
            listed = "\n  ".join(self.items)
            raise model.FrameworkError(
                f"framework file {self.source} has {counted(len(self.items), 'problem')}:\n  {listed}")


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], problems: _Problems, where: str,
         default: Any = ..., check: Callable[[Any], bool] | None = None, expected: str = "") -> Any:
    value = data.get(key, default)
    if value is ...:
        problems.add(f"{where}{key}", "missing (required)")
        return None
    if value is default and default is not ...:
        return value
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind) or (check and not check(value)):
        problems.add(f"{where}{key}", f"found {value!r}; expected {expected or getattr(kind, '__name__', kind)}")
        return default if default is not ... else None
    return value


def _area(item: Any, index: int, revision_ids: set[str], problems: _Problems) -> model.Question | None:
    where = f"areas[{index}]."
    if not isinstance(item, dict):
        problems.add(f"areas[{index}]", "expected a table with id, heading, core_question and graded")
        return None
    ident = _get(item, "id", str, problems, where, check=lambda v: bool(_ID.match(v)) and v != model.OVERALL,
                 expected=f"a short id of letters, digits, _ or - (not {model.OVERALL!r})")
    heading = _get(item, "heading", str, problems, where, "")
    core = _get(item, "core_question", str, problems, where, "")
    graded = _get(item, "graded", bool, problems, where)
    unconfirmed = _get(item, "unconfirmed", list, problems, where, [],
                       check=lambda v: all(x in model.AREA_DETAILS for x in v),
                       expected=f"a list of {', '.join(model.AREA_DETAILS)}")
    revisions = _get(item, "revisions", list, problems, where, [],
                     check=lambda v: all(x in revision_ids for x in v),
                     expected=f"a list of this file's revision ids ({', '.join(sorted(revision_ids)) or 'none'})")
    note = _get(item, "note", str, problems, where, "")
    if ident is not None and not (heading or core or "").strip():
        problems.add(f"areas[{index}]", "needs a heading or a core_question (leave the other blank if unknown)")
    if ident is None or graded is None:
        return None
    missing = [d for d in ("heading", "core_question") if not (item.get(d) or "").strip()]
    marked = tuple(dict.fromkeys([*(unconfirmed or []), *missing]))  # a blank detail is never confirmed
    return model.Question(ident, (heading or "").strip(), (core or "").strip(), graded, marked,
                          tuple(revisions or ()), (note or "").strip())


def _revisions(data: dict[str, Any], problems: _Problems) -> tuple[model.Revision, ...]:
    found = []
    for index, item in enumerate(data.get("revisions", [])):
        where = f"revisions[{index}]."
        if not isinstance(item, dict):
            problems.add(f"revisions[{index}]", "expected a table with id, label, from and until")
            continue
        ident = _get(item, "id", str, problems, where, check=lambda v: bool(_ID.match(v)), expected="a short id")
        label = _get(item, "label", str, problems, where)
        start = _get(item, "from", str, problems, where, "", check=lambda v: bool(_MONTH.match(v)),
                     expected="a month like 2022-03")
        end = _get(item, "until", str, problems, where, "", check=lambda v: bool(_MONTH.match(v)),
                   expected="a month like 2022-03")
        if ident and label:
            found.append(model.Revision(ident, label, start or "", end or ""))
    return tuple(found)


def _years(data: dict[str, Any], problems: _Problems) -> tuple[int, int] | None:
    value = data.get("publication_years")
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                                                   for v in value) or value[0] > value[1]):
        problems.add("publication_years", f"found {value!r}; expected [first, last] years, e.g. [2021, 2022]")
        return None
    return int(value[0]), int(value[1])


def _definitions(data: dict[str, Any], grades: tuple[str, ...], problems: _Problems) -> tuple[tuple[str, str], ...]:
    raw = data.get("grade_definitions", {})
    if not isinstance(raw, dict):
        problems.add("grade_definitions", "expected a table of grade = definition")
        return ()
    unknown = [k for k in raw if k not in grades]
    if unknown:
        problems.add("grade_definitions", f"{', '.join(unknown)} not on the scale ({', '.join(grades)})")
    return tuple((g, str(raw[g])) for g in grades if g in raw)


def parse(text: str, source: str, origin: str = "shipped") -> model.Framework:
    """A Framework from a file's text; every problem found is listed in one FrameworkError."""
    problems = _Problems(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise model.FrameworkError(f"framework file {source} is not valid TOML: {error}") from None
    ident = _get(data, "id", str, problems, "", check=lambda v: bool(_ID.match(v)), expected="a short id")
    year = _get(data, "year", str, problems, "")
    order = _get(data, "order", int, problems, "")
    title = _get(data, "title", str, problems, "")
    scale = _get(data, "scale", str, problems, "", check=lambda v: bool(_ID.match(v)), expected="a scale id")
    grades = tuple(_get(data, "grades", list, problems, "", check=lambda v: bool(v) and all(
        isinstance(g, str) and g.strip() for g in v) and len(set(v)) == len(v),
        expected="a list of distinct grade names, best first") or ())
    if model.UNGRADED in grades:
        problems.add("grades", f"{model.UNGRADED!r} is not a grade on a scale (ungraded areas say graded = false)")
    confidence = _get(data, "confidence", str, problems, "", "confirmed", check=lambda v: v in model.CONFIDENCES,
                      expected=" or ".join(model.CONFIDENCES))
    complete = _get(data, "areas_complete", bool, problems, "", True)
    revisions = _revisions(data, problems)
    raw_areas = data.get("areas")
    if not isinstance(raw_areas, list) or not raw_areas:
        problems.add("areas", "missing: list at least one [[areas]] table")
        raw_areas = []
    areas = [a for i, item in enumerate(raw_areas) if (a := _area(item, i, {r.id for r in revisions}, problems))]
    ids = [str(item.get("id")) for item in raw_areas if isinstance(item, dict) and "id" in item]
    if len(set(ids)) != len(ids):
        problems.add("areas", f"area ids repeat: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    if confidence == "confirmed" and (not complete or any(a.unconfirmed for a in areas)):
        problems.add("confidence", "is 'confirmed' but some details are marked unconfirmed (or blank) or the "
                                   "area list is not complete: say 'partly unconfirmed' or 'unconfirmed'")
    expected = {k: _get(data, k, int, problems, "", None) for k in ("expected_areas", "expected_graded")}
    current_areas = [a for a in areas if not a.revisions or (revisions and revisions[-1].id in a.revisions)]
    for key, count in (("expected_areas", len(current_areas)),
                       ("expected_graded", sum(a.graded for a in current_areas))):
        if complete and expected[key] is not None and expected[key] != count:
            problems.add(key, f"is {expected[key]} but the current areas number {count} (or set areas_complete = "
                              "false)")
    years, definitions = _years(data, problems), _definitions(data, grades, problems)
    overall = _get(data, "overall", bool, problems, "", True)
    aliases = _get(data, "aliases", list, problems, "", [], check=lambda v: all(isinstance(a, str) for a in v),
                   expected="a list of other ids")
    problems.raise_any()
    return model.Framework(
        id=ident, year=year, order=order, title=title, scale=scale, grades=grades, questions=tuple(current_areas),
        overall=overall, note=str(data.get("note", "")).strip(),
        publication_years=years, source=str(data.get("source", "")).strip(),
        confidence=confidence, areas_complete=complete, expected_areas=expected["expected_areas"],
        expected_graded=expected["expected_graded"], grade_definitions=definitions,
        revisions=revisions, all_areas=tuple(areas), aliases=tuple(aliases),
        origin=origin)
