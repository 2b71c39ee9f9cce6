"""Statistics checked against values computed independently here (closed forms, scipy) and simulations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats

import aar

SAMPLE = Path(__file__).parents[1] / "data" / "sample"
CASES = [
    (30, 100.0, 20, 100.0),
    (13, 125.0, 41, 368.0),
    (3, 2.0, 9, 35.0),
    (250, 125.0, 665, 368.0),
    (1, 10.0, 0, 10.0),
]


def score_statistic(ratio: float, y1: int, t1: float, y2: int, t2: float) -> float:
    """Score statistic of H0: rate1 = ratio x rate2, with the rates' MLE under H0 (derived here)."""
    common = (y1 + y2) / (ratio * t1 + t2)  # constrained MLE of rate2
    variance = ratio * common / t1 + ratio**2 * common / t2
    return (y1 / t1 - ratio * y2 / t2) / math.sqrt(variance)


def score_interval(y1: int, t1: float, y2: int, t2: float, alpha: float = 0.05) -> tuple[float, float]:
    z = stats.norm.ppf(1 - alpha / 2)
    estimate = (y1 / t1) / (y2 / t2)
    low = optimize.brentq(lambda r: score_statistic(r, y1, t1, y2, t2) - z, 1e-9, estimate)
    high = optimize.brentq(lambda r: score_statistic(r, y1, t1, y2, t2) + z, estimate, 1e6)
    return low, high


@pytest.mark.parametrize(("y1", "t1", "y2", "t2"), [c for c in CASES if c[2] > 0])
def test_score_interval_and_p_value_match_the_closed_form(y1: int, t1: float, y2: int, t2: float) -> None:
    rr = aar.rate_ratio(y1, t1, y2, t2, method="score")
    low, high = score_interval(y1, t1, y2, t2)
    assert rr.ratio == pytest.approx((y1 / t1) / (y2 / t2), abs=1e-12)
    assert rr.ci_low == pytest.approx(low, abs=1e-6)
    assert rr.ci_high == pytest.approx(high, abs=1e-6)
    expected_p = 2 * stats.norm.sf(abs(score_statistic(1.0, y1, t1, y2, t2)))
    assert rr.p_value == pytest.approx(expected_p, abs=1e-6)
    assert "score" in rr.method


@pytest.mark.parametrize("seed", range(3))
def test_score_interval_inverts_the_score_test(seed: int) -> None:
    """The closed-form score interval: the score statistic is at the critical value at each bound
    (root search here, to 1e-12), and statsmodels' own search finds the same bounds."""
    from statsmodels.stats.rates import confint_poisson_2indep

    rng = np.random.default_rng(seed)
    for _ in range(40):
        y1, y2 = int(rng.integers(1, 400)), int(rng.integers(1, 400))
        t1, t2 = float(rng.uniform(0.5, 400)), float(rng.uniform(0.5, 400))
        alpha = float(rng.choice([0.01, 0.05, 0.1]))
        rr = aar.rate_ratio(y1, t1, y2, t2, alpha=alpha)
        z = stats.norm.ppf(1 - alpha / 2)
        assert score_statistic(rr.ci_low, y1, t1, y2, t2) == pytest.approx(z, abs=1e-9)
        assert score_statistic(rr.ci_high, y1, t1, y2, t2) == pytest.approx(-z, abs=1e-9)
        low, high = confint_poisson_2indep(y1, t1, y2, t2, method="score", compare="ratio", alpha=alpha)
        assert (rr.ci_low, rr.ci_high) == pytest.approx((low, high), rel=1e-4)


@pytest.mark.parametrize(("y1", "t1", "y2", "t2"), CASES)
def test_exact_conditional_matches_scipy_binomial(y1: int, t1: float, y2: int, t2: float) -> None:
    rr = aar.rate_ratio(y1, t1, y2, t2, method="exact-cond")
    n = y1 + y2
    assert rr.p_value == pytest.approx(stats.binomtest(y1, n, t1 / (t1 + t2)).pvalue, abs=1e-6)
    p_low = stats.beta.ppf(0.025, y1, n - y1 + 1) if y1 > 0 else 0.0
    p_high = stats.beta.ppf(0.975, y1 + 1, n - y1) if y1 < n else 1.0
    assert rr.ci_low == pytest.approx(p_low / (1 - p_low) * t2 / t1, abs=1e-6)
    if p_high < 1:
        assert rr.ci_high == pytest.approx(p_high / (1 - p_high) * t2 / t1, abs=1e-6)
    else:
        assert rr.ci_high is None  # unbounded above: no baseline events
    assert "exact conditional" in rr.method


def test_small_counts_are_flagged_not_hidden() -> None:
    rr = aar.rate_ratio(3, 2.0, 9, 35.0)
    assert rr.small_counts
    assert rr.ratio is not None
    assert not aar.rate_ratio(30, 100.0, 20, 100.0).small_counts


def test_degenerate_inputs() -> None:
    none = aar.rate_ratio(0, 10.0, 0, 10.0)
    assert none.ratio is None
    assert none.p_value == 1.0
    assert aar.rate_ratio(5, 0.0, 5, 10.0).ratio is None
    with pytest.raises(aar.UsageError, match="method"):
        aar.rate_ratio(1, 1.0, 1, 1.0, method="wald")


def test_holm_and_benjamini_hochberg_by_hand() -> None:
    p = [0.01, 0.04, 0.03, None, 0.20]
    holm = aar.adjust_p_values(p, "holm")
    # Holm: sorted 0.01, 0.03, 0.04, 0.20 times 4, 3, 2, 1, made monotone
    assert holm == pytest.approx([0.04, 0.09, 0.09, None, 0.20], abs=1e-12)
    bh = aar.adjust_p_values(p, "fdr_bh")
    # BH: p x m / rank, made monotone from the top: 0.01*4/1, 0.03*4/2, 0.04*4/3, 0.2
    assert bh == pytest.approx([0.04, 0.0533333333, 0.0533333333, None, 0.20], abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_holm_equals_statsmodels(seed: int) -> None:
    """Holm by its formula against statsmodels' multipletests (ties, ones, NaN and None included)."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    p = [float(x) for x in rng.choice([*rng.uniform(0, 1, 12), 0.02, 0.02, 1.0, 1e-9], 15)]
    given = [*p[:5], None, *p[5:10], float("nan"), *p[10:]]
    expected = iter(multipletests(p, method="holm")[1])
    want = [None if v is None or math.isnan(v) else float(next(expected)) for v in given]
    assert aar.adjust_p_values(given, "holm") == pytest.approx(want, abs=1e-15)


def _simulate(seed: int, irr: float, alpha: float, regions: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    effect = rng.lognormal(0.0, 0.6, regions)
    rows = []
    for i in range(regions):
        for op, ratio, days in (("B", 1.0, 368.0), ("T", irr, 125.0)):
            mean = 0.3 * effect[i] * ratio * days
            lam = rng.gamma(1 / alpha, alpha * mean) if alpha > 0 else mean
            rows.append((op, f"R{i:02d}", int(rng.poisson(lam)), days))
    return pl.DataFrame(rows, schema=["operation_id", "region", "incidents", "exposure"], orient="row")


def test_negative_binomial_regression_recovers_a_known_ratio() -> None:
    covered = 0
    for seed in range(20):
        result = aar.regress_counts(_simulate(seed, 1.5, 0.3), "B", "T", "days")
        assert result.irr is not None
        covered += result.ci_low < 1.5 < result.ci_high  # type: ignore[operator]
    assert covered >= 17  # nominal 95 %: 19 of 20 expected
    result = aar.regress_counts(_simulate(0, 1.5, 0.3), "B", "T", "days")
    assert result.method.startswith("negative binomial")
    assert result.dispersion == pytest.approx(0.3, rel=0.6)
    assert result.dispersion_p_value is not None
    assert result.dispersion_p_value < 0.05
    assert result.n_regions == 60


def test_regression_on_poisson_data_does_not_claim_overdispersion() -> None:
    result = aar.regress_counts(_simulate(3, 0.7, 0.0), "B", "T", "days")
    assert result.ci_low < 0.7 < result.ci_high  # type: ignore[operator]
    if result.method.startswith("negative binomial"):
        assert result.dispersion_p_value is not None
        assert result.dispersion_p_value > 0.01
    else:
        assert result.method.startswith("quasi-Poisson")


def test_regression_needs_three_regions() -> None:
    result = aar.regress_counts(_simulate(1, 1.5, 0.3, regions=2), "B", "T")
    assert result.irr is None
    assert result.method.startswith("not estimable")


def test_segmented_regression_recovers_level_and_slope_change() -> None:
    rng = np.random.default_rng(5)
    days = np.arange(-60, 31)
    after = days >= 0
    mean = np.exp(np.log(10) + 0.01 * days + np.log(2.0) * after - 0.03 * days * after)
    data = pl.DataFrame({"relative_day": days, "incidents": rng.poisson(mean)})
    result = aar.fit_segments(data, "T")
    assert result.level_ci[0] < 2.0 < result.level_ci[1]
    assert result.slope_change_ci[0] < math.exp(-0.03) < result.slope_change_ci[1]
    assert result.slope_before == pytest.approx(math.exp(0.01), abs=0.01)
    assert result.days == 91


@pytest.fixture(scope="module")
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


def test_ratio_table_rows_equal_rate_ratio_of_their_counts(sample: aar.Dataset) -> None:
    table = aar.ratio_table(sample, "category", region="18", adjust="holm")
    assert table["adjustment"][0] == "Holm"
    for r in table.iter_rows(named=True):
        rr = aar.rate_ratio(r["count_target"], r["exposure_target"], r["count_baseline"], r["exposure_baseline"])
        assert r["ratio"] == pytest.approx(rr.ratio)
        assert r["score_ci_low"] == pytest.approx(rr.ci_low)
        assert r["score_ci_high"] == pytest.approx(rr.ci_high)
        assert r["score_p_value"] == pytest.approx(rr.p_value)
        assert r["small_counts"] == rr.small_counts
        assert r["method"].startswith("quasi-Poisson")
    assert table["p_adjusted"].to_list() == pytest.approx(aar.adjust_p_values(table["p_value"].to_list(), "holm"))
    assert (table["p_adjusted"] >= table["p_value"] - 1e-12).all()
    # the sample builds in more communal clashes in the Pilkada
    bentrok = table.filter(pl.col("category") == "bentrok").row(0, named=True)
    assert bentrok["significant"]
    assert bentrok["ci_low"] > 1


def test_phase_ratios_use_per_day_exposures(sample: aar.Dataset) -> None:
    table = aar.ratio_table(sample, "phase", region="18")
    phases = aar.compare(sample, region="18").phases
    for r in table.iter_rows(named=True):
        row = phases.filter(pl.col("phase") == r["phase"]).row(0, named=True)
        assert r["exposure_baseline"] == row["days_baseline"]
        assert r["exposure_target"] == row["days_target"]
    assert "disputes" not in table["phase"].cast(pl.String).to_list()  # OMP has no disputes phase


def test_count_regression_on_the_sample(sample: aar.Dataset) -> None:
    result = aar.count_regression(sample, region="18")
    assert result.n_regions == 15
    assert result.irr is not None
    assert result.ci_low < result.irr < result.ci_high  # type: ignore[operator]
    assert result.irr > 1  # the Pilkada's daily rate is higher in the sample
    assert "region fixed effects" in result.method


def test_segmented_regression_on_the_sample_sees_the_voting_day_jump(sample: aar.Dataset) -> None:
    for op in ("OMB-2023-2024", "OMP-2024"):
        result = aar.segmented_regression(sample, op, region="18")
        assert result.level_change > 1
        assert result.level_ci[0] > 1
        assert result.data.height == result.days


def test_findings_carry_numbers_intervals_and_both_languages(sample: aar.Dataset) -> None:
    comparison = aar.compare(sample, region="18")
    m = comparison.metric
    overall = aar.rate_ratio(
        int(m("incidents")["target"]), m("days")["target"], int(m("incidents")["baseline"]), m("days")["baseline"]
    )
    found = aar.findings(
        sample,
        comparison,
        overall,
        aar.ratio_table(sample, "category", region="18"),
        aar.ratio_table(sample, "phase", region="18"),
    )
    first = found.row(0, named=True)
    assert first["kind"] == "improve"
    assert first["scope"] == "overall"
    assert first["ratio"] == pytest.approx(overall.ratio)
    from aar._reporting.findings_text import sentence

    names = {"OMB-2023-2024": "OMB 2023-2024", "OMP-2024": "OMP 2024"}
    indonesian = sentence(first, names, "OMB-2023-2024", "OMP-2024", "id")
    english = sentence(first, names, "OMB-2023-2024", "OMP-2024", "en")
    assert "naik" in indonesian and "IK 95%" in indonesian
    assert "rose" in english and "95% CI" in english
    kinds = set(found["kind"])
    assert kinds <= {"improve", "sustain"}
    evaluator = found.filter(pl.col("source") == "evaluator")
    assert evaluator.height >= 1
    assert evaluator["observation"].str.contains("CONTOH").all()
    category = found.filter(pl.col("scope") == "category")
    table = aar.ratio_table(sample, "category", region="18")
    assert set(category["subject"]) == set(table.filter(pl.col("significant"))["category"].cast(pl.String))
