"""`peel ledger ...`: output formats (stable CSV/JSON columns), errors and the inspectors' commands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.ledger.cli import AFI_COLUMNS, JUDGMENT_COLUMNS

runner = CliRunner()
HEADER = "force,year,question,grade,last_inspected,source_url,evidence,confidence\n"
GRADES = HEADER + "".join(f"Lancashire,{line}\n" for line in (
    "2016,Q1_preventing_crime_and_ASB,Good,2016,http://a,,explicit",
    "2016,Q2_investigating_crime,Requires improvement,2016,http://a,,explicit",
    "2016,overall,Requires improvement,2016,http://a,,explicit",
    "2017,Q1_preventing_crime_and_ASB,,2016,http://b,This question was not inspected in 2017,explicit",
    "2017,Q2_investigating_crime,Good,2017,http://b,,explicit",
    "2017,Q3_protecting_vulnerable_people,Requires improvement,2017,http://b,,explicit",
    "2017,Q4_serious_and_organised_crime,Requires improvement,2017,http://b,,explicit",
    "2017,overall,Good,2017,http://b,,explicit",
))


def _imported(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_text(GRADES, encoding="utf-8")
    result = runner.invoke(app, ["ledger", "import-grades", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inserted"] == 8


def test_judgments_csv_has_stable_columns(ledger_url: str, tmp_path: Path) -> None:
    _imported(tmp_path)
    result = runner.invoke(app, ["ledger", "judgments", "--force", "Lancashire", "--year", "2017", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == JUDGMENT_COLUMNS == (
        "force_code", "force", "year", "framework_id", "question", "grade", "grade_status", "last_inspected",
        "carried_forward", "basis", "previous_year", "previous_grade", "movement", "advisory_rollup",
        "departs_from_rollup")
    by_q = {r["question"]: r for r in rows}
    assert list(by_q) == ["Q1_preventing_crime_and_ASB", "Q2_investigating_crime", "Q3_protecting_vulnerable_people",
                          "Q4_serious_and_organised_crime", "Q5_specialist_capabilities", "overall"]
    q1 = by_q["Q1_preventing_crime_and_ASB"]
    assert (q1["grade"], q1["last_inspected"], q1["carried_forward"]) == ("Good", "2016", "true")
    overall = by_q["overall"]
    assert (overall["grade"], overall["previous_grade"], overall["movement"]) == (
        "Good", "Requires improvement", "improved")
    # Q1 Good, Q2 Good, Q3 RI, Q4 RI: two Requires improvement -> the roll-up says RI; the recorded Good departs.
    assert (overall["advisory_rollup"], overall["departs_from_rollup"]) == ("Requires improvement", "true")


def test_judgments_json_and_table(ledger_url: str, tmp_path: Path) -> None:
    _imported(tmp_path)
    result = runner.invoke(app, ["ledger", "judgments", "--force", "lancashire", "--year", "2017",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"force_code", "force", "year", "framework_id", "scale", "questions", "overall", "rollup"}
    assert body["overall"]["movement"] == "improved" and body["rollup"]["departs"] is True
    assert body["questions"][0]["carried_forward"] is True
    table = runner.invoke(app, ["ledger", "judgments", "--force", "Lancashire", "--year", "2017"])
    assert table.exit_code == 0, table.output
    assert "last inspected 2016  (carried forward)" in table.stdout
    assert "departs from the roll-up" in table.stdout


def test_unknown_force_and_year_fail_clearly(ledger_url: str) -> None:
    result = runner.invoke(app, ["ledger", "judgments", "--force", "Lancashir", "--year", "2017"])
    assert result.exit_code == 2 and "Lancashire" in result.output
    result = runner.invoke(app, ["ledger", "judgments", "--force", "Kent", "--year", "2019", "--format", "json"])
    assert result.exit_code == 2 and json.loads(result.stdout)["error"] == "FrameworkError"


def test_import_problems_as_json(ledger_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "Kent,2017,overall,Adequate,2017,,,\n", encoding="utf-8")
    result = runner.invoke(app, ["ledger", "import-grades", str(path), "--format", "json"])
    assert result.exit_code == 4
    problem = json.loads(result.stdout)["problems"][0]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "grade", "Adequate")


def test_record_judgment_and_areas(ledger_url: str) -> None:
    result = runner.invoke(app, ["ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question",
                                 "overall", "--grade", "Good", "--by", "Ann", "--expected-version", "0"])
    assert result.exit_code == 0 and "version 1" in result.stdout, result.output
    stale = runner.invoke(app, ["ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question",
                                "overall", "--grade", "Outstanding", "--by", "Bob", "--expected-version", "0"])
    assert stale.exit_code == 5 and "someone else" in stale.output
    first = runner.invoke(app, ["ledger", "raise-area", "--force", "Kent", "--year", "2016", "--question",
                                "Q2_investigating_crime", "--text", "Supervise investigations.", "--by", "Ann",
                                "--on", "2017-03-02"])
    assert first.exit_code == 0, first.output
    ident = first.stdout.split()[-1]
    second = runner.invoke(app, ["ledger", "raise-area", "--force", "Kent", "--year", "2017", "--question",
                                 "Q2_investigating_crime", "--text", "Supervise investigations.", "--by", "Ann",
                                 "--predecessor", ident, "--on", "2018-03-22"])
    assert second.exit_code == 0, second.output
    moved = runner.invoke(app, ["ledger", "set-area-status", ident, "--status", "closed", "--on", "2018-03-22",
                                "--evidence", "superseded", "--by", "Bob", "--expected-version", "1"])
    assert moved.exit_code == 0 and "closed" in moved.stdout, moved.output
    as_csv = runner.invoke(app, ["ledger", "afis", "--force", "Kent", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0]) == AFI_COLUMNS
    assert [(r["year_raised"], r["status"], r["times_raised"], r["raised"]) for r in rows] == [
        ("2016", "closed", "1", "first raised in 2016"),
        ("2017", "open", "2", "raised in our last two inspections")]
    assert rows[0]["history"] == "open 2017-03-02; closed 2018-03-22 (superseded)"
    as_json = json.loads(runner.invoke(app, ["ledger", "afis", "--force", "Kent", "--format", "json"]).stdout)
    assert as_json[0]["history"][1] == {"status": "closed", "on": "2018-03-22", "evidence": "superseded",
                                        "actor": "Bob"}
    table = runner.invoke(app, ["ledger", "afis", "--force", "Kent"])
    assert "raised in our last two inspections" in table.stdout


def test_peel_help_does_not_import_sqlalchemy() -> None:
    code = "import sys; from peelkit.cli import app; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
