"""The exact binomial test written on scipy.special agrees with scipy.stats.binomtest, which it replaces on the
publish path (importing scipy.stats costs ~0.7 s)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from peelkit.binomial_test import binomial_pmf, two_sided_p_value


def _close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-12)


@settings(max_examples=400, deadline=None)
@given(n=st.integers(1, 2_000), data=st.data(), p=st.floats(0.001, 0.999))
def test_agrees_with_scipy_small_counts(n: int, data: st.DataObject, p: float) -> None:
    k = data.draw(st.integers(0, n))
    assert _close(two_sided_p_value(k, n, p), stats.binomtest(k, n, p).pvalue)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(10_000, 12_000_000), share=st.floats(0, 1), p=st.floats(0.05, 0.95))
def test_agrees_with_scipy_police_sized_counts(n: int, share: float, p: float) -> None:
    # Recorded crime of a large force over two years is in the hundreds of thousands; England and Wales in the
    # millions: the log-gamma pmf must stay accurate there.
    k = round(n * share)
    assert _close(two_sided_p_value(k, n, p), stats.binomtest(k, n, p).pvalue)


@pytest.mark.parametrize(("k", "n", "p"), [(0, 1, 0.5), (1, 1, 0.5), (0, 10, 0.3), (10, 10, 0.3), (5, 10, 0.5),
                                           (3, 7, 0.5), (4, 7, 0.5)])
def test_edges_and_symmetric_ties(k: int, n: int, p: float) -> None:
    assert _close(two_sided_p_value(k, n, p), stats.binomtest(k, n, p).pvalue)


def test_pmf_matches_scipy_and_sums_to_one() -> None:
    n, p = 500, 0.37
    assert sum(binomial_pmf(k, n, p) for k in range(n + 1)) == pytest.approx(1.0, rel=1e-12)
    assert binomial_pmf(180, n, p) == pytest.approx(stats.binom.pmf(180, n, p), rel=1e-9)
    assert binomial_pmf(-1, n, p) == 0.0 and binomial_pmf(n + 1, n, p) == 0.0


@pytest.mark.parametrize(("k", "n", "p"), [(-1, 5, 0.5), (6, 5, 0.5), (1, 0, 0.5), (1, 5, 0.0), (1, 5, 1.0)])
def test_bad_input_is_refused(k: int, n: int, p: float) -> None:
    with pytest.raises(ValueError):
        two_sided_p_value(k, n, p)
