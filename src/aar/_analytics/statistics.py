"""Statistics of a comparison, through statsmodels; every result states its method.

- `rate_ratio`: target rate / baseline rate with a confidence interval and a two-sided p-value.
  method "score" (default): the score test and the score interval of statsmodels.stats.rates
  (`test_poisson_2indep`, `confint_poisson_2indep`, method "score"), which keep their level with
  small counts better than the Wald interval. method "exact-cond": the exact conditional test
  (given n = y_t + y_b, y_t ~ Binomial(n, p) with p = R e_t / (R e_t + e_b)) and its
  Clopper-Pearson interval for p turned into R = p / (1 - p) x e_b / e_t.
- `ratio_table`: those ratios per category or per phase, with p-values adjusted for multiple
  comparisons (Holm by default, or Benjamini-Hochberg), ready for a forest plot.
- `count_regression`: a negative binomial (NB2) regression of the counts of each sub-region under
  both operations, with region fixed effects (each region compared with itself) and log exposure as
  offset; the operation's incidence rate ratio, its interval, the overdispersion alpha and a
  likelihood-ratio test of alpha = 0 (p halved: alpha lies on the boundary). When alpha cannot be
  estimated, a quasi-Poisson GLM (Pearson chi-square scale) is used instead, and said so.
- `segmented_regression`: an interrupted time series around voting day for one operation: daily
  counts ~ time + after + time x after (quasi-Poisson GLM), giving the level change at hari H and
  the change of slope, as rate ratios.

Counts below 5 events are flagged (`small_counts`), never hidden.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from .._data.dataset import Dataset
from .metrics import EXPOSURES, check_choice, check_region, rates, sub_level

SMALL_COUNT = 5
METHODS = ("score", "exact-cond")
ADJUSTMENTS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}


@dataclass(frozen=True)
class RateRatio:
    """Target rate / baseline rate with its interval and p-value (H0: ratio = 1)."""

    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    count_baseline: int
    exposure_baseline: float
    count_target: int
    exposure_target: float
    method: str
    alpha: float = 0.05

    @property
    def small_counts(self) -> bool:
        """True when either count is below 5 events: read the interval with care."""
        return min(self.count_baseline, self.count_target) < SMALL_COUNT

    @property
    def significant(self) -> bool:
        """True when the interval excludes 1."""
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 1 or self.ci_high < 1)


def rate_ratio(
    count_target: int,
    exposure_target: float,
    count_baseline: int,
    exposure_baseline: float,
    method: str = "score",
    alpha: float = 0.05,
) -> RateRatio:
    """Rate ratio (target / baseline) of two Poisson counts with their exposures.

    >>> rr = rate_ratio(30, 100, 20, 100)
    >>> round(rr.ratio, 3), round(rr.p_value, 4)
    (1.5, 0.1573)
    """
    from statsmodels.stats.proportion import proportion_confint
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    check_choice("method", method, METHODS)
    if not 0 < alpha < 1:
        check_choice("alpha", alpha, ["a number between 0 and 1, e.g. 0.05"])
    if exposure_target <= 0 or exposure_baseline <= 0:
        return RateRatio(
            None,
            None,
            None,
            None,
            count_baseline,
            exposure_baseline,
            count_target,
            exposure_target,
            f"{method}: no exposure",
            alpha,
        )
    if count_target == 0 and count_baseline == 0:
        return RateRatio(
            None,
            None,
            None,
            1.0,
            count_baseline,
            exposure_baseline,
            count_target,
            exposure_target,
            f"{method}: no events",
            alpha,
        )
    ratio = (count_target / exposure_target) / (count_baseline / exposure_baseline) if count_baseline else math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels divides by a zero rate when a count is 0
        test = test_poisson_2indep(
            count_target, exposure_target, count_baseline, exposure_baseline, method=method, compare="ratio"
        )
        if method == "score":
            low, high = confint_poisson_2indep(
                count_target,
                exposure_target,
                count_baseline,
                exposure_baseline,
                method="score",
                compare="ratio",
                alpha=alpha,
            )
    if method == "score":
        name = "score test and score interval (statsmodels.stats.rates)"
    else:
        n = count_target + count_baseline
        p_low, p_high = proportion_confint(count_target, n, alpha=alpha, method="beta")
        scale = exposure_baseline / exposure_target
        low = p_low / (1 - p_low) * scale
        high = p_high / (1 - p_high) * scale if p_high < 1 else math.inf
        name = "exact conditional binomial test, Clopper-Pearson interval"
    return RateRatio(
        ratio,
        _finite(low),
        _finite(high),
        float(test.pvalue),
        count_baseline,
        exposure_baseline,
        count_target,
        exposure_target,
        name,
        alpha,
    )


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def adjust_p_values(p_values: list[float | None], adjust: str = "holm") -> list[float | None]:
    """Holm ("holm") or Benjamini-Hochberg ("fdr_bh") adjusted p-values; None stays None."""
    from statsmodels.stats.multitest import multipletests

    check_choice("adjust", adjust, list(ADJUSTMENTS))
    present = [i for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    out: list[float | None] = [None] * len(p_values)
    if present:
        adjusted = multipletests([p_values[i] for i in present], method=adjust)[1]
        for i, value in zip(present, adjusted, strict=True):
            out[i] = float(value)
    return out


def ratio_table(
    ds: Dataset,
    by: str = "category",
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    method: str = "score",
    adjust: str = "holm",
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Rate ratios per category, category group or phase, ready for a forest plot.

    Columns: the key, count and exposure of both operations, ratio, ci_low, ci_high, p_value,
    p_adjusted, significant (adjusted p below alpha), small_counts, method, adjustment.
    Rows where an operation has no exposure (a phase the other operation lacks) are left out.
    """
    check_choice("by", by, ("category", "category_group", "phase"))
    check_choice("exposure", exposure, EXPOSURES)
    check_choice("adjust", adjust, list(ADJUSTMENTS))
    code = check_region(ds, region)
    frame = rates(ds, ["operation_id", by], code)
    base = frame.filter(pl.col("operation_id") == baseline).select(
        by, count_baseline="incidents", exposure_baseline=exposure
    )
    targ = frame.filter(pl.col("operation_id") == target).select(by, count_target="incidents", exposure_target=exposure)
    both = (
        base.join(targ, on=by, how="inner")
        .filter((pl.col("exposure_baseline") > 0) & (pl.col("exposure_target") > 0))
        .sort(by)
    )
    results = [
        rate_ratio(r["count_target"], r["exposure_target"], r["count_baseline"], r["exposure_baseline"], method, alpha)
        for r in both.iter_rows(named=True)
    ]
    adjusted = adjust_p_values([r.p_value for r in results], adjust)
    return both.with_columns(
        ratio=pl.Series([r.ratio for r in results], dtype=pl.Float64),
        ci_low=pl.Series([r.ci_low for r in results], dtype=pl.Float64),
        ci_high=pl.Series([r.ci_high for r in results], dtype=pl.Float64),
        p_value=pl.Series([r.p_value for r in results], dtype=pl.Float64),
        p_adjusted=pl.Series(adjusted, dtype=pl.Float64),
        small_counts=pl.Series([r.small_counts for r in results], dtype=pl.Boolean),
        method=pl.lit(results[0].method if results else method),
        adjustment=pl.lit(ADJUSTMENTS[adjust]),
    ).with_columns(significant=(pl.col("p_adjusted") < alpha).fill_null(False))


@dataclass(frozen=True)
class RegressionResult:
    """The operation's incidence rate ratio from a count regression across sub-regions."""

    irr: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    dispersion: float | None
    """NB2 alpha (variance = mu + alpha mu^2), or the quasi-Poisson scale (variance = scale x mu)."""
    dispersion_p_value: float | None
    """Likelihood-ratio test of alpha = 0 (negative binomial against Poisson), halved for the boundary."""
    method: str
    n_regions: int
    data: pl.DataFrame

    @property
    def small_counts(self) -> bool:
        total = self.data.group_by("operation_id").agg(pl.col("incidents").sum())["incidents"]
        return bool(total.len() < 2 or total.min() < SMALL_COUNT)  # type: ignore[operator]


def count_regression(
    ds: Dataset,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    alpha: float = 0.05,
) -> RegressionResult:
    """Negative binomial regression across the sub-regions of `region` (see the module doc)."""
    check_choice("exposure", exposure, EXPOSURES)
    code = check_region(ds, region)
    frame = rates(ds, ["operation_id", "region"], code, sub_level(code))
    data = frame.filter(pl.col("operation_id").is_in([baseline, target])).select(
        "operation_id", "region", "incidents", exposure=exposure
    )
    return regress_counts(data, baseline, target, exposure, alpha)


def regress_counts(
    data: pl.DataFrame, baseline: str, target: str, exposure_name: str = "exposure", alpha: float = 0.05
) -> RegressionResult:
    """The regression of `count_regression` on a frame of operation_id, region, incidents, exposure.

    Regions need both operations and a positive exposure; at least 3 such regions are needed.
    """
    import statsmodels.api as sm
    from scipy import stats

    data = data.filter(pl.col("operation_id").is_in([baseline, target]) & (pl.col("exposure") > 0))
    paired = data.group_by("region").agg(n=pl.col("operation_id").n_unique()).filter(pl.col("n") == 2)["region"]
    data = data.filter(pl.col("region").is_in(paired.implode())).sort("region", "operation_id")
    n_regions = paired.len()
    if n_regions < 3 or data["incidents"].sum() == 0:
        return RegressionResult(
            None,
            None,
            None,
            None,
            None,
            None,
            f"not estimable: {n_regions} sub-regions with both operations (3 or more needed)",
            n_regions,
            data,
        )
    regions = sorted(set(data["region"]))
    y = data["incidents"].to_numpy().astype(float)
    is_target = (data["operation_id"] == target).to_numpy().astype(float)
    dummies = (
        np.column_stack([(data["region"] == r).to_numpy().astype(float) for r in regions[1:]])
        if len(regions) > 1
        else np.empty((len(y), 0))
    )
    x = np.column_stack([np.ones(len(y)), is_target, dummies])
    offset = np.log(data["exposure"].to_numpy().astype(float))
    z = stats.norm.ppf(1 - alpha / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
        try:
            nb = sm.NegativeBinomial(y, x, offset=offset, loglike_method="nb2").fit(
                disp=0, maxiter=200, start_params=np.append(poisson.params, 0.1)
            )
            nb_ok = (
                bool(nb.mle_retvals.get("converged", False)) and np.all(np.isfinite(nb.bse)) and nb.params[-1] > 1e-8
            )
        except (np.linalg.LinAlgError, ValueError):
            nb_ok = False
    if nb_ok:
        beta, se = float(nb.params[1]), float(nb.bse[1])
        dispersion = float(nb.params[-1])
        lr = max(2 * (nb.llf - poisson.llf), 0.0)
        dispersion_p = float(0.5 * stats.chi2.sf(lr, 1))
        p = float(nb.pvalues[1])
        method = f"negative binomial (NB2) regression with region fixed effects, log({exposure_name}) offset; Wald interval; LR test of overdispersion"
    else:
        quasi = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
        beta, se = float(quasi.params[1]), float(quasi.bse[1])
        dispersion, dispersion_p = float(quasi.scale), None
        p = float(quasi.pvalues[1])
        method = f"quasi-Poisson GLM (Pearson scale) with region fixed effects, log({exposure_name}) offset: the negative binomial alpha was estimated at its boundary (0) or did not converge"
    return RegressionResult(
        _exp(beta), _exp(beta - z * se), _exp(beta + z * se), p, dispersion, dispersion_p, method, n_regions, data
    )


@dataclass(frozen=True)
class SegmentedResult:
    """Interrupted time series around voting day for one operation; None where not estimable."""

    operation_id: str
    level_change: float | None
    """Rate ratio of the jump at hari H (after / before, at day 0)."""
    level_ci: tuple[float | None, float | None]
    level_p_value: float | None
    slope_before: float | None
    """Daily rate ratio before hari H (1.01: +1 % a day)."""
    slope_change: float | None
    """Ratio of the daily rate ratios after / before."""
    slope_change_ci: tuple[float | None, float | None]
    slope_change_p_value: float | None
    dispersion: float | None
    days: int
    method: str
    data: pl.DataFrame

    @property
    def estimable(self) -> bool:
        return self.level_change is not None


MIN_SEGMENT_EVENTS = 10
"""Events needed on each side of hari H before a segmented regression is fitted."""


def _exp(value: float) -> float | None:
    """exp(value), or None when it overflows (a coefficient the data cannot pin down)."""
    try:
        result = math.exp(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def segmented_regression(
    ds: Dataset, operation: str, region: str | None = None, window: tuple[int, int] = (-60, 30), alpha: float = 0.05
) -> SegmentedResult:
    """Segmented quasi-Poisson regression of daily counts on days relative to voting day.

    log E[y_t] = b0 + b1 t + b2 after_t + b3 t after_t, after_t = 1 from hari H (t = 0) on,
    over the days of `window` the operation covers; the Pearson scale absorbs overdispersion.
    """
    check_choice("operation", operation, list(ds.operations["operation_id"]))
    code = check_region(ds, region)
    lo, hi = window
    if lo >= 0 or hi < 1:
        check_choice("window", window, ["(start, end) with start < 0 < end, e.g. (-60, 30)"])
    daily = rates(ds, ["operation_id", "relative_day"], code).filter(
        (pl.col("operation_id") == operation) & pl.col("relative_day").is_between(lo, hi)
    )
    return fit_segments(daily.select("relative_day", "incidents"), operation, alpha)


def fit_segments(data: pl.DataFrame, operation: str = "", alpha: float = 0.05) -> SegmentedResult:
    """The regression of `segmented_regression` on a frame of relative_day and incidents."""
    import statsmodels.api as sm
    from scipy import stats

    data = data.sort("relative_day")
    t = data["relative_day"].to_numpy().astype(float)
    y = data["incidents"].to_numpy().astype(float)
    before, after_events = float(y[t < 0].sum()), float(y[t >= 0].sum())
    if min(before, after_events) < MIN_SEGMENT_EVENTS or len(t) < 8:
        reason = f"not estimable: {before:.0f} events before and {after_events:.0f} from hari H on ({MIN_SEGMENT_EVENTS} needed on each side)"
        return SegmentedResult(
            operation, None, (None, None), None, None, None, (None, None), None, None, len(t), reason, data
        )
    after = (t >= 0).astype(float)
    x = np.column_stack([np.ones(len(t)), t, after, t * after])
    z = stats.norm.ppf(1 - alpha / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    params, bse, pvalues = fit.params, fit.bse, fit.pvalues

    def ci(i: int) -> tuple[float | None, float | None]:
        return (_exp(params[i] - z * bse[i]), _exp(params[i] + z * bse[i]))

    return SegmentedResult(
        operation,
        _exp(params[2]),
        ci(2),
        float(pvalues[2]),
        _exp(params[1]),
        _exp(params[3]),
        ci(3),
        float(pvalues[3]),
        float(fit.scale),
        len(t),
        "segmented (interrupted time series) quasi-Poisson GLM: time, after hari H, time x after; Pearson scale",
        data,
    )
