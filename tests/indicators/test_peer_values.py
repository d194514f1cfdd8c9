"""Peer values pool exactly the group's members whose own figure is usable (comparators.pool), as England and
Wales does; hand-computed figures and a property test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peelkit import forces
from peelkit.indicators import engine
from peelkit.indicators.publication import parse
from peelkit.peers import groups
from tests.indicators.test_comparators import EW, SAMPLE, _connection, _load
from tests.peers.test_groups import ring_file

NAMES = [f.name for f in forces.forces()]
CODES = [f.code for f in forces.forces()]


def _publication(version: str) -> Any:
    return parse({
        "id": "test", "title": "Test", "year": 2017, "population_as_at": "2016-06-30", "peer_groups": version,
        "periods": {"da_share_of_crime_pct": {"end": "2017-06-30"}, "da_arrests_per_100": {"end": "2017-06-30"},
                    "crimes_per_1000": {"end": "2017-06-30"}},
        "exclusions": [{"forces": [NAMES[0]], "indicators": ["da_arrests_per_100"], "status": "excluded",
                        "reason": "could not supply arrests"}],
    }, "test.toml")


def _with_groups(tmp_path: Path) -> Any:
    con = _connection(tmp_path)
    groups.ensure_tables(con)
    if not groups.versions(con):
        groups.load(con, ring_file(tmp_path / "ring.csv", version="ring"))
        groups.load(con, ring_file(tmp_path / "ring-self.csv", version="ring-self", include_self="true"))
    return con


def _by(results: list[engine.Result]) -> dict[tuple[str, str], engine.Result]:
    return {(r.indicator, r.force_code): r for r in results}


def test_peer_value_by_hand(tmp_path: Path) -> None:
    con = _with_groups(tmp_path)
    # Population is 1,000,000 for each force. Force 0's peers are forces 1, 2 and 3; force 2 has no crime figure.
    _load(con, {CODES[0]: {"offences": 1000}, CODES[1]: {"offences": 2000}, CODES[2]: {"offences": None},
                CODES[3]: {"offences": 4000}})
    row = _by(engine.Engine(con, _publication("ring")).evaluate_all())[("crimes_per_1000", CODES[0])]
    extra = row.extra
    assert (extra["peer_numerator"], extra["peer_denominator"]) == (6000, 2_000_000)
    assert extra["peer_value"] == pytest.approx(3.0) and extra["peer_display"] == "3"
    assert extra["peer_members"] == [CODES[1], CODES[3]]
    assert f"excludes {NAMES[2]} (no usable figure)" in extra["peer_note"]
    assert extra["peer_group"] == "ring" and extra["peer_group_source"] == "Test MSG"
    # Byar's interval of 6,000 events over 2,000,000 people, per 1,000, brackets 3.0; force 0 (0.5 per 1,000
    # with 1,000 events) is far below it.
    assert extra["peer_lower_95"] < 3.0 < extra["peer_upper_95"]
    assert extra["peer_comparison"] == "lower"
    # With the force itself in its group's figure: (1000 + 2000 + 4000) / 3,000,000 x 1,000.
    row = _by(engine.Engine(con, _publication("ring-self")).evaluate_all())[("crimes_per_1000", CODES[0])]
    assert row.extra["peer_value"] == pytest.approx(7 / 3)
    assert row.extra["peer_members"] == [CODES[0], CODES[1], CODES[3]]


def test_a_group_with_no_usable_member_is_a_dash(tmp_path: Path) -> None:
    con = _with_groups(tmp_path)
    _load(con, {CODES[0]: {"offences": 1000}})
    row = _by(engine.Engine(con, _publication("ring")).evaluate_all())[("crimes_per_1000", CODES[0])]
    assert row.extra["peer_value"] is None and row.extra["peer_display"] == "–"
    assert row.extra["peer_comparison"] == "not compared" and "no member" in row.extra["peer_note"]


def test_an_unknown_version_is_said_on_every_row(tmp_path: Path) -> None:
    con = _with_groups(tmp_path)
    _load(con, {CODES[0]: {"offences": 1000}})
    row = _by(engine.Engine(con, _publication("nope")).evaluate_all())[("crimes_per_1000", CODES[0])]
    assert row.extra["peer_value"] is None and "no peer-group version 'nope'" in row.extra["peer_note"]


def _assert_peers_pool_usable_members(results: list[engine.Result], version: dict[str, groups.PeerGroup]) -> None:
    by = _by(results)
    for row in results:
        if row.force_code == EW:
            continue
        group = version[row.force_code]
        members = [by[(row.indicator, c)] for c in group.pooled_codes]
        usable = [m for m in members if m.status in ("ok", "partial")]
        if not usable:
            assert row.extra["peer_value"] is None and row.extra["peer_display"] == "–"
            continue
        assert row.extra["peer_numerator"] == sum(m.numerator or 0 for m in usable)
        assert row.extra["peer_denominator"] == sum(m.denominator or 0 for m in usable)
        assert row.extra["peer_members"] == [m.force_code for m in usable]
        for member in members:
            if member not in usable:
                assert member.force_name in row.extra["peer_note"]


figure = st.one_of(st.none(), st.integers(min_value=0, max_value=5_000))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(figure, figure, figure), min_size=len(SAMPLE), max_size=len(SAMPLE)), st.booleans())
def test_every_peer_value_is_the_pooled_sum_of_its_usable_members(tmp_path: Path, drawn: list[tuple[Any, ...]],
                                                                   include_self: bool) -> None:
    con = _with_groups(tmp_path)
    version = "ring-self" if include_self else "ring"
    _load(con, {code: {"offences": crimes, "da_crimes": da_crimes, "da_arrests": arrests}
                for code, (crimes, da_crimes, arrests) in zip(SAMPLE, drawn, strict=True)})
    results = engine.Engine(con, _publication(version)).evaluate_all()
    _assert_peers_pool_usable_members(results, groups.stored(con, version))


def test_cli_json_has_the_peer_and_dispersion_fields_and_csv_keeps_its_columns(tmp_path: Path,
                                                                              peel_home: Path) -> None:
    import json

    from peelkit import warehouse
    from tests.helpers import run_peel

    con = warehouse.connect(peel_home / "warehouse.duckdb")
    groups.load(con, ring_file(tmp_path / "ring.csv", version="ring"))
    _load(con, {CODES[0]: {"offences": 1000}, CODES[1]: {"offences": 2000}, CODES[3]: {"offences": 4000}})
    con.close()

    rows = json.loads(run_peel("indicators", "--format", "json", "--peers", "ring", "--overdispersion",
                               "multiplicative").stdout)
    mine = next(r for r in rows if r["force_code"] == CODES[0] and r["indicator"] == "crimes_per_1000")
    for key in ("peer_group", "peer_value", "peer_numerator", "peer_denominator", "peer_lower_95", "peer_upper_95",
                "peer_comparison", "comparison_overdispersed", "overdispersion_method", "worse_and_getting_worse"):
        assert key in mine, key
    assert mine["peer_value"] == pytest.approx(3.0) and "multiplicative" in mine["overdispersion_method"]
    header = run_peel("indicators", "--format", "csv").stdout.splitlines()[0]
    assert header == ",".join(engine.CSV_COLUMNS)
    assert header == ("force_code,force_name,indicator,value,display,numerator,denominator,lower_95,upper_95,"
                      "comparison,status,note")
