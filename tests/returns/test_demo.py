"""The synthetic demo returns: deterministic, realistic, flagged synthetic, with exactly the planted problems."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelkit import forces
from peelkit.returns.cli import returns_app
from peelkit.returns.demo import (
    PARTIAL,
    PLANTED_ANOMALIES,
    POPULATION_MID2016,
    UNABLE,
    force_values,
    run_demo,
    write_demo,
)
from peelkit.sources.force_return.items import PEEL_2017
from tests.helpers import query

runner = CliRunner()
NAMES = {a.code: a.name for a in forces.forces()}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_values_and_bytes(tmp_path: Path) -> None:
    kent = forces.match_force("Kent")
    assert force_values(kent, 7) == force_values(kent, 7)
    assert force_values(kent, 7) != force_values(kent, 8)
    write_demo(PEEL_2017, 7, tmp_path / "a")
    write_demo(PEEL_2017, 7, tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert len(_digests(tmp_path / "a")) == 43
    assert (tmp_path / "a" / "synthetic-return-devon-and-cornwall.xlsx").exists()


def test_every_force_has_a_population() -> None:
    assert set(POPULATION_MID2016) == set(NAMES.values())
    assert 58_000_000 < sum(POPULATION_MID2016.values()) < 59_000_000


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    folder = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    _paths, report = run_demo("peel-effectiveness-2017", 1, folder / "files", folder / "w.duckdb")
    seconds = time.perf_counter() - started
    assert len(report.loaded) == 43
    return folder / "w.duckdb", seconds


def test_demo_is_fast(demo_db: tuple[Path, float]) -> None:
    # 43 workbooks written and imported in under 5 s (about 2 s alone); parallel test workers share the CPU.
    limit = 5.0 if "PYTEST_XDIST_WORKER" not in os.environ else 30.0
    assert demo_db[1] < limit


def test_demo_is_flagged_synthetic(demo_db: tuple[Path, float]) -> None:
    db, _ = demo_db
    assert query(db, "SELECT DISTINCT synthetic, vintage FROM imports") == [(True, "2017-09-15")]


def test_unable_and_partial_cases_exactly(demo_db: tuple[Path, float]) -> None:
    db, _ = demo_db
    rows = query(db, "SELECT area_code, split_part(item, ':', 1), status, reason FROM return_items "
                     "WHERE status != 'supplied'")
    unable = {(NAMES[str(r[0])], r[1]) for r in rows if r[2] == "unable"}
    assert unable == set(UNABLE) == {
        ("Bedfordshire", "asb_powers"), ("Greater Manchester", "asb_powers"), ("Metropolitan Police", "asb_powers"),
        ("Durham", "da_arrests"), ("Lancashire", "da_arrests"), ("Warwickshire", "da_arrests"),
        ("West Mercia", "da_arrests")}
    assert all(r[3] for r in rows)
    assert {(NAMES[str(r[0])], r[1]) for r in rows if r[2] == "partial"} == set(PARTIAL)
    # An unable item has no fact; 8 ASB rows for each of 3 forces, 1 DA arrests row for each of 4.
    assert len([r for r in rows if r[2] == "unable"]) == 3 * 8 + 4
    assert query(db, "SELECT count(*) FROM facts f JOIN return_items r ON f.area_code = r.area_code AND "
                     "f.period_end = r.period_end AND r.item = CASE WHEN f.offence IS NULL THEN f.measure ELSE "
                     "f.measure || ':' || f.offence END WHERE r.status = 'unable'") == [(0,)]


def _by_force(db: Path, sql: str) -> dict[str, float]:
    return {NAMES[str(code)]: float(value) for code, value in query(db, sql)}


def test_planted_anomalies_and_nothing_else(demo_db: tuple[Path, float]) -> None:
    db, _ = demo_db
    people = POPULATION_MID2016
    value = "SELECT area_code, value FROM facts WHERE measure = '{}' AND period_end = '{}'"
    incidents = _by_force(db, value.format("incidents", "2017-06-30"))
    da_incidents = _by_force(db, value.format("da_incidents", "2017-06-30"))
    da_crimes = _by_force(db, value.format("da_crimes", "2017-06-30"))
    arrests = _by_force(db, value.format("da_arrests", "2017-06-30"))
    ocgs = _by_force(db, value.format("ocgs", "2017-07-01"))
    mapped = _by_force(db, value.format("ocgs_mapped", "2017-07-01"))
    ocgs_2016 = _by_force(db, value.format("ocgs", "2016-07-01"))
    mapped_2016 = _by_force(db, value.format("ocgs_mapped", "2016-07-01"))
    asb = {year: _by_force(db, f"SELECT area_code, sum(value) FROM facts WHERE measure = 'asb_powers' AND "
                               f"period_end = '{year}' GROUP BY 1") for year in ("2016-06-30", "2017-06-30")}
    planted = {(a.force, a.item) for a in PLANTED_ANOMALIES}
    assert planted == {("Surrey", "da_crimes"), ("Kent", "ocgs_mapped"), ("Lincolnshire", "incidents"),
                       ("Northamptonshire", "asb_powers")}

    def rate(values: dict[str, float], per: float) -> dict[str, float]:
        return {f: v / people[f] * per for f, v in values.items()}

    assert {f for f, r in rate(incidents, 1000).items() if not 350 <= r <= 500} == {"Lincolnshire"}
    assert rate(incidents, 1000)["Lincolnshire"] > 1000
    assert {f for f, r in rate(da_incidents, 1000).items() if not 15 <= r <= 25} == set()
    assert {f for f, r in rate(da_crimes, 1000).items() if not 7 <= r <= 12.6} == {"Surrey"}
    assert rate(da_crimes, 1000)["Surrey"] > 120  # more than any force's recorded crime per 1,000 (excl. fraud)
    assert {f for f in mapped if mapped[f] > ocgs[f]} == {"Kent"}
    assert {f for f in mapped_2016 if mapped_2016[f] > ocgs_2016[f]} == set()
    jumps = {f for f in asb["2017-06-30"] if max(asb["2017-06-30"][f], asb["2016-06-30"][f]) >= 20
             and not 1 / 3 <= asb["2017-06-30"][f] / asb["2016-06-30"][f] <= 3}
    assert jumps == {"Northamptonshire"}
    assert asb["2017-06-30"]["Northamptonshire"] / asb["2016-06-30"]["Northamptonshire"] == pytest.approx(6, rel=0.02)
    assert {f for f in ocgs if max(ocgs[f], ocgs_2016[f]) >= 20 and not 1 / 3 <= ocgs[f] / ocgs_2016[f] <= 3} == set()
    ocg_rates = {f: r for f, r in rate(ocgs, 1_000_000).items() if f != "City of London"}
    assert all(25 * 0.9 <= r <= 60 * 1.1 for r in ocg_rates.values())
    for force, made in arrests.items():
        if force != "Surrey":
            assert 0.29 <= made / da_crimes[force] <= 0.56
    assert all(da_incidents[f] < incidents[f] for f in incidents)


def test_demo_command(tmp_path: Path, peel_home: Path) -> None:
    result = runner.invoke(returns_app, ["demo", "--seed", "3", "--out", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["loaded"] == 43 and len(body["planted_anomalies"]) == 4
    again = runner.invoke(returns_app, ["demo", "--seed", "3", "--out", str(tmp_path / "out")])
    assert again.exit_code == 0
    assert "synthetic demonstration data" in again.output and "43 already loaded" in again.output
    history = runner.invoke(returns_app, ["history", "--force", "Gwent"])
    assert "synthetic demonstration data" in history.output and "current" in history.output
