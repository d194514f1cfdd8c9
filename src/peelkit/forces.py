"""The 43 territorial forces of England and Wales, the other bodies and areas the sources mention, and
matching of every spelling the sources use."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from peelkit.errors import NotFoundError

AreaKind = Literal["force", "body", "region", "nation", "total", "group"]

ENGLAND_AND_WALES = "K04000001"

# ONS and Home Office labels carry footnote markers ("Warwickshire9", "North West9", "Area 1,2").
_FOOTNOTE = re.compile(r"[\d,\s]+$")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_GSS_CODE = re.compile(r"^[A-Z]\d{8}$")


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    kind: AreaKind
    region: str
    police_uk_id: str
    aliases: tuple[str, ...]
    # The force's own name, as its inspection report names it ("Warwickshire Police", "Kent Police").
    report_name: str = ""

    @property
    def title(self) -> str:
        """The name a report gives the area: the force's own name where the registry has one."""
        return self.report_name or self.name

    @property
    def is_territorial_force(self) -> bool:
        return self.kind == "force"

    @property
    def slug(self) -> str:
        return _NON_WORD.sub("-", self.name.lower()).strip("-")


class UnknownAreaError(NotFoundError, LookupError):
    """No force or area goes by this name."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Closest known names: {', '.join(suggestions)}." if suggestions else ""
        super().__init__(f"{name!r} is not a known police force or area.{hint}")


def strip_footnotes(label: str) -> str:
    """'Warwickshire9' -> 'Warwickshire'; 'ENGLAND AND WALES (inc. BTP)7' -> 'ENGLAND AND WALES (inc. BTP)'."""
    return _FOOTNOTE.sub("", label.strip()) or label.strip()


def normalise(label: str) -> str:
    text = strip_footnotes(label).lower().replace("&", " and ")
    return _NON_WORD.sub(" ", text).strip()


@cache
def all_areas() -> tuple[Area, ...]:
    text = resources.files("peelkit").joinpath("data/areas.csv").read_text(encoding="utf-8")
    areas = []
    for row in csv.DictReader(text.splitlines()):
        areas.append(
            Area(
                code=row["code"],
                name=row["name"],
                kind=row["kind"],  # type: ignore[arg-type]
                region=row["region"],
                police_uk_id=row["police_uk_id"],
                aliases=tuple(a for a in row["aliases"].split("|") if a),
                report_name=row.get("report_name") or "",
            )
        )
    return tuple(areas)


@cache
def forces() -> tuple[Area, ...]:
    """The 43 territorial forces, in GSS code order."""
    return tuple(sorted((a for a in all_areas() if a.kind == "force"), key=lambda a: a.code))


@cache
def _index() -> dict[str, Area]:
    index: dict[str, Area] = {}
    # "West Midlands" names both a force and a region: a bare name means the force; regions are matched
    # by their GSS code where the sources give one.
    priority = {"region": 0, "group": 1, "nation": 2, "total": 3, "body": 4, "force": 5}
    for area in sorted(all_areas(), key=lambda a: priority[a.kind]):
        keys = {area.code, area.name, *area.aliases}
        if area.police_uk_id:
            keys.add(area.police_uk_id)
        for key in keys:
            index[normalise(key)] = area
            index[key.lower()] = area
    return index


def find(name_or_code: str) -> Area | None:
    """The area a label or code denotes, or None."""
    if not name_or_code or not name_or_code.strip():
        return None
    index = _index()
    raw = name_or_code.strip()
    if _GSS_CODE.match(raw.upper()):
        # A code is matched exactly: its trailing digits are not footnote markers.
        return next((a for a in all_areas() if a.code == raw.upper()), None)
    return index.get(raw.lower()) or index.get(normalise(raw)) or index.get(_drop_service_word(raw))


def _drop_service_word(label: str) -> str:
    # "Cumbria Constabulary", "Dorset Police" -> "cumbria", "dorset"
    words = normalise(label).split()
    while words and words[-1] in {"police", "constabulary", "service", "force", "area"}:
        words.pop()
    return " ".join(words)


def match(name_or_code: str) -> Area:
    """The area a label or code denotes; an unknown one raises UnknownAreaError naming the closest."""
    area = find(name_or_code)
    if area is None:
        raise UnknownAreaError(name_or_code, suggest(name_or_code))
    return area


def match_force(name_or_code: str) -> Area:
    """A territorial force, for commands that take --force."""
    area = match(name_or_code)
    if area.kind != "force":
        raise UnknownAreaError(
            name_or_code, [f"{area.name} is a {area.kind}, not one of the 43 territorial forces"]
        )
    return area


def suggest(label: str, limit: int = 3) -> list[str]:
    names = {a.name: a for a in all_areas()}
    candidates = {normalise(n): n for n in names}
    for area in all_areas():
        for alias in area.aliases:
            candidates.setdefault(normalise(alias), area.name)
    close = difflib.get_close_matches(normalise(label), list(candidates), n=limit * 3, cutoff=0.6)
    result: list[str] = []
    for key in close:
        if candidates[key] not in result:
            result.append(candidates[key])
    return result[:limit]
