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


FIVE = ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]
CYCLES = ("2021/22", "2023-25", "2025-27")


def test_five_grade_scale_since_2021_each_cycle_its_own_scale_id() -> None:
    scales = [fw.get(year).scale for year in CYCLES]
    assert len(set(scales)) == 3 and fw.get("2018/19").scale not in scales
    for year in CYCLES:
        framework = fw.get(year)
        assert list(framework.grades) == FIVE and not framework.overall
        definitions = dict(framework.grade_definitions)
        assert set(definitions) == set(FIVE)
        assert "substantially exceeded" in definitions["Outstanding"]
        assert "causes of concern" in definitions["Inadequate"]
        assert framework.check_grade(framework.questions[-1].id, "adequate") == "Adequate" or not \
            framework.questions[-1].graded
        with pytest.raises(PeelError, match="overall"):
            framework.question("overall")


@pytest.mark.parametrize(("earlier", "later"), [("2018/19", "2021/22"), ("2021/22", "2023-25"),
                                                ("2023-25", "2025-27")])
def test_movement_across_cycles_is_refused_as_not_comparable(earlier: str, later: str) -> None:
    a, b = fw.get(earlier), fw.get(later)
    for call in (lambda: fw.movement(a, "Good", b, "Good"), lambda: fw.compare(a, "Good", b, "Good"),
                 lambda: fw.trend([(a, "Good"), (b, "Good")])):
        with pytest.raises(fw.ScaleMismatchError, match=r"^not comparable: different framework") as caught:
            call()
        assert a.scale in str(caught.value) and b.scale in str(caught.value)
        assert "improved" not in str(caught.value) and "declined" not in str(caught.value)


def test_headings_and_core_questions_are_stored_apart() -> None:
    q1 = fw.get("2015").question("Q1_preventing_crime_and_ASB")
    assert q1.heading == "Preventing crime and anti-social behaviour, and keeping people safe"
    assert q1.core_question.startswith("How effective is the force at preventing crime and anti-social behaviour")
    assert "investigating crime and managing offenders" in fw.get("2015").question("Q2_investigating_crime") \
        .core_question
    assert "national policing responsibilities" in fw.get("2015").question("Q4_serious_and_organised_crime") \
        .core_question
    for year in ("2016", "2017", "2018/19"):
        q3 = fw.get(year).question("Q3_protecting_vulnerable_people")
        assert "protecting those who are vulnerable from harm, and supporting victims" in q3.core_question
    leadership = fw.get("2025-27").questions[0]
    assert leadership.core_question == "How good is the force at leadership and force management?"
    for framework in fw.frameworks():
        for area in framework.all_areas:
            assert area.heading != area.core_question
            # A blank detail is never passed off as confirmed.
            for detail in ("heading", "core_question"):
                assert getattr(area, detail) or detail in area.unconfirmed


def test_2021_22_areas_and_the_march_2022_revision() -> None:
    f = fw.get("2021/22")
    assert fw.get("peel-2021") is f  # the id recorded before the migration still finds it
    assert len(f.questions) == 10 and sum(q.graded for q in f.questions) == 9
    assert [q.heading for q in f.questions if not q.graded] == ["Providing a service to the victims of crime"]
    assert "Disrupting serious organised crime" in [q.heading for q in f.questions]
    initial = {q.id for q in f.areas("initial")}
    assert {"strategic_policing_requirement", "armed_threats"} <= initial
    assert not ({"strategic_policing_requirement", "armed_threats"} & set(f.question_ids))
    assert all(not f.question(i).graded for i in ("strategic_policing_requirement", "armed_threats"))
    assert f.check_grade("armed_threats", "Ungraded") == "Ungraded"


def test_unconfirmed_cycles_are_marked_so() -> None:
    for year in ("2023-25", "2025-27"):
        f = fw.get(year)
        assert f.confidence == "unconfirmed" and not f.areas_complete
        with pytest.raises(PeelError, match="frameworks load"):
            f.question("investigating_crime")
    soc = fw.get("2023-25")
    assert (soc.expected_areas, soc.expected_graded) == (10, 9)
    assert not soc.question("victim_service").graded
    for framework in fw.frameworks():
        assert framework.source and framework.confidence in ("confirmed", "partly unconfirmed", "unconfirmed")


@pytest.mark.parametrize(("year", "expected"), [(2015, "2015"), (2017, "2017"), (2019, "2018/19"),
                                                (2022, "2021/22"), (2024, "2023-25"), (2026, "2025-27")])
def test_publication_year_selects_the_framework(year: int, expected: str) -> None:
    assert fw.for_year(year).year == expected


def test_publication_without_a_framework_is_refused_clearly() -> None:
    with pytest.raises(PeelError, match="no framework governs publications of 2020"):
        fw.for_year(2020)


def test_a_malformed_file_lists_every_problem() -> None:
    from peelkit.ledger.framework_parse import parse

    text = ('id = "x"\nyear = "2030"\norder = "soon"\ntitle = "T"\nscale = "s"\ngrades = ["Good", "Ungraded"]\n'
            'confidence = "confirmed"\n[[areas]]\nid = "a"\ngraded = "yes"\n[[areas]]\nid = "a"\nheading = "A"\n'
            'graded = true\nunconfirmed = ["wording"]\n')
    with pytest.raises(fw.FrameworkError) as caught:
        parse(text, "bad.toml")
    message = str(caught.value)
    for fragment in ("bad.toml", "order: found 'soon'", "grades", "areas[0].graded", "areas[0]: needs a heading",
                     "areas[1].unconfirmed", "area ids repeat: a"):
        assert fragment in message, fragment
