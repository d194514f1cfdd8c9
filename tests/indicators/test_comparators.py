"""England and Wales (and every comparator) pools exactly the forces whose own figure is usable."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peelkit import forces, warehouse
from peelkit.indicators import comparators, engine
from peelkit.indicators.publication import parse
from tests.helpers import run_peel

EW = "K04000001"
SAMPLE = [f.code for f in forces.forces()[:8]]
_import_ids = itertools.count(1)


def test_pool_sums_usable_members_and_names_the_rest() -> None:
    pooled = comparators.pool([
        comparators.Member("A", 10, 100, "ok"),
        comparators.Member("B", 5, 50, "partial", synthetic=True),
        comparators.Member("C", 90, 20, "missing", "no usable figure"),
        comparators.Member("D", 1, 10, "excluded", "excluded from this indicator"),
        comparators.Member("E", None, 10, "ok"),  # a usable status without counts cannot be pooled
    ])
    assert (pooled.numerator, pooled.denominator, pooled.included) == (15, 150, ("A", "B"))
    assert pooled.left_out == {"no usable figure": ("C",), "excluded from this indicator": ("D",),
                               "no figure": ("E",)}
    assert pooled.synthetic and pooled.usable


def test_pool_of_nothing_usable_is_not_a_zero() -> None:
    pooled = comparators.pool([comparators.Member("A", 3, 4, "missing")])
    assert pooled.numerator is None and pooled.denominator is None and not pooled.usable


def _publication() -> Any:
    return parse({
        "id": "test", "title": "Test", "year": 2017, "population_as_at": "2016-06-30",
        "periods": {"da_share_of_crime_pct": {"end": "2017-06-30"}, "da_arrests_per_100": {"end": "2017-06-30"},
                    "crimes_per_1000": {"end": "2017-06-30"}},
        "exclusions": [{"forces": [forces.match(SAMPLE[0]).name], "indicators": ["da_arrests_per_100"],
                        "status": "excluded", "reason": "could not supply arrests"}],
    }, "test.toml")


def _load(con: duckdb.DuckDBPyConnection, figures: dict[str, dict[str, int | None]]) -> None:
    con.execute("DELETE FROM facts")
    con.execute("DELETE FROM return_items")
    rows = []
    import_id = next(_import_ids)
    for code, values in figures.items():
        rows.append(("2018-03", 1, "population", code, date(2016, 6, 30), date(2016, 6, 30), "population",
                     None, None, 1_000_000, None))
        for measure, value in values.items():
            if value is None:
                continue
            dataset = "recorded_crime_rolling" if measure == "offences" else "force_return"
            rows.append(("2018-03", import_id, dataset, code, date(2016, 7, 1), date(2017, 6, 30), measure,
                         "Robbery" if dataset != "force_return" else None, None, value, None))
            if dataset == "force_return":
                con.execute("INSERT INTO return_items VALUES (?, ?, ?, DATE '2016-07-01', DATE '2017-06-30', "
                            "'supplied', NULL)", [import_id, code, measure])
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _assert_pooled_over_usable(results: list[engine.Result]) -> None:
    for indicator in {r.indicator for r in results}:
        rows = [r for r in results if r.indicator == indicator]
        ew = next(r for r in rows if r.force_code == EW)
        usable = [r for r in rows if r.force_code != EW and r.status in ("ok", "partial")]
        left_out = [r for r in rows if r.force_code != EW and r.status not in ("ok", "partial")]
        if not usable:
            assert ew.value is None and ew.display == "–"
            continue
        assert ew.numerator == sum(r.numerator or 0 for r in usable), indicator
        assert ew.denominator == sum(r.denominator or 0 for r in usable), indicator
        for row in left_out:
            assert row.force_name in ew.note, (indicator, row.force_name, ew.note)


figure = st.one_of(st.none(), st.integers(min_value=0, max_value=5_000))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(figure, figure, figure), min_size=len(SAMPLE), max_size=len(SAMPLE)))
def test_england_and_wales_pools_exactly_the_usable_forces(tmp_path: Path, drawn: list[tuple[Any, ...]]) -> None:
    con = _connection(tmp_path)
    _load(con, {code: {"offences": crimes, "da_crimes": da_crimes, "da_arrests": arrests}
                for code, (crimes, da_crimes, arrests) in zip(SAMPLE, drawn, strict=True)})
    _assert_pooled_over_usable(engine.Engine(con, _publication()).evaluate_all())


_CONNECTIONS: dict[Path, duckdb.DuckDBPyConnection] = {}


def _connection(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    if tmp_path not in _CONNECTIONS:
        _CONNECTIONS[tmp_path] = warehouse.connect(tmp_path / "w.duckdb")
    return _CONNECTIONS[tmp_path]


def test_a_part_larger_than_its_whole_is_unusable_everywhere(tmp_path: Path) -> None:
    con = _connection(tmp_path)
    a, b, c = SAMPLE[1:4]
    _load(con, {a: {"offences": 1000, "da_crimes": 100, "da_arrests": 40},
                b: {"offences": 500, "da_crimes": 9000, "da_arrests": 300},  # impossible: part > whole
                c: {"offences": 2000, "da_crimes": 300, "da_arrests": 150}})
    results = engine.Engine(con, _publication()).evaluate_all()
    by = {(r.indicator, r.force_code): r for r in results}
    for indicator in ("da_share_of_crime_pct", "da_arrests_per_100"):
        assert by[(indicator, b)].status == "missing" and by[(indicator, b)].display == "–"
        assert "exceeds" in by[(indicator, b)].note
        assert forces.match(b).name in by[(indicator, EW)].note
    # The official whole itself stays usable: crime per 1,000 still counts the force.
    assert by[("crimes_per_1000", b)].status == "ok"
    assert by[("da_share_of_crime_pct", EW)].numerator == 400
    assert by[("da_share_of_crime_pct", EW)].denominator == 3000
    assert by[("da_arrests_per_100", EW)].numerator == 190
    assert by[("da_arrests_per_100", EW)].denominator == 400
    _assert_pooled_over_usable(results)


@pytest.mark.slow
def test_real_data_with_demo_returns_pools_usable_forces_only(tmp_path: Path, data_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEL_HOME", str(tmp_path / "home"))
    for args in (["data", "import", str(data_dir / "home_office" / "rec-crime-pfa.csv"),
                  str(data_dir / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")],
                 ["returns", "demo", "--publication", "peel-effectiveness-2017", "--seed", "1"]):
        run_peel(*args)
    from peelkit.indicators.publication import load

    con = warehouse.connect(tmp_path / "home" / "warehouse.duckdb", read_only=True)
    results = engine.evaluate_publication(con, load("peel-effectiveness-2017"))
    _assert_pooled_over_usable(results)
    surrey = next(r for r in results if r.indicator == "da_arrests_per_100" and r.force_name == "Surrey")
    assert surrey.status == "missing" and "exceeds" in surrey.note
