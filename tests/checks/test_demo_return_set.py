"""End to end: the synthetic demo return set, beside the real official tables, triggers exactly its planted
anomalies (as warnings or errors) and, as information, exactly its 'unable to supply' and 'partial' items."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from peelkit import forces
from peelkit.checks.runner import run_checks
from peelkit.returns.demo import PARTIAL, PLANTED_ANOMALIES, UNABLE, run_demo
from tests.conftest import real_data_dir
from tests.helpers import load

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [1, 7])
def test_demo_triggers_its_planted_anomalies_and_nothing_else(tmp_path: Path, seed: int) -> None:
    data = real_data_dir()
    assert data is not None, "set PEEL_DATA_DIR=../shared/data"
    db = tmp_path / "w.duckdb"
    load(db, data / "home_office" / "rec-crime-pfa.csv",
         data / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")
    _paths, report = run_demo("peel-effectiveness-2017", seed, out=tmp_path / "returns", db_path=db)
    assert len(report.loaded) == 43
    con = duckdb.connect(str(db), read_only=True)
    try:
        findings = run_checks(con, "peel-effectiveness-2017")
    finally:
        con.close()
    flagged = {(f.rule_id, forces.match(f.force_code).name) for f in findings if f.severity in ("warning", "error")}
    assert flagged == {(a.rule, a.force) for a in PLANTED_ANOMALIES}
    informational = {(forces.match(f.force_code).name, f.item.split(":")[0]) for f in findings
                     if f.severity == "info"}
    assert informational == set(UNABLE) | set(PARTIAL)
    assert all(f.synthetic for f in findings)
