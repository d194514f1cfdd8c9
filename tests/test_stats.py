"""Properties, rules and error messages of peelkit.stats (parity with PHE is in test_stats_parity.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelkit import stats
from peelkit.stats import CONFIDENCE_95, CONFIDENCE_99_8, Estimate

counts = st.integers(min_value=0, max_value=2_000_000)
positive_counts = st.integers(min_value=1, max_value=200_000)
populations = st.floats(min_value=1.0, max_value=1e8, allow_nan=False, allow_infinity=False)
levels = st.sampled_from([CONFIDENCE_95, CONFIDENCE_99_8])


def _proportion_inputs() -> st.SearchStrategy[tuple[int, int]]:
    return st.integers(min_value=1, max_value=1_000_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )


# --------------------------------------------------------------------------- properties


@given(counts, populations, levels)
def test_rate_interval_contains_value(count: int, population: float, level: float) -> None:
    est = stats.rate(count, population, 1000, level)
    assert 0 <= est.lower <= est.value <= est.upper
    assert est.method == ("Exact" if count < 10 else "Byars")


@given(_proportion_inputs(), levels)
def test_wilson_interval_contains_value(inputs: tuple[int, int], level: float) -> None:
    successes, total = inputs
    est = stats.proportion(successes, total, 100, level)
    assert 0 <= est.lower <= est.value <= est.upper <= 100


@given(positive_counts, st.integers(min_value=2, max_value=20), levels)
def test_rate_interval_narrows_as_counts_grow_at_a_fixed_rate(count: int, factor: int, level: float) -> None:
    small = stats.rate(count, count * 50.0, 1000, level)
    big = stats.rate(count * factor, count * factor * 50.0, 1000, level)
    assert small.value == pytest.approx(big.value)
    assert big.upper - big.lower < small.upper - small.lower


@given(_proportion_inputs(), st.integers(min_value=2, max_value=20), levels)
def test_wilson_interval_narrows_as_samples_grow(inputs: tuple[int, int], factor: int, level: float) -> None:
    successes, total = inputs
    small = stats.wilson_interval(successes, total, level)
    big = stats.wilson_interval(successes * factor, total * factor, level)
    assert big[1] - big[0] < small[1] - small[0]


@given(counts)
def test_99_8_interval_is_wider_than_95_for_counts(count: int) -> None:
    lo95, up95 = stats.byars_interval(count, CONFIDENCE_95)
    lo998, up998 = stats.byars_interval(count, CONFIDENCE_99_8)
    assert lo998 <= lo95 and up998 > up95
    if count > 0:
        assert lo998 < lo95


@given(_proportion_inputs())
def test_99_8_interval_is_wider_than_95_for_proportions(inputs: tuple[int, int]) -> None:
    lo95, up95 = stats.wilson_interval(*inputs, CONFIDENCE_95)
    lo998, up998 = stats.wilson_interval(*inputs, CONFIDENCE_99_8)
    assert lo998 <= lo95 and up998 >= up95
    assert (up998 - lo998) > (up95 - lo95)


@given(populations, levels)
def test_zero_counts(population: float, level: float) -> None:
    est = stats.rate(0, population, 1000, level)
    assert est.value == 0 and est.lower == 0 and est.upper > 0
    total = max(1, round(population))
    assert stats.wilson_interval(0, total, level)[0] == 0
    assert stats.wilson_interval(total, total, level)[1] == 1
    assert 0 < stats.wilson_interval(total, total, level)[0] < 1


def test_small_counts_use_the_exact_poisson_interval() -> None:
    # 95% exact interval for 0 events: (0, -ln(0.025)) = (0, 3.6889); for 1: (-ln(0.975), 5.5716)
    lower, upper = stats.byars_interval(0)
    assert lower == 0 and upper == pytest.approx(-math.log(0.025))
    lower, upper = stats.byars_interval(1)
    assert lower == pytest.approx(-math.log(0.975))
    assert upper == pytest.approx(5.571643390938898)
    # Byar's alone for 1 event (PHE byars_lower) is quite different: 0.0131
    assert stats.byars_lower(1) == pytest.approx(0.01307213290150435)
    assert math.isnan(stats.byars_lower(1, CONFIDENCE_99_8))  # negative -> NA, as PHE


def test_confidence_as_percentage() -> None:
    assert stats.byars_interval(25, 95) == stats.byars_interval(25, 0.95)
    assert stats.wilson_interval(3, 9, 99.8) == stats.wilson_interval(3, 9, 0.998)


def test_missing_inputs_give_missing_estimate() -> None:
    assert stats.rate(None, 100).is_missing
    assert stats.rate(5, math.nan).is_missing
    assert stats.proportion(None, None).is_missing
    assert stats.compare(stats.rate(None, 100), 1.0) == "not compared"


# --------------------------------------------------------------------------- comparison rule


@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "expected"),
    [
        (11, 13, "neither", "higher"),
        (7, 9, "neither", "lower"),
        (9, 11, "neither", "similar"),
        (10, 12, "neither", "similar"),  # touching the benchmark counts as including it
        (8, 10, "neither", "similar"),
        (11, 13, "higher_is_better", "better"),
        (7, 9, "higher_is_better", "worse"),
        (11, 13, "lower_is_better", "worse"),
        (7, 9, "lower_is_better", "better"),
        (9, 11, "lower_is_better", "similar"),
    ],
)
def test_compare(lower: float, upper: float, polarity: stats.Polarity, expected: str) -> None:
    assert stats.compare(Estimate((lower + upper) / 2, lower, upper), 10.0, polarity) == expected


def test_compare_missing() -> None:
    assert stats.compare(None, 10.0) == "not compared"
    assert stats.compare(Estimate(math.nan, math.nan, math.nan), 10.0, "higher_is_better") == "not compared"
    assert stats.compare(Estimate(1, 0.5, 2), None) == "not compared"
    assert stats.compare(Estimate(1, 0.5, 2), math.nan) == "not compared"


def test_compare_uses_the_interval_not_the_value() -> None:
    # a force with 12 crimes per 1,000 against 10: 95% says similar (small count), so does PHE
    est = stats.rate(12, 1000, 1000)
    assert est.value > 10
    assert stats.compare(est, 10.0) == "similar"
    assert stats.compare(stats.rate(1200, 100_000, 1000), 10.0) == "higher"


# --------------------------------------------------------------------------- change tests


def _binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value: total probability of outcomes no likelier than k."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))


def test_rate_change_from_zero() -> None:
    # 10 events now, none before, same population: P = 2 * 0.5**10
    result = stats.change_significance(10, 5000, 0, 5000)
    assert result.pct_change is None and result.statistic is None
    assert result.p_value == pytest.approx(2 * 0.5**10)
    assert result.significant


def test_rate_change_no_change() -> None:
    result = stats.change_significance(50, 1000, 50, 1000)
    assert result.pct_change == 0 and result.statistic == 1
    assert result.p_value == pytest.approx(1.0)
    assert not result.significant


def test_rate_change_hand_computed() -> None:
    # 30 crimes in 2,000 people now vs 12 in 1,500 before: rates 15 vs 8 per 1,000 (+87.5%)
    result = stats.change_significance(30, 2000, 12, 1500)
    assert result.pct_change == pytest.approx(87.5)
    assert result.statistic == pytest.approx(15 / 8)
    expected = _binomial_two_sided(30, 42, 2000 / 3500)
    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.significant == (expected < 0.05)
    assert "binomial" in result.test


def test_rate_change_no_events_at_all() -> None:
    result = stats.change_significance(0, 1000, 0, 1000)
    assert result.pct_change is None and result.p_value == 1.0 and not result.significant


def test_proportion_change_hand_computed() -> None:
    # 30/100 vs 20/100: pooled p = 0.25, se = sqrt(0.25 * 0.75 * 0.02), z = 0.1 / se = 1.63299
    result = stats.change_significance(30, 100, 20, 100, kind="proportion")
    z = 0.1 / math.sqrt(0.25 * 0.75 * 0.02)
    assert result.statistic == pytest.approx(z)
    assert result.statistic == pytest.approx(1.632993, abs=1e-6)
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert result.pct_change == pytest.approx(50.0)
    assert not result.significant
    strong = stats.change_significance(300, 1000, 200, 1000, kind="proportion")
    assert strong.significant and strong.p_value < 1e-6


def test_proportion_change_degenerate() -> None:
    none = stats.change_significance(0, 100, 0, 80, kind="proportion")
    assert none.statistic is None and none.p_value == 1.0 and none.pct_change is None
    everything = stats.change_significance(100, 100, 80, 80, kind="proportion")
    assert everything.statistic is None and everything.pct_change == 0


# --------------------------------------------------------------------------- funnels


@given(st.floats(min_value=1, max_value=1e7), st.floats(min_value=0.001, max_value=0.999))
def test_proportion_funnel_limits_are_ordered(denominator: float, average: float) -> None:
    lim = stats.proportion_funnel_limits(denominator, average, 100)
    assert 0 <= lim.lower_3s <= lim.lower_2s <= lim.baseline <= lim.upper_2s <= lim.upper_3s <= 100


def test_funnel_classification() -> None:
    assert stats.classify_funnel_proportion(500, 1000, 0.5) == stats.FUNNEL_NOT_SIGNIFICANT
    assert stats.classify_funnel_proportion(560, 1000, 0.5) == stats.FUNNEL_HIGH_001
    assert stats.classify_funnel_proportion(470, 1000, 0.5) == stats.FUNNEL_NOT_SIGNIFICANT
    assert stats.classify_funnel_proportion(460, 1000, 0.5) == stats.FUNNEL_LOW_025
    assert stats.classify_funnel_ratio(100, 100) == stats.FUNNEL_NOT_SIGNIFICANT
    assert stats.classify_funnel_ratio(140, 100) == stats.FUNNEL_HIGH_001
    assert stats.classify_funnel_ratio(0, 5) == stats.FUNNEL_LOW_025
    assert stats.classify_funnel_rate(5, 1000, 0.005, "dsr") == stats.FUNNEL_NOT_APPLICABLE
    assert stats.classify_funnel_rate(40, 1000, 0.02) == stats.FUNNEL_HIGH_001


def test_poisson_funnel_matches_exact_interval() -> None:
    # the expected count whose upper 95% limit sits on 1 observed event is the exact lower limit
    assert stats.poisson_funnel(1, 0.025, "low") == pytest.approx(-math.log(0.975), rel=1e-5)
    point = stats.ratio_funnel_point(20, "isr")
    assert point.lower_2s_limit < 100 < point.upper_2s_limit
    assert point.lower_3s_limit < point.lower_2s_limit and point.upper_3s_limit > point.upper_2s_limit


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.rate(-1, 100), "count must be greater than or equal to zero, got -1"),
        (lambda: stats.rate(1, 0), "denominator must be greater than zero, got 0"),
        (lambda: stats.rate(1, -5), "denominator must be greater than zero"),
        (lambda: stats.rate(1, 100, 0), "multiplier must be greater than zero"),
        (lambda: stats.byars_interval(-0.5), "count must be greater than or equal to zero"),
        (lambda: stats.byars_interval(5, 0.5), "confidence level must be between 0.9 and 1"),
        (lambda: stats.byars_interval(5, 1.0), "confidence level must be between 0.9 and 1"),
        (lambda: stats.wilson_interval(11, 10), "must be less than or equal to total"),
        (lambda: stats.wilson_interval(1, 0), "total \\(denominator\\) must be greater than zero"),
        (lambda: stats.proportion(-1, 10), "successes \\(numerator\\) must be greater than or equal to zero"),
        (lambda: stats.proportion(-1, None), "successes \\(numerator\\) must be greater than or equal to zero"),
        (lambda: stats.compare(Estimate(1, 0, 2), 1, "up"), "polarity must be"),  # type: ignore[arg-type]
        (lambda: stats.change_significance(1, 10, 1, 0), "denom_before must be greater than zero"),
        (lambda: stats.change_significance(-1, 10, 1, 10), "count_now must be greater than or equal to zero"),
        (lambda: stats.change_significance(1.5, 10, 1, 10), "whole-number counts"),
        (lambda: stats.change_significance(11, 10, 1, 10, "proportion"), "less than or equal to total"),
        (lambda: stats.change_significance(1, 10, 1, 10, "ratio"), "kind must be"),  # type: ignore[arg-type]
        (lambda: stats.proportion_funnel_limits(100, 1.5), "average proportion must be between 0 and 1"),
        (lambda: stats.poisson_funnel(5, 0.025, "middle"), "side must be"),  # type: ignore[arg-type]
        (
            lambda: stats.calculate_funnel_limits(
                [1, 0], statistic="rate", multiplier=1e5, rates=[5, 0], rate_type="crude", years_of_data=1
            ),
            "denominator must be supplied",
        ),
    ],
)
def test_errors(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=5000))
def test_rate_ratio_interval_matches_clopper_pearson(now: int, before: int) -> None:
    from scipy.stats import binomtest

    ci = binomtest(now, now + before).proportion_ci(confidence_level=0.95, method="exact")
    lower, upper = stats.rate_ratio_interval(now, before)
    assert lower == pytest.approx(ci.low / (1 - ci.low), rel=1e-6, abs=1e-12)
    if ci.high < 1:
        assert upper == pytest.approx(ci.high / (1 - ci.high), rel=1e-6)
    assert lower <= now / before <= upper
