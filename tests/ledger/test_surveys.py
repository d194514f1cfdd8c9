"""Surveys: raking (weightipy) to the margins within 1e-6, Kish design effect and effective n, import validation,
staff themes. Database tests run on SQLite and PostgreSQL (`ledger_url`)."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from peelkit.findings import Finding, ImportFailed
from peelkit.ledger import db, surveys
from peelkit.ledger.base import AuditLog
from peelkit.ledger.surveys import (
    CONVERGENCE,
    SurveyMargin,
    SurveyRespondent,
    SurveyWave,
)
from peelkit.stats import wilson_interval

KENT, SURREY = "E23000032", "E23000031"  # GSS codes of the two forces the hand-made files use

MARGINS = {
    "age_band": {"16-24": 0.14, "25-34": 0.16, "35-44": 0.16, "45-54": 0.18, "55-64": 0.15, "65+": 0.21},
    "gender": {"female": 0.51, "male": 0.49},
    "work_status": {"working": 0.6, "not working": 0.4},
}


def _hand_sample() -> list[dict[str, str]]:
    """24 respondents, skewed: mostly older, female and not working; every category present."""
    ages = ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    people = []
    for i in range(24):
        people.append({
            "age_band": ages[min(i // 3, 5)] if i < 15 else ("55-64" if i % 2 else "65+"),
            "gender": "female" if i % 3 else "male",
            "work_status": "working" if i % 4 == 0 or i < 6 else "not working",
        })
    return people


def _assert_margins(people: Sequence[Mapping[str, str]], weights: Sequence[float],
                    margins: Mapping[str, Mapping[str, float]]) -> None:
    total = math.fsum(weights)
    for variable, targets in margins.items():
        for category, share in targets.items():
            achieved = math.fsum(w for p, w in zip(people, weights, strict=True) if p[variable] == category) / total
            assert abs(achieved - share) <= CONVERGENCE, (variable, category, achieved, share)


# --------------------------------------------------------------------------- raking (no database)


def test_rake_hand_made_case_meets_every_margin_within_1e6() -> None:
    people = _hand_sample()
    result = surveys.rake(people, MARGINS, label="Kent")
    _assert_margins(people, result.weights, MARGINS)
    assert math.isclose(sum(result.weights) / len(people), 1.0, rel_tol=1e-12)
    assert result.max_error <= CONVERGENCE
    # The skew was real: weights differ a lot.
    assert max(result.weights) / min(result.weights) > 2


def test_rake_demo_data_meets_every_margin_within_1e6(tmp_path: Path) -> None:
    paths = surveys.demo_files(tmp_path, seed=11, force_codes=[KENT, SURREY, "E23000001"])
    people, margins = _read_demo(paths)
    assert set(people) == {KENT, SURREY, "E23000001"}
    for code, force_people in people.items():
        assert len(force_people) == 300
        result = surveys.rake(force_people, margins[code], label=code)
        _assert_margins(force_people, result.weights, margins[code])
        unweighted_female = sum(p["gender"] == "female" for p in force_people) / len(force_people)
        assert unweighted_female - margins[code]["gender"]["female"] > 0.1  # deliberately skewed panel


def _read_demo(paths: Mapping[str, Path]) -> tuple[dict[str, list[dict[str, str]]],
                                                   dict[str, dict[str, dict[str, float]]]]:
    from peelkit.forces import match_force

    people: dict[str, list[dict[str, str]]] = defaultdict(list)
    with paths["responses"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            people[match_force(row["force"]).code].append({v: row[v] for v in surveys.VARIABLES})
    counts: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    with paths["margins"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts[match_force(row["force"]).code][row["variable"]][row["category"]] = float(row["count"])
    margins = {code: {v: {c: n / sum(cats.values()) for c, n in cats.items()} for v, cats in by_var.items()}
               for code, by_var in counts.items()}
    return people, margins


def test_demo_is_reproducible_and_marked_synthetic(tmp_path: Path) -> None:
    first = surveys.demo_files(tmp_path / "a", seed=5, force_codes=[KENT], per_force=40)
    second = surveys.demo_files(tmp_path / "b", seed=5, force_codes=[KENT], per_force=40)
    other = surveys.demo_files(tmp_path / "c", seed=6, force_codes=[KENT], per_force=40)
    for kind in ("responses", "margins", "staff"):
        assert first[kind].read_bytes() == second[kind].read_bytes()
    assert first["responses"].read_bytes() != other["responses"].read_bytes()
    assert "SYNTHETIC" in first["readme"].read_text()
    assert first["responses"].name.startswith("synthetic_")


def test_incompatible_margins_fail_naming_force_and_variable() -> None:
    # Everyone aged 16-24 works and everyone 65+ does not: 50/50 by age cannot also be 80/20 by work status.
    people = [{"age_band": "16-24", "work_status": "working"}] * 5 + [{"age_band": "65+",
                                                                      "work_status": "not working"}] * 5
    margins = {"age_band": {"16-24": 0.5, "65+": 0.5}, "work_status": {"working": 0.8, "not working": 0.2}}
    with pytest.raises(surveys.RakingError) as caught:
        surveys.rake(people, margins, label="Kent (E23000032)")
    assert caught.value.force == "Kent (E23000032)"
    assert caught.value.variable in {"age_band", "work_status"}
    assert "Kent (E23000032)" in str(caught.value) and caught.value.variable in str(caught.value)


def test_iteration_cap_is_reported() -> None:
    with pytest.raises(surveys.RakingError, match="cap of 1 iterations"):
        surveys.rake(_hand_sample(), MARGINS, label="Kent", max_iterations=1)


def test_respondent_category_without_margin_fails_before_raking() -> None:
    margins = {**MARGINS, "gender": {"female": 1.0}}
    with pytest.raises(surveys.RakingError, match="'male' but its margin is missing") as caught:
        surveys.rake(_hand_sample(), margins, label="Kent")
    assert caught.value.variable == "gender"


# --------------------------------------------------------------------------- design effect (no database)


def test_equal_weights_have_design_effect_one() -> None:
    deff, n_eff = surveys.design_effect([1.0] * 10)
    assert deff == pytest.approx(1.0) and n_eff == pytest.approx(10.0)
    row = surveys.share_estimate("X", "X", [True] * 3 + [False] * 7, [2.5] * 10)
    assert row.share == pytest.approx(0.3) and row.design_effect == pytest.approx(1.0)
    assert (row.lower, row.upper) == pytest.approx(wilson_interval(3, 10))


def test_design_effect_and_effective_n_hand_computed() -> None:
    weights = [1.0, 1.0, 2.0, 4.0]
    # n = 4, sum w = 8, sum w^2 = 1 + 1 + 4 + 16 = 22: deff = 4 * 22 / 64 = 1.375; n_eff = 64 / 22.
    deff, n_eff = surveys.design_effect(weights)
    assert deff == pytest.approx(1.375) and n_eff == pytest.approx(64 / 22)
    row = surveys.share_estimate("X", "X", [True, False, True, False], weights)
    assert row.n == 4 and row.n_answer == 2
    assert row.share == pytest.approx(3 / 8) and row.unweighted_share == pytest.approx(0.5)
    assert row.effective_n == pytest.approx(64 / 22)
    assert (row.lower, row.upper) == pytest.approx(wilson_interval(3 / 8 * 64 / 22, 64 / 22))
    assert row.note == surveys.INDICATION_ONLY


# --------------------------------------------------------------------------- files for the database tests


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _responses(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["respondent_id", "force", "age_band", "gender", "work_status", "feel_safe"]]
    for i, person in enumerate(_hand_sample()):
        rows.append([f"K{i}", "Kent", person["age_band"], person["gender"], person["work_status"],
                     "yes" if i % 3 == 0 or person["gender"] == "male" else ("no" if i != 23 else "")])
    for i, person in enumerate(_hand_sample()[:12] + _hand_sample()[12:][::-1]):
        rows.append([f"S{i}", "Surrey Police", person["age_band"], person["gender"], person["work_status"],
                     "Yes" if i % 2 else "no"])
    return _write(tmp_path / "responses.csv", rows)


def _margins(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["force", "variable", "category", "share", "count", "total"]]
    for force, total in (("Kent", 1_500_000), ("Surrey", 1_000_000)):
        for variable, cats in MARGINS.items():
            for category, share in cats.items():
                rows.append([force, variable, category, share, "", total])
    return _write(tmp_path / "margins.csv", rows)


# --------------------------------------------------------------------------- database: public survey


def test_import_weight_and_report(ledger_url: str, tmp_path: Path) -> None:
    with db.session_scope(ledger_url, actor="tester") as session:
        wave = surveys.import_responses(session, _responses(tmp_path), name="Public 2017", year=2017)
        surveys.import_margins(session, wave.id, _margins(tmp_path))
        results = surveys.weight_wave(session, wave.id)
        wave_id = wave.id
    assert [r.force_code for r in results] == [SURREY, KENT]
    with db.session_scope(ledger_url) as session:
        stored = session.scalars(select(SurveyRespondent).where(SurveyRespondent.wave_id == wave_id)).all()
        by_force: dict[str, list[SurveyRespondent]] = defaultdict(list)
        for r in stored:
            by_force[r.force_code].append(r)
        for people in by_force.values():
            weights = [float(p.weight or 0) for p in people]
            assert math.isclose(sum(weights) / len(weights), 1.0, rel_tol=1e-9)
            _assert_margins([{v: getattr(p, v) for v in surveys.VARIABLES} for p in people], weights, MARGINS)
        assert session.get(SurveyWave, wave_id).weighted_at is not None  # type: ignore[union-attr]
        # Waves and margins are audited; the actor is recorded.
        audit = session.scalars(select(AuditLog).where(AuditLog.table_name == "survey_wave")).all()
        assert {a.actor for a in audit} == {"tester"}
        report = surveys.report_share(session, wave_id, "FEEL_SAFE", "yes")

    kent_people = by_force[KENT]
    answered = [p for p in kent_people if "feel_safe" in p.answers]
    assert len(answered) == 23  # one blank answer is "not answered"
    expected = surveys.share_estimate(KENT, "Kent", [p.answers["feel_safe"] == "yes" for p in answered],
                                      [float(p.weight or 0) for p in answered])
    kent = next(r for r in report.rows if r.area_code == KENT)
    assert kent.n == 23 and kent.share == pytest.approx(expected.share)
    assert kent.design_effect == pytest.approx(expected.design_effect)
    assert kent.effective_n == pytest.approx(expected.effective_n)
    assert kent.design_effect is not None and kent.design_effect > 1
    surrey = next(r for r in report.rows if r.area_code == SURREY)
    assert surrey.n_answer == 12  # "Yes" matches "yes"

    # England and Wales: each force counts by its population share (1.5m : 1.0m).
    pooled = report.england_and_wales
    assert pooled is not None and pooled.n == 23 + 24
    assert kent.share is not None and surrey.share is not None
    assert pooled.share == pytest.approx(0.6 * kent.share + 0.4 * surrey.share)
    assert report.indication == surveys.INDICATION_ONLY


def test_report_refuses_unweighted_wave_and_unknown_question(ledger_url: str, tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        wave = surveys.import_responses(session, _responses(tmp_path), name="Public", year=2017)
        with pytest.raises(surveys.SurveyError, match="not been weighted"):
            surveys.report_share(session, wave.id, "feel_safe", "yes")
        surveys.import_margins(session, wave.id, _margins(tmp_path))
        surveys.weight_wave(session, wave.id)
        with pytest.raises(surveys.SurveyError, match="questions: feel_safe"):
            surveys.report_share(session, wave.id, "feel_unsafe", "yes")
        with pytest.raises(surveys.SurveyError, match="answers given: Yes, no, yes"):
            surveys.report_share(session, wave.id, "feel_safe", "maybe")
        one = surveys.report_share(session, wave.id, "feel_safe", "yes", force="Kent")
        assert [r.area_code for r in one.rows] == [KENT] and one.england_and_wales is None


def test_demo_through_the_ledger_meets_margins(ledger_url: str, tmp_path: Path) -> None:
    paths = surveys.demo_files(tmp_path, seed=3, force_codes=[KENT, SURREY], per_force=300)
    _, margins = _read_demo(paths)
    with db.session_scope(ledger_url) as session:
        wave = surveys.import_responses(session, paths["responses"], name="demo", year=2017, synthetic=True)
        surveys.import_margins(session, wave.id, paths["margins"])
        surveys.weight_wave(session, wave.id)
        people = session.scalars(select(SurveyRespondent).where(SurveyRespondent.wave_id == wave.id)).all()
        report = surveys.report_share(session, wave.id, "feel_safe", "yes")
    for code in (KENT, SURREY):
        mine = [p for p in people if p.force_code == code]
        _assert_margins([{v: getattr(p, v) for v in surveys.VARIABLES} for p in mine],
                        [float(p.weight or 0) for p in mine], margins[code])
    assert report.synthetic and surveys.SYNTHETIC_NOTE in report.notes
    assert report.england_and_wales is not None


# --------------------------------------------------------------------------- database: import validation


def _codes(error: ImportFailed) -> list[tuple[str, int | None, str | None]]:
    return [(f.code, f.row, f.column) for f in error.findings]


def test_responses_import_lists_every_problem_and_loads_nothing(ledger_url: str, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", [
        ["respondent_id", "force", "age_band", "gender", "work_status", "feel_safe"],
        ["1", "Kent", "16-24", "female", "working", "yes"],
        ["2", "Narnia", "16-24", "female", "working", "yes"],
        ["3", "Kent", "15-17", "female", "working", "yes"],
        ["4", "Kent", "65+", "F", "retired", "no"],
        ["1", "Kent", "65+", "male", "working", "no"],
        ["", "Kent", "65+", "male", "", "no"],
    ])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_responses(session, bad, name="bad", year=2017)
    assert _codes(caught.value) == [
        ("unknown-force", 3, "force"),
        ("unexpected-value", 4, "age_band"),
        ("unexpected-value", 5, "work_status"),  # "F" is accepted as female
        ("duplicate-key", 6, "respondent_id"),
        ("blank-value", 7, "respondent_id"),
        ("blank-value", 7, "work_status"),
    ]
    assert "ledger is unchanged" in str(caught.value)
    missing = _write(tmp_path / "missing.csv", [["respondent_id", "force", "age", "gender", "q1"],
                                                ["1", "Kent", "16-24", "male", "yes"]])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_responses(session, missing, name="missing", year=2017)
    assert [(c, r, col) for c, r, col in _codes(caught.value)] == [("missing-column", 1, "age_band"),
                                                                   ("missing-column", 1, "work_status")]
    with db.session_scope(ledger_url) as session:
        assert session.scalar(select(func.count()).select_from(SurveyWave)) == 0
        assert session.scalar(select(func.count()).select_from(SurveyRespondent)) == 0


def test_margins_import_lists_every_problem_and_loads_nothing(ledger_url: str, tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        wave_id = surveys.import_responses(session, _responses(tmp_path), name="Public", year=2017).id
    rows: list[list[object]] = [["force", "variable", "category", "share"]]
    for variable, cats in MARGINS.items():
        for category, share in cats.items():
            if variable == "gender":
                continue
            rows.append(["Kent", variable, category, share if variable != "work_status" else share / 2])
    rows.append(["Kent", "gender", "female", 1.0])  # Kent's respondents include men: "a category with no margin"
    rows += [["Gotham", "gender", "female", 1], ["Surrey", "height", "tall", 1], ["Surrey", "age_band", "90+", 1]]
    bad = _write(tmp_path / "bad_margins.csv", rows)
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_margins(session, wave_id, bad)
    findings: list[Finding] = caught.value.findings
    text = "\n".join(str(f) for f in findings)
    assert _codes(caught.value) == [
        ("unknown-force", 11, "force"),
        ("unexpected-value", 12, "variable"),
        ("unexpected-value", 13, "category"),
        ("unexpected-value", 8, "share"),  # work_status shares sum to 0.5
        ("unexpected-value", None, "category"),  # men in Kent, no margin for them
        ("missing-force", None, "force"),  # Surrey has respondents but no (valid) margins
    ]
    assert "the shares of work_status for Kent sum to 0.5, not 1 (rows 8, 9)" in text
    assert "8 respondent(s) in Kent are 'male' (gender) but the margins give that category no share" in text
    assert any(f.code == "missing-force" and "Surrey" in f.message for f in findings)

    counts = _write(tmp_path / "counts.csv", [
        ["force", "variable", "category", "count"],
        *[["Kent", v, c, s * 1000] for v, cats in MARGINS.items() for c, s in cats.items() if v != "gender"],
        ["Kent", "gender", "female", 510], ["Kent", "gender", "male", 400],
    ])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_margins(session, wave_id, counts)
    assert any("the counts of gender for Kent sum to 910, not the force total 1,000" in f.message
               for f in caught.value.findings)

    no_value = _write(tmp_path / "no_value.csv", [["force", "variable", "category"], ["Kent", "gender", "male"]])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_margins(session, wave_id, no_value)
    assert ("missing-column", 1, "share") in _codes(caught.value)
    with db.session_scope(ledger_url) as session:
        assert session.scalar(select(func.count()).select_from(SurveyMargin)) == 0
        assert session.get(SurveyWave, wave_id).margins_file is None  # type: ignore[union-attr]


def test_margins_replace(ledger_url: str, tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        wave_id = surveys.import_responses(session, _responses(tmp_path), name="Public", year=2017).id
        surveys.import_margins(session, wave_id, _margins(tmp_path))
        surveys.weight_wave(session, wave_id)
        with pytest.raises(surveys.SurveyError, match="--replace"):
            surveys.import_margins(session, wave_id, _margins(tmp_path))
        surveys.import_margins(session, wave_id, _margins(tmp_path), replace=True)
        assert session.get(SurveyWave, wave_id).weighted_at is None  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(SurveyMargin)) == 2 * 10


def test_bad_replacement_margins_raise_the_one_import_failed_and_change_nothing(ledger_url: str,
                                                                                tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        wave_id = surveys.import_responses(session, _responses(tmp_path), name="Public", year=2017).id
        surveys.import_margins(session, wave_id, _margins(tmp_path))
        surveys.weight_wave(session, wave_id)
    with db.session_scope(ledger_url) as session:
        weights_before = sorted(session.scalars(select(SurveyRespondent.weight)).all())
        margins_before = session.execute(select(SurveyMargin.force_code, SurveyMargin.variable,
                                                SurveyMargin.category, SurveyMargin.share)).all()
    rows = list(csv.reader(_margins(tmp_path).read_text(encoding="utf-8").splitlines()))
    rows[3][3] = "lots"  # file row 4: not a number
    rows[5][0] = "Gotham"  # file row 6: not a force
    bad = _write(tmp_path / "replacement.csv", [list(r) for r in rows])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_margins(session, wave_id, bad, replace=True)
    assert type(caught.value) is ImportFailed and caught.value.exit_code == 4
    located = {(f.file, f.row, f.column, f.code) for f in caught.value.findings}
    assert {("replacement.csv", 4, "share", "not-a-number"),
            ("replacement.csv", 6, "force", "unknown-force")} <= located
    assert "replacement.csv, row 4, column 'share'" in str(caught.value)
    with db.session_scope(ledger_url) as session:  # the old margins and weights stand: nothing half-written
        assert sorted(session.scalars(select(SurveyRespondent.weight)).all()) == weights_before
        assert session.execute(select(SurveyMargin.force_code, SurveyMargin.variable, SurveyMargin.category,
                                      SurveyMargin.share)).all() == margins_before
        wave = session.get(SurveyWave, wave_id)
        assert wave is not None and wave.weighted_at is not None and wave.margins_file == "margins.csv"


# --------------------------------------------------------------------------- database: staff survey


def test_staff_themes_are_unweighted_counts(ledger_url: str, tmp_path: Path) -> None:
    staff = _write(tmp_path / "staff.csv", [
        ["force", "theme", "comment"],
        ["Kent", "Workload", "Too many cases"],
        ["Kent", "workload ", "Not enough people"],
        ["Kent", "wellbeing", "Tired"],
        ["Surrey", "training", "Rushed"],
    ])
    with db.session_scope(ledger_url) as session:
        wave_id = surveys.import_staff(session, staff, name="Staff 2017", year=2017).id
        counts = surveys.staff_themes(session, wave_id)
        kent_only = surveys.staff_themes(session, wave_id, force="Kent")
        with pytest.raises(surveys.SurveyError, match="staff survey, not a public"):
            surveys.weight_wave(session, wave_id)
    assert [(c.force_code, c.theme, c.responses) for c in counts] == [
        (SURREY, "training", 1), (KENT, "workload", 2), (KENT, "wellbeing", 1)]
    assert [c.theme for c in kent_only] == ["workload", "wellbeing"]
    assert all(c.note == surveys.STAFF_CAVEAT for c in counts)
    assert not any("share" in key or "percent" in key for key in counts[0].as_dict())

    bad = _write(tmp_path / "staff_bad.csv", [["force", "theme"], ["Kent", ""], ["Atlantis", "pay"]])
    with db.session_scope(ledger_url) as session, pytest.raises(ImportFailed) as caught:
        surveys.import_staff(session, bad, name="Bad", year=2017)
    assert _codes(caught.value) == [("blank-value", 2, "theme"), ("unknown-force", 3, "force"),
                                    ("missing-column", 1, "comment")]


# --------------------------------------------------------------------------- CLI


def test_cli_demo_load_and_report_csv(ledger_url: str, tmp_path: Path) -> None:
    from peelkit.ledger.surveys_cli import REPORT_COLUMNS, surveys_app

    runner = CliRunner()
    result = runner.invoke(surveys_app, ["demo", "--seed", "4", "--out", str(tmp_path), "--force", "Kent",
                                         "--force", "Surrey", "--per-force", "120", "--load"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    result = runner.invoke(surveys_app, ["report", "--wave", "1", "--question", "feel_safe", "--answer", "yes",
                                         "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.output.splitlines()))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert [r["area_name"] for r in rows] == ["Surrey", "Kent", "England and Wales (2 forces)"]
    assert all(r["note"] == surveys.INDICATION_ONLY for r in rows)
    result = runner.invoke(surveys_app, ["report", "--wave", "9", "--question", "q", "--answer", "a"])
    assert result.exit_code == surveys.SurveyError.exit_code


def test_every_command_help_ends_with_an_example() -> None:
    from peelkit.ledger.surveys_cli import surveys_app

    for command in surveys_app.registered_commands:
        assert command.callback is not None and command.callback.__doc__ is not None
        assert command.callback.__doc__.strip().splitlines()[-1].strip().startswith("Example: peel ledger surveys ")
