from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from peelkit import fetch
from peelkit.cli import app
from peelkit.periods import Period
from tests.helpers import write

runner = CliRunner()
HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        found.append((*prefix, name))
        found.extend(_commands(command, (*prefix, name)))
    return found


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    code = ("import sys, time; t=time.perf_counter(); from peelkit.cli import app; "
            "heavy=[m for m in ('duckdb','pyarrow','python_calamine') if m in sys.modules]; "
            "print(heavy, time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]"
    assert float(seconds) < 1.0


@pytest.mark.parametrize("command", _commands(get_command(app)))
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    group = get_command(app)
    for part in command:
        group = group.commands[part]  # type: ignore[attr-defined]
    if not hasattr(group, "commands"):
        assert "Example:" in result.output


def test_import_then_status_as_json(peel_home: Path, tmp_path: Path) -> None:
    csv = write(tmp_path / "r.csv", HEADER + "30-06-2017,Kent,South East,Robbery,5\n")
    result = runner.invoke(app, ["data", "import", str(csv), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["loaded"][0]["vintage"] == "2017-06"
    status = json.loads(runner.invoke(app, ["data", "status", "--format", "json"]).output)
    (entry,) = status
    assert entry["dataset"] == "recorded_crime_rolling"
    assert entry["forces_present"] == 1 and len(entry["forces_missing"]) == 42
    assert entry["vintages"] == ["2017-06"]


def test_failed_import_exits_non_zero_and_lists_problems(peel_home: Path, tmp_path: Path) -> None:
    csv = write(tmp_path / "r.csv", HEADER + "30-06-2017,Kentt,South East,Robbery,x\n")
    result = runner.invoke(app, ["data", "import", str(csv), "--format", "json"])
    assert result.exit_code == 4
    body = json.loads(result.output)
    assert {p["code"] for p in body["problems"]} == {"unknown-force", "not-a-number"}
    assert all(p["row"] == 2 for p in body["problems"])


def test_status_of_an_empty_warehouse(peel_home: Path) -> None:
    result = runner.invoke(app, ["data", "status"])
    assert result.exit_code == 0 and "empty" in result.output


def test_forces_csv_is_stable(peel_home: Path) -> None:
    result = runner.invoke(app, ["forces", "--format", "csv"])
    lines = result.output.splitlines()
    assert lines[0] == "code,name,kind,region,police_uk_id,slug"
    assert len(lines) == 44


def test_forces_unknown_name_suggests(peel_home: Path) -> None:
    result = runner.invoke(app, ["forces", "Lancs"])
    assert result.exit_code == 2


def test_fetch_fails_fast_and_clearly_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "reachable", lambda url, timeout=3.0: False)
    monkeypatch.setenv("PEEL_DATA_DIR", str(tmp_path))
    started = time.perf_counter()
    result = runner.invoke(app, ["data", "fetch"])
    assert result.exit_code == 3
    assert "offline" in result.output and "Nothing was downloaded" in result.output
    assert time.perf_counter() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_indicators_csv_has_exactly_the_documented_columns(peel_home: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "r.csv", HEADER + "30-06-2017,Kent,South East,Robbery,5\n")
    runner.invoke(app, ["data", "import", str(csv_file)])
    result = runner.invoke(app, ["indicators", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("force_code,force_name,indicator,value,display,numerator,denominator,lower_95,upper_95,"
                        "comparison,status,note")
    assert len(lines) == 1 + 14 * 44
    one = runner.invoke(app, ["indicators", "--force", "kent", "--format", "json"])
    rows = json.loads(one.output)
    assert {r["force_code"] for r in rows} == {"E23000032", "K04000001"}
    assert all(r["status"] == "missing" and r["display"] == "–" for r in rows)  # no population loaded


def test_indicators_unknown_force(peel_home: Path) -> None:
    result = runner.invoke(app, ["indicators", "--force", "Kentt"])
    assert result.exit_code == 2 and "Kent" in result.output


def test_indicators_earlier_periods_are_told_apart(peel_home: Path) -> None:
    """--earlier: the table gives each earlier period a row of its own with its period; the CSV keeps its
    contract (one row per force and indicator, for the publication's period); the JSON carries the periods."""
    from tests.publish.test_report import build_warehouse

    peel_home.mkdir(parents=True, exist_ok=True)
    build_warehouse(peel_home / "warehouse.duckdb")
    rows = json.loads(runner.invoke(app, ["indicators", "--force", "Warwickshire", "--format", "json",
                                          "--earlier"]).stdout)
    ends = sorted({r["period_end"] for r in rows if r["indicator"] == "asb_powers_per_million"
                   and r["force_code"] != "K04000001"})
    assert len(ends) == 2, ends  # 2017 and the earlier 2016
    table = runner.invoke(app, ["indicators", "--force", "Warwickshire", "--earlier"], terminal_width=200)
    assert table.exit_code == 0, table.output
    cells = [line.split("│")[2].strip() for line in table.stdout.splitlines() if line.count("│") > 3]
    periods = [cell for cell in cells if cell]
    own = [r for r in rows if r["force_code"] != "K04000001"]
    assert len(periods) == len(own) > 14  # one row per period, each with its period
    labels = {Period(date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"])).label()
              for r in own}
    assert set(periods) == labels and len(labels) > 3, (periods, labels)
    plain = runner.invoke(app, ["indicators", "--format", "csv"])
    earlier = runner.invoke(app, ["indicators", "--format", "csv", "--earlier"])
    assert earlier.exit_code == 0 and earlier.stdout == plain.stdout
    assert "--format json for the earlier ones" in earlier.stderr
    assert len(plain.stdout.splitlines()) == 1 + 14 * 44
