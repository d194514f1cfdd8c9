"""The case-file review's fixed rules: crime types, criteria, answers, the 2017 window, default sizes, the
allocation rule's name and version, and the small-sample caveat."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date

from peelkit import forces
from peelkit.errors import InputError

CRIME_TYPES_2017: tuple[tuple[str, str], ...] = (
    ("theft_from_person", "Theft from the person"),
    ("rape", "Rape (including attempts)"),
    ("stalking", "Stalking"),
    ("harassment", "Harassment"),
    ("common_assault", "Common assault"),
    ("wounding_gbh", "Wounding/GBH"),
    ("abh", "Assault occasioning actual bodily harm (ABH)"),
)
"""The crime types of the 2017 case-file review, as (id, label). A frame may only hold these."""

CRIME_TYPES = CRIME_TYPES_2017

# Other spellings a force's crime system export may use (matched after normalising case and punctuation).
CRIME_TYPE_ALIASES: dict[str, str] = {
    "theft from person": "theft_from_person",
    "rape": "rape",
    "attempted rape": "rape",
    "rape including attempts": "rape",
    "wounding": "wounding_gbh",
    "gbh": "wounding_gbh",
    "wounding gbh": "wounding_gbh",
    "wounding or gbh": "wounding_gbh",
    "abh": "abh",
    "actual bodily harm": "abh",
    "assault with injury": "abh",
}

CRITERIA: tuple[tuple[str, str], ...] = (
    ("victim_needs_assessed", "The victim's needs were assessed at first contact"),
    ("supervision_evident", "Supervision of the investigation is evident"),
    ("evidence_secured", "Available evidence was secured promptly"),
    ("victim_updated", "The victim was kept updated as the code of practice requires"),
    ("appropriate_outcome", "The outcome was appropriate"),
)
"""The review criteria, as (id, text)."""

ANSWERS = ("yes", "no", "not_applicable")

WINDOW_2017 = (date(2017, 1, 1), date(2017, 3, 31))
"""Crimes recorded in this window (both ends included) form the 2017 frame."""

DEFAULT_SIZE = 60
LARGE_FORCE_SIZE = 90
LARGE_FORCES = ("Metropolitan Police", "West Midlands", "West Yorkshire")
"""The three largest forces get 90 files by default, every other force 60."""

ALLOCATION_RULE = "proportional-largest-remainder-min1"
ALLOCATION_VERSION = 1
"""Bump the version whenever the allocation, the seed derivation or the draw within a stratum changes: a stored
draw names the version it was made with, and `redraw` refuses a draw made with another one."""

SMALL_BASE = 30
"""A percentage on a base (yes + no) under 30 files carries the small-sample caveat. 30 is the usual rule of
thumb: below it one file moves the percentage by more than 3 points and the 95% interval around 50% is wider
than about +/-17 points, so the figure indicates rather than measures."""

CONFIDENCE = 0.95

SMALL_BASE_CAVEAT = (f"Based on fewer than {SMALL_BASE} files: treat this percentage as an indication only; "
                     "the interval shows how uncertain it is.")
POOLED_NOTE = ("All forces' files pooled without weighting; forces' sampling fractions differ, so this is a "
               "total of the reviewed files, not an estimate for every crime in England and Wales.")


def crime_type_label(crime_type: str) -> str:
    return dict(CRIME_TYPES)[crime_type]


def criterion_text(criterion: str) -> str:
    return dict(CRITERIA)[criterion]


_NON_WORD = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower().replace("&", " and ")).strip()


def match_crime_type(text: str) -> str | None:
    """The crime type id a label, id or known alias denotes, or None."""
    key = _norm(text)
    for crime_id, label in CRIME_TYPES:
        if key in (_norm(crime_id), _norm(label)):
            return crime_id
    return CRIME_TYPE_ALIASES.get(key)


def suggest(text: str, choices: Iterable[str]) -> list[str]:
    options = {_norm(c): c for c in choices}
    return [options[k] for k in difflib.get_close_matches(_norm(text), list(options), n=3, cutoff=0.5)]


def default_sizes() -> dict[str, int]:
    """The default number of files per force code: 60, or 90 for the three largest forces."""
    large = {forces.match_force(name).code for name in LARGE_FORCES}
    return {f.code: LARGE_FORCE_SIZE if f.code in large else DEFAULT_SIZE for f in forces.forces()}


class FileReviewError(InputError):
    exit_code = 2
