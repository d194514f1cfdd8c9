"""Surveys: the public attitude survey (an online panel of about 300 people per force area, raked to the force
area's population by age band, gender and work status) and the voluntary, unweighted staff survey.

Public attitude survey
    A *wave* is one import of a responses CSV (one row per respondent: ``respondent_id, force, age_band,
    gender, work_status`` and one column per question). The force area's population *margins* (``force,
    variable, category`` and ``share`` and/or ``count``, optionally ``total``) are imported for the wave next.
    Imports are all or nothing: every problem is reported with its row and column and nothing is loaded.

Weighting
    Raking (iterative proportional fitting on the three margins) is done by the weightipy library
    (:func:`weightipy.weight`), separately for each force area; peelkit only checks the result. Every weighted
    margin must match its target share within :data:`CONVERGENCE` (1e-6) or :class:`RakingError` names the force
    and the variable that missed. Weights are then scaled to mean 1 within each force.

Reporting
    For a question and answer, each force gets the unweighted number answering, the weighted share, Kish's design
    effect ``deff = n * sum(w^2) / (sum w)^2`` (the variance inflation due to unequal weights alone), the effective
    sample size ``n / deff``, and a 95% interval widened by the design effect: the Wilson score interval computed
    on the effective sample size (``x = share * n_eff`` successes of ``n_eff``). This ignores any clustering and the
    panel's self-selection, so every figure is labelled :data:`INDICATION_ONLY`.

    The England and Wales line pools the forces in the wave. Each force's weights (of those answering) are
    rescaled so that the force's weighted total is proportional to its adult population (from the margins'
    counts or ``total``), and the pooled design effect is Kish's on those rescaled weights, so it includes the
    effect of the unequal sampling fractions between forces. It is only given when every pooled force has a
    population; otherwise it is left out with a note.

Staff survey
    Voluntary and unweighted: responses (``force, theme`` and ``answer`` and/or ``comment``) are reported only as
    counts by theme per force, never as percentages of the workforce (:data:`STAFF_CAVEAT`).

Modules: ``rules`` (variables, tolerances, caveats, errors), ``models`` (the tables), ``reading`` (cells of a CSV),
``responses``, ``margins`` and ``staff`` (the imports; a bad file raises :class:`peelkit.findings.ImportFailed`),
``raking``, ``report`` and ``demo``. Every public name is importable from ``peelkit.ledger.surveys``.
"""

from __future__ import annotations

from peelkit.ledger.surveys.demo import demo_files
from peelkit.ledger.surveys.margins import import_margins
from peelkit.ledger.surveys.models import SurveyMargin, SurveyRespondent, SurveyStaffResponse, SurveyWave
from peelkit.ledger.surveys.raking import ForceWeighting, RakeResult, rake, weight_wave
from peelkit.ledger.surveys.report import ShareReport, ShareRow, design_effect, report_share, share_estimate
from peelkit.ledger.surveys.responses import import_responses
from peelkit.ledger.surveys.rules import (
    CATEGORIES,
    CONVERGENCE,
    COUNT_TOLERANCE,
    INDICATION_ONLY,
    INTERVAL_METHOD,
    MAX_ITERATIONS,
    POOLING_METHOD,
    SHARE_TOLERANCE,
    STAFF_CAVEAT,
    SYNTHETIC_NOTE,
    VARIABLES,
    RakingError,
    SurveyError,
    WaveRakingError,
)
from peelkit.ledger.surveys.staff import StaffThemeCount, import_staff, staff_themes

__all__ = [
    "CATEGORIES",
    "CONVERGENCE",
    "COUNT_TOLERANCE",
    "INDICATION_ONLY",
    "INTERVAL_METHOD",
    "MAX_ITERATIONS",
    "POOLING_METHOD",
    "SHARE_TOLERANCE",
    "STAFF_CAVEAT",
    "SYNTHETIC_NOTE",
    "VARIABLES",
    "ForceWeighting",
    "RakeResult",
    "RakingError",
    "ShareReport",
    "ShareRow",
    "StaffThemeCount",
    "SurveyError",
    "SurveyMargin",
    "SurveyRespondent",
    "SurveyStaffResponse",
    "SurveyWave",
    "WaveRakingError",
    "demo_files",
    "design_effect",
    "import_margins",
    "import_responses",
    "import_staff",
    "rake",
    "report_share",
    "share_estimate",
    "staff_themes",
    "weight_wave",
]
