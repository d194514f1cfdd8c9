"""PEEL framework versions as data: each cycle's areas (heading and core question), its grade scale, the
publication years it governs and how sure we are of each detail.

The versions ship as TOML files in ``peelkit/ledger/frameworks/`` (one per cycle, 2015 to 2025-27). Where a
cycle's area list is not confirmed, an administrator loads the definitive file with `peel ledger frameworks
load FILE`; it is kept in ``$PEEL_HOME/frameworks/`` and replaces the shipped file of the same id in every
process (the folder is re-read when it changes).

Each cycle since 2021/22 has its own scale id: grades of different cycles are never compared. `compare`,
`movement` and `trend` raise ScaleMismatchError ("not comparable: different framework") naming both scales.
"""

from __future__ import annotations

import itertools
import os
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from peelkit import config
from peelkit.ledger.framework_model import (
    OVERALL,
    UNGRADED,
    Framework,
    FrameworkError,
    Question,
    Revision,
    ScaleMismatchError,
)
from peelkit.ledger.framework_parse import parse

if TYPE_CHECKING:
    from peelkit.indicators.publication import Publication

__all__ = ["NOT_COMPARABLE", "OVERALL", "UNGRADED", "Framework", "FrameworkError", "Question", "Revision",
           "ScaleMismatchError",
           "compare", "earlier_on_same_scale", "for_publication", "for_year", "frameworks", "get", "loaded_folder",
           "movement", "previous", "refresh", "shipped", "trend"]

NOT_COMPARABLE = "not comparable: different framework"


def loaded_folder() -> Path:
    """Where `peel ledger frameworks load` keeps the files an administrator loaded."""
    return config.peel_home() / "frameworks"


@cache
def shipped() -> tuple[Framework, ...]:
    """The framework files that ship with peelkit, oldest first."""
    folder = resources.files("peelkit.ledger").joinpath("frameworks")
    return tuple(sorted((parse(entry.read_text(encoding="utf-8"), entry.name) for entry in folder.iterdir()
                         if entry.name.endswith(".toml")), key=lambda f: f.order))


def _signature() -> tuple[tuple[str, int, int], ...]:
    folder = loaded_folder()
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return ()
    return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries
                        if e.name.endswith(".toml") and e.is_file()))


# The loaded folder is looked at again at most this often (a lookup is called many times per report).
RECHECK_SECONDS = 1.0
_CHECKED: dict[str, tuple[float, tuple[tuple[str, int, int], ...]]] = {}


def frameworks() -> tuple[Framework, ...]:
    """Every framework version in force (shipped, each replaced by a loaded file of the same id), oldest first."""
    folder = str(loaded_folder())
    seen = _CHECKED.get(folder)
    now = time.monotonic()
    if seen is None or now - seen[0] > RECHECK_SECONDS:
        seen = _CHECKED[folder] = (now, _signature())
    return _registry(folder, seen[1])


def refresh() -> None:
    """Look at the loaded folder on the next lookup (after this process loaded a file)."""
    _CHECKED.clear()


@cache
def _registry(folder: str, signature: tuple[tuple[str, int, int], ...]) -> tuple[Framework, ...]:
    by_id = {f.id: f for f in shipped()}
    for name, _mtime, _size in signature:
        path = Path(folder) / name
        loaded = parse(path.read_text(encoding="utf-8"), str(path), origin=f"loaded: {path}")
        by_id[loaded.id] = loaded
    found = sorted(by_id.values(), key=lambda f: f.order)
    check_registry(found)
    return tuple(found)


def check_registry(found: list[Framework]) -> None:
    """Ids, aliases, programme years and orders unique; publication years not overlapping; one scale id, one
    list of grades."""
    names = [n for f in found for n in (f.id, f.year, *f.aliases)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated or len({f.order for f in found}) != len(found):
        raise FrameworkError(f"two frameworks share an id, alias, programme year or order: {', '.join(repeated)}")
    for a, b in itertools.combinations(found, 2):
        if a.publication_years and b.publication_years and (
                a.publication_years[0] <= b.publication_years[1] and b.publication_years[0] <= a.publication_years[1]):
            raise FrameworkError(f"{a.id} ({a.years_label()}) and {b.id} ({b.years_label()}) govern the same "
                                 "publication years")
        if a.scale == b.scale and a.grades != b.grades:
            raise FrameworkError(f"{a.id} and {b.id} use scale {a.scale!r} with different grades")


def get(id_or_year: str) -> Framework:
    """A framework by id (``peel-effectiveness-2017``), an alias (``peel-2021``) or programme year label
    (``2017``, ``2018/19``, ``2023-25``)."""
    key = str(id_or_year).strip()
    for framework in frameworks():
        if key in (framework.id, framework.year, *framework.aliases):
            return framework
    known = ", ".join(f"{f.year} ({f.id})" for f in frameworks())
    raise FrameworkError(f"no framework for {id_or_year!r}; known programme years: {known}")


def for_year(year: int) -> Framework:
    """The framework that governs a publication of that year (its ``publication_years``)."""
    for framework in frameworks():
        if framework.covers(year):
            return framework
    covered = ", ".join(f"{f.year}: {f.years_label()}" for f in frameworks())
    raise FrameworkError(f"no framework governs publications of {year} ({covered}); name one in the "
                         "publication file (framework = \"...\")")


def for_publication(pub: Publication) -> Framework:
    """The framework of a publication: the one its file names, else the one governing its year."""
    return get(pub.framework) if pub.framework else for_year(pub.year)


def previous(framework: Framework) -> Framework | None:
    """The programme year before this one (on any scale), or None for the first."""
    earlier = [f for f in frameworks() if f.order < framework.order]
    return earlier[-1] if earlier else None


def earlier_on_same_scale(framework: Framework) -> list[Framework]:
    """Earlier programme years on the same scale, most recent first (where a grade may be carried from)."""
    return [f for f in reversed(frameworks()) if f.order < framework.order and f.scale == framework.scale]


def comparable(framework_a: Framework, framework_b: Framework) -> bool:
    return framework_a.scale == framework_b.scale


def compare(framework_a: Framework, grade_a: str, framework_b: Framework, grade_b: str) -> int:
    """Negative if grade_a is better than grade_b, 0 if the same, positive if worse. Grades of different
    frameworks' scales raise ScaleMismatchError."""
    if not comparable(framework_a, framework_b):
        raise ScaleMismatchError(framework_a.scale, framework_b.scale, years=(framework_a.year, framework_b.year))
    return framework_a.rank(grade_a) - framework_b.rank(grade_b)


def movement(previous_framework: Framework, previous_grade: str, framework: Framework, grade: str) -> str:
    """'improved', 'declined' or 'unchanged' from the previous grade to this one; different scales raise."""
    difference = compare(framework, grade, previous_framework, previous_grade)
    return "improved" if difference < 0 else "declined" if difference > 0 else "unchanged"


def trend(points: list[tuple[Framework, str]]) -> list[str]:
    """The movement between each consecutive pair of (framework, grade); refused across scales."""
    for (a, _), (b, _) in itertools.pairwise(points):
        if not comparable(a, b):
            raise ScaleMismatchError(a.scale, b.scale, "a trend of grades", years=(a.year, b.year))
    return [movement(a_f, a_g, b_f, b_g) for (a_f, a_g), (b_f, b_g) in itertools.pairwise(points)]
