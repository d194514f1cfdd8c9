"""The indicator catalogue: each indicator defined once, as data. The engine evaluates them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from peelkit.stats import Polarity

Kind = Literal["rate", "proportion", "change"]
PeriodKind = Literal["months", "as_at"]

# Offence groups that are fraud, and the fraud reporting bodies' own rows, in the Home Office tables:
# "excluding fraud" leaves all of them out.
FRAUD_OFFENCES = ("Fraud offences", "Action Fraud", "CIFAS", "UK Finance")

# Outcome types that count as "action taken": charge/summons, cautions (youths, adults), taken into
# consideration, penalty notices, cannabis/khat warnings, community resolutions. Type 5 (offender died) is not.
ACTION_TAKEN_OUTCOMES = (1, 2, 3, 4, 6, 7, 8)


# How notes name each warehouse dataset.
DATASET_TITLES: dict[str, str] = {
    "recorded_crime_rolling": "Home Office recorded crime",
    "crime_outcomes": "Home Office crime outcomes",
    "asb_incidents": "ONS anti-social behaviour incidents",
    "population": "ONS mid-year population estimates",
    "force_return": "the force data return",
}


@dataclass(frozen=True)
class Input:
    """A sum of warehouse facts over a period, for each area."""

    dataset: str
    measure: str
    label: str
    exclude_offences: tuple[str, ...] = ()
    outcome_types: tuple[int, ...] | None = None
    period_kind: PeriodKind = "months"
    months: int = 12
    missing_reason: str = ""  # said when nothing of this input is loaded


POPULATION = Input("population", "population", "ONS mid-year population estimate", period_kind="as_at",
                   months=0, missing_reason="the ONS mid-year population estimates are not loaded")

_FORCE_RETURN = "no force data return is loaded for this item"


def _return(measure: str, label: str, period_kind: PeriodKind = "months") -> Input:
    return Input("force_return", measure, label, period_kind=period_kind, months=0 if period_kind == "as_at" else 12,
                 missing_reason=_FORCE_RETURN)


RECORDED_CRIME = Input("recorded_crime_rolling", "offences", "police recorded crime excluding fraud (Home Office)",
                       exclude_offences=FRAUD_OFFENCES,
                       missing_reason="the Home Office recorded crime by force area table is not loaded")
ASB_INCIDENTS = Input("asb_incidents", "incidents", "anti-social behaviour incidents (ONS table P7)",
                      missing_reason="the ONS anti-social behaviour incidents table is not loaded")
_OUTCOMES_MISSING = "Home Office outcomes data for this period are not loaded"
ALL_OUTCOMES = Input("crime_outcomes", "outcomes_tracked", "offences recorded (all outcomes, tracked)",
                     missing_reason=_OUTCOMES_MISSING)


def _outcomes(types: tuple[int, ...], label: str) -> Input:
    return Input("crime_outcomes", "outcomes_tracked", label, outcome_types=types, missing_reason=_OUTCOMES_MISSING)


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    kind: Kind
    numerator: Input
    denominator: Input
    multiplier: float
    unit: str
    polarity: Polarity = "neither"
    # For a change indicator: the numerator is compared with the same input 12 months earlier.
    change_months: int = 12


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("incidents_per_1000", "Incidents per 1,000 population", "rate",
              _return("incidents", "incidents (calls for assistance), force data return"), POPULATION, 1000,
              "per 1,000 population"),
    Indicator("asb_per_1000", "Anti-social behaviour incidents per 1,000 population", "rate", ASB_INCIDENTS,
              POPULATION, 1000, "per 1,000 population"),
    Indicator("asb_change_pct", "Change in anti-social behaviour incidents on the previous 12 months", "change",
              ASB_INCIDENTS, POPULATION, 100, "% change"),
    Indicator("crimes_per_1000", "Crimes (excluding fraud) per 1,000 population", "rate", RECORDED_CRIME,
              POPULATION, 1000, "per 1,000 population"),
    Indicator("crime_change_pct", "Change in recorded crime (excluding fraud) on the previous 12 months", "change",
              RECORDED_CRIME, POPULATION, 100, "% change"),
    Indicator("outcome_charged_pct", "Charged or summonsed (outcome 1)", "proportion",
              _outcomes((1,), "offences charged or summonsed (outcome type 1)"), ALL_OUTCOMES, 100, "%"),
    Indicator("outcome_victim_not_support_pct",
              "Evidential difficulties: suspect identified, victim does not support action (outcome 16)",
              "proportion", _outcomes((16,), "offences with outcome type 16"), ALL_OUTCOMES, 100, "%"),
    Indicator("outcome_no_suspect_pct", "Investigation complete, no suspect identified (outcome 18)", "proportion",
              _outcomes((18,), "offences with outcome type 18"), ALL_OUTCOMES, 100, "%"),
    Indicator("da_incidents_per_1000", "Domestic abuse incidents per 1,000 population", "rate",
              _return("da_incidents", "domestic abuse incidents, force data return"), POPULATION, 1000,
              "per 1,000 population"),
    Indicator("da_share_of_crime_pct", "Domestic abuse as a share of recorded crime (excluding fraud)", "proportion",
              _return("da_crimes", "domestic-abuse-flagged crimes, force data return"), RECORDED_CRIME, 100, "%"),
    Indicator("ocgs_per_million", "Organised crime groups per million population", "rate",
              _return("ocgs", "organised crime groups, force data return", "as_at"), POPULATION, 1_000_000,
              "per million population"),
    Indicator("asb_powers_per_million", "Anti-social behaviour powers used per million population", "rate",
              _return("asb_powers", "ASB powers used (all four types), force data return"), POPULATION, 1_000_000,
              "per million population"),
    Indicator("action_taken_pct", "Investigations where action was taken", "proportion",
              _outcomes(ACTION_TAKEN_OUTCOMES, "offences with action taken (outcome types 1-4, 6-8)"), ALL_OUTCOMES,
              100, "%", polarity="higher_is_better"),
    Indicator("da_arrests_per_100", "Domestic abuse arrests per 100 domestic abuse crimes", "rate",
              _return("da_arrests", "arrests for domestic abuse offences, force data return"),
              _return("da_crimes", "domestic-abuse-flagged crimes, force data return"), 100,
              "per 100 domestic abuse crimes"),
)

BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in CATALOGUE}
