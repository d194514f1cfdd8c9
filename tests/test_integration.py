"""Import all of the real official data into a fresh PEEL_HOME, twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from peelkit import forces
from peelkit.status import dataset_status
from tests.helpers import load, query, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from tests.conftest import real_data_dir

    data = real_data_dir()
    if data is None:
        pytest.fail("the real data folder is missing: set PEEL_DATA_DIR=../shared/data")
    db = tmp_path_factory.mktemp("integration") / "warehouse.duckdb"
    return db, load(db, data)


def test_every_data_file_loads(loaded: tuple[Path, object]) -> None:
    _, report = loaded
    names = {r.file_name for r in report.loaded}  # type: ignore[attr-defined]
    skipped = {Path(s.file).name for s in report.skipped}  # type: ignore[attr-defined]
    assert {"rec-crime-pfa.csv", "prc-pfa-2017-18.csv", "prc-outcomes-open-data-2017-18.csv.gz",
            "policeforceareatablesyearendingmarch2018v2.xlsx", "pfatablesdec19.xlsx",
            "pfa_population_mid2018_popm.csv", "police_force_areas_dec2016_ugc.geojson",
            "2017-07-west-yorkshire-street.csv.gz", "lsoa11-to-police-force.csv",
            "ho-offence-code-to-policeuk-category.csv", "police_forces_england_wales.csv"} <= names
    assert len([n for n in names if n.endswith(".xlsx")]) == 8
    assert skipped == {"README.md", "SHA256SUMS", "peel_effectiveness_grades_2015_2018.csv"}


def test_population_for_every_force_and_year(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    rows = query(db, """SELECT year(period_end), count(DISTINCT area_code) FROM latest_facts
                        WHERE dataset = 'population' AND (area_code LIKE 'E23%' OR area_code LIKE 'W15%')
                          AND year(period_end) BETWEEN 2002 AND 2016 GROUP BY 1 ORDER BY 1""")
    assert rows == [(year, 43) for year in range(2002, 2017)]


def test_population_sums_to_england_and_wales(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    codes = [f.code for f in forces.forces()]
    (total, forces_sum), = query(db, """
        SELECT max(value) FILTER (WHERE area_code = 'K04000001'),
               sum(value) FILTER (WHERE area_code IN (SELECT unnest(?::VARCHAR[])))
        FROM latest_facts WHERE dataset = 'population' AND period_end = DATE '2016-06-30'""", [codes])
    assert total == 58_381_200
    assert abs(forces_sum - total) <= 43 * 50  # each estimate is rounded to the nearest 100


def test_rolling_crime_covers_every_force(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    (n_forces,), = query(db, """SELECT count(DISTINCT area_code) FROM latest_facts
        WHERE dataset = 'recorded_crime_rolling' AND period_end = DATE '2017-06-30'
          AND (area_code LIKE 'E23%' OR area_code LIKE 'W15%')""")
    assert n_forces == 43


def test_outcomes_have_both_counts(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    rows = dict(query(db, """SELECT measure, count(DISTINCT area_code) FROM facts
                             WHERE dataset = 'crime_outcomes' GROUP BY 1"""))
    assert set(rows) == {"outcomes_tracked", "outcomes_untracked"}


def test_status_reports_every_dataset(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    status = {row["dataset"]: row for row in dataset_status(db)}
    assert status["population"]["forces_present"] == 43
    assert status["asb_incidents"]["forces_missing"] == []
    assert status["boundaries"]["forces_present"] == 43
    assert status["police_uk_street"]["forces_present"] == 1
    assert status["police_uk_street"]["vintages"] == ["2016-07", "2017-07", "2018-07"]


def test_importing_again_changes_nothing(loaded: tuple[Path, object]) -> None:
    db, _ = loaded
    from tests.conftest import real_data_dir

    before = snapshot(db)
    report = load(db, real_data_dir())  # type: ignore[arg-type]
    assert report.loaded == []
    assert snapshot(db) == before
