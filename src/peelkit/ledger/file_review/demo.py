"""Seeded SYNTHETIC case-file review data: a frame for all 43 forces, and answers for a draw's files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.ledger.base import utcnow
from peelkit.ledger.file_review.draws import SampledFileRow, draw_files, get_draw
from peelkit.ledger.file_review.frame import SYNTHETIC_COLUMN
from peelkit.ledger.file_review.models import ReviewAnswer, SampledFile
from peelkit.ledger.file_review.rules import CRIME_TYPES, CRITERIA

# Rough resident populations in millions (about 2017), only to scale the synthetic volumes; the City of London's
# figure stands for its much larger daytime population, and still leaves it fewer files than a full sample.
_DEMO_POPULATION_M: dict[str, float] = {
    "Metropolitan Police": 8.8, "Cumbria": 0.5, "Lancashire": 1.49, "Merseyside": 1.42,
    "Greater Manchester": 2.8, "Cheshire": 1.05, "Northumbria": 1.45, "Durham": 0.63, "North Yorkshire": 0.82,
    "West Yorkshire": 2.3, "South Yorkshire": 1.39, "Humberside": 0.93, "Cleveland": 0.56, "West Midlands": 2.9,
    "Staffordshire": 1.12, "West Mercia": 1.27, "Warwickshire": 0.56, "Derbyshire": 1.03, "Nottinghamshire": 1.15,
    "Lincolnshire": 0.75, "Leicestershire": 1.08, "Northamptonshire": 0.74, "Cambridgeshire": 0.85,
    "Norfolk": 0.9, "Suffolk": 0.75, "Bedfordshire": 0.67, "Hertfordshire": 1.18, "Essex": 1.8,
    "Thames Valley": 2.4, "Hampshire": 1.98, "Surrey": 1.19, "Kent": 1.83, "Sussex": 1.67, "City of London": 0.15,
    "Devon and Cornwall": 1.75, "Avon and Somerset": 1.7, "Gloucestershire": 0.63, "Wiltshire": 0.71,
    "Dorset": 0.77, "North Wales": 0.69, "Gwent": 0.58, "South Wales": 1.3, "Dyfed-Powys": 0.52,
}

# Plausible shares of the reviewed crime types among them (not real figures).
_DEMO_SHARES: dict[str, float] = {
    "theft_from_person": 0.10, "rape": 0.05, "stalking": 0.05, "harassment": 0.22, "common_assault": 0.30,
    "wounding_gbh": 0.08, "abh": 0.20,
}

# Per criterion: (typical share of yes among applicable files, share not applicable).
_DEMO_ANSWER_RATES: dict[str, tuple[float, float]] = {
    "victim_needs_assessed": (0.85, 0.02), "supervision_evident": (0.70, 0.05), "evidence_secured": (0.90, 0.08),
    "victim_updated": (0.75, 0.10), "appropriate_outcome": (0.88, 0.25),
}

DEMO_COLUMNS = ["reference", "crime_type", "date_recorded", "force", SYNTHETIC_COLUMN]


def generate_demo_frame(seed: int, path: Path, per_million: int = 300) -> int:
    """Write a seeded synthetic frame for all 43 forces (every row marked synthetic=yes); returns the row count.

    Volumes are about `per_million` crimes of the reviewed types per million residents, recorded between
    1 Dec 2016 and 30 Apr 2017 (so the 2017 window leaves some out); rows are shuffled.
    """
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    crime_ids = [cid for cid, _ in CRIME_TYPES]
    labels = dict(CRIME_TYPES)
    shares = np.array([_DEMO_SHARES[c] for c in crime_ids])
    first, days = date(2016, 12, 1), (date(2017, 4, 30) - date(2016, 12, 1)).days + 1
    rows: list[list[str]] = []
    for area in sorted(forces.forces(), key=lambda a: a.code):
        volume = max(1, round(_DEMO_POPULATION_M[area.name] * per_million * rng.uniform(0.85, 1.15)))
        mix = rng.dirichlet(shares * 200)
        counts = rng.multinomial(volume, mix)
        numbers = rng.choice(np.arange(100000, 999999), size=volume, replace=False)
        prefix = area.police_uk_id.upper().replace("-", "")[:6]
        offsets = rng.integers(0, days, size=volume)
        i = 0
        for crime, count in zip(crime_ids, counts, strict=True):
            for _ in range(int(count)):
                recorded = date.fromordinal(first.toordinal() + int(offsets[i]))
                rows.append([f"{prefix}/{int(numbers[i])}/{recorded:%y}", labels[crime], recorded.isoformat(),
                             area.name, "yes"])
                i += 1
    order = rng.permutation(len(rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEMO_COLUMNS)
        writer.writerows(rows[int(i)] for i in order)
    return len(rows)


def demo_answers(session: Session, draw_id: int, seed: int) -> int:
    """Fill seeded synthetic answers for every drawn file and criterion not yet answered; returns how many.

    Each force has its own share of yes per criterion (around the typical share), so forces differ.
    """
    import numpy as np

    get_draw(session, draw_id)
    rng = np.random.Generator(np.random.PCG64(seed))
    answered = {(sample_id, criterion) for sample_id, criterion in session.execute(
        select(ReviewAnswer.sample_id, ReviewAnswer.criterion)
        .join(SampledFile, SampledFile.id == ReviewAnswer.sample_id)
        .where(SampledFile.draw_id == draw_id))}
    actor = str(session.info.get("actor", "system"))
    now = utcnow()
    files = draw_files(session, draw_id)
    added = 0
    by_force: dict[str, list[SampledFileRow]] = {}
    for f in files:
        by_force.setdefault(f.force_code, []).append(f)
    for force_code in sorted(by_force):
        rates = {c: (rng.beta(yes * 40, (1 - yes) * 40), na) for c, (yes, na) in _DEMO_ANSWER_RATES.items()}
        for f in by_force[force_code]:
            for criterion, _ in CRITERIA:
                yes_rate, na_rate = rates[criterion]
                u = rng.random()
                answer = "not_applicable" if u < na_rate else ("yes" if rng.random() < yes_rate else "no")
                if (f.sample_id, criterion) in answered:
                    continue
                session.add(ReviewAnswer(sample_id=f.sample_id, criterion=criterion, answer=answer,
                                         answered_by=actor, answered_at=now))
                added += 1
    session.flush()
    return added
