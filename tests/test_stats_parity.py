"""Parity of peelkit.stats with PHEindicatormethods 2.1.0, read from its own test fixtures.

Every expected number is read from the fixture files at test time (never copied here).
The folder is $PEEL_REFERENCE_DIR, else ../shared/reference/pheindicatormethods next to
the repository. Tolerances:

* xlsx fixtures (Byar's, Wilson, rates, proportions) hold full doubles: relative 1e-6.
* funnel CSVs for ratios and rates print 10 significant digits but at most 9 decimals:
  relative 1e-6, or 5e-10 absolute for the smallest values.
* testdata_funnel_prop_outputs.csv is rounded to 6 decimals: half a unit of the 6th
  decimal (5e-7, plus float slack) absolute.

A blank / NA expected value must come back as NaN (or None): PHE's missing results.
How the R tests use each fixture (which rows they change, years_of_data, multipliers)
follows tests/testthat/testFunnels.R, testRates.R, testProportions.R, testByars.R and
testWilson.R of that package.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from peelkit import stats

REL = 1e-6


def reference_dir() -> Path:
    """$PEEL_REFERENCE_DIR, else <repo>/../shared/reference/pheindicatormethods."""
    value = os.environ.get("PEEL_REFERENCE_DIR")
    if value:
        return Path(value)
    return Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "pheindicatormethods"


REF = reference_dir()
HAVE_REF = (REF / "testdata_Rate.xlsx").is_file()


def test_reference_folder_present() -> None:
    if not HAVE_REF:
        pytest.fail(f"PHEindicatormethods fixtures not found in {REF}: set PEEL_REFERENCE_DIR")


# --------------------------------------------------------------------------- readers


def sheet(name: str, tab: str) -> list[dict[str, Any]]:
    if not HAVE_REF:
        return []
    rows = CalamineWorkbook.from_path(str(REF / name)).get_sheet_by_name(tab).to_python()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def table(name: str) -> list[dict[str, str]]:
    """A fixture CSV: UTF-8 with or without BOM; header names stripped (one holds a newline)."""
    if not HAVE_REF:
        return []
    with (REF / name).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        return [dict(zip(header, row, strict=True)) for row in reader]


def num(cell: Any) -> float | None:
    """A fixture cell as a float; blank or NA is None."""
    if cell is None or cell == "" or cell == "NA":
        return None
    return float(cell)


def conf(label: str) -> float:
    """'95%' -> 0.95, '99.8%' -> 0.998."""
    return float(label.rstrip("%")) / 100


def row_id(row: dict[str, Any]) -> str:
    return "-".join(str(v) for v in list(row.values())[:3])


def close(actual: float | None, expected: float | None, rel: float = REL, abs_: float = 0.0) -> bool:
    if expected is None:
        return actual is None or math.isnan(actual)
    if actual is None or math.isnan(actual):
        return False
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def check_all(pairs: Iterator[tuple[str, float | None, float | None]], rel: float = REL, abs_: float = 0.0) -> int:
    """Compare (label, actual, expected) triples; fail listing every mismatch; return how many."""
    bad = []
    n = 0
    for label, actual, expected in pairs:
        n += 1
        if not close(actual, expected, rel, abs_):
            bad.append(f"{label}: got {actual!r}, expected {expected!r}")
    assert not bad, f"{len(bad)} of {n} values differ:\n" + "\n".join(bad[:30])
    assert n > 0
    return n


# --------------------------------------------------------------------------- Byar's and Wilson


BW = sheet("testdata_Byars_Wilson.xlsx", "testdata_B_W")


@pytest.mark.parametrize("row", BW, ids=[row_id(r) for r in BW])
def test_byars_wilson(row: dict[str, Any]) -> None:
    # testByars.R / testWilson.R call byars_lower/byars_upper and wilson_lower/wilson_upper
    # directly: Byar's approximation alone (no exact method for small counts), NA when the
    # lower limit would be negative (x = 1 at 99.8%).
    x, n, c = float(row["x"]), num(row["n"]), conf(row["confidence"])
    if row["method"] == "Byars":
        lower, upper = stats.byars_lower(x, c), stats.byars_upper(x, c)
    elif row["method"] == "Wilson":
        assert n is not None
        lower, upper = stats.wilson_interval(x, n, c)
    else:
        pytest.fail(f"unknown method {row['method']!r}")
    check_all(iter([("lowercl", lower, num(row["lowercl"])), ("uppercl", upper, num(row["uppercl"]))]))


# --------------------------------------------------------------------------- rates and proportions

RATE = sheet("testdata_Rate.xlsx", "testdata_Rate")
RATE_G = sheet("testdata_Rate.xlsx", "testdata_Rate_g")
PROP = sheet("testdata_Proportion.xlsx", "testdata_Prop")
PROP_G = sheet("testdata_Proportion.xlsx", "testdata_Prop_g")

Calc = Callable[[float | None, float | None, float, float], stats.Estimate]


def _two_levels(row: dict[str, Any], calc: Calc, method_col: str | None) -> None:
    """Sheets computed with confidence = c(0.95, 0.998): value and both intervals."""
    x, n, mult = num(row["Numerator"]), num(row["Denominator"]), float(row["multiplier"])
    e95 = calc(x, n, mult, stats.CONFIDENCE_95)
    e998 = calc(x, n, mult, stats.CONFIDENCE_99_8)
    check_all(
        iter(
            [
                ("value", e95.value, num(row["value"])),
                ("lower95_0cl", e95.lower, num(row["lower95_0cl"])),
                ("upper95_0cl", e95.upper, num(row["upper95_0cl"])),
                ("lower99_8cl", e998.lower, num(row["lower99_8cl"])),
                ("upper99_8cl", e998.upper, num(row["upper99_8cl"])),
            ]
        )
    )
    if method_col is not None and row[method_col]:
        assert e95.method == row[method_col]


def _grouped(row: dict[str, Any], calc: Calc) -> None:
    """The _g sheets: phe_rate / phe_proportion on data grouped by Area. The sheet holds the
    summed numerator and denominator, so only the summing itself is not exercised here."""
    x, n, mult = num(row["Numerator"]), num(row["Denominator"]), float(row["multiplier"])
    est = calc(x, n, mult, conf(row["confidence"]))
    check_all(
        iter(
            [
                ("value", est.value, num(row["value"])),
                ("lowercl", est.lower, num(row["lowercl"])),
                ("uppercl", est.upper, num(row["uppercl"])),
            ]
        )
    )
    if row["method"]:
        assert est.method == row["method"]


@pytest.mark.parametrize("row", RATE, ids=[row_id(r) for r in RATE])
def test_rate(row: dict[str, Any]) -> None:
    _two_levels(row, stats.rate, "method")


@pytest.mark.parametrize("row", RATE_G, ids=[row_id(r) for r in RATE_G])
def test_rate_grouped(row: dict[str, Any]) -> None:
    _grouped(row, stats.rate)


@pytest.mark.parametrize("row", PROP, ids=[row_id(r) for r in PROP])
def test_proportion(row: dict[str, Any]) -> None:
    _two_levels(row, stats.proportion, "method")


@pytest.mark.parametrize("row", PROP_G, ids=[row_id(r) for r in PROP_G])
def test_proportion_grouped(row: dict[str, Any]) -> None:
    _grouped(row, stats.proportion)


# --------------------------------------------------------------------------- funnels: proportions


def test_funnel_limits_proportion() -> None:
    # testFunnels.R: calculate_funnel_limits(numerator, denominator, statistic = "proportion",
    # multiplier = 100) on all of testdata_funnel_prop_inputs.csv. Output rounded to 6 decimals.
    inputs = table("testdata_funnel_prop_inputs.csv")
    expected = table("testdata_funnel_prop_outputs.csv")
    rows = stats.calculate_funnel_limits(
        [float(r["numerator"]) for r in inputs],
        [float(r["denominator"]) for r in inputs],
        statistic="proportion",
        multiplier=100,
    )
    assert len(rows) == len(expected) == 100

    def pairs() -> Iterator[tuple[str, float | None, float | None]]:
        for got, want in zip(rows, expected, strict=True):
            p = want["Population"]
            yield f"{p} Population", got.x, num(p)
            yield f"{p} Lower2s0025limit", got.lower_2s_limit, num(want["Lower2s0025limit"])
            yield f"{p} Upper2s0025limit", got.upper_2s_limit, num(want["Upper2s0025limit"])
            yield f"{p} Lower3s0001limit", got.lower_3s_limit, num(want["Lower3s0001limit"])
            yield f"{p} Upper3s0001limit", got.upper_3s_limit, num(want["Upper3s0001limit"])
            yield f"{p} Baseline", got.baseline, num(want["Baseline"])

    check_all(pairs(), rel=0.0, abs_=5e-7 + 1e-9)


def test_funnel_significance_proportion() -> None:
    # assign_funnel_significance(statistic = "proportion") against the average of all rows.
    inputs = table("testdata_funnel_prop_inputs.csv")
    x = [float(r["numerator"]) for r in inputs]
    n = [float(r["denominator"]) for r in inputs]
    average = sum(x) / sum(n)
    got = [stats.classify_funnel_proportion(a, b, average) for a, b in zip(x, n, strict=True)]
    assert got == [r["significance"] for r in inputs]


# --------------------------------------------------------------------------- funnels: ratios


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_funnel_limits_ratio(ratio_type: stats.RatioType) -> None:
    # testFunnels.R: calculate_funnel_limits(obs, expected, statistic = "ratio",
    # multiplier = 100, ratio_type = "count" / "isr"); each uses the *_exp_events columns
    # and its own *_count / *_isr columns. The first header is "Observed_events\n".
    inputs = table("testdata_funnel_ratio_inputs.csv")
    expected = table("testdata_funnel_ratio_outputs.csv")
    rows = stats.calculate_funnel_limits(
        [float(r["obs"]) for r in inputs],
        [float(r["expected"]) for r in inputs],
        statistic="ratio",
        multiplier=100,
        ratio_type=ratio_type,
    )
    assert len(rows) == len(expected) == 100

    def pairs() -> Iterator[tuple[str, float | None, float | None]]:
        for got, want in zip(rows, expected, strict=True):
            o = want["Observed_events"]
            yield f"{o} Observed_events", got.x, num(o)
            yield f"{o} lower_2s_exp_events", got.lower_2s_denominator, num(want["lower_2s_exp_events"])
            yield f"{o} upper_2s_exp_events", got.upper_2s_denominator, num(want["upper_2s_exp_events"])
            yield f"{o} lower_3s_exp_events", got.lower_3s_denominator, num(want["lower_3s_exp_events"])
            yield f"{o} upper_3s_exp_events", got.upper_3s_denominator, num(want["upper_3s_exp_events"])
            yield f"{o} lower_2s_{ratio_type}", got.lower_2s_limit, num(want[f"lower_2s_{ratio_type}"])
            yield f"{o} upper_2s_{ratio_type}", got.upper_2s_limit, num(want[f"upper_2s_{ratio_type}"])
            yield f"{o} lower_3s_{ratio_type}", got.lower_3s_limit, num(want[f"lower_3s_{ratio_type}"])
            yield f"{o} upper_3s_{ratio_type}", got.upper_3s_limit, num(want[f"upper_3s_{ratio_type}"])

    check_all(pairs(), abs_=5e-10)


def test_funnel_significance_ratio() -> None:
    inputs = table("testdata_funnel_ratio_inputs.csv")
    got = [stats.classify_funnel_ratio(float(r["obs"]), float(r["expected"])) for r in inputs]
    assert got == [r["significance"] for r in inputs]


# --------------------------------------------------------------------------- funnels: rates


def test_funnel_limits_rate_dsr() -> None:
    # testFunnels.R: calculate_funnel_limits(numerator = ev, rate = rate, multiplier = 1e5,
    # statistic = "rate", rate_type = "dsr", years_of_data = 3). The crude-rate limit tables
    # (testdata_funnel_rate_outputs_2.csv, _3.csv) are not among the fixtures here.
    inputs = table("testdata_funnel_rate_input_funnels.csv")
    expected = table("testdata_funnel_rate_outputs.csv")
    rows = stats.calculate_funnel_limits(
        [float(r["ev"]) for r in inputs],
        statistic="rate",
        multiplier=1e5,
        rates=[float(r["rate"]) for r in inputs],
        rate_type="dsr",
        years_of_data=3,
    )
    assert len(rows) == len(expected) == 100
    # metadata columns: PHE labels every row the same way
    assert {(r["statistic"], r["method"]) for r in expected} == {("rate (dsr per 100,000)", "Poisson")}

    def pairs() -> Iterator[tuple[str, float | None, float | None]]:
        for got, want in zip(rows, expected, strict=True):
            e = want["Events"]
            yield f"{e} Events", got.x, num(e)
            yield f"{e} lower_2s_population_1_year", got.lower_2s_denominator, num(want["lower_2s_population_1_year"])
            yield f"{e} lower_2s_limit", got.lower_2s_limit, num(want["lower_2s_limit"])
            yield f"{e} upper_2s_population_1_year", got.upper_2s_denominator, num(want["upper_2s_population_1_year"])
            yield f"{e} upper_2s_limit", got.upper_2s_limit, num(want["upper_2s_limit"])
            yield f"{e} lower_3s_population_1_year", got.lower_3s_denominator, num(want["lower_3s_population_1_year"])
            yield f"{e} lower_3s_limit", got.lower_3s_limit, num(want["lower_3s_limit"])
            yield f"{e} upper_3s_population_1_year", got.upper_3s_denominator, num(want["upper_3s_population_1_year"])
            yield f"{e} upper_3s_limit", got.upper_3s_limit, num(want["upper_3s_limit"])
            yield f"{e} baseline", got.baseline, num(want["baseline"])

    check_all(pairs(), abs_=5e-10)


def _replace_max(values: list[float], by: float) -> list[float]:
    top = max(values)
    return [by if v == top else v for v in values]


@pytest.mark.parametrize(
    ("variant", "rate_type", "max_ev_becomes", "with_denominator", "years"),
    [
        # testFunnels.R "calculate_funnel_points works for dsrs with events less than 5"
        ("", "dsr", 5.0, False, 3),
        # "... works for crude with events less than 5" (the data are used unchanged)
        ("_crude", "crude", None, False, 3),
        # "... works for dsrs with 0 event record and denominators supplied"
        ("_crude_with_denom", "crude", 0.0, True, 5),
    ],
)
def test_funnel_points_rate(
    variant: str, rate_type: stats.RateType, max_ev_becomes: float | None, with_denominator: bool, years: int
) -> None:
    inputs = table("testdata_funnel_rate_input_funnels.csv")
    ev = [float(r["ev"]) for r in inputs]
    if max_ev_becomes is not None:
        ev = _replace_max(ev, max_ev_becomes)
    points = stats.calculate_funnel_points(
        ev,
        [float(r["rate"]) for r in inputs],
        rate_type=rate_type,
        years_of_data=years,
        multiplier=1e5,
        denominators=[float(r["pop"]) for r in inputs] if with_denominator else None,
    )

    def pairs() -> Iterator[tuple[str, float | None, float | None]]:
        for i, ((chart, denom), want) in enumerate(zip(points, inputs, strict=True)):
            yield f"row {i + 1} rate_chart{variant}", chart, num(want[f"rate_chart{variant}"])
            yield f"row {i + 1} denominator_derived{variant}", denom, num(want[f"denominator_derived{variant}"])

    # the CSV prints 10 significant digits
    check_all(pairs(), abs_=5e-10)
