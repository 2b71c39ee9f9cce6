"""Statistics of a comparison, through statsmodels; every result states its method.

- `rate_ratio`: target rate / baseline rate with a confidence interval and a two-sided p-value.
  method "score" (default): the score test of statsmodels.stats.rates (`test_poisson_2indep`,
  method "score") and the interval that inverts it (`confint_poisson_2indep`'s, in closed form:
  `_score_interval`), which keep their level with small counts better than the Wald interval. method "exact-cond": the exact conditional test
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
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from .._data.dataset import Dataset
from .._errors import UsageError
from .metrics import EXPOSURES, NATIONAL, attribution_rule, check_choice, check_region, rates, sub_level

SMALL_COUNT = 5
METHODS = ("score", "exact-cond")
ADJUSTMENTS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}


@dataclass(frozen=True)
class RateRatio:
    """Target rate / baseline rate with its interval and p-value (H0: ratio = 1).

    A zero count on one side has a one-sided interval: [0, ci_high] when the target has no events
    (ratio 0), [ci_low, unbounded) when the baseline has none (ratio None, `upper_unbounded`
    True, ci_high None: JSON has no infinity). `df` is the t quantile's degrees of freedom (None:
    normal quantile or exact), `dispersion` the variance / mean ratio the interval allowed for
    (None: Poisson, 1).
    """

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
    df: float | None = None
    dispersion_baseline: float | None = None
    dispersion_target: float | None = None

    @property
    def small_counts(self) -> bool:
        """True when either count is below 5 events: read the interval with care."""
        return min(self.count_baseline, self.count_target) < SMALL_COUNT

    @property
    def zero_side(self) -> str | None:
        """ "target" or "baseline" when exactly that side has no events, else None."""
        if self.count_target == 0 and self.count_baseline > 0:
            return "target"
        if self.count_baseline == 0 and self.count_target > 0:
            return "baseline"
        return None

    @property
    def upper_unbounded(self) -> bool:
        """True when the interval has no upper bound (no baseline events): [ci_low, infinity)."""
        return self.zero_side == "baseline"

    @property
    def significant(self) -> bool:
        """True when the ratio differs from 1 at level alpha.

        With a zero side, from the test's p-value (a one-sided interval is not read alone);
        otherwise when the interval excludes 1.
        """
        if self.zero_side is not None:
            return self.p_value is not None and self.p_value < self.alpha
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 1 or self.ci_high < 1)

    def as_dict(self) -> dict[str, object]:
        """Every field and derived flag as plain values (for a JSON sidecar)."""
        return {
            "ratio": self.ratio,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "upper_unbounded": self.upper_unbounded,
            "zero_side": self.zero_side,
            "p_value": self.p_value,
            "significant": self.significant,
            "alpha": self.alpha,
            "method": self.method,
            "df": self.df,
            "dispersion_baseline": self.dispersion_baseline,
            "dispersion_target": self.dispersion_target,
            "count_baseline": self.count_baseline,
            "exposure_baseline": self.exposure_baseline,
            "count_target": self.count_target,
            "exposure_target": self.exposure_target,
            "small_counts": self.small_counts,
        }


def _check_counts(**values: float) -> None:
    """Counts and exposures must be non-negative numbers (UsageError otherwise)."""
    for name, value in values.items():
        if value is None or not math.isfinite(value) or value < 0:
            raise UsageError(name, value, "a number >= 0")


def _score_bound(y1: int, t1: float, y2: int, t2: float, alpha: float) -> float:
    """The finite bound of the score interval when one count is 0, by inverting the score test.

    The interval is {R : p(R) >= alpha} for the two-sided score test of H0: ratio = R
    (`test_poisson_2indep`, method "score"): with y1 = 0 it is [0, u], with y2 = 0 [l, infinity);
    this returns u or l (l is 0 when even a huge R is not rejected).
    """
    from scipy import optimize
    from statsmodels.stats.rates import test_poisson_2indep

    def p(log_r: float) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            test = test_poisson_2indep(y1, t1, y2, t2, value=math.exp(log_r), method="score", compare="ratio")
        return float(test.pvalue) - alpha

    estimate = math.log(((y1 or 0.5) / t1) / ((y2 or 0.5) / t2))  # a finite start inside the interval
    lo, hi = estimate - 1.0, estimate + 1.0
    if y1 == 0:  # p falls as R grows: find where it crosses alpha above the start
        while p(hi) > 0 and hi < 700:
            hi += 2.0
        while p(lo) < 0 and lo > -700:
            lo -= 2.0
        return math.exp(optimize.brentq(p, lo, hi, xtol=1e-12))
    while p(lo) > 0 and lo > -60:
        lo -= 2.0
    if p(lo) > 0:
        return 0.0
    while p(hi) < 0 and hi < 700:
        hi += 2.0
    return math.exp(optimize.brentq(p, lo, hi, xtol=1e-12))


def _score_interval(y1: int, t1: float, y2: int, t2: float, alpha: float) -> tuple[float, float]:
    """The score interval of the ratio (y1 / t1) / (y2 / t2), both counts above 0, in closed form.

    Given n = y1 + y2, the score statistic of H0: ratio = R is that of a binomial proportion
    p = R t1 / (R t1 + t2) (the constrained rates cancel), so the interval is Wilson's for
    y1 / n turned into R = p / (1 - p) x t2 / t1: statsmodels' `confint_poisson_2indep`
    (method "score") finds the same bounds by root search, to about 1e-5, in 4 ms a call.
    """
    from statsmodels.stats.proportion import proportion_confint

    p_low, p_high = proportion_confint(y1, y1 + y2, alpha=alpha, method="wilson")
    scale = t2 / t1
    return float(p_low / (1 - p_low) * scale), float(p_high / (1 - p_high) * scale)


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
    from statsmodels.stats.rates import test_poisson_2indep

    check_choice("method", method, METHODS)
    if not 0 < alpha < 1:
        check_choice("alpha", alpha, ["a number between 0 and 1, e.g. 0.05"])
    _check_counts(
        count_target=count_target,
        exposure_target=exposure_target,
        count_baseline=count_baseline,
        exposure_baseline=exposure_baseline,
    )
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
    ratio = (count_target / exposure_target) / (count_baseline / exposure_baseline) if count_baseline else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels divides by a zero rate when a count is 0
        test = test_poisson_2indep(
            count_target, exposure_target, count_baseline, exposure_baseline, method=method, compare="ratio"
        )
        if method == "score" and count_target and count_baseline:
            low, high = _score_interval(count_target, exposure_target, count_baseline, exposure_baseline, alpha)
    if method == "score":
        name = "score test and score interval (statsmodels.stats.rates)"
        if count_target == 0:
            low, high = 0.0, _score_bound(count_target, exposure_target, count_baseline, exposure_baseline, alpha)
            name += "; no target events: one-sided interval [0, u] by inverting the score test"
        elif count_baseline == 0:
            low = _score_bound(count_target, exposure_target, count_baseline, exposure_baseline, alpha)
            high = math.inf
            name += "; no baseline events: one-sided interval [l, unbounded) by inverting the score test"
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


QUASI = "quasi-poisson"
TABLE_METHODS = (QUASI, *METHODS)
QUASI_METHOD = (
    "quasi-Poisson GLM of the daily counts of each operation (log exposure offset), a Pearson scale per "
    "operation (at least 1); Wald interval of the log ratio with a t quantile (Welch-Satterthwaite degrees "
    "of freedom): the day is the unit of replication"
)


def day_dispersion(
    counts: Sequence[float] | np.ndarray,
    exposures: Sequence[float] | np.ndarray,
    strata: Sequence[object] | np.ndarray | None = None,
) -> tuple[float, int]:
    """(phi, df): the Pearson scale of a Poisson fit of daily counts with one rate per stratum.

    phi = X2 / (n - k), X2 = sum (y - mu)^2 / mu over days with a positive fitted mean, n those
    days and k the strata with events; floored at 1 (never less variation than Poisson). This is
    the scale `statsmodels` GLM(..., family=Poisson()).fit(scale="X2") estimates.
    """
    y = np.asarray(counts, dtype=float)
    e = np.asarray(exposures, dtype=float)
    keys = np.zeros(len(y), dtype=int) if strata is None else np.unique(np.asarray(strata), return_inverse=True)[1]
    keep = e > 0
    y, e, keys = y[keep], e[keep], keys[keep]
    total_y = np.bincount(keys, weights=y)
    total_e = np.bincount(keys, weights=e)
    rate = np.divide(total_y, total_e, out=np.zeros_like(total_y), where=total_e > 0)
    mu = rate[keys] * e
    fitted = mu > 0
    k = int((total_y > 0).sum())
    df = int(fitted.sum()) - k
    if df < 1:
        return 1.0, max(df, 0)
    x2 = float((((y - mu) ** 2)[fitted] / mu[fitted]).sum())
    return max(x2 / df, 1.0), df


def _quasi_ratio(
    count_target: float,
    exposure_target: float,
    count_baseline: float,
    exposure_baseline: float,
    scale_target: tuple[float, int],
    scale_baseline: tuple[float, int],
    alpha: float,
) -> RateRatio:
    """The quasi-Poisson ratio of two totals, given each operation's (phi, df)."""
    from scipy import stats

    (phi_t, df_t), (phi_b, df_b) = scale_target, scale_baseline
    y_t, y_b = round(count_target), round(count_baseline)
    one_zero = (y_t == 0) != (y_b == 0)
    nonzero_df = df_b if y_t == 0 else df_t
    if one_zero and exposure_target > 0 and exposure_baseline > 0 and nonzero_df >= 1:
        return _quasi_zero_side(y_t, exposure_target, y_b, exposure_baseline, scale_target, scale_baseline, alpha)
    if y_t == 0 or y_b == 0 or exposure_target <= 0 or exposure_baseline <= 0 or min(df_t, df_b) < 1:
        score = rate_ratio(y_t, exposure_target, y_b, exposure_baseline, "score", alpha)
        reason = "no events" if (y_t == 0 and y_b == 0) else "too few days"
        return replace(
            score,
            method=f"{score.method} (day-level quasi-Poisson interval not defined with {reason})",
            dispersion_baseline=phi_b,
            dispersion_target=phi_t,
        )
    ratio = (y_t / exposure_target) / (y_b / exposure_baseline)
    v_t, v_b = phi_t / y_t, phi_b / y_b
    se = math.sqrt(v_t + v_b)
    df = (v_t + v_b) ** 2 / (v_t**2 / df_t + v_b**2 / df_b)
    q = float(stats.t.ppf(1 - alpha / 2, df))
    log_r = math.log(ratio)
    p = float(2 * stats.t.sf(abs(log_r) / se, df))
    return RateRatio(
        ratio,
        _exp(log_r - q * se),
        _exp(log_r + q * se),
        p,
        y_b,
        exposure_baseline,
        y_t,
        exposure_target,
        QUASI_METHOD,
        alpha,
        df,
        phi_b,
        phi_t,
    )


def _quasi_zero_side(
    y_t: int,
    e_t: float,
    y_b: int,
    e_b: float,
    scale_target: tuple[float, int],
    scale_baseline: tuple[float, int],
    alpha: float,
) -> RateRatio:
    """One side without events: the score interval with the other side's scale, in closed form.

    The score statistic of H0: ratio = R has z^2 = R y_b e_t / e_b when y_t = 0 and
    z^2 = y_t e_b / (R e_t) when y_b = 0. Divided by the Pearson scale phi of the side with events
    (the empty side has no residuals to estimate one) and compared with the t quantile q on that
    side's degrees of freedom, {R : z^2 / phi <= q^2} is [0, q^2 phi e_b / (y_b e_t)] or
    [y_t e_b / (e_t q^2 phi), unbounded); the p-value is the t test of z(1) / sqrt(phi). With
    phi = 1 and an infinite df it is exactly the one-sided score interval of `rate_ratio`.
    """
    from scipy import stats

    phi, df = scale_baseline if y_t == 0 else scale_target
    q = float(stats.t.ppf(1 - alpha / 2, df))
    if y_t == 0:
        low, high, ratio, z2 = 0.0, q**2 * phi * e_b / (y_b * e_t), 0.0, y_b * e_t / e_b
        side = "no target events: one-sided interval [0, u]"
    else:
        low, high, ratio, z2 = y_t * e_b / (e_t * q**2 * phi), None, None, y_t * e_b / e_t
        side = "no baseline events: one-sided interval [l, unbounded)"
    p = float(2 * stats.t.sf(math.sqrt(z2 / phi), df))
    method = (
        f"day-level quasi-Poisson score interval, {side}: the score statistic divided by the Pearson "
        "scale of the operation with events, t quantile on its degrees of freedom"
    )
    (phi_t, _), (phi_b, _) = scale_target, scale_baseline
    return RateRatio(ratio, low, high, p, y_b, e_b, y_t, e_t, method, alpha, float(df), phi_b, phi_t)


def quasi_rate_ratio(
    counts_target: Sequence[float] | np.ndarray,
    exposures_target: Sequence[float] | np.ndarray,
    counts_baseline: Sequence[float] | np.ndarray,
    exposures_baseline: Sequence[float] | np.ndarray,
    alpha: float = 0.05,
) -> RateRatio:
    """Rate ratio of two operations from their daily counts and exposures, the day as the unit.

    Each operation's daily counts get a Poisson GLM with log(exposure) offset and a Pearson scale
    phi (`day_dispersion`): Var(log rate) = phi / events. The log ratio's interval uses the t
    quantile with Welch-Satterthwaite degrees of freedom; the p-value is the matching t test.
    Overdispersion and shocks common to a whole day (which a Poisson interval ignores) widen it.
    With a zero count on one side it is the one-sided score interval of `rate_ratio`, and says so.

    >>> rr = quasi_rate_ratio([3, 0, 5, 2], [1, 1, 1, 1], [1, 2, 1, 0, 1, 1], [1] * 6)
    >>> round(rr.ratio, 3), round(rr.dispersion_target, 3), round(rr.df, 1)
    (2.5, 1.733, 7.4)
    """
    if not 0 < alpha < 1:
        check_choice("alpha", alpha, ["a number between 0 and 1, e.g. 0.05"])
    arrays = {
        "counts_target": counts_target,
        "exposures_target": exposures_target,
        "counts_baseline": counts_baseline,
        "exposures_baseline": exposures_baseline,
    }
    values = {k: np.asarray(v, dtype=float) for k, v in arrays.items()}
    for name, value in values.items():
        if value.ndim != 1 or (value.size and (not np.all(np.isfinite(value)) or value.min() < 0)):
            raise UsageError(name, "negative, missing or non-finite values", "a sequence of numbers >= 0, one a day")
    for side in ("target", "baseline"):
        if values[f"counts_{side}"].shape != values[f"exposures_{side}"].shape:
            raise UsageError(f"exposures_{side}", "a different length", f"one exposure for each of counts_{side}")
    y_t, e_t, y_b, e_b = values.values()
    return _quasi_ratio(
        float(y_t.sum()),
        float(e_t.sum()),
        float(y_b.sum()),
        float(e_b.sum()),
        day_dispersion(y_t, e_t),
        day_dispersion(y_b, e_b),
        alpha,
    )


def _daily(ds: Dataset, keys: list[str], code: str | None, exposure: str) -> pl.DataFrame:
    """Daily counts and the day's exposure weight per operation and `keys` (voters, tps: 1 a day)."""
    frame = rates(ds, ["operation_id", *keys, "occurred_on"], code)
    weight = pl.lit(1.0) if exposure in ("voters", "tps") else pl.col(exposure).cast(pl.Float64)
    return frame.select("operation_id", *keys, "occurred_on", "incidents", weight.alias("weight"))


def _scales(daily: pl.DataFrame, operation: str, stratum: str | None) -> dict[object, tuple[float, int]]:
    """(phi, df) per stratum value of one operation (one shared value when `stratum` is a model factor)."""
    rows = daily.filter(pl.col("operation_id") == operation)
    if stratum is None:
        return {None: day_dispersion(rows["incidents"].to_numpy(), rows["weight"].to_numpy())}
    if stratum == "phase":  # one model for the operation, a rate per phase: the scale has all the days
        phases = rows["phase"].cast(pl.String).to_numpy()
        shared = day_dispersion(rows["incidents"].to_numpy(), rows["weight"].to_numpy(), phases)
        return {p: shared for p in rows["phase"].unique().to_list()}
    return {
        key[0]: day_dispersion(group["incidents"].to_numpy(), group["weight"].to_numpy())
        for key, group in rows.group_by(stratum, maintain_order=True)
    }


def overall_ratio(
    ds: Dataset,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    method: str = QUASI,
    alpha: float = 0.05,
) -> RateRatio:
    """The headline rate ratio of `target` against `baseline` in `region` for `exposure`.

    method "quasi-poisson" (default): `quasi_rate_ratio` on the region's daily counts, the day as
    unit of replication; "score" or "exact-cond": `rate_ratio` on the totals (Poisson).
    """
    check_choice("method", method, TABLE_METHODS)
    check_choice("exposure", exposure, EXPOSURES)
    code = check_region(ds, region)
    totals = {r["operation_id"]: r for r in rates(ds, ["operation_id"], code).iter_rows(named=True)}
    b, t = totals.get(baseline), totals.get(target)
    if b is None or t is None:
        check_choice("operation", baseline if b is None else target, list(totals))
    assert b is not None and t is not None
    if method != QUASI:
        return rate_ratio(t["incidents"], t[exposure], b["incidents"], b[exposure], method, alpha)
    daily = _daily(ds, [], code, exposure)
    return _quasi_ratio(
        t["incidents"],
        t[exposure],
        b["incidents"],
        b[exposure],
        _scales(daily, target, None)[None],
        _scales(daily, baseline, None)[None],
        alpha,
    )


def adjust_p_values(p_values: list[float | None], adjust: str = "holm") -> list[float | None]:
    """Holm ("holm") or Benjamini-Hochberg ("fdr_bh") adjusted p-values; None stays None.

    Holm is its step-down formula: the i-th smallest of m p-values times m - i + 1, made
    non-decreasing, at most 1 (statsmodels' `multipletests` computes the same but runs a full
    garbage collection on every Holm call, about 50 ms in a kernel holding a report's objects).
    Benjamini-Hochberg is statsmodels'.

    >>> adjust_p_values([0.01, 0.04, 0.03, None])
    [0.03, 0.06, 0.06, None]
    """
    check_choice("adjust", adjust, list(ADJUSTMENTS))
    present = [i for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    if adjust == "holm":
        m = len(present)
        running = 0.0
        for rank, i in enumerate(sorted(present, key=lambda i: p_values[i])):  # type: ignore[arg-type,return-value]
            running = max(running, min(1.0, (m - rank) * float(p_values[i])))  # type: ignore[arg-type]
            out[i] = running
        return out
    from statsmodels.stats.multitest import multipletests

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
    method: str = QUASI,
    adjust: str = "holm",
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Rate ratios per category, category group or phase, ready for a forest plot.

    Columns: the key, count and exposure of both operations, ratio, ci_low, ci_high, p_value,
    p_adjusted, significant (adjusted p below alpha), small_counts, method, adjustment, df,
    dispersion_baseline, dispersion_target, zero_side, upper_unbounded, and the Poisson score
    interval as a stated secondary (score_ci_low, score_ci_high, score_p_value).
    method "quasi-poisson" (default) takes the day as the unit of replication: each category's
    daily counts get their own scale per operation; phases share their operation's scale (a model
    with a rate per phase over all its days), since a phase can be two days long.
    Rows where an operation has no exposure (a phase the other operation lacks) are left out.
    """
    check_choice("by", by, ("category", "category_group", "phase"))
    check_choice("exposure", exposure, EXPOSURES)
    check_choice("method", method, TABLE_METHODS)
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
    rows = list(both.iter_rows(named=True))
    score = [
        rate_ratio(r["count_target"], r["exposure_target"], r["count_baseline"], r["exposure_baseline"], "score", alpha)
        for r in rows
    ]
    if method == QUASI:
        daily = _daily(ds, [by], code, exposure)
        scales_t, scales_b = _scales(daily, target, by), _scales(daily, baseline, by)
        results = [
            _quasi_ratio(
                r["count_target"],
                r["exposure_target"],
                r["count_baseline"],
                r["exposure_baseline"],
                scales_t.get(r[by], (1.0, 0)),
                scales_b.get(r[by], (1.0, 0)),
                alpha,
            )
            for r in rows
        ]
    elif method == "score":
        results = score
    else:
        results = [
            rate_ratio(
                r["count_target"], r["exposure_target"], r["count_baseline"], r["exposure_baseline"], method, alpha
            )
            for r in rows
        ]
    adjusted = adjust_p_values([r.p_value for r in results], adjust)
    methods = [r.method for r in results]
    return both.with_columns(
        ratio=pl.Series([r.ratio for r in results], dtype=pl.Float64),
        ci_low=pl.Series([r.ci_low for r in results], dtype=pl.Float64),
        ci_high=pl.Series([r.ci_high for r in results], dtype=pl.Float64),
        p_value=pl.Series([r.p_value for r in results], dtype=pl.Float64),
        p_adjusted=pl.Series(adjusted, dtype=pl.Float64),
        small_counts=pl.Series([r.small_counts for r in results], dtype=pl.Boolean),
        method=pl.Series(methods, dtype=pl.String) if methods else pl.lit(method),
        adjustment=pl.lit(ADJUSTMENTS[adjust]),
        df=pl.Series([r.df for r in results], dtype=pl.Float64),
        dispersion_baseline=pl.Series([r.dispersion_baseline for r in results], dtype=pl.Float64),
        dispersion_target=pl.Series([r.dispersion_target for r in results], dtype=pl.Float64),
        zero_side=pl.Series([r.zero_side for r in results], dtype=pl.String),
        upper_unbounded=pl.Series([r.upper_unbounded for r in results], dtype=pl.Boolean),
        score_ci_low=pl.Series([r.ci_low for r in score], dtype=pl.Float64),
        score_ci_high=pl.Series([r.ci_high for r in score], dtype=pl.Float64),
        score_p_value=pl.Series([r.p_value for r in score], dtype=pl.Float64),
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
    dispersion_kind: str | None = None
    """What `dispersion` is: "nb2_alpha" (variance = mu + alpha mu^2) or "quasi_poisson_phi"
    (variance = phi x mu); None when not estimable."""
    df: float | None = None
    """Degrees of freedom of the t quantile (quasi-Poisson: the residual df); None: normal (NB2 Wald)."""

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
    """Negative binomial regression across the sub-regions of `region` (see the module doc).

    National rows left unattributed by the regional rows (region 00) are no sub-region: they
    are left out, as a fixed effect of "somewhere in the country" would say nothing of a region.
    """
    check_choice("exposure", exposure, EXPOSURES)
    code = check_region(ds, region)
    frame = rates(ds, ["operation_id", "region"], code, sub_level(code))
    data = frame.filter(pl.col("operation_id").is_in([baseline, target]) & (pl.col("region") != NATIONAL)).select(
        "operation_id", "region", "incidents", exposure=exposure
    )
    return regress_counts(data, baseline, target, exposure, alpha)


def regress_counts(
    data: pl.DataFrame, baseline: str, target: str, exposure_name: str = "exposure", alpha: float = 0.05
) -> RegressionResult:
    """The regression of `count_regression` on a frame of operation_id, region, incidents, exposure.

    Regions need both operations and a positive exposure; at least 3 such regions are needed.
    """
    from scipy import stats
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

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
        poisson = GLM(y, x, family=Poisson(), offset=offset).fit()
        try:
            nb = NegativeBinomial(y, x, offset=offset, loglike_method="nb2").fit(
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
        kind, df, q = "nb2_alpha", None, z
        method = f"negative binomial (NB2) regression with region fixed effects, log({exposure_name}) offset; Wald interval; LR test of overdispersion"
    else:
        quasi = GLM(y, x, family=Poisson(), offset=offset).fit(scale="X2")
        beta, se = float(quasi.params[1]), float(quasi.bse[1])
        dispersion, dispersion_p = float(quasi.scale), None
        kind, df = "quasi_poisson_phi", float(quasi.df_resid)
        q = float(stats.t.ppf(1 - alpha / 2, df))
        p = float(2 * stats.t.sf(abs(beta / se), df))
        method = f"quasi-Poisson GLM (Pearson scale) with region fixed effects, log({exposure_name}) offset, t interval on the residual degrees of freedom: the negative binomial alpha was estimated at its boundary (0) or did not converge"
    return RegressionResult(
        _exp(beta),
        _exp(beta - q * se),
        _exp(beta + q * se),
        p,
        dispersion,
        dispersion_p,
        method,
        n_regions,
        data,
        kind,
        df,
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
    df: float | None = None
    """Residual degrees of freedom of the t intervals and tests."""

    @property
    def dispersion_kind(self) -> str | None:
        """ "quasi_poisson_phi" (variance = phi x mu, the Pearson scale) when estimable."""
        return "quasi_poisson_phi" if self.dispersion is not None else None

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
    from scipy import stats
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GLM(y, x, family=Poisson()).fit(scale="X2")
    df = float(fit.df_resid)
    z = float(stats.t.ppf(1 - alpha / 2, df))  # the scale is estimated: t, not the normal quantile
    params, bse = fit.params, fit.bse
    pvalues = 2 * stats.t.sf(np.abs(params / bse), df)

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
        "segmented (interrupted time series) quasi-Poisson GLM: time, after hari H, time x after; Pearson scale; t intervals on the residual degrees of freedom",
        data,
        df,
    )


def _regression_dict(result: RegressionResult) -> dict[str, object]:
    return {
        "irr": result.irr,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "p_value": result.p_value,
        "dispersion": result.dispersion,
        "dispersion_kind": result.dispersion_kind,
        "dispersion_p_value": result.dispersion_p_value,
        "df": result.df,
        "n_regions": result.n_regions,
        "method": result.method,
        "small_counts": result.small_counts,
    }


def _segments_dict(result: SegmentedResult) -> dict[str, object]:
    return {
        "level_change": result.level_change,
        "level_ci_low": result.level_ci[0],
        "level_ci_high": result.level_ci[1],
        "level_p_value": result.level_p_value,
        "slope_before": result.slope_before,
        "slope_change": result.slope_change,
        "slope_change_ci_low": result.slope_change_ci[0],
        "slope_change_ci_high": result.slope_change_ci[1],
        "slope_change_p_value": result.slope_change_p_value,
        "dispersion": result.dispersion,
        "dispersion_kind": result.dispersion_kind,
        "df": result.df,
        "days": result.days,
        "method": result.method,
    }


def headline_statistics(
    ds: Dataset,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    alpha: float = 0.05,
) -> dict[str, object]:
    """Every headline statistic of a comparison as plain values, for a report's JSON sidecar.

    Keys: region, baseline, target, exposure, alpha, attribution (the overlap rule),
    rate_ratio (the day-level quasi-Poisson headline, `overall_ratio`), rate_ratio_score (the
    Poisson score interval, secondary), count_regression (IRR with interval, p, dispersion and
    `dispersion_kind`), segmented (per operation). Each statistic carries its interval, p-value,
    method and the counts and exposures it used; infinite bounds are None with `upper_unbounded`.
    """
    code = check_region(ds, region)
    headline = overall_ratio(ds, baseline, target, code, exposure, QUASI, alpha)
    score = overall_ratio(ds, baseline, target, code, exposure, "score", alpha)
    regression = count_regression(ds, baseline, target, code, exposure, alpha)
    segments = {op: _segments_dict(segmented_regression(ds, op, code, alpha=alpha)) for op in (baseline, target)}
    return {
        "region": code or "national",
        "baseline": baseline,
        "target": target,
        "exposure": exposure,
        "alpha": alpha,
        "attribution": attribution_rule(ds, code),
        "rate_ratio": headline.as_dict(),
        "rate_ratio_score": score.as_dict(),
        "count_regression": {**_regression_dict(regression), "exposure": exposure},
        "segmented": segments,
    }
