"""The items of each publication's force data return, declared as data: what is asked, for which periods.

The template writer, the reader (``peelkit.sources.force_return``) and the demo all work from these
declarations; adding next year's return means adding a `ReturnSpec` here, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from peelkit.errors import ConfigError
from peelkit.periods import Period, months_to

PeriodKind = Literal["months", "as_at"]
Status = Literal["supplied", "partial", "unable"]

DATASET = "force_return"
STATUSES: tuple[Status, ...] = ("supplied", "partial", "unable")
# What people type for each status (case and spacing ignored).
STATUS_SPELLINGS: dict[str, Status] = {
    "supplied": "supplied", "supply": "supplied", "yes": "supplied",
    "partial": "partial", "part": "partial", "supplied in part": "partial", "partially supplied": "partial",
    "unable": "unable", "unable to supply": "unable", "not supplied": "unable", "cannot supply": "unable",
}


@dataclass(frozen=True)
class ReturnItem:
    """One figure (or set of figures, one per breakdown) a force is asked for, for each of `periods`."""

    id: str  # the fact measure, and the item sheet's name
    label: str
    unit: str
    period_kind: PeriodKind
    periods: tuple[Period, ...]
    guidance: str
    breakdown: tuple[str, ...] = ()  # e.g. the ASB power types; each becomes the fact's `offence`
    breakdown_label: str = ""

    def period_label(self, period: Period) -> str:
        return period.label()

    def period_date(self, period: Period) -> date:
        """The date that names the period in a return: the period end, or the as-at date."""
        return period.end

    def date_column(self) -> str:
        return "as_at" if self.period_kind == "as_at" else "period_end"

    def item_key(self, part: str | None) -> str:
        """The `return_items.item` of a row: the measure, or `measure:<part>` where there is a breakdown."""
        return f"{self.id}:{part}" if part else self.id

    def rows(self) -> list[tuple[str | None, Period]]:
        """Every (breakdown part or None, period) the return asks for, in template order."""
        parts: tuple[str | None, ...] = self.breakdown or (None,)
        return [(part, period) for part in parts for period in self.periods]


@dataclass(frozen=True)
class ReturnSpec:
    publication: str
    title: str
    items: tuple[ReturnItem, ...]
    due: str  # when the return is due, for the instructions

    def item(self, item_id: str) -> ReturnItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def _as_at(day: date) -> Period:
    return Period(day, day)


_YEAR_2017 = (months_to(date(2017, 6, 30)),)
_TWO_YEARS = (months_to(date(2016, 6, 30)), months_to(date(2017, 6, 30)))
_OCG_DATES = (_as_at(date(2016, 7, 1)), _as_at(date(2017, 7, 1)))

ASB_POWERS = ("criminal_behaviour_orders", "community_protection_notices", "civil_injunctions", "dispersal_orders")
ASB_POWER_LABELS = {
    "criminal_behaviour_orders": "Criminal behaviour orders",
    "community_protection_notices": "Community protection notices",
    "civil_injunctions": "Civil injunctions",
    "dispersal_orders": "Dispersal orders",
}

PEEL_2017 = ReturnSpec(
    publication="peel-effectiveness-2017",
    title="PEEL: Police effectiveness 2017 - force data return",
    due="by 15 September 2017",
    items=(
        ReturnItem(
            "incidents", "Incidents (calls for assistance)", "incidents", "months", _YEAR_2017,
            "All incidents recorded by the force's command and control system in the 12 months, whatever their "
            "type (crime, anti-social behaviour, public safety, transport), after removing duplicate calls "
            "about the same incident.",
        ),
        ReturnItem(
            "da_incidents", "Domestic abuse incidents", "incidents", "months", _YEAR_2017,
            "Incidents the force flagged as domestic abuse (the cross-government definition), whether or not "
            "a crime was recorded.",
        ),
        ReturnItem(
            "da_crimes", "Domestic-abuse-flagged crimes", "crimes", "months", _YEAR_2017,
            "Notifiable crimes recorded in the 12 months that carry the domestic abuse flag (excluding fraud).",
        ),
        ReturnItem(
            "da_arrests", "Arrests for domestic abuse offences", "arrests", "months", _YEAR_2017,
            "Arrests in the 12 months for offences flagged as domestic abuse (count arrests, not people).",
        ),
        ReturnItem(
            "asb_powers", "Anti-social behaviour powers used", "powers used", "months", _TWO_YEARS,
            "The number of times the force used each power of the Anti-social Behaviour, Crime and Policing "
            "Act 2014, for the 12 months to 30 June 2016 and to 30 June 2017. Count orders and notices "
            "obtained or issued by the force (dispersal orders: directions given), not those of local "
            "authorities.",
            breakdown=ASB_POWERS, breakdown_label="power_type",
        ),
        ReturnItem(
            "ocgs", "Organised crime groups", "groups", "as_at", _OCG_DATES,
            "Organised crime groups the force was managing on the date (active groups on its OCG mapping "
            "list or in its tasking).",
        ),
        ReturnItem(
            "ocgs_mapped", "Organised crime groups mapped", "groups", "as_at", _OCG_DATES,
            "Of those groups, how many had been through the national organised crime group mapping process "
            "(this cannot exceed the number of groups).",
        ),
    ),
)

RETURNS: dict[str, ReturnSpec] = {spec.publication: spec for spec in (PEEL_2017,)}


def return_spec(publication: str) -> ReturnSpec:
    """The return of a publication; unknown ids raise ConfigError naming the known ones."""
    spec = RETURNS.get(publication.strip())
    if spec is None:
        raise ConfigError(f"no force data return is defined for publication {publication!r}; known: "
                          f"{', '.join(RETURNS)}")
    return spec


def parse_status(text: str) -> Status | None:
    return STATUS_SPELLINGS.get(" ".join(text.strip().lower().replace("_", " ").split()))
