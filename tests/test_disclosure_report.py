"""Disclosure control on every surface of a report: no withheld count comes back from a chart's data,
a sentence, a rate or a table margin.

The page of each report is assembled from its section values (what the runner writes), then an
attacker's tools are tried: every number in the text and in the figures' JSON against every rate
a withheld count would give with the exposures a reader knows (days, voters, TPS, personnel-days),
and the published margins of every table against its published cells.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import aar
from aar._reporting import formatting as fmt

SAMPLE = Path(__file__).parents[1] / "data" / "sample"
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CASES = [("18", 3), ("18", 5), ("18.72", 3), ("18.72", 5)]


@pytest.fixture(scope="module")
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


@pytest.fixture(scope="module", params=CASES, ids=[f"{r}-min{k}" for r, k in CASES])
def report(request: pytest.FixtureRequest, sample: aar.Dataset) -> aar.ComparativeReport:
    region, k = request.param
    return aar.comparative_report(sample, region, lang="id", min_cell=k, generated_at=WHEN)


def _page(report: aar.ComparativeReport) -> str:
    return "".join(str(s.to_html()) for s in report.sections())


def _json_numbers(page: str) -> list[float]:
    found: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            found.append(float(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for data in re.findall(r'<script type="application/json" class="aar-figure-data"[^>]*>(.*?)</script>', page, re.S):
        for trace in json.loads(data)["data"]:
            if trace.get("fill") == "toself":  # a map outline: coordinates, not numbers of the data
                continue
            walk(trace)
    return found


def _text_numbers(page: str) -> set[str]:
    text = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return set(re.findall(r"\d{1,3}(?:\.\d{3})*(?:,\d+)?", text))


def _withheld_cells(report: aar.ComparativeReport) -> Iterator[tuple[str, int, list[tuple[float, int]]]]:
    """(where, true count, [(exposure, scale)] a reader knows) of every withheld count of the report."""
    p = report.published
    raw = p.comparison
    scales = {"days": 1, "voters": 100_000, "tps": 1_000, "personnel_days": 1_000}
    exposures = {
        s: [(raw.metric(m)[s], scale) for m, scale in scales.items() if raw.metric(m)[s]]
        for s in ("baseline", "target")
    }
    for row in p.summary.iter_rows(named=True):
        for side in ("baseline", "target"):
            if row[f"withheld_{side}"] and row["metric"] in ("incidents", "cleared", "killed", "injured"):
                count = raw.metric(row["metric"])[side]
                if count:
                    yield f"summary {row['metric']} {side}", int(count), exposures[side]
    for name, key in (("phases", "phase"), ("categories", "category"), ("subregions", "region")):
        published, original = getattr(p, name), getattr(raw, name)
        counts = {
            (str(r[key]), s): r[f"incidents_{s}"]
            for r in original.iter_rows(named=True)
            for s in ("baseline", "target")
        }
        cell_days = {
            (str(r[key]), s): r[f"days_{s}"] for r in original.iter_rows(named=True) for s in ("baseline", "target")
        }
        for r in published.iter_rows(named=True):
            for side in ("baseline", "target"):
                count = counts[(str(r[key]), side)]
                if r[f"withheld_{side}"] and count:
                    yield (
                        f"{name} {r[key]} {side}",
                        int(count),
                        [(d, 1) for d in (cell_days[(str(r[key]), side)],) if d],
                    )
    grid = aar.rates(
        report.ds, ["operation_id", "region", "phase"], p.region, aar._analytics.metrics.sub_level(p.region)
    )
    grid = grid.filter(pl.col("operation_id") == p.target)
    hidden = p.grid.filter(pl.col("withheld")).select(pl.col("region").cast(pl.String), pl.col("phase").cast(pl.String))
    for r in (
        grid.with_columns(pl.col("region").cast(pl.String), pl.col("phase").cast(pl.String))
        .join(hidden, on=["region", "phase"])
        .iter_rows(named=True)
    ):
        if r["incidents"]:
            yield f"grid {r['region']} {r['phase']}", int(r["incidents"]), [(r["days"], 1)]


def test_no_withheld_count_is_recovered_from_the_numbers_on_the_page(report: aar.ComparativeReport) -> None:
    page = _page(report)
    in_charts = _json_numbers(page)
    in_text = _text_numbers(page)
    published = list(_published_rates(report))
    published_text = {fmt.number(v, "id", 2) for v in published}
    cells = list(_withheld_cells(report))
    assert cells, "the case must withhold something, or the test proves nothing"
    leaks = []
    for where, count, exposures in cells:
        for exposure, scale in exposures:
            rate = count / exposure * scale
            # a whole number could as well be any count of the page, and a value another published
            # cell has (same count, same exposure) tells the reader nothing about this one
            explained = rate.is_integer() or any(math.isclose(v, rate, rel_tol=1e-9) for v in published)
            if not explained and any(math.isclose(x, rate, rel_tol=1e-9) for x in in_charts):
                leaks.append(f"{where}: {count} = {rate} x {exposure} / {scale} in a chart")
            shown = fmt.number(rate, "id", 2)
            if rate >= 0.01 and shown in in_text and shown not in published_text:
                leaks.append(f"{where}: {count} from '{shown}' in the text")
            clock = exposure * 86_400 / count
            if any(math.isclose(x, clock, rel_tol=1e-9) for x in in_charts):
                leaks.append(f"{where}: crime clock {clock}")
    assert leaks == []


def _published_rates(report: aar.ComparativeReport) -> Iterator[float]:
    """The rates and counts of cells that are not withheld (read from the unpublished comparison)."""
    p = report.published
    raw = p.comparison
    for name, key in (("phases", "phase"), ("categories", "category"), ("subregions", "region")):
        hidden = {
            (str(r[key]), s): r[f"withheld_{s}"]
            for r in getattr(p, name).iter_rows(named=True)
            for s in ("baseline", "target")
        }
        for r in getattr(raw, name).iter_rows(named=True):
            for side in ("baseline", "target"):
                if not hidden[(str(r[key]), side)]:
                    yield from (r[c] for c in (f"incidents_{side}", f"per_day_{side}") if r.get(c) is not None)
    grid = aar.rates(
        report.ds, ["operation_id", "region", "phase"], p.region, aar._analytics.metrics.sub_level(p.region)
    )
    grid = grid.filter(pl.col("operation_id") == p.target).with_columns(pl.col("region", "phase").cast(pl.String))
    shown = p.grid.filter(~pl.col("withheld")).select(pl.col("region", "phase").cast(pl.String))
    yield from (v for v in grid.join(shown, on=["region", "phase"])["per_day"].to_list() if v is not None)
    for row in p.summary.iter_rows(named=True):
        yield from (
            raw.metric(row["metric"])[s]
            for s in ("baseline", "target")
            if not row[f"withheld_{s}"] and raw.metric(row["metric"])[s] is not None
        )


def test_no_withheld_cell_is_the_only_one_under_a_published_total(report: aar.ComparativeReport) -> None:
    """Subtraction: a total on the page minus the cells shown must not give one withheld cell."""
    p = report.published
    totals = {s: not p.metric("incidents")[f"withheld_{s}"] for s in ("baseline", "target")}
    for name in ("phases", "categories", "subregions"):
        frame = getattr(p, name)
        for side in ("baseline", "target"):
            if totals[side]:
                assert frame[f"withheld_{side}"].sum() != 1, f"{name} {side}"
    grid = p.grid
    for key, margin, column in (("region", p.subregions, "region"), ("phase", p.phases, "phase")):
        published = margin.filter(~pl.col("withheld_target"))[column].cast(pl.String).to_list()
        lonely = (
            grid.with_columns(pl.col(key).cast(pl.String))
            .filter(pl.col(key).is_in(published))
            .group_by(key)
            .agg(pl.col("withheld").sum())
            .filter(pl.col("withheld") == 1)
        )
        assert lonely.is_empty(), f"grid {key}: {lonely}"
    weeks = p.daily
    for op, side in ((p.baseline, "baseline"), (p.target, "target")):
        if totals[side]:
            assert weeks.filter(pl.col("operation_id") == op)["withheld"].sum() != 1


def test_a_withheld_count_leaves_no_rate_ratio_finding_or_sentence(report: aar.ComparativeReport) -> None:
    p = report.published
    hidden = p.category_ratios.filter(pl.col("withheld"))
    assert hidden["ratio"].null_count() == hidden.height
    subjects = set(p.findings.filter(pl.col("scope") == "category")["subject"])
    assert not subjects & set(hidden["category"].cast(pl.String))
    forest = next(f for s in report.sections() for f in s.figures if f.name == "forest")
    drawn = set(forest.figure.data[0].y)
    labels = {aar.CATEGORY.label(str(c), "id") for c in hidden["category"]}
    assert not drawn & labels


def test_daily_series_with_small_counts_are_shown_by_week_and_say_so(sample: aar.Dataset) -> None:
    report = aar.comparative_report(sample, "18.72", lang="id", min_cell=3, generated_at=WHEN)
    assert report.published.weekly
    assert int(report.published.daily["days"].max()) == 7  # type: ignore[arg-type]
    caption = next(f for f in report.phases().figures if f.name == "timeline").caption
    assert "per minggu" in caption and "di bawah 3" in caption
    assert report.published.relative["target_rolling"].null_count() == report.published.relative.height


def test_with_min_cell_1_nothing_is_withheld(sample: aar.Dataset) -> None:
    report = aar.comparative_report(sample, "18", lang="en", min_cell=1, generated_at=WHEN)
    assert not report.published.any_withheld
    assert not report.published.weekly


@pytest.mark.parametrize("k", [3, 5])
def test_the_overview_withholds_on_every_surface(sample: aar.Dataset, k: int) -> None:
    report = aar.overview_report(sample, "OMP-2024", "18.72", "2024-11-30", lang="id", min_cell=k, generated_at=WHEN)
    p = report.published
    page = "".join(str(s.to_html()) for s in report.sections())
    in_charts = _json_numbers(page)
    raw = {
        by: aar.rates(p.view, ["operation_id", by], "18.72", "regency" if by == "region" else None)
        for by in ("phase", "category", "region")
    }
    hidden_somewhere = False
    for by, frame in (("phase", p.phases), ("category", p.categories), ("region", p.subregions)):
        if not p.summary["withheld"]:
            assert frame["withheld"].sum() != 1, by  # the total is published: one withheld cell would be its difference
        counts = dict(zip(raw[by][by].cast(pl.String), raw[by]["incidents"], strict=True))
        days = dict(zip(raw[by][by].cast(pl.String), raw[by]["days"], strict=True))
        for row in frame.filter(pl.col("withheld")).iter_rows(named=True):
            count = counts[str(row[by])]
            if count:
                hidden_somewhere = True
                rate = count / days[str(row[by])]
                assert not any(math.isclose(x, rate, rel_tol=1e-9) for x in in_charts), (by, row[by])
    weeks = p.daily
    assert weeks.filter(pl.col("withheld"))["incidents"].null_count() == weeks["withheld"].sum()
    assert hidden_somewhere
