"""Framework versions as data, scale refusal and the advisory roll-up (no database needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from peelkit.errors import PeelError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.rollup import DEFAULT_RULE, RollupRule, advise

FOUR = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def test_shipped_frameworks_in_order() -> None:
    years = [f.year for f in fw.frameworks()]
    assert years == ["2015", "2016", "2017", "2018/19", "2021/22", "2023-25", "2025-27"]
    assert fw.get("2017").id == "peel-effectiveness-2017"
    assert fw.get("peel-effectiveness-2018-19").year == "2018/19"
    for year in ("2015", "2016", "2017", "2018/19"):
        framework = fw.get(year)
        assert list(framework.grades) == FOUR
        assert framework.overall
    five = fw.get("2021/22")
    assert list(five.grades) == ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]
    assert five.scale != fw.get("2017").scale


def test_unknown_year_lists_known_ones() -> None:
    with pytest.raises(PeelError, match=r"2018/19"):
        fw.get("2019")


def test_questions_cover_every_question_in_the_public_grades(data_dir: Path) -> None:
    with (data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            fw.get(row["year"]).question(row["question"])  # raises if a question is missing
    q5 = "Q5_specialist_capabilities"
    assert not fw.get("2017").question(q5).graded
    assert q5 in fw.get("2016").question_ids
    assert q5 not in fw.get("2015").question_ids


def test_grades_are_checked_against_the_scale() -> None:
    f2017 = fw.get("2017")
    assert f2017.check_grade("Q2_investigating_crime", "requires improvement") == "Requires improvement"
    with pytest.raises(PeelError, match="Adequate"):
        f2017.check_grade("Q2_investigating_crime", "Adequate")
    with pytest.raises(PeelError, match="ungraded"):
        f2017.check_grade("Q5_specialist_capabilities", "Good")
    assert f2017.check_grade("Q5_specialist_capabilities", "Ungraded") == "Ungraded"
    with pytest.raises(PeelError):
        f2017.check_grade("overall", "Ungraded")
    assert fw.get("2021/22").check_grade("investigating_crime", "Adequate") == "Adequate"
    with pytest.raises(PeelError, match="overall"):
        fw.get("2021/22").question("overall")


def test_comparing_across_scales_is_refused_naming_both() -> None:
    old, new = fw.get("2018/19"), fw.get("2021/22")
    with pytest.raises(fw.ScaleMismatchError) as caught:
        fw.movement(old, "Good", new, "Adequate")
    assert old.scale in str(caught.value) and new.scale in str(caught.value)
    with pytest.raises(fw.ScaleMismatchError):
        fw.trend([(old, "Good"), (new, "Good")])
    assert fw.movement(fw.get("2016"), "Requires improvement", fw.get("2017"), "Good") == "improved"
    assert fw.trend([(fw.get("2015"), "Good"), (fw.get("2016"), "Good"), (fw.get("2017"), "Inadequate")]) == [
        "unchanged", "declined"]


@pytest.mark.parametrize(("grades", "expected"), [
    (["Good", "Good", "Good", "Good"], "Good"),
    (["Outstanding", "Outstanding", "Good", "Good"], "Outstanding"),
    (["Outstanding", "Good", "Good", "Good"], "Good"),
    (["Outstanding", "Outstanding", "Requires improvement", "Good"], "Good"),
    (["Requires improvement", "Good", "Good", "Good"], "Good"),
    (["Requires improvement", "Requires improvement", "Good", "Good"], "Requires improvement"),
    (["Inadequate", "Good", "Good", "Outstanding"], "Requires improvement"),
    (["Inadequate", "Inadequate", "Good", "Good"], "Inadequate"),
])
def test_default_rollup_follows_cqc_principles(grades: list[str], expected: str) -> None:
    assert DEFAULT_RULE.apply(grades) == expected


def test_rollup_is_advisory_and_flags_a_departure() -> None:
    f2017 = fw.get("2017")
    grades: dict[str, str | None] = {"Q1_preventing_crime_and_ASB": "Good", "Q2_investigating_crime": "Good",
                                     "Q3_protecting_vulnerable_people": "Requires improvement",
                                     "Q4_serious_and_organised_crime": "Requires improvement",
                                     "Q5_specialist_capabilities": "Ungraded"}
    result = advise(f2017, grades, "Good")
    assert result.advisory == "Requires improvement" and result.recorded == "Good" and result.departs
    assert not advise(f2017, grades, "Requires improvement").departs
    strict = RollupRule(name="strict", requires_improvement_for_requires_improvement=1)
    assert advise(f2017, {**grades, "Q4_serious_and_organised_crime": "Good"}, "Good", strict).departs
    unknown = advise(f2017, {**grades, "Q1_preventing_crime_and_ASB": None}, "Good")
    assert unknown.advisory is None and not unknown.departs and "Q1" in unknown.reason
    assert advise(fw.get("2021/22"), {}, None).advisory is None
