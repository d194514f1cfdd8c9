"""Spiegelhalter over-dispersion: hand-computed fixtures and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelkit import overdispersion as od
from peelkit import stats

Z95 = 1.959963984540054


def test_winsorise_clamps_to_r_type_7_quantiles() -> None:
    # sorted z: -3 -2 -1 -0.5 0 0 0.5 1 2 4; 10% quantile at h = 0.9 -> -3 + 0.9 = -2.1; 90% at h = 8.1 -> 2.2
    z = [0, -1, 2, -3, 0.5, 4, -0.5, 1, 0, -2]
    assert od.winsorise(z) == pytest.approx([0, -1, 2, -2.1, 0.5, 2.2, -0.5, 1, 0, -2])


def _ten_proportions() -> tuple[list[float], list[float]]:
    # target 0.5, n = 100 each: s = 0.05, so these values have z = -3 -2 -1 -0.5 0 0 0.5 1 2 4
    z = [-3, -2, -1, -0.5, 0, 0, 0.5, 1, 2, 4]
    return [0.5 + 0.05 * v for v in z], [100.0] * 10


def test_phi_and_tau2_by_hand_for_proportions() -> None:
    values, n = _ten_proportions()
    # winsorised z^2: 4.41 4 1 0.25 0 0 0.25 1 4 4.84 = 19.75 -> phi = 1.975
    # w = 1 / 0.0025 = 400 each: sum w = 4000, sum w^2 / sum w = 400 -> 3600; tau2 = (19.75 - 9) / 3600
    additive = od.estimate("additive", "proportion", 0.5, values, n)
    assert additive.phi == pytest.approx(1.975)
    assert additive.tau2 == pytest.approx(10.75 / 3600)
    multiplicative = od.estimate("multiplicative", "proportion", 0.5, values, n)
    lower, upper = multiplicative.limits(0.05, stats.CONFIDENCE_95)
    assert upper == pytest.approx(0.5 + Z95 * 0.05 * math.sqrt(1.975))
    assert lower == pytest.approx(0.5 - Z95 * 0.05 * math.sqrt(1.975))
    lower, upper = additive.limits(0.05, stats.CONFIDENCE_95)
    assert upper == pytest.approx(0.5 + Z95 * math.sqrt(0.0025 + 10.75 / 3600))
    # z = 2 is outside the plain 95% limits but inside the widened ones; z = 4 stays outside both.
    plain = od.estimate("none", "proportion", 0.5, values, n)
    assert od.classify(plain, "proportion", 0.6, 100) == "higher"
    assert od.classify(multiplicative, "proportion", 0.6, 100) == "similar"
    assert od.classify(additive, "proportion", 0.6, 100) == "similar"
    assert od.classify(additive, "proportion", 0.7, 100) == "higher"
    assert "tau2" in additive.label and "phi = 1.97" in additive.label


def test_phi_and_tau2_by_hand_for_rates() -> None:
    # target 0.01 per person; n = 10,000 (s = 0.001), 40,000 (s = 0.0005), 10,000: z = 2, -1, 0
    # winsorised (10%: -0.8, 90%: 1.6): 1.6, -0.8, 0 -> phi = (2.56 + 0.64) / 3
    # w = 1e6, 4e6, 1e6: 6e6 - 18e12 / 6e6 = 3e6 -> tau2 = (3.2 - 2) / 3e6 = 4e-7
    found = od.estimate("additive", "rate", 0.01, [0.012, 0.0095, 0.01], [10_000, 40_000, 10_000])
    assert found.phi == pytest.approx(3.2 / 3)
    assert found.tau2 == pytest.approx(4e-7)
    assert found.standard_error(0.001) == pytest.approx(math.sqrt(1e-6 + 4e-7))


def test_over_dispersion_makes_flags_meaningful() -> None:
    # Twenty forces of a million people around 50 crimes per 1,000, spread +/-10% as real forces are, and one
    # planted at +60%. Plain Poisson limits flag nearly all of them; the random-effects limits only the plant.
    spread = [-0.1, -0.09, -0.08, -0.06, -0.05, -0.04, -0.03, -0.02, -0.01, 0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06,
              0.07, 0.08, 0.1, 0.6]
    values = [0.05 * (1 + d) for d in spread]
    n = [1_000_000.0] * len(values)
    plain = od.estimate("none", "rate", 0.05, values, n)
    plain_flags = [od.classify(plain, "rate", v, 1e6) for v in values]
    assert sum(flag != "similar" for flag in plain_flags) >= 18
    for method in ("additive", "multiplicative"):
        wide = od.estimate(method, "rate", 0.05, values, n)  # type: ignore[arg-type]
        flags = [od.classify(wide, "rate", v, 1e6) for v in values]
        assert flags[-1] == "higher"
        assert flags[:-1] == ["similar"] * 19, method


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="over-dispersion method"):
        od.estimate("random", "rate", 0.1, [0.1, 0.2], [10, 10])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="denominator"):
        od.null_standard_error("rate", 0.1, 0)


def test_polarity() -> None:
    assert od.with_polarity("higher", "higher_is_better") == "better"
    assert od.with_polarity("higher", "lower_is_better") == "worse"
    assert od.with_polarity("lower", "neither") == "lower"


units = st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(10, 1e6)), min_size=2, max_size=40)


@given(units, st.floats(0.01, 0.99))
def test_limits_never_narrower_than_plain(drawn: list[tuple[float, float]], target: float) -> None:
    values, n = [v for v, _ in drawn], [d for _, d in drawn]
    for method in ("multiplicative", "additive"):
        wide = od.estimate(method, "proportion", target, values, n)  # type: ignore[arg-type]
        assert wide.phi >= 0 and wide.tau2 >= 0
        for d in n:
            s = od.null_standard_error("proportion", target, d)
            assert wide.standard_error(s) >= s * (1 - 1e-12)
            # Plain limits when there is nothing to widen: phi <= 1 for the multiplicative method; for the additive
            # one, Spiegelhalter's tau2 is zero only when n * phi <= n - 1 (it can be positive for phi just below 1).
            if (wide.phi <= 1 if method == "multiplicative" else wide.tau2 == 0):
                assert wide.standard_error(s) == pytest.approx(s)
