"""Intervals for zero counts and for overdispersed daily counts, against independent computations.

Known answers: the score test inverted by hand (closed-form statistic, scipy root finding), the
quasi-Poisson GLM of statsmodels called directly, scipy's t distribution; and a seeded coverage
study (the benchmark's, smaller).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

import aar

BENCH = Path(__file__).parents[1] / "benchmarks"


def score_z(ratio: float, y1: int, t1: float, y2: int, t2: float) -> float:
    """Score statistic of H0: rate1 = ratio x rate2 (constrained MLE), derived here."""
    common = (y1 + y2) / (ratio * t1 + t2)
    return (y1 / t1 - ratio * y2 / t2) / math.sqrt(ratio * common / t1 + ratio**2 * common / t2)


def test_zero_target_has_a_one_sided_interval_and_is_not_significant_on_the_interval() -> None:
    rr = aar.rate_ratio(0, 125, 5, 368)
    z = stats.norm.ppf(0.975)
    upper = optimize.brentq(lambda r: score_z(r, 0, 125, 5, 368) + z, 1e-6, 1e3)
    assert rr.ratio == 0.0
    assert rr.ci_low == 0.0
    assert rr.ci_high == pytest.approx(upper, rel=1e-7)
    assert rr.p_value == pytest.approx(2 * stats.norm.sf(abs(score_z(1.0, 0, 125, 5, 368))), abs=1e-9)
    assert rr.p_value == pytest.approx(0.1925, abs=1e-4)
    assert rr.zero_side == "target"
    assert not rr.upper_unbounded
    assert not rr.significant
    assert "one-sided" in rr.method


def test_zero_baseline_is_unbounded_above() -> None:
    rr = aar.rate_ratio(5, 368, 0, 125)
    z = stats.norm.ppf(0.975)
    # the lower bound l solves z(l) = z: rate ratios below l are rejected
    lower = optimize.brentq(lambda r: score_z(r, 5, 368, 0, 125) - z, 1e-6, 1e3)
    assert rr.ratio is None
    assert rr.ci_high is None
    assert rr.upper_unbounded
    assert rr.zero_side == "baseline"
    assert rr.ci_low == pytest.approx(lower, rel=1e-7)
    assert rr.ci_low == pytest.approx(1 / aar.rate_ratio(0, 125, 5, 368).ci_high, rel=1e-7)
    assert not rr.significant
    as_dict = rr.as_dict()
    assert as_dict["upper_unbounded"] is True
    assert as_dict["ci_high"] is None


def test_a_zero_side_with_a_small_p_value_is_significant() -> None:
    rr = aar.rate_ratio(0, 100, 30, 100)
    assert rr.p_value is not None and rr.p_value < 0.001
    assert rr.significant
    assert rr.ci_high is not None and rr.ci_high < 1


def test_one_sided_score_bounds_have_a_closed_form() -> None:
    """z^2 = R y_b e_t / e_b (no target events), z^2 = y_t e_b / (R e_t) (no baseline events)."""
    z2 = stats.norm.ppf(0.975) ** 2
    for y, t1, t2 in ((5, 125.0, 368.0), (2, 10.0, 10.0), (40, 30.0, 900.0)):
        assert aar.rate_ratio(0, t1, y, t2).ci_high == pytest.approx(z2 * t2 / (y * t1), rel=1e-7)
        assert aar.rate_ratio(y, t1, 0, t2).ci_low == pytest.approx(y * t2 / (t1 * z2), rel=1e-7)


@pytest.mark.parametrize(
    ("args", "name"),
    [((-1, 10, 5, 10), "count_target"), ((1, -10, 5, 10), "exposure_target"), ((1, 10, -5, 10), "count_baseline")],
)
def test_negative_counts_or_exposures_are_usage_errors(args: tuple[float, ...], name: str) -> None:
    with pytest.raises(aar.UsageError, match=name):
        aar.rate_ratio(*args)  # type: ignore[arg-type]
    with pytest.raises(aar.UsageError):
        aar.quasi_rate_ratio([1, -1], [1, 1], [1, 2], [1, 1])


def _overdispersed(seed: int, days: int, mean: float, shape: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(rng.gamma(shape, mean / shape, days))


def test_quasi_rate_ratio_matches_statsmodels_quasi_poisson_per_operation() -> None:
    y_t, y_b = _overdispersed(1, 125, 13.5, 3.0), _overdispersed(2, 368, 9.8, 3.0)
    e_t, e_b = np.full(125, 2.0), np.linspace(1.0, 3.0, 368)  # unequal daily exposures
    rr = aar.quasi_rate_ratio(y_t, e_t, y_b, e_b)
    fits = {}
    for side, y, e in (("t", y_t, e_t), ("b", y_b, e_b)):
        fits[side] = sm.GLM(y, np.ones((y.size, 1)), family=sm.families.Poisson(), offset=np.log(e)).fit(scale="X2")
    log_r = fits["t"].params[0] - fits["b"].params[0]
    v_t, v_b = fits["t"].bse[0] ** 2, fits["b"].bse[0] ** 2
    df = (v_t + v_b) ** 2 / (v_t**2 / (125 - 1) + v_b**2 / (368 - 1))
    q = stats.t.ppf(0.975, df)
    se = math.sqrt(v_t + v_b)
    assert fits["t"].scale > 1 and fits["b"].scale > 1  # so the floor at 1 is not in play
    assert rr.dispersion_target == pytest.approx(fits["t"].scale, rel=1e-9)
    assert rr.dispersion_baseline == pytest.approx(fits["b"].scale, rel=1e-9)
    assert rr.ratio == pytest.approx(math.exp(log_r), rel=1e-9)
    assert rr.df == pytest.approx(df, rel=1e-9)
    assert rr.ci_low == pytest.approx(math.exp(log_r - q * se), rel=1e-9)
    assert rr.ci_high == pytest.approx(math.exp(log_r + q * se), rel=1e-9)
    assert rr.p_value == pytest.approx(2 * stats.t.sf(abs(log_r) / se, df), rel=1e-9)
    assert "t quantile" in rr.method


def test_quasi_interval_uses_t_with_few_days() -> None:
    rr = aar.quasi_rate_ratio([4, 9, 2], [1, 1, 1], [3, 1, 8, 2], [1, 1, 1, 1])
    assert rr.df is not None and rr.df < 6
    q = stats.t.ppf(0.975, rr.df)
    se = math.sqrt(rr.dispersion_target / 15 + rr.dispersion_baseline / 14)  # type: ignore[operator]
    assert rr.ci_high == pytest.approx(rr.ratio * math.exp(q * se), rel=1e-9)  # type: ignore[operator]
    assert q > stats.norm.ppf(0.975) + 0.3


def test_day_dispersion_is_floored_at_poisson() -> None:
    assert aar.day_dispersion([1, 1, 1, 1], [1, 1, 1, 1]) == (1.0, 3)
    phi, df = aar.day_dispersion([0, 10, 0, 10, 5, 5], [1] * 6, ["a", "a", "a", "a", "b", "b"])
    assert df == 4  # six days, two strata
    assert phi == pytest.approx((5 + 5 + 5 + 5 + 0 + 0) / 4)


def test_quasi_rate_ratio_with_a_zero_side_scales_the_score_bound_by_the_other_sides_dispersion() -> None:
    y_b = _overdispersed(3, 368, 2.0, 1.5)
    e_b = np.ones(368)
    y_t, e_t = np.zeros(125), np.ones(125)
    rr = aar.quasi_rate_ratio(y_t, e_t, y_b, e_b)
    fit = sm.GLM(y_b, np.ones((368, 1)), family=sm.families.Poisson()).fit(scale="X2")
    phi, df = fit.scale, fit.df_resid
    assert phi > 1.5
    q2 = stats.t.ppf(0.975, df) ** 2
    n_b = y_b.sum()
    assert rr.ratio == 0.0
    assert rr.ci_low == 0.0
    assert rr.ci_high == pytest.approx(q2 * phi * 368 / (n_b * 125), rel=1e-9)
    assert rr.ci_high > aar.rate_ratio(0, 125, int(n_b), 368).ci_high  # wider than the Poisson bound
    assert rr.p_value == pytest.approx(2 * stats.t.sf(math.sqrt(n_b * 125 / 368 / phi), df), rel=1e-9)
    assert rr.zero_side == "target"
    assert "one-sided" in rr.method
    swapped = aar.quasi_rate_ratio(y_b, e_b, y_t, e_t)
    assert swapped.ratio is None
    assert swapped.upper_unbounded
    assert swapped.ci_high is None
    assert swapped.ci_low == pytest.approx(1 / rr.ci_high, rel=1e-9)
    assert swapped.p_value == pytest.approx(rr.p_value, rel=1e-12)


def test_quasi_zero_side_with_poisson_days_approaches_the_score_interval() -> None:
    """phi floored at 1 and many days: the t quantile is nearly normal, the bound nearly the score bound."""
    y_b = np.array([1, 0] * 5000)
    rr = aar.quasi_rate_ratio(np.zeros(4000), np.ones(4000), y_b, np.ones(10_000))
    assert rr.dispersion_baseline == 1.0
    assert rr.ci_high == pytest.approx(aar.rate_ratio(0, 4000, 5000, 10_000).ci_high, rel=1e-3)


@pytest.fixture(scope="module")
def coverage_study():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        return __import__("coverage_study")
    finally:
        sys.path.pop(0)


@pytest.mark.slow
def test_coverage_study_keeps_the_headline_interval_near_nominal(coverage_study) -> None:  # type: ignore[no-untyped-def]
    """The acceptance run: 400 seeded replicates per scenario, coverage within 93-97 %."""
    rows = {(r.scenario, r.method): r for r in coverage_study.study(reps=400, seed=11)}
    for scenario in coverage_study.SCENARIOS:
        quasi = rows[(scenario, "quasi-Poisson (day)")]
        assert 0.93 <= quasi.coverage <= 0.97, (scenario, quasi.coverage)
    assert rows[("daily shock", "Poisson score")].coverage < 0.80  # the Poisson interval ignores the shock
    assert "| daily shock | quasi-Poisson (day) | 400 |" in coverage_study.table(list(rows.values()))


def test_small_coverage_study(coverage_study) -> None:  # type: ignore[no-untyped-def]
    """60 seeded replicates: the day-level interval covers far more often than the Poisson one under a shock."""
    rows = {(r.scenario, r.method): r for r in coverage_study.study(reps=60, seed=4)}
    for scenario in coverage_study.SCENARIOS:
        assert rows[(scenario, "quasi-Poisson (day)")].coverage >= 0.85
    assert rows[("daily shock", "Poisson score")].coverage < rows[("daily shock", "quasi-Poisson (day)")].coverage


def test_coverage_study_is_seeded(coverage_study) -> None:  # type: ignore[no-untyped-def]
    first, second = coverage_study.study(reps=5, seed=3), coverage_study.study(reps=5, seed=3)
    assert first == second
    assert {r.method for r in first} == {"quasi-Poisson (day)", "Poisson score"}
