"""Hand-computed cases for every indicator type and every exclusion rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from peelkit import forces, warehouse
from peelkit.indicators import engine
from peelkit.indicators.publication import parse

KENT, ESSEX, SUFFOLK, CITY = "E23000032", "E23000028", "E23000025", "E23000034"
WARKS, WMERCIA = "E23000017", "E23000016"
EW = "K04000001"


def _fact(dataset: str, area: str, start: str, end: str, measure: str, value: float | None,
          offence: str | None = None, outcome: int | None = None, vintage: str = "2018-03") -> tuple[Any, ...]:
    return (vintage, 1, dataset, area, date.fromisoformat(start), date.fromisoformat(end), measure, offence,
            outcome, value, None if value is not None else "..")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = warehouse.connect(tmp_path / "w.duckdb")
    rows = []
    populations = {KENT: 1_000_000, ESSEX: 2_000_000, SUFFOLK: 500_000, CITY: 10_000, WARKS: 100_000,
                   WMERCIA: 300_000}
    for area, pop in populations.items():
        rows.append(_fact("population", area, "2016-06-30", "2016-06-30", "population", pop))
    # Recorded crime, 12 months to June 2017 and 2016; fraud rows must be left out.
    crime = {KENT: (80_000, 70_000), ESSEX: (100_000, 100_000), SUFFOLK: (40_000, 44_000), CITY: (6, 5),
             WARKS: (7_000, 7_000), WMERCIA: (20_000, 19_000)}
    for area, (now, before) in crime.items():
        rows.append(_fact("recorded_crime_rolling", area, "2016-07-01", "2017-06-30", "offences", now - 1000,
                          offence="Violence with injury"))
        rows.append(_fact("recorded_crime_rolling", area, "2016-07-01", "2017-06-30", "offences", 1000,
                          offence="Robbery"))
        rows.append(_fact("recorded_crime_rolling", area, "2016-07-01", "2017-06-30", "offences", 999_999,
                          offence="Fraud offences"))
        rows.append(_fact("recorded_crime_rolling", area, "2015-07-01", "2016-06-30", "offences", before,
                          offence="Robbery"))
    # Outcomes: four quarters for Kent and Essex, one for City of London (a partial period).
    for area, per_quarter in ((KENT, (100, 30)), (ESSEX, (200, 10))):
        for start, end in (("2016-07-01", "2016-09-30"), ("2016-10-01", "2016-12-31"),
                           ("2017-01-01", "2017-03-31"), ("2017-04-01", "2017-06-30")):
            total, charged = per_quarter
            rows.append(_fact("crime_outcomes", area, start, end, "outcomes_tracked", charged, "8N", 1))
            rows.append(_fact("crime_outcomes", area, start, end, "outcomes_tracked", total - charged, "8N", 18))
    rows.append(_fact("crime_outcomes", CITY, "2017-04-01", "2017-06-30", "outcomes_tracked", 5, "8N", 1))
    # ASB: Kent published as missing ('..').
    rows.append(_fact("asb_incidents", KENT, "2016-04-01", "2017-03-31", "incidents", None))
    rows.append(_fact("asb_incidents", ESSEX, "2016-04-01", "2017-03-31", "incidents", 50_000))
    # OCGs as at 1 July 2016 for the alliance pair.
    rows.append(_fact("force_return", WARKS, "2016-07-01", "2016-07-01", "ocgs", 3))
    rows.append(_fact("force_return", WMERCIA, "2016-07-01", "2016-07-01", "ocgs", 9))
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # The force-return figures above belong to each force's current return (import 1).
    for area in (WARKS, WMERCIA):
        con.execute("INSERT INTO return_items VALUES (1, ?, 'ocgs', DATE '2016-07-01', DATE '2016-07-01', "
                    "'supplied', NULL)", [area])
    return con


def _publication(**extra: Any) -> Any:
    raw: dict[str, Any] = {
        "id": "test", "title": "Test publication", "year": 2017, "population_as_at": "2016-06-30",
        "periods": {
            "crimes_per_1000": {"end": "2017-06-30"},
            "crime_change_pct": {"end": "2017-06-30"},
            "outcome_charged_pct": {"end": "2017-06-30"},
            "asb_per_1000": {"end": "2017-03-31"},
            "ocgs_per_million": {"as_at": "2017-07-01", "compare_with": ["2016-07-01"]},
            "incidents_per_1000": {"end": "2017-06-30"},
        },
    }
    raw.update(extra)
    return parse(raw, "test.toml")


def _by(results: list[engine.Result], indicator: str, area: str) -> engine.Result:
    return next(r for r in results if r.indicator == indicator and r.force_code == area)


def test_rate_excludes_fraud_and_england_and_wales_is_sum_over_sum(con: duckdb.DuckDBPyConnection) -> None:
    results = engine.Engine(con, _publication()).evaluate("crimes_per_1000", _publication().periods[
        "crimes_per_1000"].main)
    kent = _by(results, "crimes_per_1000", KENT)
    assert (kent.numerator, kent.denominator, kent.value) == (80_000, 1_000_000, 80.0)
    assert kent.display == "80" and kent.status == "ok"
    assert kent.lower_95 is not None and kent.upper_95 is not None and kent.lower_95 < 80 < kent.upper_95
    ew = _by(results, "crimes_per_1000", EW)
    # Over every force with data (six here): the sum of numerators over the sum of denominators.
    assert ew.numerator == 80_000 + 100_000 + 40_000 + 6 + 7_000 + 20_000
    assert ew.denominator == 1_000_000 + 2_000_000 + 500_000 + 10_000 + 100_000 + 300_000
    assert ew.value == pytest.approx(ew.numerator / ew.denominator * 1000)  # type: ignore[operator]
    assert ew.status == "partial" and "no usable figure" in ew.note  # the other 37 forces have no data here
    assert kent.comparison == "higher" and _by(results, "crimes_per_1000", ESSEX).comparison == "lower"


def test_small_counts_use_the_exact_interval(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    city = _by(engine.Engine(con, pub).evaluate("crimes_per_1000", pub.periods["crimes_per_1000"].main),
               "crimes_per_1000", CITY)
    # 6 events: exact Poisson limits 2.2019 and 13.0594 per 10,000 people -> per 1,000.
    assert city.lower_95 == pytest.approx(0.22019, rel=1e-4)
    assert city.upper_95 == pytest.approx(1.30594, rel=1e-4)


def test_change_with_display_rule(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    results = engine.Engine(con, pub).evaluate("crime_change_pct", pub.periods["crime_change_pct"].main)
    kent = _by(results, "crime_change_pct", KENT)
    assert kent.value == pytest.approx((80_000 - 70_000) / 70_000 * 100)
    assert kent.display == "14%"
    assert kent.extra["change_significant"] is True
    essex = _by(results, "crime_change_pct", ESSEX)
    assert essex.value == 0 and essex.display == "0.00%"
    assert _by(results, "crime_change_pct", SUFFOLK).display == "-9%"


def test_exclusion_is_a_dash_with_reason_and_out_of_england_and_wales(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication(exclusions=[{"forces": ["Essex"], "indicators": ["crimes_per_1000"], "status": "excluded",
                                    "reason": "Essex changed its records system."}])
    results = engine.Engine(con, pub).evaluate("crimes_per_1000", pub.periods["crimes_per_1000"].main)
    essex = _by(results, "crimes_per_1000", ESSEX)
    assert (essex.value, essex.display, essex.status, essex.note) == (
        None, "–", "excluded", "Essex changed its records system.")
    ew = _by(results, "crimes_per_1000", EW)
    assert ew.numerator == 80_000 + 40_000 + 6 + 7_000 + 20_000
    assert "Essex" in ew.note


def test_partial_flag_keeps_the_value_with_its_caveat(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication(exclusions=[{"forces": ["Kent"], "indicators": ["crimes_per_1000"], "status": "partial",
                                    "reason": "Kent supplied 11 months."}])
    kent = _by(engine.Engine(con, pub).evaluate("crimes_per_1000", pub.periods["crimes_per_1000"].main),
               "crimes_per_1000", KENT)
    assert (kent.value, kent.status, kent.note) == (80.0, "partial", "Kent supplied 11 months.")


def test_proportion_over_four_quarters_and_partial_period_is_missing(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    results = engine.Engine(con, pub).evaluate("outcome_charged_pct", pub.periods["outcome_charged_pct"].main)
    kent = _by(results, "outcome_charged_pct", KENT)
    assert (kent.numerator, kent.denominator, kent.value, kent.display) == (120, 400, 30.0, "30%")
    city = _by(results, "outcome_charged_pct", CITY)
    assert city.status == "missing" and city.value is None
    assert "only 3 of the 12 months" in city.note
    ew = _by(results, "outcome_charged_pct", EW)
    assert (ew.numerator, ew.denominator) == (160, 1200)


def test_partial_period_can_be_allowed_and_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication(allow_partial_periods=True)
    city = _by(engine.Engine(con, pub).evaluate("outcome_charged_pct", pub.periods["outcome_charged_pct"].main),
               "outcome_charged_pct", CITY)
    assert (city.value, city.status) == (100.0, "partial")
    assert "covers those months only" in city.note


def test_published_missing_mark_is_missing_not_zero(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    kent = _by(engine.Engine(con, pub).evaluate("asb_per_1000", pub.periods["asb_per_1000"].main),
               "asb_per_1000", KENT)
    assert (kent.value, kent.display, kent.status) == (None, "–", "missing")
    assert "'..'" in kent.note


def test_input_not_loaded_is_missing_for_every_force_without_error(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    results = engine.Engine(con, pub).evaluate("incidents_per_1000", pub.periods["incidents_per_1000"].main)
    assert {r.status for r in results} == {"missing"}
    assert all("force data return" in r.note for r in results)
    assert len(results) == 44


def test_population_override(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication(population_overrides=[{"force": "City of London", "population": 400_000,
                                              "reason": "resident plus transient population",
                                              "indicators": ["crimes_per_1000"]}])
    results = engine.Engine(con, pub).evaluate("crimes_per_1000", pub.periods["crimes_per_1000"].main)
    city = _by(results, "crimes_per_1000", CITY)
    assert city.denominator == 400_000 and city.value == pytest.approx(6 / 400)
    assert "transient" in city.note
    assert _by(results, "crimes_per_1000", EW).denominator == 3_910_000 - 10_000 + 400_000


def test_combined_group_figure_shown_for_each_member_and_counted_once(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication(groups=[{"id": "alliance", "name": "Warwickshire and West Mercia",
                                "forces": ["Warwickshire", "West Mercia"], "indicators": ["ocgs_per_million"],
                                "periods": ["2016-07-01"]}])
    (earlier,) = pub.periods["ocgs_per_million"].compare_with
    results = engine.Engine(con, pub).evaluate("ocgs_per_million", earlier)
    warks, wmercia = _by(results, "ocgs_per_million", WARKS), _by(results, "ocgs_per_million", WMERCIA)
    assert warks.value == wmercia.value == pytest.approx(12 / 400_000 * 1_000_000)
    assert "combined figure" in warks.note
    ew = _by(results, "ocgs_per_million", EW)
    assert (ew.numerator, ew.denominator) == (12, 400_000)


def test_pinned_vintage_is_used(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO facts VALUES ('2019-03', 2, 'recorded_crime_rolling', ?, DATE '2016-07-01',
                   DATE '2017-06-30', 'offences', 'Robbery', NULL, 5000, NULL)""", [KENT])
    latest = _publication()
    kent = _by(engine.Engine(con, latest).evaluate("crimes_per_1000", latest.periods["crimes_per_1000"].main),
               "crimes_per_1000", KENT)
    assert kent.numerator == 79_000 + 5000  # the newer vintage revises the Robbery figure
    pinned = _publication(vintages={"recorded_crime_rolling": "2018-03"})
    kent = _by(engine.Engine(con, pinned).evaluate("crimes_per_1000", pinned.periods["crimes_per_1000"].main),
               "crimes_per_1000", KENT)
    assert kent.numerator == 80_000


def test_every_force_and_england_and_wales_for_every_indicator(con: duckdb.DuckDBPyConnection) -> None:
    pub = _publication()
    results = engine.evaluate_publication(con, pub)
    assert len(results) == len(pub.periods) * 44
    assert {r.force_code for r in results} == {f.code for f in forces.forces()} | {EW}


def _return(con: duckdb.DuckDBPyConnection, import_id: int, area: str, value: float | None, status: str,
            reason: str | None = None, synthetic: bool = False) -> None:
    if value is not None:
        con.execute("INSERT INTO facts VALUES ('2017-09-01', ?, 'force_return', ?, DATE '2016-07-01', "
                    "DATE '2017-06-30', 'incidents', NULL, NULL, ?, NULL)", [import_id, area, value])
    con.execute("INSERT INTO return_items VALUES (?, ?, 'incidents', DATE '2016-07-01', DATE '2017-06-30', ?, ?)",
                [import_id, area, status, reason])
    con.execute("""INSERT INTO imports VALUES (?, 'force_return', 'force', 'r.xlsx', 'r.xlsx', ?, '2017-09-01',
                   ['force_return'], 1, ?, now()::TIMESTAMP)""", [import_id, f"sha{import_id}", synthetic])


def test_force_return_statuses_flow_into_indicators(con: duckdb.DuckDBPyConnection) -> None:
    _return(con, 10, KENT, 400_000, "supplied", synthetic=True)
    _return(con, 11, ESSEX, None, "unable", "Our new command and control system cannot report this.")
    _return(con, 12, SUFFOLK, 200_000, "partial", "Excludes June 2017.")
    pub = _publication()
    results = engine.Engine(con, pub).evaluate("incidents_per_1000", pub.periods["incidents_per_1000"].main)
    kent = _by(results, "incidents_per_1000", KENT)
    assert (kent.value, kent.status) == (400.0, "ok")
    assert kent.note.startswith("synthetic demonstration data") and kent.extra["synthetic"] is True
    essex = _by(results, "incidents_per_1000", ESSEX)
    assert (essex.value, essex.status, essex.display) == (None, "missing", "–")
    assert "could not supply this: Our new command and control system" in essex.note
    suffolk = _by(results, "incidents_per_1000", SUFFOLK)
    assert (suffolk.value, suffolk.status) == (400.0, "partial") and "Excludes June 2017." in suffolk.note
    ew = _by(results, "incidents_per_1000", EW)
    assert (ew.numerator, ew.denominator) == (600_000, 1_500_000)


def test_a_resubmitted_return_supersedes_the_earlier_one(con: duckdb.DuckDBPyConnection) -> None:
    _return(con, 20, KENT, 400_000, "supplied")
    _return(con, 21, KENT, 450_000, "supplied")
    pub = _publication()
    kent = _by(engine.Engine(con, pub).evaluate("incidents_per_1000", pub.periods["incidents_per_1000"].main),
               "incidents_per_1000", KENT)
    assert kent.numerator == 450_000
