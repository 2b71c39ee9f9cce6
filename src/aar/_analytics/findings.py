"""After-action findings: the comparison turned into what to sustain and what to improve.

Rules (each finding keeps its numbers and interval, and a sentence in Indonesian and English):
- the overall incident rate, per category and per phase: a rate ratio whose interval lies above 1
  (after the multiple-comparison adjustment for categories and phases) is an area to improve;
  one whose interval lies below 1 is a strength to sustain; the rest is no finding. The overall
  ratio is the day-level headline (`overall_ratio`) unless one is passed; a ratio with a zero
  side counts by its p-value (`RateRatio.significant`), a target of 0 events is to sustain;
- the clearance rate: a two-proportion z-test (statsmodels) of target against baseline; a
  significant fall is to improve, a significant rise to sustain;
- deployment: kabupaten/kota where the Polri on duty on voting day fell short of the guard
  patterns' requirement are to improve; none short is a strength;
- the evaluator's improvement-plan rows: rating P is to sustain, S, M and U to improve.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .._data.dataset import Dataset
from .._data.schema import CATEGORY, PHASE
from .._reporting.formatting import number, percent, ratio
from .comparison import Comparison
from .deployment import required_vs_deployed
from .metrics import RATE_COLUMNS, rate_scale, rates, sub_level
from .statistics import SMALL_COUNT, RateRatio, overall_ratio

FINDING_COLUMNS = {
    "kind": pl.String,
    "source": pl.String,
    "scope": pl.String,
    "subject": pl.String,
    "metric": pl.String,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "ratio": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "small_counts": pl.Boolean,
    "sentence_id": pl.String,
    "sentence_en": pl.String,
    "rating": pl.String,
    "corrective_action": pl.String,
    "responsible_unit": pl.String,
    "due_date": pl.Date,
}

_RATE_WORDS = {
    "per_day": ("per hari", "per day"),
    "per_100k_voters": ("per 100.000 pemilih", "per 100,000 voters"),
    "per_1000_tps": ("per 1.000 TPS", "per 1,000 polling stations"),
    "per_1000_personnel_days": ("per 1.000 hari-orang", "per 1,000 personnel-days"),
    "per_100k_voter_days": ("per 100.000 pemilih-hari", "per 100,000 voter-days"),
    "per_1000_tps_days": ("per 1.000 TPS-hari", "per 1,000 TPS-days"),
}


def _interval(low: float | None, high: float | None, lang: str) -> str:
    sep = "–"
    label = "IK 95%" if lang == "id" else "95% CI"
    return f"{label} {ratio(low, lang)}{sep}{ratio(high, lang)}"


def _rate_sentence(
    subject_id: str,
    subject_en: str,
    rate: str,
    base: float,
    targ: float,
    rr: float,
    low: float | None,
    high: float | None,
    names: tuple[str, str],
) -> tuple[str, str]:
    word_id, word_en = _RATE_WORDS[rate]
    up = rr > 1
    change = abs(rr - 1) * 100
    sid = (
        f"{subject_id} {'naik' if up else 'turun'} {percent(change, 'id')}: {number(targ, 'id', 2)} {word_id} pada {names[1]} "
        f"dibanding {number(base, 'id', 2)} pada {names[0]} (rasio {ratio(rr, 'id')}; {_interval(low, high, 'id')})."
    )
    sen = (
        f"{subject_en} {'rose' if up else 'fell'} by {percent(change, 'en')}: {number(targ, 'en', 2)} {word_en} in {names[1]} "
        f"against {number(base, 'en', 2)} in {names[0]} (ratio {ratio(rr, 'en')}; {_interval(low, high, 'en')})."
    )
    return sid, sen


def _row(**values: object) -> dict[str, object]:
    return {name: values.get(name) for name in FINDING_COLUMNS}


def findings(
    ds: Dataset,
    comparison: Comparison,
    overall: RateRatio | None,
    category_ratios: pl.DataFrame,
    phase_ratios: pl.DataFrame,
    alpha: float = 0.05,
    names: Sequence[str] = ("OMB 2023-2024", "OMP 2024"),
) -> pl.DataFrame:
    """Findings frame (columns `FINDING_COLUMNS`), improve before sustain, analysis before evaluator.

    `overall` None: the day-level headline ratio of the comparison (`overall_ratio`), the one whose
    interval keeps its coverage on overdispersed counts.
    """
    from statsmodels.stats.proportion import proportions_ztest

    if overall is None:
        overall = overall_ratio(
            ds, comparison.baseline, comparison.target, comparison.region, comparison.exposure, alpha=alpha
        )

    label = (names[0], names[1])
    rate = RATE_COLUMNS[comparison.exposure]
    scale = rate_scale(comparison.exposure)
    rows: list[dict[str, object]] = []
    if overall.ratio is not None and overall.significant:
        base_rate = overall.count_baseline / overall.exposure_baseline * scale
        targ_rate = overall.count_target / overall.exposure_target * scale
        sid, sen = _rate_sentence(
            "Laju gangguan kamtibmas",
            "The rate of incidents",
            rate,
            base_rate,
            targ_rate,
            overall.ratio,
            overall.ci_low,
            overall.ci_high,
            label,
        )
        rows.append(
            _row(
                kind="improve" if overall.ratio > 1 else "sustain",
                source="analysis",
                scope="overall",
                subject="all",
                metric=rate,
                baseline=base_rate,
                target=targ_rate,
                ratio=overall.ratio,
                ci_low=overall.ci_low,
                ci_high=overall.ci_high,
                p_value=overall.p_value,
                small_counts=overall.small_counts,
                sentence_id=sid,
                sentence_en=sen,
            )
        )
    for frame, key, vocab in ((category_ratios, "category", CATEGORY), (phase_ratios, "phase", PHASE)):
        for r in frame.filter(pl.col("significant") & pl.col("ratio").is_not_null()).iter_rows(named=True):
            code = str(r[key])
            base_rate = r["count_baseline"] / r["exposure_baseline"] * scale
            targ_rate = r["count_target"] / r["exposure_target"] * scale
            if key == "category":
                subject_id, subject_en = (
                    f"Laju kejadian {vocab.label(code, 'id').lower()}",
                    f"The rate of {vocab.label(code, 'en').lower()} incidents",
                )
            else:
                subject_id, subject_en = (
                    f"Laju gangguan pada tahap {vocab.label(code, 'id').lower()}",
                    f"The incident rate in the {vocab.label(code, 'en').lower()} phase",
                )
            sid, sen = _rate_sentence(
                subject_id, subject_en, rate, base_rate, targ_rate, r["ratio"], r["ci_low"], r["ci_high"], label
            )
            rows.append(
                _row(
                    kind="improve" if r["ratio"] > 1 else "sustain",
                    source="analysis",
                    scope=key,
                    subject=code,
                    metric=rate,
                    baseline=base_rate,
                    target=targ_rate,
                    ratio=r["ratio"],
                    ci_low=r["ci_low"],
                    ci_high=r["ci_high"],
                    p_value=r["p_adjusted"],
                    small_counts=r["small_counts"],
                    sentence_id=sid,
                    sentence_en=sen,
                )
            )
    clearance = rates(ds, ["operation_id"], comparison.region).select("operation_id", "cleared", "cleared_known")
    by_op = {r["operation_id"]: r for r in clearance.iter_rows(named=True)}
    b, t = by_op.get(comparison.baseline), by_op.get(comparison.target)
    if b and t and b["cleared_known"] and t["cleared_known"]:
        _, p = proportions_ztest([t["cleared"], b["cleared"]], [t["cleared_known"], b["cleared_known"]])
        base_rate, targ_rate = b["cleared"] / b["cleared_known"], t["cleared"] / t["cleared_known"]
        if p < alpha and targ_rate != base_rate:
            up = targ_rate > base_rate
            diff = abs(targ_rate - base_rate) * 100
            sid = f"Persentase penyelesaian kasus {'naik' if up else 'turun'} {number(diff, 'id', 1)} poin: {percent(targ_rate * 100, 'id')} pada {label[1]} dibanding {percent(base_rate * 100, 'id')} pada {label[0]} (uji z dua proporsi, p = {number(p, 'id', 4)})."
            sen = f"The clearance rate {'rose' if up else 'fell'} by {number(diff, 'en', 1)} points: {percent(targ_rate * 100, 'en')} in {label[1]} against {percent(base_rate * 100, 'en')} in {label[0]} (two-proportion z-test, p = {number(p, 'en', 4)})."
            small = min(t["cleared_known"], b["cleared_known"]) < SMALL_COUNT
            rows.append(
                _row(
                    kind="sustain" if up else "improve",
                    source="analysis",
                    scope="overall",
                    subject="all",
                    metric="clearance_rate",
                    baseline=base_rate,
                    target=targ_rate,
                    p_value=float(p),
                    small_counts=small,
                    sentence_id=sid,
                    sentence_en=sen,
                )
            )
    coverage = required_vs_deployed(ds, comparison.region, sub_level(comparison.region)).filter(
        pl.col("operation_id") == comparison.target
    )
    if coverage.height and coverage["police_required"].sum() > 0:
        short = coverage.filter(pl.col("shortfall") > 0)
        if short.height:
            missing = int(short["shortfall"].sum())
            sid = f"Pada hari H {label[1]}, {short.height} dari {coverage.height} wilayah kekurangan personel Polri menurut pola pengamanan TPS (kurang {number(missing, 'id')} personel)."
            sen = f"On voting day of {label[1]}, {short.height} of {coverage.height} regions had fewer police than the TPS guard patterns require ({number(missing, 'en')} short)."
            rows.append(
                _row(
                    kind="improve",
                    source="analysis",
                    scope="deployment",
                    subject=",".join(short["region"].to_list()),
                    metric="police_shortfall",
                    target=float(missing),
                    sentence_id=sid,
                    sentence_en=sen,
                )
            )
        else:
            sid = f"Pada hari H {label[1]}, personel Polri di semua {coverage.height} wilayah memenuhi pola pengamanan TPS."
            sen = f"On voting day of {label[1]}, police in all {coverage.height} regions met the TPS guard patterns."
            rows.append(
                _row(
                    kind="sustain",
                    source="analysis",
                    scope="deployment",
                    subject="all",
                    metric="police_shortfall",
                    target=0.0,
                    sentence_id=sid,
                    sentence_en=sen,
                )
            )
    plan = ds.improvement_plan
    if comparison.region is not None:
        plan = plan.filter(
            pl.col("region_code").is_null()
            | pl.col("region_code").str.starts_with(comparison.region)
            | pl.lit(comparison.region).str.starts_with(pl.col("region_code"))
        )
    for r in plan.iter_rows(named=True):
        rating = str(r["rating"])
        marked = str(r["observation"]).upper().startswith(("CONTOH", "EXAMPLE"))
        prefix_id = "[Contoh] " if r["example"] and not marked else ""
        prefix_en = "[Example] " if r["example"] and not marked else ""
        rows.append(
            _row(
                kind="sustain" if rating == "P" else "improve",
                source="evaluator",
                scope="capability",
                subject=r["capability"],
                metric="rating",
                rating=rating,
                corrective_action=r["corrective_action"],
                responsible_unit=r["responsible_unit"],
                due_date=r["due_date"],
                sentence_id=f"{prefix_id}{r['capability']}: {r['observation']}",
                sentence_en=f"{prefix_en}{r['capability']}: {r['observation']}",
            )
        )
    frame = pl.DataFrame(rows, schema=FINDING_COLUMNS) if rows else pl.DataFrame(schema=FINDING_COLUMNS)
    order = {"improve": 0, "sustain": 1}
    return (
        frame.with_columns(
            _k=pl.col("kind").replace_strict(order, return_dtype=pl.Int8),
            _s=(pl.col("source") != "analysis").cast(pl.Int8),
        )
        .sort("_k", "_s", maintain_order=True)
        .drop("_k", "_s")
    )
