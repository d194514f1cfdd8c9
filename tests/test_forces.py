from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelkit import forces
from peelkit.forces import UnknownAreaError


def test_forty_three_territorial_forces_with_unique_codes() -> None:
    all_forces = forces.forces()
    assert len(all_forces) == 43
    assert len({f.code for f in all_forces}) == 43
    assert sum(f.code.startswith("E23") for f in all_forces) == 39
    assert sum(f.code.startswith("W15") for f in all_forces) == 4
    assert all(f.region and f.police_uk_id for f in all_forces)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("London, City of", "E23000034"),  # Home Office open data tables
        ("City of London", "E23000034"),
        ("Warwickshire9", "E23000017"),  # ONS footnote digits
        ("warwickshire", "E23000017"),  # data.police.uk id
        ("Devon & Cornwall Police", "E23000035"),  # data.police.uk force name
        ("Dyfed Powys Police", "W15000004"),
        ("West Midlands", "E23000014"),  # the force, not the region of the same name
        ("E12000005", "E12000005"),  # the region, by its code
        ("ENGLAND AND WALES (exc. BTP)", "K04000001"),
        ("Metropolitan Police Service", "E23000001"),
    ],
)
def test_every_source_spelling_matches(spelling: str, code: str) -> None:
    assert forces.match(spelling).code == code


@pytest.mark.parametrize("name", ["British Transport Police", "Action Fraud", "CIFAS", "UK Finance"])
def test_non_territorial_bodies_are_known_but_not_forces(name: str) -> None:
    area = forces.match(name)
    assert area.kind == "body" and not area.is_territorial_force
    with pytest.raises(UnknownAreaError, match="not one of the 43 territorial forces"):
        forces.match_force(name)


def test_unknown_name_lists_closest_known_names() -> None:
    with pytest.raises(UnknownAreaError) as caught:
        forces.match("Warwickshre")
    assert "Warwickshire" in caught.value.suggestions
    assert "Closest known names: Warwickshire" in str(caught.value)


def test_slug_is_lower_case_hyphenated() -> None:
    assert forces.match("Devon and Cornwall").slug == "devon-and-cornwall"
    assert forces.match("City of London").slug == "city-of-london"


@given(st.sampled_from(forces.forces()), st.integers(min_value=1, max_value=12))
def test_footnote_digits_never_change_the_match(force: forces.Area, footnote: int) -> None:
    assert forces.match(f"{force.name}{footnote}") == force
    assert forces.match(force.name.upper()) == force


def test_unknown_gss_code_is_not_read_as_footnoted() -> None:
    assert forces.find("E23000099") is None
    assert forces.find("E23000017").name == "Warwickshire"  # type: ignore[union-attr]
