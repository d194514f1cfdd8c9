"""The two-sided exact binomial test's p-value, as `scipy.stats.binomtest(k, n, p).pvalue` computes it.

Written here, on scipy.special's binomial distribution functions, because importing `scipy.stats` takes about
0.7 s: every `peel publish`, `peel indicators` and web start-up paid it for a handful of change tests. The method
is scipy's own (the "minimum likelihood" two-sided p-value: the probability of every outcome no more likely than
the one seen, with scipy's relative tolerance of 1e-7 for ties); tests/test_binomial_test.py checks it against
`scipy.stats.binomtest` over random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def scipy_special() -> Any:
    """scipy.special, imported on first use: about 0.2 s that a process which only reads the indicator catalogue
    (a report worker, the web app's first page) need not pay. peelkit.stats uses it too."""
    from scipy import special  # type: ignore[import-untyped]  # scipy ships no type hints

    return special


_RELATIVE_TOLERANCE = 1 + 1e-7  # scipy's `rerr`: outcomes this close in probability count as equally likely


def binomial_pmf(k: int, n: int, p: float) -> float:
    """P(X = k) for X ~ Binomial(n, p), through log-gamma (no overflow for counts in the millions)."""
    if k < 0 or k > n:
        return 0.0
    special = scipy_special()
    log_pmf = (special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
               + special.xlogy(k, p) + special.xlog1py(n - k, -p))
    return float(math.exp(log_pmf))


def _cdf(x: int, n: int, p: float) -> float:
    """P(X <= x), as the regularised incomplete beta function (Boost's, as scipy.stats.binom uses; the older
    special.bdtr loses about six digits at a million trials)."""
    return 0.0 if x < 0 else 1.0 if x >= n else float(scipy_special().betainc(n - x, x + 1, 1 - p))


def _sf(x: int, n: int, p: float) -> float:
    """P(X > x)."""
    return 1.0 if x < 0 else 0.0 if x >= n else float(scipy_special().betainc(x + 1, n - x, p))


def _search(value_at: Callable[[int], float], target: float, lo: int, hi: int) -> int:
    """The i in [lo, hi] with value_at(i) <= target < value_at(i + 1), for value_at ascending on [lo, hi]."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        found = value_at(mid)
        if found < target:
            lo = mid + 1
        elif found > target:
            hi = mid - 1
        else:
            return mid
    return lo if value_at(lo) <= target else lo - 1


def two_sided_p_value(k: int, n: int, p: float) -> float:
    """Two-sided p-value of k successes in n trials when the success probability is p (0 < p < 1)."""
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1 (exclusive), got {p!r}")
    if k == p * n:
        return 1.0
    likelihood = binomial_pmf(k, n, p) * _RELATIVE_TOLERANCE
    if k < p * n:
        # The other tail: the outcomes above the mode no more likely than k.
        edge = _search(lambda x: -binomial_pmf(x, n, p), -likelihood, math.ceil(p * n), n)
        above = n - edge + int(likelihood == binomial_pmf(edge, n, p))
        p_value = _cdf(k, n, p) + _sf(n - above, n, p)
    else:
        edge = _search(lambda x: binomial_pmf(x, n, p), likelihood, 0, math.floor(p * n))
        p_value = _cdf(edge, n, p) + _sf(k - 1, n, p)
    return min(1.0, p_value)
