"""Reporting a weighted share per force and for England and Wales, with Kish's design effect."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.ledger.surveys.models import SurveyMargin, SurveyRespondent, get_wave
from peelkit.ledger.surveys.rules import (
    INDICATION_ONLY,
    INTERVAL_METHOD,
    POOLING_METHOD,
    SYNTHETIC_NOTE,
    VARIABLES,
    SurveyError,
    clean,
    force_name,
)


def design_effect(weights: Sequence[float]) -> tuple[float, float]:
    """Kish's design effect for unequal weights and the effective sample size:
    deff = n * sum(w^2) / (sum w)^2, n_eff = n / deff = (sum w)^2 / sum(w^2)."""
    n = len(weights)
    total = math.fsum(weights)
    squares = math.fsum(w * w for w in weights)
    if n == 0 or total <= 0 or squares <= 0:
        raise ValueError("the design effect needs at least one positive weight")
    deff = n * squares / (total * total)
    return deff, n / deff


@dataclass(frozen=True)
class ShareRow:
    """One line of a weighted share report; None where nobody in the force answered the question."""

    area_code: str
    area_name: str
    n: int
    """Unweighted number who answered the question."""
    n_answer: int
    """Unweighted number who gave the answer."""
    share: float | None
    """Weighted share of those answering who gave the answer."""
    unweighted_share: float | None
    design_effect: float | None
    effective_n: float | None
    lower: float | None
    upper: float | None
    note: str = INDICATION_ONLY

    def as_dict(self) -> dict[str, Any]:
        return {"area_code": self.area_code, "area_name": self.area_name, "n": self.n, "n_answer": self.n_answer,
                "unweighted_share": self.unweighted_share, "weighted_share": self.share,
                "design_effect": self.design_effect, "effective_n": self.effective_n, "lower": self.lower,
                "upper": self.upper, "note": self.note}


@dataclass(frozen=True)
class ShareReport:
    wave_id: int
    wave_name: str
    question: str
    answer: str
    rows: list[ShareRow]
    england_and_wales: ShareRow | None
    synthetic: bool
    notes: list[str] = field(default_factory=list)
    indication: str = INDICATION_ONLY
    interval_method: str = INTERVAL_METHOD


def share_estimate(code: str, name: str, gave_answer: Sequence[bool], weights: Sequence[float],
                   confidence: float = 0.95) -> ShareRow:
    """Weighted share, Kish design effect, effective n and the Wilson interval on the effective n."""
    from peelkit.stats import wilson_interval

    n = len(weights)
    n_answer = sum(1 for g in gave_answer if g)
    if n == 0:
        return ShareRow(code, name, 0, 0, None, None, None, None, None, None)
    total = math.fsum(weights)
    share = math.fsum(w for w, g in zip(weights, gave_answer, strict=True) if g) / total
    share = min(max(share, 0.0), 1.0)
    deff, n_eff = design_effect(weights)
    lower, upper = wilson_interval(share * n_eff, n_eff, confidence)
    return ShareRow(code, name, n, n_answer, share, n_answer / n, deff, n_eff, lower, upper)


def _same(a: str, b: str) -> bool:
    return clean(a).casefold() == clean(b).casefold()


def report_share(session: Session, wave_id: int, question: str, answer: str, *, force: str | None = None,
                 confidence: float = 0.95) -> ShareReport:
    """Per force (or one force), and for England and Wales when all forces are shown, the weighted share of those
    answering `question` who gave `answer` (case-insensitive), with the design effect and effective n."""
    from peelkit import forces as _forces

    wave = get_wave(session, wave_id, "public")
    if wave.weighted_at is None:
        raise SurveyError(f"wave {wave_id} ({wave.name}) has not been weighted yet: "
                          f"peel ledger surveys weight --wave {wave_id}")
    only = _forces.match_force(force).code if force else None
    query = select(SurveyRespondent.force_code, SurveyRespondent.answers, SurveyRespondent.weight).where(
        SurveyRespondent.wave_id == wave_id)
    rows = session.execute(query).all()
    key = question.strip().lower()
    seen_answers: Counter[str] = Counter()
    seen_questions: set[str] = set()
    per_force: dict[str, tuple[list[bool], list[float]]] = {}
    for code, answers, weight in rows:
        seen_questions.update(answers)
        given = answers.get(key)
        per_force.setdefault(code, ([], []))
        if given is None:
            continue
        if weight is None:
            raise SurveyError(f"wave {wave_id} has unweighted respondents: peel ledger surveys weight --wave {wave_id}")
        seen_answers[given] += 1
        flags, weights = per_force[code]
        flags.append(_same(given, answer))
        weights.append(float(weight))
    if key not in seen_questions:
        raise SurveyError(f"no respondent in wave {wave_id} answered a question {question!r}; questions: "
                          f"{', '.join(sorted(seen_questions)) or 'none'}")
    if not any(_same(a, answer) for a in seen_answers):
        raise SurveyError(f"nobody in wave {wave_id} answered {question!r} with {answer!r}; answers given: "
                          f"{', '.join(sorted(seen_answers))}")
    if only is not None and only not in per_force:
        raise SurveyError(f"wave {wave_id} has no respondents in {force_name(only)}")
    codes = [only] if only else sorted(per_force)
    result_rows = [share_estimate(c, force_name(c), *per_force[c], confidence=confidence) for c in codes]
    notes = [INTERVAL_METHOD]
    pooled = None
    if only is None and len(per_force) > 1:
        pooled, note = _pooled(session, wave_id, per_force, confidence)
        notes.append(note)
    if wave.synthetic:
        notes.insert(0, SYNTHETIC_NOTE)
    return ShareReport(wave_id, wave.name, key, answer, result_rows, pooled, wave.synthetic, notes)


def _pooled(session: Session, wave_id: int, per_force: Mapping[str, tuple[list[bool], list[float]]],
            confidence: float) -> tuple[ShareRow | None, str]:
    from peelkit.forces import ENGLAND_AND_WALES

    populations = _populations(session, wave_id)
    missing = [c for c in per_force if populations.get(c) is None]
    if missing:
        return None, (f"No England and Wales line: the margins give no population (counts or total) for "
                      f"{', '.join(force_name(c) for c in sorted(missing))}.")
    answering = {c: v for c, v in per_force.items() if v[1]}
    population = math.fsum(cast(float, populations[c]) for c in answering)
    n_total = sum(len(v[1]) for v in answering.values())
    flags: list[bool] = []
    weights: list[float] = []
    for code, (force_flags, force_weights) in sorted(answering.items()):
        # The force's answering respondents together weigh n_total * its population share (mean 1 overall).
        scale = n_total * cast(float, populations[code]) / population / math.fsum(force_weights)
        flags.extend(force_flags)
        weights.extend(w * scale for w in force_weights)
    name = f"England and Wales ({len(answering)} force{'s' if len(answering) != 1 else ''})"
    return share_estimate(ENGLAND_AND_WALES, name, flags, weights, confidence), POOLING_METHOD + "."


def _populations(session: Session, wave_id: int) -> dict[str, float | None]:
    """Force -> adult population from the margins: the sum of the age band counts (None if any is missing)."""
    result: dict[str, float | None] = {}
    margins = session.scalars(select(SurveyMargin).where(SurveyMargin.wave_id == wave_id,
                                                         SurveyMargin.variable == VARIABLES[0]))
    for m in margins:
        if m.count is None or result.get(m.force_code, 0.0) is None:
            result[m.force_code] = None
        else:
            result[m.force_code] = cast(float, result.get(m.force_code, 0.0)) + m.count
    return result
