"""Raking a public survey wave to its margins (weightipy's RIM weighting), checked margin by margin."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peelkit.ledger.base import utcnow
from peelkit.ledger.surveys.models import SurveyMargin, SurveyRespondent, get_wave
from peelkit.ledger.surveys.report import design_effect
from peelkit.ledger.surveys.rules import (
    CONVERGENCE,
    MAX_ITERATIONS,
    VARIABLES,
    RakingError,
    SurveyError,
    WaveRakingError,
    force_name,
)


@dataclass(frozen=True)
class RakeResult:
    weights: list[float]
    """One weight per respondent, in input order, mean 1."""
    iterations: int
    max_error: float
    """The largest absolute difference between a weighted margin share and its target."""


def rake(respondents: Sequence[Mapping[str, str]], margins: Mapping[str, Mapping[str, float]], *,
         label: str = "the sample", max_iterations: int = MAX_ITERATIONS,
         tolerance: float = CONVERGENCE) -> RakeResult:
    """Rake weights so the weighted shares of each variable match `margins` (variable -> category -> share),
    with weightipy's RIM weighting; checks every margin is met within `tolerance` or raises RakingError naming
    `label` and the variable. Weights are scaled to mean 1."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs installed
    import weightipy  # type: ignore[import-untyped]  # weightipy ships no type hints

    if not respondents:
        raise RakingError(label, "-", "there are no respondents")
    variables = [v for v in margins]
    targets: dict[str, dict[str, float]] = {}
    for variable in variables:
        present = Counter(r[variable] for r in respondents)
        wanted = {c: float(s) for c, s in margins[variable].items()}
        for category, n in sorted(present.items()):
            if wanted.get(category, 0.0) <= 0:
                raise RakingError(label, variable, f"{n} respondent(s) are {category!r} but its margin is "
                                  f"{'zero' if category in wanted else 'missing'}")
        for category, share in sorted(wanted.items()):
            if share > 0 and category not in present:
                raise RakingError(label, variable, f"no respondent is {category!r}, so its margin of {share:.1%} "
                                  "cannot be met")
        total = sum(s for c, s in wanted.items() if c in present)
        targets[variable] = {c: s / total * 100 for c, s in wanted.items() if c in present}
    frame = pd.DataFrame({v: [r[v] for r in respondents] for v in variables})
    scheme = weightipy.scheme_from_dict(targets, name="peel", rim_params={"max_iterations": max_iterations})
    # weightipy prints its convergence messages; peelkit checks the margins itself below.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = weightipy.weight(frame, scheme)
    iterations = int(next(iter(scheme.groups.values()))["iterations"] or 0)
    weights = np.asarray(raw, dtype=float)
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise RakingError(label, variables[0], "weightipy returned weights that are not finite and positive")
    weights = weights / weights.mean()
    worst, worst_error = variables[0], 0.0
    for variable in variables:
        column = frame[variable].to_numpy()
        for category, share in targets[variable].items():
            achieved = float(weights[column == category].sum() / weights.sum())
            error = abs(achieved - share / 100)
            if error > worst_error:
                worst, worst_error = variable, error
    if not worst_error <= tolerance:
        reason = (f"stopped at the cap of {max_iterations} iterations" if iterations >= max_iterations
                  else f"stopped improving after {iterations} iterations (the margins may be incompatible with "
                  "the sample)")
        raise RakingError(label, worst, f"a weighted share is {worst_error:.2g} from its margin (tolerance "
                          f"{tolerance:g}); {reason}")
    return RakeResult([float(w) for w in weights], iterations, worst_error)


@dataclass(frozen=True)
class ForceWeighting:
    force_code: str
    force_name: str
    respondents: int
    iterations: int
    max_error: float
    design_effect: float
    min_weight: float
    max_weight: float


def weight_wave(session: Session, wave_id: int, *, max_iterations: int = MAX_ITERATIONS,
                tolerance: float = CONVERGENCE) -> list[ForceWeighting]:
    """Rake every force area of a public survey wave to its margins and store the weights (all or nothing)."""
    wave = get_wave(session, wave_id, "public")
    rows = session.execute(
        select(SurveyRespondent.id, SurveyRespondent.force_code, SurveyRespondent.age_band,
               SurveyRespondent.gender, SurveyRespondent.work_status)
        .where(SurveyRespondent.wave_id == wave_id).order_by(SurveyRespondent.id)
    ).all()
    margins: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for m in session.scalars(select(SurveyMargin).where(SurveyMargin.wave_id == wave_id)):
        margins[m.force_code][m.variable][m.category] = m.share
    by_force: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_force[row.force_code].append(row)
    results: list[ForceWeighting] = []
    updates: list[dict[str, Any]] = []
    errors: list[RakingError] = []
    if not by_force:
        raise SurveyError(f"wave {wave_id} has no respondents")
    if not margins:
        raise SurveyError(f"wave {wave_id} has no margins yet: peel ledger surveys import-margins --wave {wave_id} "
                          "FILE")
    for code in sorted(by_force):
        name = f"{force_name(code)} ({code})"
        force_margins = margins.get(code)
        if not force_margins:
            errors.append(RakingError(name, ", ".join(VARIABLES), "the wave has no margins for this force; "
                                      f"import them: peel ledger surveys import-margins --wave {wave_id} FILE"))
            continue
        people = [{v: getattr(r, v) for v in VARIABLES} for r in by_force[code]]
        try:
            result = rake(people, {v: force_margins.get(v, {}) for v in VARIABLES}, label=name,
                          max_iterations=max_iterations, tolerance=tolerance)
        except RakingError as error:
            errors.append(error)
            continue
        updates.extend({"id": r.id, "weight": w} for r, w in zip(by_force[code], result.weights, strict=True))
        deff, _ = design_effect(result.weights)
        results.append(ForceWeighting(code, force_name(code), len(people), result.iterations, result.max_error,
                                      deff, min(result.weights), max(result.weights)))
    if errors:
        raise WaveRakingError(errors)
    session.execute(update(SurveyRespondent), updates)
    wave.weighted_at = utcnow()
    session.flush()
    return results
