"""Numbers for labels: population rates per 30 days, crime-clock changes, percentage points,
dispersion kinds, t intervals of quasi-Poisson fits, and the headline statistics for the sidecar."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

import aar

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


@pytest.mark.parametrize("region", ["18", "18.72"])
def test_population_rates_per_30_days_follow_exposure(sample: aar.Dataset, region: str) -> None:
    c = aar.compare(sample, region=region)
    totals = {r["operation_id"]: r for r in aar.rates(sample, ["operation_id"], region=region).iter_rows(named=True)}
    for side, op in (("baseline", c.baseline), ("target", c.target)):
        row = totals[op]
        voters = c.metric("per_100k_voters_per_30_days")[side]
        assert voters == pytest.approx(row["incidents"] / (row["voters"] * row["days"]) * 100_000 * 30)
        tps = c.metric("per_1000_tps_per_30_days")[side]
        assert tps == pytest.approx(row["incidents"] / (row["tps"] * row["days"]) * 1_000 * 30)
        whole = c.metric("per_100k_voters_whole_operation")[side]
        assert whole == pytest.approx(row["incidents"] / row["voters"] * 100_000)
    # voters barely change between the elections: per voter per 30 days moves with the per-day rate,
    # while the whole-operation total falls because OMP is a third as long
    assert c.metric("per_100k_voters_per_30_days")["direction"] == c.metric("per_day")["direction"] == "naik"
    assert c.metric("per_100k_voters_whole_operation")["direction"] == "turun"
    assert c.population.filter(pl.col("whole_operation"))["metric"].str.ends_with("_whole_operation").all()
    assert c.tps_changed  # TPS were merged for the Pilkada


def test_clearance_change_is_in_percentage_points(sample: aar.Dataset) -> None:
    c = aar.compare(sample, region="18")
    row = c.metric("clearance_rate")
    assert c.clearance_change_points == pytest.approx((row["target"] - row["baseline"]) * 100)
    assert aar.percentage_points(0.5, 0.25) == pytest.approx(-25.0)
    assert aar.percentage_points(None, 0.25) is None


@pytest.mark.parametrize(
    ("seconds", "sign", "parts"),
    [
        (-2413, -1, (0, 0, 40, 13)),  # divmod(-2413, 60) would give -41 min 47 s
        (2413, 1, (0, 0, 40, 13)),
        (-839_832, -1, (9, 17, 17, 12)),  # not "-13997 menit 12 detik"
        (0, 0, (0, 0, 0, 0)),
    ],
)
def test_duration_parts_keep_the_sign_apart(seconds: float, sign: int, parts: tuple[int, ...]) -> None:
    d = aar.duration_parts(seconds)
    assert d["sign"] == sign
    assert (d["days"], d["hours"], d["minutes"], d["seconds"]) == parts
    assert sign * (d["days"] * 86_400 + d["hours"] * 3_600 + d["minutes"] * 60 + d["seconds"]) == seconds


def test_crime_clock_change_both_ways() -> None:
    faster = aar.crime_clock_change(2 * 3600 + 27 * 60, 1 * 3600 + 46 * 60)  # every 2 h 27 min -> 1 h 46 min
    assert faster is not None
    assert faster["difference_seconds"] == -41 * 60
    assert faster["more_often"] is True
    assert faster["difference"] == {"sign": -1, "days": 0, "hours": 0, "minutes": 41, "seconds": 0}
    slower = aar.crime_clock_change(1 * 3600 + 46 * 60, 2 * 3600 + 27 * 60)
    assert slower is not None
    assert slower["difference_seconds"] == 41 * 60
    assert slower["more_often"] is False
    assert aar.crime_clock_change(None, 10.0) is None


def test_quasi_poisson_regression_says_its_dispersion_is_phi_and_uses_t(sample: aar.Dataset) -> None:
    result = aar.count_regression(sample, region="18")
    if result.method.startswith("quasi-Poisson"):
        assert result.dispersion_kind == "quasi_poisson_phi"
        assert result.df == result.n_regions - 1  # 2 x regions rows, regions + 1 parameters
        data = result.data
        regions = sorted(set(data["region"]))
        x = np.column_stack(
            [np.ones(data.height), (data["operation_id"] == "OMP-2024").to_numpy().astype(float)]
            + [(data["region"] == r).to_numpy().astype(float) for r in regions[1:]]
        )
        fit = sm.GLM(
            data["incidents"].to_numpy().astype(float),
            x,
            family=sm.families.Poisson(),
            offset=np.log(data["exposure"].to_numpy().astype(float)),
        ).fit(scale="X2")
        q = stats.t.ppf(0.975, fit.df_resid)
        assert result.dispersion == pytest.approx(fit.scale, rel=1e-9)
        assert result.ci_high == pytest.approx(math.exp(fit.params[1] + q * fit.bse[1]), rel=1e-9)
        assert result.p_value == pytest.approx(2 * stats.t.sf(abs(fit.params[1] / fit.bse[1]), fit.df_resid))
    else:
        assert result.dispersion_kind == "nb2_alpha"


def test_negative_binomial_regression_says_alpha() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):
        effect = rng.lognormal(0, 0.6)
        for op, ratio, days in (("B", 1.0, 368.0), ("T", 1.5, 125.0)):
            rows.append(
                (op, f"R{i:02d}", int(rng.poisson(rng.gamma(1 / 0.3, 0.3 * 0.3 * effect * ratio * days))), days)
            )
    data = pl.DataFrame(rows, schema=["operation_id", "region", "incidents", "exposure"], orient="row")
    result = aar.regress_counts(data, "B", "T")
    assert result.method.startswith("negative binomial")
    assert result.dispersion_kind == "nb2_alpha"
    assert result.df is None


def test_segmented_regression_uses_t_on_the_residual_df() -> None:
    rng = np.random.default_rng(2)
    days = np.arange(-20, 10)
    y = rng.poisson(np.exp(2 + 0.02 * days + 0.5 * (days >= 0)))
    result = aar.fit_segments(pl.DataFrame({"relative_day": days, "incidents": y}))
    after = (days >= 0).astype(float)
    x = np.column_stack([np.ones(days.size), days, after, days * after])
    fit = sm.GLM(y.astype(float), x, family=sm.families.Poisson()).fit(scale="X2")
    q = stats.t.ppf(0.975, 26)
    assert result.df == 26
    assert result.dispersion_kind == "quasi_poisson_phi"
    assert result.level_ci[1] == pytest.approx(math.exp(fit.params[2] + q * fit.bse[2]), rel=1e-9)
    assert result.level_p_value == pytest.approx(2 * stats.t.sf(abs(fit.params[2] / fit.bse[2]), 26), rel=1e-9)


def test_headline_statistics_are_plain_json_with_method_interval_p_and_exposure(sample: aar.Dataset) -> None:
    h = aar.headline_statistics(sample, region="18.72")
    text = json.dumps(h, allow_nan=False)  # no infinity or NaN in the sidecar
    assert "rate_ratio_stat" not in text
    for key in ("rate_ratio", "rate_ratio_score"):
        stat = h[key]
        assert isinstance(stat, dict)
        assert {"ratio", "ci_low", "ci_high", "p_value", "method", "exposure_baseline", "exposure_target"} <= set(stat)
    headline, score = h["rate_ratio"], h["rate_ratio_score"]
    assert isinstance(headline, dict) and isinstance(score, dict)
    assert headline["method"].startswith("quasi-Poisson")
    assert score["method"].startswith("score")
    assert headline["ratio"] == pytest.approx(score["ratio"])
    direct = aar.overall_ratio(sample, region="18.72")
    assert headline["ci_low"] == pytest.approx(direct.ci_low)
    reg = h["count_regression"]
    assert isinstance(reg, dict)
    assert reg["dispersion_kind"] in ("nb2_alpha", "quasi_poisson_phi", None)
    assert reg["exposure"] == "days"
    assert set(h["segmented"]) == {"OMB-2023-2024", "OMP-2024"}  # type: ignore[arg-type]
    assert h["attribution"] == "named"


def test_findings_decide_the_overall_rate_by_the_day_level_interval(sample: aar.Dataset) -> None:
    published = aar.publish_comparison(sample, region="18")
    headline = aar.overall_ratio(sample, region="18")
    found = published.findings
    overall = found.filter((pl.col("scope") == "overall") & (pl.col("metric") == "per_day")).row(0, named=True)
    assert overall["kind"] == "improve"
    assert overall["ci_low"] == pytest.approx(headline.ci_low)
    assert overall["p_value"] == pytest.approx(headline.p_value)
    assert headline.method.startswith("quasi-Poisson")


def test_a_withheld_headline_gives_no_overall_finding(sample: aar.Dataset) -> None:
    comparison = aar.compare(sample, region="18")
    found = aar.findings(
        sample,
        comparison,
        None,
        aar.ratio_table(sample, "category", region="18"),
        aar.ratio_table(sample, "phase", region="18"),
    )
    assert found.filter(pl.col("scope") == "overall").filter(pl.col("metric") == "per_day").is_empty()
