"""comparison_overdispersed and the "worse and getting worse" flag, in the engine's JSON fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from peelkit import forces, warehouse
from peelkit.indicators import dispersion, engine
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.publication import parse

CODES = [f.code for f in forces.forces()]
ACTION = BY_ID["action_taken_pct"]


def test_trend_by_hand() -> None:
    # 100 of 1,000 now against 300 of 1,000 a year before: z is about -10.7, so significant, and down is worse
    # for an indicator where higher is better.
    flag = dispersion.trend(ACTION, "worse", (100, 1000), (300, 1000), "12 months to 30 June 2016")
    assert flag["worse_and_getting_worse"] is True and flag["trend"].startswith("getting worse since 12 months")
    assert dispersion.trend(ACTION, "similar", (100, 1000), (300, 1000), "x")["worse_and_getting_worse"] is False
    assert dispersion.trend(ACTION, "worse", (300, 1000), (100, 1000), "x")["trend"].startswith("getting better")
    assert dispersion.trend(ACTION, "worse", (300, 1000), (301, 1000), "x")["trend"].startswith("no significant")
    assert dispersion.trend(ACTION, "worse", (100, 1000), None, "x")["worse_and_getting_worse"] is None
    none = dispersion.trend(BY_ID["crimes_per_1000"], "higher", (1, 2), (1, 2), "x")
    assert none == {"worse_and_getting_worse": None, "trend": "not assessed: the indicator has no polarity"}


def test_change_indicators_are_not_on_a_funnel() -> None:
    assert dispersion.estimate(BY_ID["crime_change_pct"], "additive", 5.0, {"a": (1, 2), "b": (2, 3)}) is None
    fields = dispersion.fields(BY_ID["crime_change_pct"], None, (1, 2))
    assert fields == {"comparison_overdispersed": "not compared", "overdispersion_method": dispersion.NOT_FUNNEL}


def _outcomes(con: duckdb.DuckDBPyConnection, figures: dict[str, tuple[int, int, int, int]]) -> None:
    rows = []
    for code, (action_now, all_now, action_before, all_before) in figures.items():
        for (start, end), action, total in (((date(2016, 7, 1), date(2017, 6, 30)), action_now, all_now),
                                            ((date(2015, 7, 1), date(2016, 6, 30)), action_before, all_before)):
            rows.append(("2018-03", 1, "crime_outcomes", code, start, end, "outcomes_tracked", "8A", 1, action, None))
            rows.append(("2018-03", 1, "crime_outcomes", code, start, end, "outcomes_tracked", "8A", 18,
                         total - action, None))
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _publication(overdispersion: str) -> Any:
    return parse({"id": "t", "title": "T", "year": 2017, "population_as_at": "2016-06-30",
                  "overdispersion": overdispersion, "periods": {"action_taken_pct": {"end": "2017-06-30"}}}, "t.toml")


def test_worse_and_getting_worse_and_overdispersed_comparison(tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    # Twelve forces around 30% action taken, spread +/-3 points, with 10,000 offences each; force 0 fell from
    # 30% to 20%, well below the rest.
    spread = [0, 3, -3, 2, -2, 1, -1, 2, -2, 3, -3, 0]
    figures = {code: (3000 + 100 * d, 10_000, 3000, 10_000) for code, d in zip(CODES[1:12], spread, strict=False)}
    figures[CODES[0]] = (2000, 10_000, 3000, 10_000)
    _outcomes(con, figures)
    results = {r.force_code: r for r in engine.Engine(con, _publication("additive")).evaluate_all()}
    low = results[CODES[0]]
    assert low.comparison == "worse" and low.extra["worse_and_getting_worse"] is True
    assert low.extra["comparison_overdispersed"] == "worse"
    assert "additive random effects" in low.extra["overdispersion_method"]
    # 33% with 10,000 offences is outside the plain 95% interval around England and Wales (about 29.6%), but
    # within the over-dispersed limits; and it did not get worse.
    high = results[CODES[2]]
    assert high.comparison == "better" and high.extra["comparison_overdispersed"] == "similar"
    assert high.extra["worse_and_getting_worse"] is False
    plain = {r.force_code: r for r in engine.Engine(con, _publication("none")).evaluate_all()}
    assert plain[CODES[2]].extra["comparison_overdispersed"] == "better"
    assert plain[CODES[2]].extra["overdispersion_method"].startswith("no over-dispersion adjustment")
    missing = results[CODES[20]]
    assert missing.extra["worse_and_getting_worse"] is None and missing.extra["comparison_overdispersed"] == \
        "not compared"
