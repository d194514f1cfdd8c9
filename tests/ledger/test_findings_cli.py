"""`peel ledger frameworks [load]`, `raise-area --kind`, `recommendation add|set-status` and `check`, through
the command line (and a separate `peel` process for what another process must see)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.ledger import frameworks as fw

runner = CliRunner()
FILES = Path(fw.__file__).parent / "frameworks"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_frameworks_listing_table_and_json() -> None:
    listed = json.loads(_ok(["ledger", "frameworks", "--format", "json"]))
    assert [f["year"] for f in listed] == ["2015", "2016", "2017", "2018/19", "2021/22", "2023-25", "2025-27"]
    f2122 = listed[4]
    assert (f2122["scale"], f2122["publication_years"], f2122["overall_grade"]) == (
        "peel-2021-22-five-grade", [2021, 2022], False)
    assert [g["grade"] for g in f2122["grades"]][2] == "Adequate" and f2122["grades"][2]["definition"]
    area = next(a for a in f2122["areas"] if a["id"] == "serious_organised_crime")
    assert set(area) >= {"id", "heading", "core_question", "graded", "unconfirmed"}
    assert area["heading"] == "Disrupting serious organised crime" and area["core_question"] == ""
    assert all(set(f) >= {"id", "source", "confidence", "areas", "scale", "grades"} for f in listed)
    table = _ok(["ledger", "frameworks"])
    assert "AREA LIST NOT CONFIRMED" in table and "How good is the force at leadership and force management?" in table


def test_raise_every_kind_add_recommendation_and_check(ledger_url: str) -> None:
    common = ["--force", "Kent", "--year", "2021/22", "--question", "investigating_crime", "--by", "Ann"]
    _ok(["ledger", "record-judgment", "--force", "Kent", "--year", "2021/22", "--question", "investigating_crime",
         "--grade", "Inadequate", "--by", "Ann", "--expected-version", "0"])
    result = runner.invoke(app, ["ledger", "check", "--format", "json"])
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)] == ["inadequate-without-cause-of-concern"]
    ids = {}
    for kind in ("accelerated_cause_of_concern", "innovative_practice"):
        ids[kind] = _ok(["ledger", "raise-area", *common, "--kind", kind, "--text", f"A {kind}."]).split()[-1]
    bad = runner.invoke(app, ["ledger", "raise-area", *common, "--kind", "worry", "--text", "x"])
    assert bad.exit_code != 0 and "promising_practice" in bad.output
    table = runner.invoke(app, ["ledger", "check"])
    assert table.exit_code == 1 and "cause-of-concern-without-recommendation" in table.stdout
    refused = runner.invoke(app, ["ledger", "recommendation", "add", "--finding", ids["innovative_practice"],
                                  "--text", "x", "--owner", "CC", "--due", "2023-03-31", "--by", "Ann"])
    assert refused.exit_code == 1 and "only a cause of concern" in refused.output
    added = _ok(["ledger", "recommendation", "add", "--finding", ids["accelerated_cause_of_concern"], "--text",
                 "Supervise.", "--owner", "Chief constable", "--due", "2023-03-31", "--by", "Ann"])
    rec = added.split()[-1]
    assert "now completed (version 2)" in _ok(["ledger", "recommendation", "set-status", rec, "--status",
                                               "completed", "--by", "Bob", "--expected-version", "1"])
    stale = runner.invoke(app, ["ledger", "recommendation", "set-status", rec, "--status", "withdrawn", "--by",
                                "Bob", "--expected-version", "1"])
    assert stale.exit_code == 5
    assert "No findings" in _ok(["ledger", "check", "--force", "Kent"])
    rows = list(csv.DictReader(io.StringIO(_ok(["ledger", "afis", "--force", "Kent", "--format", "csv"]))))
    assert [r["kind"] for r in rows] == ["accelerated_cause_of_concern", "innovative_practice"]
    assert "Supervise. (owner Chief constable, due 2023-03-31, completed)" in rows[0]["recommendations"]
    assert rows[1]["status"] == "noted"


def _complete_2023_25(tmp_path: Path, scale: str = "peel-2023-25-five-grade") -> Path:
    text = (FILES / "peel-2023-25.toml").read_text(encoding="utf-8")
    text = text.replace('confidence = "unconfirmed"', 'confidence = "partly unconfirmed"')
    text = text.replace("areas_complete = false", "areas_complete = true")
    text = text.replace('scale = "peel-2023-25-five-grade"', f'scale = "{scale}"')
    for n in range(7):
        text += f'\n[[areas]]\nid = "area_{n}"\nheading = "Area {n}"\ngraded = true\n'
    path = tmp_path / "definitive.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_administrator_loads_the_definitive_list(ledger_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEL_HOME", str(tmp_path / "home"))
    changed_scale = runner.invoke(app, ["ledger", "frameworks", "load", str(_complete_2023_25(
        tmp_path, "another-scale")), "--by", "Admin"])
    assert changed_scale.exit_code == 2 and "scale" in changed_scale.output
    _ok(["ledger", "record-judgment", "--force", "Kent", "--year", "2023-25", "--question",
         "counter_corruption_and_vetting", "--grade", "Good", "--by", "Ann", "--expected-version", "0"])
    dropping = _complete_2023_25(tmp_path)
    dropping.write_text(dropping.read_text(encoding="utf-8").replace(
        'id = "counter_corruption_and_vetting"', 'id = "vetting"'), encoding="utf-8")
    refused = runner.invoke(app, ["ledger", "frameworks", "load", str(dropping), "--by", "Admin"])
    assert refused.exit_code == 2 and "counter_corruption_and_vetting" in refused.output
    assert not (tmp_path / "home" / "frameworks").exists() or not list((tmp_path / "home" / "frameworks").iterdir())
    loaded = json.loads(_ok(["ledger", "frameworks", "load", str(_complete_2023_25(tmp_path)), "--by", "Admin",
                             "--format", "json"]))
    assert loaded["replaced"] and loaded["areas"] == 10 and loaded["areas_complete"]
    # Another process sees the definitive list, and can record on its areas.
    env = {**os.environ, "PEEL_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-m", "peelkit.cli", "ledger", "frameworks", "--format", "json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    f2325 = next(f for f in json.loads(out) if f["id"] == "peel-2023-25")
    assert len(f2325["areas"]) == 10 and f2325["origin"].startswith("loaded")
    done = subprocess.run([sys.executable, "-m", "peelkit.cli", "ledger", "record-judgment", "--force", "Kent",
                           "--year", "2023-25", "--question", "area_3", "--grade", "Adequate", "--by", "Ann",
                           "--expected-version", "0"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
