from __future__ import annotations

from typing import Any

import pytest

from peelkit.indicators import publication
from peelkit.indicators.catalogue import BY_ID, CATALOGUE
from peelkit.indicators.display import display
from peelkit.indicators.publication import PublicationError, parse

REQUIRED_IDS = {"incidents_per_1000", "asb_per_1000", "asb_change_pct", "crimes_per_1000", "crime_change_pct",
                "outcome_charged_pct", "outcome_victim_not_support_pct", "outcome_no_suspect_pct",
                "da_incidents_per_1000", "da_share_of_crime_pct", "ocgs_per_million", "asb_powers_per_million",
                "action_taken_pct", "da_arrests_per_100"}


def test_catalogue_has_every_indicator_once() -> None:
    assert {i.id for i in CATALOGUE} == REQUIRED_IDS
    assert len(CATALOGUE) == len(BY_ID)


def test_the_2017_publication_loads_with_its_annex_a_rules() -> None:
    pub = publication.load("peel-effectiveness-2017")
    assert set(pub.periods) == REQUIRED_IDS
    assert str(pub.population_as_at) == "2016-06-30"
    suffolk = pub.exclusion("E23000025", "outcome_charged_pct")
    assert suffolk is not None and "records system" in suffolk.reason
    assert pub.exclusion("E23000034", "ocgs_per_million") is not None  # City of London OCGs
    for force in ("E23000026", "E23000005", "E23000001"):  # Bedfordshire, GMP, Met: ASB powers
        assert pub.exclusion(force, "asb_powers_per_million") is not None
    for force in ("E23000008", "E23000003", "E23000017", "E23000016"):  # DA arrests
        assert pub.exclusion(force, "da_arrests_per_100") is not None
    assert pub.exclusion("E23000009", "da_incidents_per_1000") is not None  # North Yorkshire
    (group,) = pub.groups
    assert group.force_codes == ("E23000017", "E23000016")
    assert [str(p.end) for p in pub.periods["ocgs_per_million"].compare_with] == ["2016-07-01"]


def _raw(**extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": "t", "title": "T", "year": 2017, "population_as_at": "2016-06-30",
                           "periods": {"crimes_per_1000": {"end": "2017-06-30"}}}
    raw.update(extra)
    return raw


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"periods": {"crimes_per_10000": {"end": "2017-06-30"}}}, "unknown indicator"),
        ({"periods": {"crimes_per_1000": {"end": "30/06/2017"}}}, "is not a date"),
        ({"periods": {"ocgs_per_million": {"end": "2017-06-30"}}}, "give as_at"),
        ({"exclusions": [{"forces": ["Kentt"], "indicators": ["crimes_per_1000"], "reason": "r"}]},
         "Closest known names: Kent"),
        ({"exclusions": [{"forces": ["Kent"], "indicators": ["crimes_per_1000"]}]}, "needs a reason"),
        ({"exclusions": [{"forces": ["Kent"], "indicators": ["crimes_per_1000"], "reason": "r",
                          "status": "gone"}]}, "status must be"),
        ({"exclusions": [{"forces": ["British Transport Police"], "indicators": ["crimes_per_1000"],
                          "reason": "r"}]}, "not one of the 43 territorial forces"),
        ({"population_overrides": [{"force": "City of London", "population": -1}]}, "positive number"),
    ],
)
def test_bad_publication_files_say_what_and_where(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(PublicationError, match=message) as caught:
        parse(_raw(**extra), "my.toml")
    assert "my.toml" in str(caught.value)


def test_unknown_publication_lists_the_built_in_ones() -> None:
    with pytest.raises(PublicationError, match="peel-effectiveness-2017"):
        publication.load("peel-2099")


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [(80.4, "rate", "80"), (80.5, "rate", "81"), (1234.2, "rate", "1,234"), (29.5, "proportion", "30%"),
     (14.3, "change", "14%"), (-0.05, "change", "-0.05%"), (0.004, "change", "0.00%"), (-0.5, "change", "-1%"),
     (None, "rate", "–"), (None, "change", "–")],
)
def test_display_rule(value: float | None, kind: Any, shown: str) -> None:
    assert display(value, kind) == shown
