"""Report sections as values: snapshots of every section in both languages, read without a kernel.

The snapshots (tests/__snapshots__/test_sections.ambr) hold each section's HTML body and a short
description of its figures; `pytest --snapshot-update` rewrites them after a deliberate change,
and the diff shows exactly what a reader of the report would see change.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from syrupy.assertion import SnapshotAssertion

import aar
from aar._reporting.sections import gather

SAMPLE = Path(__file__).parents[1] / "data" / "sample"
WHEN = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)
LANGS = ("id", "en")


@pytest.fixture(scope="module")
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


@pytest.fixture(scope="module")
def comparative(sample: aar.Dataset) -> dict[str, aar.ComparativeReport]:
    return {lang: aar.comparative_report(sample, "18", lang=lang, generated_at=WHEN) for lang in LANGS}


@pytest.fixture(scope="module")
def overview(sample: aar.Dataset) -> dict[str, aar.OverviewReport]:
    return {
        lang: aar.overview_report(sample, "OMP-2024", "18.72", "2024-11-30", lang=lang, generated_at=WHEN)
        for lang in LANGS
    }


def _figures(section: aar.Section) -> list[str]:
    out = []
    for f in section.figures:
        traces = [f"{t.type}:{len(t.x) if t.x is not None else len(t.z or [])}" for t in f.figure.data]
        shown = traces if len(traces) <= 6 else [*traces[:3], f"... {len(traces)} traces"]
        out.append(f"{f.name}: {f.figure.layout.title.text} [{', '.join(shown)}] | {f.caption}")
    return out


SECTION_IDS = [
    "header",
    "bottom_line",
    "summary",
    "phases",
    "relative",
    "categories",
    "subregions",
    "deployment",
    "statistics",
    "findings",
    "plan",
    "method",
]


@pytest.mark.parametrize("lang", LANGS)
def test_comparative_sections(
    comparative: dict[str, aar.ComparativeReport], lang: str, snapshot: SnapshotAssertion
) -> None:
    sections = comparative[lang].sections()
    assert [s.id for s in sections] == SECTION_IDS
    for section in sections:
        assert {"body": str(section.body), "figures": _figures(section)} == snapshot(name=f"{lang}-{section.id}")


@pytest.mark.parametrize("lang", LANGS)
def test_overview_sections(overview: dict[str, aar.OverviewReport], lang: str, snapshot: SnapshotAssertion) -> None:
    for section in overview[lang].sections():
        assert {"body": str(section.body), "figures": _figures(section)} == snapshot(name=f"{lang}-{section.id}")


def test_a_section_is_an_immutable_value_shown_by_returning_it(comparative: dict[str, aar.ComparativeReport]) -> None:
    report = comparative["en"]
    section = report.summary()
    assert section is report.summary()  # computed once
    html = section._repr_html_()
    assert html.startswith('<section class="aar-section" id="summary">')
    assert section.frames["summary"].height > 10
    with pytest.raises(TypeError):
        section.key_numbers["rate_ratio"] = 2.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        section.title = "x"  # type: ignore[misc]


def test_key_numbers_do_not_depend_on_the_order_sections_are_built(sample: aar.Dataset) -> None:
    forward = aar.comparative_report(sample, "18.72", lang="id", generated_at=WHEN)
    backward = aar.comparative_report(sample, "18.72", lang="id", generated_at=WHEN)
    for build in reversed(
        [backward.summary, backward.statistics, backward.findings, backward.phases, backward.categories]
    ):
        build()
    assert forward.key_numbers().values == backward.key_numbers().values
    assert gather(forward.sections()) == gather(list(reversed(backward.sections())))


def test_key_numbers_are_the_library_numbers(
    comparative: dict[str, aar.ComparativeReport], sample: aar.Dataset
) -> None:
    keys = comparative["id"].key_numbers().values
    cmp = aar.compare(sample, region="18")
    assert keys["incidents_target"] == cmp.metric("incidents")["target"]
    assert keys["per_day_target"] == pytest.approx(cmp.metric("per_day")["target"])
    assert keys["rate_ratio"] == pytest.approx(cmp.metric("per_day")["target"] / cmp.metric("per_day")["baseline"])


def test_the_key_numbers_cell_hands_them_to_the_sidecar(comparative: dict[str, aar.ComparativeReport]) -> None:
    from aar._reporting.sections import KEY_NUMBERS_MIME

    bundle = comparative["id"].key_numbers()._repr_mimebundle_()
    assert bundle[KEY_NUMBERS_MIME]["region"] == "18"


def _text(report: aar.ComparativeReport | aar.OverviewReport) -> str:
    """The words of a report, without the provenance table (it quotes the dataset's own metadata)."""
    html = "".join(str(s.body) for s in report.sections())
    html = re.sub(r'<table class="aar provenance">.*?</table>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


ENGLISH_WORDS = re.compile(
    r"\b(the|and|incidents?|rate|ratio|days?|voting|baseline|target|region|phase|withheld|method|week|per day)\b",
    re.IGNORECASE,
)


def test_an_indonesian_report_has_no_english_words(
    comparative: dict[str, aar.ComparativeReport], overview: dict[str, aar.OverviewReport]
) -> None:
    for report in (comparative["id"], overview["id"]):
        text = re.sub(r"\w+=[^,\s]+", " ", _text(report))  # parameter names are identifiers, not words
        for match in ENGLISH_WORDS.finditer(text):
            context = text[max(0, match.start() - 40) : match.end() + 40]
            # data names (dataset, improvement plan) may be in any language; everything else must be Indonesian
            assert "Synthetic sample dataset" in context or "docs/metrics" in context or "CONTOH" in context, context
        for report_figure in (f for s in report.sections() for f in s.figures):
            title = str(report_figure.figure.layout.title.text)
            assert not ENGLISH_WORDS.search(title), title
            assert report_figure.figure.layout.separators == ",."


def test_no_infinity_and_no_zero_p_value_on_the_page(comparative: dict[str, aar.ComparativeReport]) -> None:
    for report in comparative.values():
        text = _text(report)
        assert "∞" not in text and "inf" not in text.lower().replace("informasi", "")
        assert "p = 0,0000" not in text and "p = 0.0000" not in text


@pytest.mark.parametrize("region", ["18", "18.72"])
def test_population_rows_follow_the_per_day_row_or_say_why(sample: aar.Dataset, region: str) -> None:
    report = aar.comparative_report(sample, region, lang="id", generated_at=WHEN)
    p = report.published
    per_day = p.metric("per_day")["direction"]
    body = str(report.summary().body)
    text = _text(report)
    assert "∞" not in text and "p = 0,0000" not in text
    for metric in ("per_100k_voters_per_30_days", "per_1000_tps_per_30_days"):
        row = p.metric(metric)
        changed = "voters" if "voters" in metric else "tps"
        if row["direction"] != per_day:  # only when the population itself changed, and the page says so
            population = p.metric(changed)
            assert population["direction"] is not None and population["direction"] != "tetap"
            assert "TPS digabung" in body or changed == "voters"
    assert "per 30 hari" in body
    assert "seluruh masa operasi" not in body  # whole-operation rates are not compared across operations


def test_a_province_report_maps_its_kabupaten_and_a_national_report_its_provinces(sample: aar.Dataset) -> None:
    province = aar.comparative_report(sample, "18", lang="id", generated_at=WHEN)
    drawn = next(f for f in province.subregions().figures if f.name == "map").figure
    outlines = [t for t in drawn.data if t.fill == "toself"]
    assert len(outlines) == 15  # Lampung's 13 kabupaten and 2 kota
    assert {t.text.rsplit("(", 1)[1].rstrip(")") for t in outlines} == {
        r for r in sample.regions.filter(pl.col("parent_code") == "18")["region_code"]
    }
    coloured = [t for t in outlines if t.fillcolor != "#e6e6e6"]
    assert len(coloured) == province.published.subregions["per_day_target"].drop_nulls().len()
    national = aar.comparative_report(sample, None, lang="en", generated_at=WHEN)
    country = next(f for f in national.subregions().figures if f.name == "map").figure
    assert len([t for t in country.data if t.fill == "toself"]) == 38


@pytest.mark.parametrize(
    ("region", "expected"), [("31.71", set()), ("18.72", {"18.72", "18"}), ("18", {"18.72", "18"})]
)
def test_the_plan_holds_only_rows_of_the_reports_scope(sample: aar.Dataset, region: str, expected: set[str]) -> None:
    report = aar.comparative_report(sample, region, lang="id", generated_at=WHEN)
    plan = report.improvement_plan().frames["plan"]
    assert set(plan["region_code"].drop_nulls()) == expected
    body = str(report.improvement_plan().body)
    if expected:
        assert "Elemen kemampuan" in body and "HSEEP" in body
    else:
        assert "Lampung" not in body and "Pengawalan logistik" not in body
