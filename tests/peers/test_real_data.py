"""The computed similar forces and peer values on the real public data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peelkit import forces, warehouse
from peelkit.indicators import engine
from peelkit.indicators.publication import load
from peelkit.peers.similar import LABEL
from tests.helpers import run_peel
from tests.indicators.test_peer_values import _assert_peers_pool_usable_members


@pytest.mark.slow
def test_real_similar_forces_and_peer_values(tmp_path: Path, data_dir: Path, peel_home: Path) -> None:
    run_peel("data", "import", str(data_dir))
    rows = json.loads(run_peel("peers", "list", "--format", "json").stdout)
    assert len(rows) == 43 and all(len(r["members"].split(";")) == 7 for r in rows)
    assert {r["source"] for r in rows} == {LABEL}
    explained = json.loads(run_peel("peers", "explain", "Dyfed-Powys", "--format", "json").stdout)
    assert [v["id"] for v in explained["variables"]] == ["log10_density", "households_per_person",
                                                         "share_violence", "share_acquisitive", "share_damage"]
    distances = [n["distance"] for n in explained["neighbours"]]
    assert distances == sorted(distances) and len(distances) == 7
    # The most rural Welsh force's nearest is another rural force, not a metropolitan one.
    assert explained["neighbours"][0]["force_name"] in ("North Wales", "Devon and Cornwall", "Cumbria")
    metropolitan = {"Metropolitan Police", "West Midlands", "Greater Manchester", "Merseyside"}
    assert not metropolitan & {n["force_name"] for n in explained["neighbours"]}
    con = warehouse.connect(peel_home / "warehouse.duckdb", read_only=True)
    try:
        calc = engine.Engine(con, load("peel-effectiveness-2017"))
        results = calc.evaluate_all(include_earlier=True)
        groups, _why = calc.peer_groups()
    finally:
        con.close()
    by_period: dict[object, list[engine.Result]] = {}
    for result in results:
        by_period.setdefault((result.indicator, result.period), []).append(result)
    for rows_of_one in by_period.values():
        _assert_peers_pool_usable_members(rows_of_one, groups)
    crimes = [r for r in results if r.indicator == "crimes_per_1000" and r.force_code != forces.ENGLAND_AND_WALES
              and r.period.end.year == 2017]
    assert all(r.extra["peer_value"] is not None for r in crimes)
    # Plain Poisson intervals call nearly every force different from England and Wales; over-dispersion fewer.
    plain = sum(r.comparison != "similar" for r in crimes)
    wide = sum(r.extra["comparison_overdispersed"] != "similar" for r in crimes)
    assert plain >= 35 and wide < plain / 2
