"""The synthetic data generator: an honest, clearly labelled stand-in for real operation data.

No real incident-level data of OMB 2023-2024 or OMP 2024 is public. `synthesize` builds a complete
dataset on the real calendars, regions and published figures, with mechanics an evaluator can
recognise and the analytics can detect. Everything it makes is synthetic and labelled so
(`dataset.toml`: `synthetic = true`, the seed and the generator version).

Real figures used (DOMAIN.md and the seed articles):
- voters per TPS: Pemilu 2024 204,807,222 voters at 820,161 TPS (249.7 a TPS); Pilkada 2024 about
  203 million at 435,296 TPS (466.3 a TPS). A region's voters are its share of the national total.
- KPU's electorate (refdata/electorate_sample_provinces.csv and tps_pemilu2024.csv, cited in
  refdata/SOURCES.md): the Pemilu TPS of all 514 kabupaten/kota, the Pilkada voters and TPS of the
  sample's 28 and the Pemilu voters found for them; each electorate row's `source` says which of
  its figures are real. Lampung's draft Pilkada TPS classes (72 sangat rawan, 580 rawan, 12,604
  kurang rawan, 21 khusus) give the national base mix of vulnerability classes.
- Polri per TPS: 261,695 at the OMB opening parade for 820,161 TPS (0.319 a TPS), the base
  contingent of a region; Polres Metro's 565 personnel (OMB) and 300 for 125 days (OMP).
- TNI per Polri on voting day: 446,219 / 195,819 = 2.28 for OMB; for OMP the mean of Polda Metro
  Jaya (6,991 / 17,448) and Polda Jatim (8,239 / 26,075), 0.36. Linmas after the guard patterns.
- IKP 2024 scores of the five high-vulnerability provinces and IPKP scores of Yahukimo, Puncak
  and Maybrat raise those regions' vulnerability.

Mechanics (parameters in the constants below; each effect is built in, so a report on this data
shows the generator's assumptions, not facts about the operations):
1. Region vulnerability v: lognormal (sigma 0.35) around a province factor 1 + (IKP - 50) / 100
   where the IKP is known, else 1. It raises the share of rawan and sangat rawan TPS and the
   incident rate (rate proportional to v ** 1.5).
2. Daily intensity relative to voting day (`phase_curve`): 1 before the campaign, rising linearly
   through the campaign to 2.5, 2 in the quiet period, 6 on voting day and the day after, then
   decaying (half-life 10 days) from 3 towards 1.2 during recapitulation, a bump of x3 around the
   announcement of results (+-2 days), 1.2 during disputes, settling to 0.6 afterwards.
3. Categories: a weight per election (`CATEGORY_WEIGHTS`): more communal clashes, blocking,
   vote buying and neutrality breaches in the Pilkada; more hoaxes and demonstrations in the Pemilu,
   whose demonstrations, hoaxes and riots also surge around the announcement of national results.
   Each category follows the daily curve to its own degree (sensitivity 0 to 1): traffic, fire and
   disasters hardly at all, disruption at polling stations almost only on voting days.
4. Overdispersion: each region-day has a gamma multiplier (shape 1.5, mean 1), so counts are
   gamma-Poisson (negative binomial), not Poisson.
5. Each incident's casualties, loss and clearance by category (`CATEGORY_OUTCOMES`).
6. Deployments: a base Polri contingent over the region's window; a voting-day surge (H-1 to H+1)
   to what the guard patterns require; TNI on voting days; Linmas on voting day.
7. Polri crime types: most kejahatan_lain incidents carry one (`subcategory`), after CRIME_TYPE_SHARES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from ._analytics.deployment import required_personnel
from ._data.derive import phase_calendar, province_windows
from ._data.reference import known_electorate, pemilu_tps, reference
from ._data.schema import CATEGORY, TABLES
from ._errors import UsageError

GENERATOR_VERSION = "3"
SAMPLE_PROVINCES = ("18", "19", "31")
"""Lampung, Kepulauan Bangka Belitung, DKI Jakarta: the provinces of the seed articles."""
SCALES = ("sample", "national")
DEFAULT_INCIDENTS = {"sample": 12_000, "national": 5_000_000}

VOTERS = {"pemilu": 204_807_222, "pilkada": 203_000_000}
TPS = {"pemilu": 820_161, "pilkada": 435_296}
LAMPUNG_PILKADA_TPS = {"kurang_rawan": 12_604, "rawan": 580, "sangat_rawan": 72, "khusus": 21}
KNOWN_TPS_KHUSUS = {("pilkada", "18.72"): 1}
"""Kota Metro: 235 TPS for the Pilkada, one of them a special TPS in the prison (seed 004)."""
POLRI_PER_TPS = 261_695 / 820_161
TNI_PER_POLRI = {"pemilu": 446_219 / 195_819, "pilkada": (6_991 / 17_448 + 8_239 / 26_075) / 2}
KNOWN_POLRI_BASE = {("pemilu", "18.72"): 565, ("pilkada", "18.72"): 300}
IKP = {"31": 88.95, "71": 87.48, "82": 84.86, "32": 77.04, "64": 77.04}
IPKP = {"95.03": 67.55, "94.05": 67.33, "96.05": 56.4}  # Yahukimo, Puncak, Maybrat (codes checked in tests)

OVERDISPERSION_SHAPE = 1.5
VULNERABILITY_SIGMA = 0.35

# (pemilu weight, pilkada weight, sensitivity to the election curve, results-announcement surge)
CATEGORY_WEIGHTS: Mapping[str, tuple[float, float, float, float]] = {
    "unjuk_rasa": (8.0, 6.0, 0.9, 1.0),
    "bentrok": (1.5, 3.5, 0.9, 0.3),
    "kerusuhan": (0.6, 1.0, 0.9, 1.0),
    "penghadangan": (0.3, 1.2, 0.9, 0.0),
    "intimidasi": (1.0, 1.5, 0.8, 0.0),
    "perusakan": (2.5, 2.5, 0.7, 0.3),
    "penganiayaan": (2.0, 2.2, 0.5, 0.0),
    "teror": (0.1, 0.05, 0.5, 0.0),
    "politik_uang": (1.5, 3.0, 1.0, 0.0),
    "pidana_pemilu_lain": (1.5, 1.2, 0.9, 0.0),
    "hoaks_ujaran_kebencian": (4.0, 2.0, 0.9, 1.0),
    "netralitas": (1.2, 2.5, 0.8, 0.0),
    "gangguan_tps": (0.8, 1.0, 1.0, 0.0),
    "gangguan_logistik": (0.5, 0.6, 1.0, 0.0),
    "bencana_alam": (2.0, 2.0, 0.0, 0.0),
    "kebakaran": (1.5, 1.5, 0.0, 0.0),
    "laka_lantas": (10.0, 10.0, 0.1, 0.0),
    "kejahatan_lain": (8.0, 8.0, 0.1, 0.0),
    "pelanggaran_lain": (3.0, 3.0, 0.2, 0.0),
    "gangguan_lain": (2.0, 2.0, 0.3, 0.0),
}
VOTING_ONLY = {"gangguan_tps": 8.0, "gangguan_logistik": 3.0}
"""Extra multiplier in the voting phase for categories tied to polling stations and ballots."""

# (mean killed, mean injured, probability of a material loss, median loss in rupiah, probability cleared)
CATEGORY_OUTCOMES: Mapping[str, tuple[float, float, float, float, float]] = {
    "unjuk_rasa": (0.0, 0.05, 0.05, 2_000_000, 0.95),
    "bentrok": (0.02, 1.5, 0.3, 5_000_000, 0.6),
    "kerusuhan": (0.05, 2.5, 0.8, 25_000_000, 0.5),
    "penghadangan": (0.0, 0.2, 0.1, 3_000_000, 0.7),
    "intimidasi": (0.0, 0.1, 0.0, 0, 0.45),
    "perusakan": (0.0, 0.1, 1.0, 4_000_000, 0.5),
    "penganiayaan": (0.01, 1.1, 0.0, 0, 0.7),
    "teror": (0.05, 0.3, 0.3, 10_000_000, 0.4),
    "politik_uang": (0.0, 0.0, 0.0, 0, 0.35),
    "pidana_pemilu_lain": (0.0, 0.0, 0.0, 0, 0.4),
    "hoaks_ujaran_kebencian": (0.0, 0.0, 0.0, 0, 0.3),
    "netralitas": (0.0, 0.0, 0.0, 0, 0.5),
    "gangguan_tps": (0.0, 0.1, 0.1, 1_000_000, 0.9),
    "gangguan_logistik": (0.0, 0.05, 0.4, 3_000_000, 0.8),
    "bencana_alam": (0.1, 0.6, 0.9, 50_000_000, 1.0),
    "kebakaran": (0.05, 0.3, 1.0, 80_000_000, 0.9),
    "laka_lantas": (0.15, 1.3, 0.9, 3_500_000, 0.85),
    "kejahatan_lain": (0.01, 0.2, 0.5, 5_000_000, 0.55),
    "pelanggaran_lain": (0.0, 0.0, 0.0, 0, 0.8),
    "gangguan_lain": (0.0, 0.1, 0.1, 1_000_000, 0.8),
}

CRIME_TYPE_SHARES: Mapping[str, float] = {
    "pencurian": 0.22,
    "curat": 0.18,
    "curanmor": 0.15,
    "penipuan": 0.12,
    "penggelapan": 0.08,
    "narkoba": 0.08,
    "curas": 0.05,
    "judi": 0.04,
    "kdrt": 0.03,
    "senjata": 0.02,
    "pembunuhan": 0.01,
}
"""Shares of Polri crime types among the synthetic kejahatan_lain incidents (the `subcategory`
column); illustrative, not Polri statistics: thefts first, as in any Polres register; the rest
of kejahatan_lain keeps no type."""

RESULTS_ANNOUNCED = {"OMB-2023-2024": dt.date(2024, 3, 20), "OMP-2024": dt.date(2024, 12, 16)}
"""Pemilu results fixed 20 Mar 2024 (PKPU 3/2022); Pilkada recapitulation ended 16 Dec 2024 (PKPU 2/2024)."""

TIME_ZONES = {
    **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"), "WITA"),
    **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "WIT"),
}
"""Provinces outside WIB; every other province is WIB."""


@dataclass(frozen=True)
class SyntheticDataset:
    """The generated tables and the `dataset.toml` content that labels them."""

    tables: Mapping[str, pl.DataFrame]
    config: Mapping[str, object]


def phase_curve(
    calendar: pl.DataFrame, voting_date: dt.date, announced: dt.date
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The election curve as a function of (date ordinal array, phase code array) -> multiplier."""
    campaign = calendar.filter(pl.col("phase") == "campaign")
    c_start = campaign["start_date"].min().toordinal() if campaign.height else voting_date.toordinal() - 60  # type: ignore[union-attr]
    c_end = campaign["end_date"].max().toordinal() if campaign.height else voting_date.toordinal() - 4  # type: ignore[union-attr]
    h = voting_date.toordinal()
    recap_end = announced.toordinal()

    def curve(days: np.ndarray, phases: np.ndarray) -> np.ndarray:
        out = np.ones(days.shape, dtype=np.float64)
        in_campaign = phases == "campaign"
        out[in_campaign] = 1.0 + 1.5 * (days[in_campaign] - c_start) / max(c_end - c_start, 1)
        out[phases == "quiet"] = 2.0
        out[phases == "voting"] = 6.0
        after = phases == "recapitulation"
        out[after] = 1.2 + 1.8 * 0.5 ** ((days[after] - (h + 2)) / 10.0)
        out[phases == "disputes"] = 1.2
        late = phases == "post_election"
        out[late] = 0.6 + 0.6 * 0.5 ** ((days[late] - recap_end) / 15.0)
        return out

    return curve


def _regions_for(scale: str) -> pl.DataFrame:
    regions = reference().regions
    if scale == "sample":
        return regions.filter(pl.col("region_code").str.slice(0, 2).is_in(SAMPLE_PROVINCES))
    return regions


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to `weights` that add up to `total` exactly."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - out.sum()
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _electorate(regencies: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, np.ndarray]:
    """Voters and TPS by class per regency and operation, and each regency's vulnerability.

    Real where known (refdata, cited in SOURCES.md): the Pemilu TPS of every kabupaten/kota and its
    special-location TPS; the Pilkada TPS and voters of the sample's 28 areas; the Pemilu voters
    found for them. Synthetic otherwise: Pilkada TPS elsewhere are the Pemilu TPS merged at the
    national ratio (435,296 for 820,161, with noise), voters are TPS times the national voters per
    TPS (with noise), and TPS by vulnerability class split the TPS after the region's vulnerability.
    Each row's `source` says which figures are real.
    """
    all_regencies = reference().regions.filter(pl.col("kind") != "provinsi").sort("region_code")
    codes = all_regencies["region_code"].to_numpy()
    size = rng.lognormal(0.0, 0.8, len(codes))  # a region's size: the weight of its synthetic figures
    province = np.array([c[:2] for c in codes])
    factor = np.array([1 + (IKP.get(p, 50.0) - 50.0) / 100 for p in province]) * np.array(
        [1 + (IPKP.get(c, 20.0) - 20.0) / 50 for c in codes]
    )
    vulnerability = factor * rng.lognormal(0.0, VULNERABILITY_SIGMA, len(codes))
    keep = np.isin(codes, regencies["region_code"].to_numpy())
    base_mix = np.array(
        [LAMPUNG_PILKADA_TPS[k] for k in ("kurang_rawan", "rawan", "sangat_rawan", "khusus")], dtype=np.float64
    )
    pemilu = pemilu_tps().sort("region_code")
    if pemilu["region_code"].to_list() != codes.tolist():  # pragma: no cover - checked by the reference tests
        raise AssertionError("tps_pemilu2024.csv does not list the shipped kabupaten/kota")
    pemilu_tps_real = pemilu["tps"].to_numpy()
    pemilu_khusus = dict(zip(pemilu["region_code"], pemilu["tps_lokasi_khusus"], strict=True))
    known = {(r["operation_id"], r["region_code"]): r for r in known_electorate().iter_rows(named=True)}
    rows = []
    for op, election in (("OMB-2023-2024", "pemilu"), ("OMP-2024", "pilkada")):
        noise = rng.uniform(0.9, 1.1, len(codes))
        if election == "pemilu":
            tps = pemilu_tps_real.copy()
            voters = np.round(tps * (VOTERS[election] / TPS[election]) * noise).astype(np.int64)
        else:  # TPS merged for the Pilkada at the national ratio, each region with its own noise
            tps = np.maximum(np.round(pemilu_tps_real * (TPS["pilkada"] / TPS["pemilu"]) * noise).astype(np.int64), 1)
            voters = np.round(tps * (VOTERS[election] / TPS[election]) * (size / size.mean()) ** 0.05).astype(np.int64)
        for i in np.flatnonzero(keep):
            real = known.get((op, codes[i]))
            n_tps, n_voters = int(tps[i]), int(voters[i])
            real_parts = ["TPS"] if election == "pemilu" else []
            if real is not None:
                n_tps = int(real["tps"])
                real_parts = ["TPS"]
                if real["voters"] is not None:
                    n_voters = int(real["voters"])
                    real_parts = ["voters", "TPS"]
            mix = base_mix * np.array([1.0, vulnerability[i], vulnerability[i] ** 2, 1.0])
            khusus = KNOWN_TPS_KHUSUS.get((election, codes[i]))
            if election == "pemilu":
                khusus = int(pemilu_khusus[codes[i]])
            if khusus is None:
                classes = _largest_remainder(mix, n_tps)
            else:
                classes = np.append(_largest_remainder(mix[:3], n_tps - min(khusus, n_tps)), min(khusus, n_tps))
            cite = f"{real['basis']} [{real['source_id']}]" if real is not None else "KPU TPS list via kp24"
            note = (
                f"real: {' and '.join(real_parts)} ({cite}); synthetic: "
                + ", ".join(["TPS by class", *([] if "voters" in real_parts else ["voters"])])
                if real_parts
                else "synthetic: voters, TPS (Pemilu TPS merged at the national ratio), TPS by class"
            )
            rows.append((op, codes[i], n_voters, n_tps, *map(int, classes), note))
    frame = pl.DataFrame(
        rows,
        schema=[
            "operation_id",
            "region_code",
            "voters",
            "tps",
            "tps_kurang_rawan",
            "tps_rawan",
            "tps_sangat_rawan",
            "tps_khusus",
            "source",
        ],
        orient="row",
    )
    return frame, vulnerability[keep]


def _days(windows: pl.DataFrame, calendar: pl.DataFrame, regencies: pl.DataFrame) -> pl.DataFrame:
    """One row per operation, regency and day of the regency's window, with its phase."""
    regions = regencies.select("region_code", province_code="parent_code")
    spans = regions.join(windows, on="province_code").select(
        "operation_id", "region_code", "province_code", "voting_date", day=pl.date_ranges("start_date", "end_date")
    )
    days = spans.explode("day")
    cal = calendar.select("operation_id", "province_code", "phase", "start_date", "end_date")
    return (
        days.join(cal, on=["operation_id", "province_code"])
        .filter(pl.col("day").is_between("start_date", "end_date"))
        .drop("start_date", "end_date")
        .sort("operation_id", "region_code", "day")
    )


def _intensity(
    days: pl.DataFrame,
    calendar: pl.DataFrame,
    operations: pl.DataFrame,
    rng: np.random.Generator,
    vulnerability: Mapping[str, float],
) -> np.ndarray:
    """Expected incidents per (row of `days`, category), before scaling to the target total."""
    ordinals = np.array([d.toordinal() for d in days["day"].to_list()])
    phases = days["phase"].cast(pl.String).to_numpy()
    curve = np.ones(days.height)
    election = np.empty(days.height, dtype=object)
    for op in operations.iter_rows(named=True):
        mask = (days["operation_id"] == op["operation_id"]).to_numpy()
        f = phase_curve(
            calendar.filter(pl.col("operation_id") == op["operation_id"]),
            op["voting_date"],
            RESULTS_ANNOUNCED.get(op["operation_id"], op["end_date"]),
        )
        curve[mask] = f(ordinals[mask], phases[mask])
        election[mask] = str(op["election"])
    announced = np.array([RESULTS_ANNOUNCED.get(o, dt.date.max).toordinal() for o in days["operation_id"].to_list()])
    near_results = np.abs(ordinals - announced) <= 2
    v = np.array([vulnerability[c] for c in days["region_code"].to_list()]) ** 1.5
    gamma = rng.gamma(OVERDISPERSION_SHAPE, 1.0 / OVERDISPERSION_SHAPE, days.height)
    codes = CATEGORY.codes
    out = np.empty((days.height, len(codes)))
    pilkada = election == "pilkada"
    for j, code in enumerate(codes):
        w_pemilu, w_pilkada, sensitivity, surge = CATEGORY_WEIGHTS[code]
        weight = np.where(pilkada, w_pilkada, w_pemilu)
        own = 1.0 + sensitivity * (curve - 1.0)
        own = own * np.where(near_results, 1.0 + 2.0 * surge, 1.0)
        if code in VOTING_ONLY:
            own = own * np.where(phases == "voting", VOTING_ONLY[code], 0.3)
        out[:, j] = weight * own * v * gamma
    return out


def _incidents(days: pl.DataFrame, expected: np.ndarray, target: int, rng: np.random.Generator) -> pl.DataFrame:
    scaled = expected * (target / expected.sum())
    counts = rng.poisson(scaled)
    cell_rows, cell_cats = np.nonzero(counts)
    n = counts[cell_rows, cell_cats]
    row_index = np.repeat(cell_rows, n)
    cat_index = np.repeat(cell_cats, n)
    total = len(row_index)
    codes = np.array(CATEGORY.codes)
    killed_mean, injured_mean, p_loss, loss_median, p_cleared = (
        np.array([CATEGORY_OUTCOMES[c][k] for c in codes]) for k in range(5)
    )
    has_loss = rng.random(total) < p_loss[cat_index]
    loss = np.where(has_loss, np.round(loss_median[cat_index] * rng.lognormal(0.0, 1.0, total), -3), 0.0)
    minutes = rng.integers(0, 24 * 60, total)
    picked = days[row_index]
    frame = picked.select(
        "operation_id",
        "region_code",
        occurred_on="day",
        time_zone=pl.col("province_code").replace_strict(TIME_ZONES, default="WIB"),
    ).with_columns(
        category=pl.Series(codes[cat_index]),
        occurred_at=pl.Series(minutes * 60_000_000_000, dtype=pl.Int64).cast(pl.Time),
        killed=pl.Series(rng.poisson(killed_mean[cat_index])),
        injured=pl.Series(rng.poisson(injured_mean[cat_index])),
        loss_idr=pl.Series(loss),
        cleared=pl.Series(rng.random(total) < p_cleared[cat_index]),
    )
    frame = frame.sort("occurred_on", "region_code", "occurred_at", "category")
    return frame.with_columns(
        incident_id=pl.format("SYN-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7))
    ).select(
        "incident_id",
        "occurred_on",
        "occurred_at",
        "time_zone",
        "region_code",
        "category",
        "killed",
        "injured",
        "loss_idr",
        "cleared",
        "operation_id",
    )


def _crime_types(incidents: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """A Polri crime type (`subcategory`) for most kejahatan_lain incidents, after CRIME_TYPE_SHARES."""
    types = list(CRIME_TYPE_SHARES)
    shares = np.array([CRIME_TYPE_SHARES[t] for t in types])
    other = incidents.get_column("category") == "kejahatan_lain"
    drawn = rng.choice(len(types) + 1, size=incidents.height, p=np.append(shares, 1 - shares.sum()))
    names = np.array([*types, None], dtype=object)[drawn]
    return incidents.with_columns(
        subcategory=pl.when(other).then(pl.Series(names, dtype=pl.String)).otherwise(None)
    ).select(*incidents.columns[:6], "subcategory", *incidents.columns[6:])


def _deployments(
    electorate: pl.DataFrame, windows: pl.DataFrame, operations: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    required = required_personnel(electorate, reference().guard_patterns).select(
        "operation_id",
        "region_code",
        police="police_required",
        linmas=pl.col("linmas_required") + 2 * pl.col("tps_without_pattern"),
    )
    ops = {r["operation_id"]: r for r in operations.iter_rows(named=True)}
    rows = []
    for r in electorate.join(required, on=["operation_id", "region_code"]).iter_rows(named=True):
        op = ops[r["operation_id"]]
        election = str(op["election"])
        window = windows.filter(
            (pl.col("operation_id") == r["operation_id"]) & (pl.col("province_code") == r["region_code"][:2])
        ).row(0, named=True)
        base = KNOWN_POLRI_BASE.get(
            (election, r["region_code"]), max(round(r["tps"] * POLRI_PER_TPS * rng.uniform(0.8, 1.2)), 5)
        )
        h = op["voting_date"]
        rows.append(
            (
                r["operation_id"],
                r["region_code"],
                "polri",
                window["start_date"],
                window["end_date"],
                base,
                "Polres",
                "operasi",
            )
        )
        surge = max(r["police"] - base, 0) + int(rng.integers(0, 10))
        rows.append(
            (
                r["operation_id"],
                r["region_code"],
                "polri",
                h - dt.timedelta(days=1),
                h + dt.timedelta(days=1),
                surge,
                "BKO Polda",
                "pengamanan TPS",
            )
        )
        tni = round((base + surge) * TNI_PER_POLRI[election] * rng.uniform(0.85, 1.15))
        rows.append(
            (
                r["operation_id"],
                r["region_code"],
                "tni",
                h - dt.timedelta(days=1),
                h + dt.timedelta(days=1),
                tni,
                "Kodim",
                "pengamanan TPS",
            )
        )
        rows.append((r["operation_id"], r["region_code"], "linmas", h, h, r["linmas"], "Satlinmas", "pengamanan TPS"))
    frame = pl.DataFrame(
        rows,
        schema=["operation_id", "region_code", "agency", "start_date", "end_date", "personnel", "unit", "role"],
        orient="row",
    )
    return frame


def _improvement_plan() -> pl.DataFrame:
    """A few example rows of the evaluator's improvement plan, marked as examples."""
    rows = [
        (
            "Deteksi dini",
            "CONTOH: laporan intelijen potensi bentrok masuk kurang dari 24 jam sebelum kejadian",
            "S",
            "Perpanjang jangka laporan deteksi dini menjadi H-3",
            "planning",
            "Sat Intelkam",
            dt.date(2025, 6, 30),
            "OMP-2024",
            "18.72",
        ),
        (
            "Pengamanan TPS",
            "CONTOH: pola pengamanan TPS sangat rawan terpenuhi pada hari H",
            "P",
            "Pertahankan pola pengamanan",
            "organisation",
            "Bag Ops",
            dt.date(2025, 3, 31),
            "OMP-2024",
            "18",
        ),
        (
            "Pengawalan logistik",
            "CONTOH: keterlambatan pengawalan kotak suara di wilayah kepulauan",
            "M",
            "Siapkan kapal cadangan dan jadwal pengawalan",
            "equipment",
            "Sat Polairud",
            dt.date(2025, 9, 30),
            "OMB-2023-2024",
            "19",
        ),
    ]
    names = [
        "capability",
        "observation",
        "rating",
        "corrective_action",
        "capability_element",
        "responsible_unit",
        "due_date",
        "operation_id",
        "region_code",
    ]
    return pl.DataFrame(rows, schema=names, orient="row").with_columns(example=pl.lit(True))


def synthesize(
    scale: str = "sample", seed: int = 7, incidents: int | None = None, progress: Callable[[str], None] | None = None
) -> SyntheticDataset:
    """Generate a complete synthetic dataset; the same arguments give the same tables.

    `scale` "sample" covers Lampung, Kepulauan Bangka Belitung and DKI Jakarta with about 12,000
    incidents; "national" covers all 514 kabupaten/kota with 5 million (or `incidents`).
    """
    if scale not in SCALES:
        raise UsageError("scale", scale, SCALES)
    if incidents is not None and incidents < 0:
        raise UsageError("incidents", incidents, "a whole number >= 0")
    step = progress or (lambda _: None)
    rng = np.random.default_rng(seed)
    ref = reference()
    regions = _regions_for(scale)
    regencies = regions.filter(pl.col("kind") != "provinsi")
    provinces = ref.regions.filter(pl.col("kind") == "provinsi")["region_code"]
    windows = province_windows(ref.operations, ref.operation_windows, provinces)
    calendar = phase_calendar(ref.phases, windows)
    step("electorate")
    electorate, vulnerability = _electorate(regencies, rng)
    step("daily intensity")
    days = _days(windows, calendar, regencies)
    expected = _intensity(
        days,
        calendar,
        ref.operations,
        rng,
        dict(zip(regencies.sort("region_code")["region_code"].to_list(), vulnerability, strict=True)),
    )
    step("incidents")
    frame = _incidents(days, expected, incidents if incidents is not None else DEFAULT_INCIDENTS[scale], rng)
    step("deployments")
    deployments = _deployments(electorate, windows, ref.operations, rng)
    frame = _crime_types(frame, rng)  # drawn last: the other tables are those of generator version 2
    kept_windows = ref.operation_windows.filter(pl.col("province_code").is_in(regions["region_code"].implode()))
    tables = {
        "operations": ref.operations,
        "operation_windows": kept_windows,
        "phases": ref.phases,
        "regions": regions,
        "electorate": electorate,
        "deployments": deployments,
        "incidents": frame,
        "guard_patterns": ref.guard_patterns,
        "improvement_plan": _improvement_plan(),
    }
    config = {
        "name": f"Synthetic {scale} dataset (seed {seed})",
        "description": "SYNTHETIC DATA generated by aar synth: not real incidents, deployments or electorate figures. Built on the real calendars, regions and published totals; the mechanics are documented in aar._synthetic.",
        "synthetic": True,
        "licence": "CC0-1.0",
        "seed": seed,
        "scale": scale,
        "generator": f"aar._synthetic {GENERATOR_VERSION}",
        "real_figures": "electorate: KPU's Pemilu 2024 TPS of every kabupaten/kota and their special TPS; for the "
        "sample's 28 kabupaten/kota the Pilkada 2024 voters (DPT) and TPS, and the Pemilu voters where found "
        "(refdata/electorate_sample_provinces.csv, tps_pemilu2024.csv; each row's source column); operations, "
        "calendars, regions",
        "synthetic_figures": "all incidents and deployments; TPS by vulnerability class; voters not published "
        "(Pemilu: 13 of Lampung's 15 areas and Kota Pangkal Pinang); Pilkada TPS outside the sample",
    }
    assert set(tables) == set(TABLES)
    return SyntheticDataset({name: _typed(name, frame) for name, frame in tables.items()}, config)


def _typed(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Vocabulary columns as their schema's Enum types, so Parquet written from them loads with no string work."""
    return frame.with_columns(
        pl.col(f.name).cast(f.dtype) for f in TABLES[name].fields if f.kind == "vocab" and f.name in frame.columns
    )
