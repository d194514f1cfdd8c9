"""Seeded SYNTHETIC survey files for the demo: a public panel skewed against its margins, and a staff survey."""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from peelkit.ledger.surveys.rules import RESPONSE_COLUMNS, SYNTHETIC_NOTE, VARIABLES

_BASE_AGE = {"16-24": 0.14, "25-34": 0.17, "35-44": 0.16, "45-54": 0.17, "55-64": 0.15, "65+": 0.21}
# How much more (or less) likely each group is to join the online panel than its population share suggests:
# the deliberate skew that raking must correct.
_PANEL_TILT = {
    "age_band": {"16-24": 0.35, "25-34": 0.7, "35-44": 1.0, "45-54": 1.35, "55-64": 1.55, "65+": 1.4},
    "gender": {"female": 1.45, "male": 0.7},
    "work_status": {"working": 0.7, "not working": 1.6},
}
_STAFF_THEMES = {
    "workload": ("Too many cases per officer", "Demand outstrips the people we have"),
    "wellbeing": ("Little time to recover after difficult incidents", "Occupational health is hard to reach"),
    "training": ("Training is mostly online and rushed", "Not enough investigative training"),
    "leadership": ("Supervisors are supportive", "Senior leaders are not visible"),
    "equipment": ("IT systems are slow", "Mobile devices help on patrol"),
    "recognition": ("Good work is rarely recognised", "Team recognition has improved"),
}


def _largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    raw = {k: v * total for k, v in shares.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def _profile(rng: random.Random) -> dict[str, dict[str, float]]:
    age = {k: v * rng.uniform(0.8, 1.2) for k, v in _BASE_AGE.items()}
    total = sum(age.values())
    female = rng.uniform(0.49, 0.53)
    working = rng.uniform(0.55, 0.66)
    return {"age_band": {k: v / total for k, v in age.items()}, "gender": {"female": female, "male": 1 - female},
            "work_status": {"working": working, "not working": 1 - working}}


def _draw(rng: random.Random, shares: Mapping[str, float], tilt: Mapping[str, float]) -> str:
    keys = list(shares)
    return rng.choices(keys, weights=[shares[k] * tilt[k] for k in keys])[0]


def demo_files(out: Path, *, seed: int = 2017, force_codes: Sequence[str] | None = None,
               per_force: int = 300, staff_per_force: int = 30) -> dict[str, Path]:
    """Write seeded SYNTHETIC public survey responses, margins (counts with totals) and a staff survey to `out`.

    The panel is deliberately skewed against the margins (too few young people, men and people in work), and
    feeling safe depends on age and gender, so raking visibly changes the shares.
    """
    from peelkit import forces as _forces

    codes = list(force_codes) if force_codes else [a.code for a in _forces.forces()]
    out.mkdir(parents=True, exist_ok=True)
    paths = {"responses": out / "synthetic_public_survey_responses.csv",
             "margins": out / "synthetic_public_survey_margins.csv",
             "staff": out / "synthetic_staff_survey.csv", "readme": out / "README_SYNTHETIC.txt"}
    questions = ("feel_safe", "confidence_police", "seen_police_recently")
    with paths["responses"].open("w", newline="", encoding="utf-8") as responses, \
            paths["margins"].open("w", newline="", encoding="utf-8") as margins, \
            paths["staff"].open("w", newline="", encoding="utf-8") as staff:
        r_out, m_out, s_out = csv.writer(responses), csv.writer(margins), csv.writer(staff)
        r_out.writerow([*RESPONSE_COLUMNS, *questions])
        m_out.writerow(["force", "variable", "category", "count", "total"])
        s_out.writerow(["respondent_id", "force", "theme", "answer", "comment"])
        for code in codes:
            area = _forces.match_force(code)
            rng = random.Random(f"peelkit-survey-demo:{seed}:{area.code}")
            profile = _profile(rng)
            population = rng.randrange(300_000, 4_000_000, 1000)
            for variable in VARIABLES:
                for category, count in _largest_remainder(profile[variable], population).items():
                    m_out.writerow([area.name, variable, category, count, population])
            base_safe = rng.uniform(0.72, 0.88)
            base_confidence = rng.uniform(0.5, 0.7)
            for i in range(1, per_force + 1):
                person = {v: _draw(rng, profile[v], _PANEL_TILT[v]) for v in VARIABLES}
                p_safe = base_safe - (0.12 if person["gender"] == "female" else 0.0) \
                    - (0.1 if person["age_band"] == "16-24" else 0.0) + (0.05 if person["age_band"] == "65+" else 0)
                safe = ("yes" if rng.random() < p_safe else "no") if rng.random() > 0.03 else ""
                p_conf = base_confidence + (0.1 if person["age_band"] in ("55-64", "65+") else -0.05)
                roll = rng.random()
                confidence = "agree" if roll < p_conf else ("neither" if roll < p_conf + 0.15 else "disagree")
                seen = "yes" if rng.random() < (0.45 if person["work_status"] == "working" else 0.35) else "no"
                r_out.writerow([f"SYN-{area.code}-{i:04d}", area.name, person["age_band"], person["gender"],
                                person["work_status"], safe, confidence, seen])
            for i in range(1, staff_per_force + 1):
                theme = rng.choices(list(_STAFF_THEMES), weights=[5, 4, 3, 2, 2, 1])[0]
                answer = rng.choice(("agree", "disagree", "neither"))
                s_out.writerow([f"SYN-STAFF-{area.code}-{i:03d}", area.name, theme, answer,
                                f"(synthetic) {rng.choice(_STAFF_THEMES[theme])}"])
    paths["readme"].write_text(
        f"{SYNTHETIC_NOTE}\nSeed {seed}; {per_force} public respondents and {staff_per_force} staff responses per "
        f"force for {len(codes)} force(s).\nThe online panel is deliberately skewed against the margins (too few "
        "young people, men and people in work) so that raking visibly matters.\n", encoding="utf-8")
    return paths
