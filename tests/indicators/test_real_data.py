"""The 2017 publication on the real data, checked against figures computed independently here."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from peelkit import forces
from peelkit.indicators import engine, publication
from tests.conftest import real_data_dir
from tests.helpers import load

pytestmark = pytest.mark.slow
FRAUD = {"Fraud offences", "Action Fraud", "CIFAS", "UK Finance"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[engine.Result]:
    data = real_data_dir()
    assert data is not None, "set PEEL_DATA_DIR=../shared/data"
    db = tmp_path_factory.mktemp("indicators") / "w.duckdb"
    load(db, data / "home_office" / "rec-crime-pfa.csv", data / "home_office" /
         "prc-outcomes-open-data-2017-18.csv.gz", data / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return engine.evaluate_publication(con, publication.load("peel-effectiveness-2017"))
    finally:
        con.close()


def _population_2016(data: Path) -> dict[str, float]:
    sheet = CalamineWorkbook.from_path(str(data / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx"))
    rows = sheet.get_sheet_by_name("Table P9").to_python()
    header = next(r for r in rows if r and r[0] == "Area Code")
    column = header.index(2016.0)
    return {r[0]: float(r[column]) for r in rows if isinstance(r[0], str) and r[0][:3] in ("E23", "W15")}


def _crime_to_june_2017(data: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    with (data / "home_office" / "rec-crime-pfa.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["12 months ending"] == "30-06-2017" and row["Offence"] not in FRAUD:
                totals[row["PFA"]] = totals.get(row["PFA"], 0) + int(row["Rolling year total number of offences"])
    return totals


def test_crimes_per_1000_equals_home_office_count_over_ons_population(results: list[engine.Result]) -> None:
    data = real_data_dir()
    assert data is not None
    population = _population_2016(data)
    crime = _crime_to_june_2017(data)
    checked = 0
    for result in results:
        if result.indicator != "crimes_per_1000" or result.force_code == "K04000001":
            continue
        force = forces.match(result.force_code)
        expected = crime[force.name] / population[force.code] * 1000
        assert result.value == pytest.approx(expected, rel=1e-12), force.name
        assert result.status == "ok"
        checked += 1
    assert checked == 43
    ew = next(r for r in results if r.indicator == "crimes_per_1000" and r.force_code == "K04000001")
    assert ew.value == pytest.approx(sum(crime[f.name] for f in forces.forces())
                                     / sum(population[f.code] for f in forces.forces()) * 1000)


def test_outcomes_for_the_year_to_june_2017_are_missing_with_a_reason(results: list[engine.Result]) -> None:
    charged = [r for r in results if r.indicator == "outcome_charged_pct"]
    suffolk = next(r for r in charged if r.force_name == "Suffolk")
    assert suffolk.status == "excluded"
    others = [r for r in charged if r.force_name != "Suffolk"]
    assert {r.status for r in others} == {"missing"}
    assert all("only 3 of the 12 months" in r.note or "no force has a figure" in r.note for r in others)


def test_force_return_indicators_are_missing_not_zero(results: list[engine.Result]) -> None:
    for result in results:
        if result.indicator in ("incidents_per_1000", "ocgs_per_million", "da_incidents_per_1000"):
            assert result.value is None and result.display == "–"
            assert result.status in ("missing", "excluded")
