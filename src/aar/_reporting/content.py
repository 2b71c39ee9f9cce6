"""What a report shows: sections as escaped HTML, figures, and the key numbers of its sidecar.

The report notebooks stay thin: a parameters cell, then one library call per section
(`report.summary()`, `report.phases()`...). Each call displays HTML built here, in the report's
language, with every value taken from data escaped, counts below the disclosure threshold withheld
(and the rates computed from them), and no incident description or personal data.
Key numbers carry `data-key` attributes so a test can read them off the page and compare them with
the sidecar and the library.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import polars as pl

from .._analytics.comparison import Comparison, compare
from .._analytics.deployment import required_vs_deployed, voting_day
from .._analytics.disclosure import suppress
from .._analytics.findings import findings
from .._analytics.metrics import EXPOSURES, RATE_COLUMNS, check_choice, check_region, crime_clock_text, rates, sub_level
from .._analytics.statistics import RateRatio, count_regression, rate_ratio, ratio_table, segmented_regression
from .._data.dataset import Dataset, load
from .._data.schema import CATEGORY, PHASE
from .._errors import UsageError
from . import figures
from .formatting import LANGUAGES, date, number, percent, ratio, rupiah

KEY_NUMBERS_MIME = "application/vnd.aar.key-numbers+json"
"""Mimetype of the output that carries a report's key numbers to its sidecar (not shown in the HTML)."""

TEXT: Mapping[str, Mapping[str, str]] = {
    "id": {
        "title": "Evaluasi perbandingan pengamanan",
        "synthetic": "DATA SINTETIS: laporan ini dibuat dari data contoh buatan, bukan kejadian nyata.",
        "region": "Wilayah",
        "national": "Nasional",
        "baseline": "Pembanding",
        "target": "Dievaluasi",
        "summary": "Ringkasan (anev)",
        "phases": "Tahapan",
        "relative": "Hari relatif terhadap hari H",
        "categories": "Kategori gangguan",
        "subregions": "Wilayah bawahan",
        "deployment": "Pengerahan personel",
        "statistics": "Temuan statistik",
        "findings": "Temuan: pertahankan dan tingkatkan",
        "plan": "Rencana perbaikan (evaluator)",
        "method": "Metode dan data",
        "metric": "Ukuran",
        "change": "Perubahan",
        "percent": "Persen",
        "direction": "Arah",
        "sustain": "Pertahankan",
        "improve": "Tingkatkan",
        "none": "Tidak ada.",
        "suppressed": "Jumlah di bawah {n} disembunyikan (juga sel lain yang dapat mengungkapnya); laju dari jumlah itu juga disembunyikan.",
        "as_of": "sampai dengan",
        "overview_title": "Laporan perkembangan operasi",
    },
    "en": {
        "title": "Comparative evaluation of election security",
        "synthetic": "SYNTHETIC DATA: this report is made from a generated example dataset, not real incidents.",
        "region": "Region",
        "national": "National",
        "baseline": "Baseline",
        "target": "Evaluated",
        "summary": "Summary (anev)",
        "phases": "Phases",
        "relative": "Days relative to voting day",
        "categories": "Incident categories",
        "subregions": "Sub-regions",
        "deployment": "Deployment",
        "statistics": "Statistical findings",
        "findings": "Findings: sustain and improve",
        "plan": "Improvement plan (evaluator)",
        "method": "Method and data",
        "metric": "Metric",
        "change": "Change",
        "percent": "Percent",
        "direction": "Direction",
        "sustain": "Sustain",
        "improve": "Improve",
        "none": "None.",
        "suppressed": "Counts below {n} are withheld (with the cells that would reveal them); rates from those counts are withheld too.",
        "as_of": "as of",
        "overview_title": "Operation progress report",
    },
}

METRIC_LABELS: Mapping[str, tuple[str, str]] = {
    "incidents": ("Jumlah gangguan (CT)", "Incidents (CT)"),
    "cleared": ("Kasus selesai (CC)", "Cases cleared (CC)"),
    "clearance_rate": ("Persentase penyelesaian", "Clearance rate"),
    "killed": ("Meninggal dunia", "Killed"),
    "injured": ("Luka", "Injured"),
    "loss_idr": ("Kerugian materiil", "Material loss"),
    "days": ("Hari operasi", "Operation days"),
    "per_day": ("Gangguan per hari", "Incidents per day"),
    "voters": ("Pemilih (DPT)", "Registered voters"),
    "per_100k_voters": ("Per 100.000 pemilih", "Per 100,000 voters"),
    "tps": ("TPS", "Polling stations"),
    "per_1000_tps": ("Per 1.000 TPS", "Per 1,000 polling stations"),
    "personnel_days": ("Hari-orang personel", "Personnel-days"),
    "per_1000_personnel_days": ("Per 1.000 hari-orang", "Per 1,000 personnel-days"),
    "crime_clock_seconds": ("Selang waktu kejahatan", "Crime clock"),
}
DIRECTION_WORDS = {"naik": ("naik", "up"), "turun": ("turun", "down"), "tetap": ("tetap", "unchanged")}


def esc(value: object) -> str:
    """HTML-escaped text of any value; every value taken from data goes through here."""
    return html.escape("" if value is None else str(value), quote=True)


def show_html(fragment: str) -> None:
    """Display an HTML fragment in the notebook (and so in the report)."""
    from IPython.display import HTML, display

    display(HTML(fragment))


def show(fig: go.Figure) -> None:
    """Display a figure: interactive in JupyterLab, and a plotly div in the report (plotly.js loaded once by the page)."""
    from IPython.display import display

    div = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
    display({"application/vnd.plotly.v1+json": json.loads(fig.to_json()), "text/html": div}, raw=True)


def _heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def _table(frame: pl.DataFrame, columns: Sequence[tuple[str, str, Callable[[Any], str]]], css: str = "") -> str:
    """An HTML table of `frame`: (column, header, formatter) per column; every cell escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for _, h, _ in columns)
    body = []
    for row in frame.iter_rows(named=True):
        cells = "".join(f"<td>{esc(fmt(row.get(c)))}</td>" for c, _, fmt in columns)
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="aar {css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


@dataclass(frozen=True)
class ReportBase:
    """What every report shares: the dataset, its language and the disclosure threshold."""

    ds: Dataset
    lang: str
    min_cell: int
    key_numbers: dict[str, Any] = field(default_factory=dict, compare=False)
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> Mapping[str, str]:
        return TEXT[self.lang]

    def n(self, value: float | None, decimals: int = 0) -> str:
        return number(value, self.lang, decimals)

    def key(self, name: str, value: float | None, shown: str) -> str:
        """A key number on the page, recorded for the sidecar, marked for the browser test."""
        self.key_numbers[name] = value
        return f'<span class="key" data-key="{esc(name)}">{esc(shown)}</span>'

    def banner(self) -> None:
        """The synthetic-data banner (shown whenever the dataset says it is synthetic)."""
        if self.ds.synthetic:
            show_html(f'<div class="synthetic-banner" role="alert">{esc(self.text["synthetic"])}</div>')

    def publish_key_numbers(self) -> None:
        """Hand the key numbers to the report runner (written to the JSON sidecar, not shown)."""
        from IPython.display import display

        display({KEY_NUMBERS_MIME: {k: v for k, v in self.key_numbers.items()}}, raw=True)

    def provenance(self, notes: str) -> None:
        """The method and data section: dataset, checksum, synthetic or not, version, time, parameters."""
        from .._version import __version__

        info, lang = self.ds.info, self.lang
        rows = [
            ("Dataset", info.name),
            ("Checksum (SHA-256)", info.checksum or "-"),
            (
                "Sintetis" if lang == "id" else "Synthetic",
                ("ya" if lang == "id" else "yes") if info.synthetic else ("tidak" if lang == "id" else "no"),
            ),
            ("Versi aar" if lang == "id" else "aar version", __version__),
            ("Dibuat" if lang == "id" else "Generated", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
            ("Parameter" if lang == "id" else "Parameters", ", ".join(f"{k}={v}" for k, v in self.parameters.items())),
        ]
        table = (
            "<table class='aar'>"
            + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
            + "</table>"
        )
        show_html(_heading(self.text["method"]) + table + (f"<p>{esc(notes)}</p>" if notes else ""))

    def withheld(
        self, frame: pl.DataFrame, counts: Sequence[str], dims: Sequence[str], rates_of: Mapping[str, Sequence[str]]
    ) -> pl.DataFrame:
        """Counts below the threshold withheld (with secondary cells), and the rates computed from them."""
        for column in counts:
            frame = suppress(frame, column, dims, self.min_cell)
            for rate in rates_of.get(column, ()):
                frame = frame.with_columns(
                    pl.when(pl.col(f"{column}_suppressed")).then(None).otherwise(pl.col(rate)).alias(rate)
                )
        return frame


def _region_name(ds: Dataset, region: str | None, lang: str) -> str:
    if region is None:
        return TEXT[lang]["national"]
    names = dict(ds.regions.select("region_code", "name").iter_rows())
    return f"{names.get(region, region)} ({region})"


@dataclass(frozen=True)
class ComparativeReport(ReportBase):
    """Everything the comparative evaluation shows, computed once; one method per section."""

    comparison: Comparison = None  # type: ignore[assignment]
    overall: RateRatio = None  # type: ignore[assignment]
    category_ratios: pl.DataFrame = field(default_factory=pl.DataFrame)
    phase_ratios: pl.DataFrame = field(default_factory=pl.DataFrame)
    names: Mapping[str, str] = field(default_factory=dict)
    alpha: float = 0.05

    @property
    def rate(self) -> str:
        return RATE_COLUMNS[self.comparison.exposure]

    def header(self) -> None:
        """Title, synthetic banner, region, operations and windows."""
        t, c = self.text, self.comparison
        b, g = self.names[c.baseline], self.names[c.target]
        ops = {r["operation_id"]: r for r in self.ds.operations.iter_rows(named=True)}
        parts = [
            f"<h1>{esc(t['title'])}: {esc(g)} {'dibanding' if self.lang == 'id' else 'against'} {esc(b)}</h1>",
            f"<p>{esc(t['region'])}: <b>{esc(_region_name(self.ds, c.region, self.lang))}</b>. "
            f"{esc(t['baseline'])}: {esc(ops[c.baseline]['name'])} ({'hari H' if self.lang == 'id' else 'voting day'} {esc(date(ops[c.baseline]['voting_date'], self.lang))}); "
            f"{esc(t['target'])}: {esc(ops[c.target]['name'])} ({'hari H' if self.lang == 'id' else 'voting day'} {esc(date(ops[c.target]['voting_date'], self.lang))}).</p>",
        ]
        self.banner()
        show_html("".join(parts))

    def summary(self) -> None:
        """The anev summary: generated sentences, then the side-by-side table."""
        t, c, lang = self.text, self.comparison, self.lang
        b, g = self.names[c.baseline], self.names[c.target]
        inc, per_day, clock = c.metric("incidents"), c.metric("per_day"), c.metric("crime_clock_seconds")
        clear = c.metric("clearance_rate")
        rr = self.overall
        direction = str(per_day["direction"] or "tetap")
        word = DIRECTION_WORDS[direction][0 if lang == "id" else 1]
        pct = per_day["percent_change"]
        k = self.key
        if lang == "id":
            sentences = [
                f"Selama {g} tercatat {k('incidents_target', inc['target'], self.n(inc['target']))} gangguan kamtibmas dalam {self.n(c.metric('days')['target'])} hari operasi, "
                f"dibanding {k('incidents_baseline', inc['baseline'], self.n(inc['baseline']))} dalam {self.n(c.metric('days')['baseline'])} hari pada {b}.",
                f"Rata-rata per hari {word} {k('per_day_percent_change', pct, percent(abs(pct) if pct is not None else None, lang))} "
                f"dari {k('per_day_baseline', per_day['baseline'], self.n(per_day['baseline'], 2))} menjadi {k('per_day_target', per_day['target'], self.n(per_day['target'], 2))} gangguan per hari "
                f"(rasio laju {k('rate_ratio', rr.ratio, ratio(rr.ratio, lang))}; IK 95% {k('rate_ratio_ci_low', rr.ci_low, ratio(rr.ci_low, lang))}–{k('rate_ratio_ci_high', rr.ci_high, ratio(rr.ci_high, lang))}).",
                f"Selang waktu kejahatan: {esc(crime_clock_text(clock['target'], 'id'))} pada {esc(g)}, dibanding {esc(crime_clock_text(clock['baseline'], 'id'))} pada {esc(b)}.",
                f"Persentase penyelesaian kasus {k('clearance_rate_target', clear['target'], percent(clear['target'] * 100 if clear['target'] is not None else None, lang))} "
                f"(pembanding {k('clearance_rate_baseline', clear['baseline'], percent(clear['baseline'] * 100 if clear['baseline'] is not None else None, lang))}).",
            ]
            per_voters = c.metric("per_100k_voters")
            if per_voters["target"] is not None:
                sentences.append(
                    f"Per 100.000 pemilih: {self.n(per_voters['target'], 1)} pada {esc(g)} dan {self.n(per_voters['baseline'], 1)} pada {esc(b)} (seluruh masa operasi)."
                )
        else:
            sentences = [
                f"During {g}, {k('incidents_target', inc['target'], self.n(inc['target']))} incidents were recorded over {self.n(c.metric('days')['target'])} operation days, "
                f"against {k('incidents_baseline', inc['baseline'], self.n(inc['baseline']))} over {self.n(c.metric('days')['baseline'])} days in {b}.",
                f"The daily rate went {word} by {k('per_day_percent_change', pct, percent(abs(pct) if pct is not None else None, lang))} "
                f"from {k('per_day_baseline', per_day['baseline'], self.n(per_day['baseline'], 2))} to {k('per_day_target', per_day['target'], self.n(per_day['target'], 2))} incidents per day "
                f"(rate ratio {k('rate_ratio', rr.ratio, ratio(rr.ratio, lang))}; 95% CI {k('rate_ratio_ci_low', rr.ci_low, ratio(rr.ci_low, lang))}–{k('rate_ratio_ci_high', rr.ci_high, ratio(rr.ci_high, lang))}).",
                f"Crime clock: {esc(crime_clock_text(clock['target'], 'en'))} in {esc(g)}, against {esc(crime_clock_text(clock['baseline'], 'en'))} in {esc(b)}.",
                f"Clearance rate {k('clearance_rate_target', clear['target'], percent(clear['target'] * 100 if clear['target'] is not None else None, lang))} "
                f"(baseline {k('clearance_rate_baseline', clear['baseline'], percent(clear['baseline'] * 100 if clear['baseline'] is not None else None, lang))}).",
            ]
            per_voters = c.metric("per_100k_voters")
            if per_voters["target"] is not None:
                sentences.append(
                    f"Per 100,000 voters: {self.n(per_voters['target'], 1)} in {esc(g)} and {self.n(per_voters['baseline'], 1)} in {esc(b)} (whole operation)."
                )
        self.key_numbers["region"] = c.region
        show_html(_heading(t["summary"]) + "<p>" + " ".join(sentences) + "</p>")
        show_html(self._summary_table())

    def _summary_table(self) -> str:
        t, lang = self.text, self.lang
        summary = self.comparison.summary

        def fmt(metric: str) -> Callable[[Any], str]:
            if metric == "clearance_rate":
                return lambda v: percent(None if v is None else v * 100, lang)
            if metric == "loss_idr":
                return lambda v: rupiah(v, lang)
            if metric == "crime_clock_seconds":
                return lambda v: crime_clock_text(v, lang).replace("1 kasus setiap ", "").replace("one case every ", "")
            decimals = (
                0
                if metric in ("incidents", "cleared", "killed", "injured", "days", "voters", "tps", "personnel_days")
                else 2
            )
            return lambda v: number(v, lang, decimals)

        rows = []
        for r in summary.iter_rows(named=True):
            f = fmt(r["metric"])
            label = METRIC_LABELS[r["metric"]][0 if lang == "id" else 1]
            small = r["metric"] in ("incidents", "cleared", "killed", "injured") and any(
                v is not None and 0 < v < self.min_cell for v in (r["baseline"], r["target"])
            )
            cells = [
                label,
                "*" if small else f(r["baseline"]),
                "*" if small else f(r["target"]),
                "" if small else f(r["change"]),
                percent(r["percent_change"], lang),
                DIRECTION_WORDS.get(str(r["direction"]), ("", ""))[0 if lang == "id" else 1],
            ]
            rows.append("<tr>" + "".join(f"<td>{esc(x)}</td>" for x in cells) + "</tr>")
        head = "".join(
            f"<th>{esc(h)}</th>"
            for h in (
                t["metric"],
                self.names[self.comparison.baseline],
                self.names[self.comparison.target],
                t["change"],
                t["percent"],
                t["direction"],
            )
        )
        return f'<table class="aar"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'

    def _side_table(self, frame: pl.DataFrame, key: str, label: Callable[[Any], str], key_header: str) -> str:
        """A per-key table of counts and rates of both operations, small counts withheld."""
        rate = self.rate
        long = pl.concat(
            [
                frame.select(
                    pl.col(key).cast(pl.String),
                    operation=pl.lit(side),
                    incidents=f"incidents_{side}",
                    rate=f"{rate}_{side}",
                )
                for side in ("baseline", "target")
            ]
        )
        long = self.withheld(long, ["incidents"], [key, "operation"], {"incidents": ["rate"]})
        long = long.with_columns(pl.col("incidents_suppressed").alias("withheld"))
        wide = long.pivot(on="operation", index=key, values=["incidents", "rate", "withheld"]).join(
            frame.select(pl.col(key).cast(pl.String), "percent_change", "direction"), on=key, how="left"
        )
        lang = self.lang
        b, g = self.names[self.comparison.baseline], self.names[self.comparison.target]
        rate_label = METRIC_LABELS.get(rate, (rate, rate))[0 if lang == "id" else 1]
        for side in ("baseline", "target"):  # "*" marks a withheld cell, "-" one that does not apply
            wide = wide.with_columns(
                pl.when(pl.col(f"withheld_{side}"))
                .then(pl.lit("*"))
                .otherwise(pl.col(f"incidents_{side}").map_elements(lambda v: number(v, lang), return_dtype=pl.String))
                .alias(f"incidents_{side}"),
                pl.when(pl.col(f"withheld_{side}"))
                .then(pl.lit("*"))
                .otherwise(pl.col(f"rate_{side}").map_elements(lambda v: number(v, lang, 2), return_dtype=pl.String))
                .fill_null("-")
                .alias(f"rate_{side}"),
            )
        columns: list[tuple[str, str, Callable[[Any], str]]] = [
            (key, key_header, label),
            ("incidents_baseline", f"{b}: n", str),
            ("rate_baseline", f"{b}: {rate_label}", str),
            ("incidents_target", f"{g}: n", str),
            ("rate_target", f"{g}: {rate_label}", str),
            ("percent_change", self.text["percent"], lambda v: percent(v, lang)),
        ]
        withheld = long["incidents_suppressed"].any()
        if withheld:
            wide = wide.with_columns(
                pl.when(pl.col("withheld_baseline") | pl.col("withheld_target"))
                .then(None)
                .otherwise(pl.col("percent_change"))
                .alias("percent_change")
            )
        note = f'<p class="note">{esc(self.text["suppressed"].format(n=self.min_cell))}</p>' if withheld else ""
        return _table(wide, columns) + note

    def phases(self) -> None:
        """Per phase: counts and per-day rates of both operations; the timeline figure."""
        c = self.comparison
        show_html(
            _heading(self.text["phases"])
            + self._side_table(c.phases, "phase", lambda v: PHASE.label(str(v), self.lang), self.text["phases"])
        )
        province = c.region[:2] if c.region else None
        daily = rates(self.ds, ["operation_id", "occurred_on"], c.region).select(
            "operation_id", "occurred_on", "incidents"
        )
        calendar = self.ds.calendar
        if province:
            calendar = calendar.filter(pl.col("province_code") == province)
        else:
            calendar = self.ds.phases.filter(pl.col("province_code").is_null()).with_columns(
                pl.col("phase").cast(self.ds.calendar.schema["phase"])
            )
        show(
            figures.phase_timeline(
                daily, calendar.filter(pl.col("operation_id").is_in(list(self.names))), self.names, self.lang
            )
        )
        show_html(f'<p class="caption">{esc(figures.caption("timeline", self.lang))}</p>')

    def relative_days(self) -> None:
        """Both operations aligned on voting day."""
        show_html(_heading(self.text["relative"]))
        show(figures.relative_day_chart(self.comparison.series, self.names, self.lang))
        show_html(f'<p class="caption">{esc(figures.caption("relative", self.lang))}</p>')

    def categories(self) -> None:
        """Per category: table, bars and the forest plot of rate ratios."""
        c = self.comparison
        show_html(
            _heading(self.text["categories"])
            + self._side_table(
                c.categories, "category", lambda v: CATEGORY.label(str(v), self.lang), self.text["categories"]
            )
        )
        shown = c.categories
        show(figures.category_chart(shown, self.names, self.lang, self.rate))
        show_html(f'<p class="caption">{esc(figures.caption("categories", self.lang))}</p>')
        show(figures.forest_plot(self.category_ratios, "category", self.lang))
        show_html(f'<p class="caption">{esc(figures.caption("forest", self.lang))}</p>')

    def subregions(self) -> None:
        """Per kabupaten/kota (or province): table, heatmap and map."""
        c = self.comparison
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        show_html(
            _heading(self.text["subregions"])
            + self._side_table(c.subregions, "region", lambda v: f"{names.get(v, v)} ({v})", self.text["region"])
        )
        level = sub_level(c.region)
        grid = rates(self.ds, ["operation_id", "region", "phase"], c.region, level).filter(
            pl.col("operation_id") == c.target
        )
        grid = self.withheld(grid, ["incidents"], ["region", "phase"], {"incidents": ["per_day"]})
        grid = grid.join(self.ds.regions.select(region="region_code", name="name"), on="region", how="left")
        show(figures.region_phase_heatmap(grid.select("name", "phase", "per_day"), "per_day", self.lang))
        show_html(f'<p class="caption">{esc(figures.caption("heatmap", self.lang))}</p>')
        provinces = rates(self.ds, ["operation_id", "region"], None, "province").filter(
            pl.col("operation_id") == c.target
        )
        show(figures.province_map(provinces.select("region", "per_day"), "per_day", self.lang))
        show_html(f'<p class="caption">{esc(figures.caption("map", self.lang))}</p>')

    def deployment(self) -> None:
        """Voting-day deployment against the guard patterns and against incidents."""
        c, lang = self.comparison, self.lang
        level = sub_level(c.region)
        need = required_vs_deployed(self.ds, c.region, level).filter(
            pl.col("operation_id").is_in([c.baseline, c.target])
        )
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        need = need.with_columns(
            operation=pl.col("operation_id").replace_strict(dict(self.names), default=pl.col("operation_id"))
        )
        header = _heading(self.text["deployment"])
        table = _table(
            need,
            [
                ("operation", "", str),
                ("region", self.text["region"], lambda v: f"{names.get(v, v)} ({v})"),
                ("tps", "TPS", lambda v: number(v, lang)),
                ("police_required", "Polri (pola)" if lang == "id" else "Police required", lambda v: number(v, lang)),
                ("polri", "Polri hari H" if lang == "id" else "Police on voting day", lambda v: number(v, lang)),
                (
                    "coverage",
                    "Cakupan" if lang == "id" else "Coverage",
                    lambda v: percent(None if v is None else v * 100, lang, 0),
                ),
                ("shortfall", "Kekurangan" if lang == "id" else "Shortfall", lambda v: number(v, lang)),
            ],
        )
        show_html(header + table)
        points = voting_day(self.ds, c.region, level).join(
            rates(self.ds, ["operation_id", "region"], c.region, level).select("operation_id", "region", "per_day"),
            on=["operation_id", "region"],
        )
        points = points.filter(pl.col("operation_id").is_in([c.baseline, c.target])).join(
            self.ds.regions.select(region="region_code", name="name"), on="region", how="left"
        )
        show(figures.deployment_chart(points, self.names, lang))
        show_html(f'<p class="caption">{esc(figures.caption("deployment", lang))}</p>')

    def statistics(self) -> None:
        """Rate ratio, count regression and segmented regression, each with its method."""
        c, lang, rr = self.comparison, self.lang, self.overall
        reg = count_regression(self.ds, c.baseline, c.target, c.region, c.exposure, self.alpha)
        items = []
        small = " (jumlah kecil)" if lang == "id" else " (small counts)"
        items.append(
            f"<li>{'Rasio laju' if lang == 'id' else 'Rate ratio'} {esc(self.names[c.target])} / {esc(self.names[c.baseline])}: {self.key('rate_ratio_stat', rr.ratio, ratio(rr.ratio, lang))} "
            f"[{esc(ratio(rr.ci_low, lang))}; {esc(ratio(rr.ci_high, lang))}], p = {esc(number(rr.p_value, lang, 4))}{small if rr.small_counts else ''}. <i>{esc(rr.method)}</i>.</li>"
        )
        if reg.irr is not None:
            disp = f"alpha = {number(reg.dispersion, lang, 3)}" + (
                f", p = {number(reg.dispersion_p_value, lang, 4)}" if reg.dispersion_p_value is not None else ""
            )
            items.append(
                f"<li>{'Regresi hitung antar-wilayah' if lang == 'id' else 'Count regression across sub-regions'} ({reg.n_regions}): IRR {self.key('irr', reg.irr, ratio(reg.irr, lang))} "
                f"[{esc(ratio(reg.ci_low, lang))}; {esc(ratio(reg.ci_high, lang))}], p = {esc(number(reg.p_value, lang, 4))}; "
                f"{'overdispersi' if lang == 'id' else 'overdispersion'} {esc(disp)}. <i>{esc(reg.method)}</i>.</li>"
            )
        else:
            items.append(
                f"<li>{'Regresi hitung' if lang == 'id' else 'Count regression'}: <i>{esc(reg.method)}</i>.</li>"
            )
        for op in (c.baseline, c.target):
            seg = segmented_regression(self.ds, op, c.region, alpha=self.alpha)
            if not seg.estimable:
                items.append(f"<li>{esc(self.names[op])}: <i>{esc(seg.method)}</i>.</li>")
                continue
            items.append(
                f"<li>{esc(self.names[op])}: {'perubahan tingkat pada hari H' if lang == 'id' else 'level change at voting day'} x{esc(ratio(seg.level_change, lang))} "
                f"[{esc(ratio(seg.level_ci[0], lang))}; {esc(ratio(seg.level_ci[1], lang))}], {'perubahan tren' if lang == 'id' else 'slope change'} x{esc(number(seg.slope_change, lang, 3))} "
                f"[{esc(number(seg.slope_change_ci[0], lang, 3))}; {esc(number(seg.slope_change_ci[1], lang, 3))}] ({seg.days} {'hari' if lang == 'id' else 'days'}). <i>{esc(seg.method)}</i>.</li>"
            )
        show_html(_heading(self.text["statistics"]) + "<ul>" + "".join(items) + "</ul>")

    def findings(self) -> None:
        """Sustain and improve, from the analysis and from the evaluator's plan."""
        found = findings(
            self.ds,
            self.comparison,
            self.overall,
            self.category_ratios,
            self.phase_ratios,
            self.alpha,
            [self.names[self.comparison.baseline], self.names[self.comparison.target]],
        )
        analysis = found.filter(pl.col("source") == "analysis")
        sentence = "sentence_id" if self.lang == "id" else "sentence_en"
        parts = [_heading(self.text["findings"])]
        for kind in ("improve", "sustain"):
            rows = analysis.filter(pl.col("kind") == kind)
            parts.append(_heading(self.text[kind], 3))
            parts.append(
                "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in rows[sentence]) + "</ul>"
                if rows.height
                else f"<p>{esc(self.text['none'])}</p>"
            )
        self.key_numbers["findings_improve"] = analysis.filter(pl.col("kind") == "improve").height
        self.key_numbers["findings_sustain"] = analysis.filter(pl.col("kind") == "sustain").height
        show_html("".join(parts))

    def improvement_plan(self) -> None:
        """The evaluator's observations and corrective actions (examples are marked)."""
        lang = self.lang
        plan = self.ds.improvement_plan
        parts = [_heading(self.text["plan"])]
        if plan.is_empty():
            parts.append(f"<p>{esc(self.text['none'])}</p>")
        else:
            parts.append(
                _table(
                    plan,
                    [
                        ("capability", "Kemampuan" if lang == "id" else "Capability", str),
                        ("observation", "Observasi" if lang == "id" else "Observation", str),
                        ("rating", "Nilai" if lang == "id" else "Rating", str),
                        (
                            "corrective_action",
                            "Tindakan perbaikan" if lang == "id" else "Corrective action",
                            lambda v: "" if v is None else str(v),
                        ),
                        (
                            "responsible_unit",
                            "Penanggung jawab" if lang == "id" else "Responsible",
                            lambda v: "" if v is None else str(v),
                        ),
                        ("due_date", "Batas waktu" if lang == "id" else "Due", lambda v: date(v, lang)),
                        (
                            "example",
                            "Contoh" if lang == "id" else "Example",
                            lambda v: ("ya" if lang == "id" else "yes") if v else "",
                        ),
                    ],
                )
            )
        show_html("".join(parts))

    def method_notes(self) -> None:
        """Dataset, checksum, generation time, package version, parameters and the methods used."""
        notes = (
            "Laju per hari membagi jumlah dengan hari operasi di wilayah (jendela tiap Polda). Rasio laju: uji skor dan interval skor. "
            "Rasio per kategori disesuaikan untuk perbandingan ganda (Holm). Definisi lengkap: docs/metrics.md."
            if self.lang == "id"
            else "Per-day rates divide counts by the operation days in the region (each Polda's window). Rate ratios: score test and score interval. "
            "Per-category ratios are adjusted for multiple comparisons (Holm). Full definitions: docs/metrics.md."
        )
        self.provenance(notes)


def comparative_report(
    dataset: str | Dataset,
    region: str | None = None,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    exposure: str = "days",
    lang: str = "id",
    min_cell: int = 3,
    alpha: float = 0.05,
) -> ComparativeReport:
    """Compute everything the comparative evaluation shows (one call in the notebook)."""
    check_choice("lang", lang, LANGUAGES)
    check_choice("exposure", exposure, EXPOSURES)
    if min_cell < 1:
        raise UsageError("min_cell", min_cell, "a whole number >= 1")
    if not 0 < alpha < 1:
        raise UsageError("alpha", alpha, "a number between 0 and 1, e.g. 0.05")
    ds = load(dataset) if not isinstance(dataset, Dataset) else dataset
    code = check_region(ds, region)
    comparison = compare(ds, baseline, target, code, exposure)
    by_op = {r["operation_id"]: r for r in rates(ds, ["operation_id"], code).iter_rows(named=True)}
    b, t = by_op.get(baseline, {}), by_op.get(target, {})
    overall = rate_ratio(
        int(t.get("incidents") or 0),
        float(t.get(exposure) or 0),
        int(b.get("incidents") or 0),
        float(b.get(exposure) or 0),
        alpha=alpha,
    )
    names = figures.operation_names([baseline, target], ds.operations)
    return ComparativeReport(
        ds=ds,
        lang=lang,
        min_cell=min_cell,
        key_numbers={},
        comparison=comparison,
        overall=overall,
        category_ratios=ratio_table(ds, "category", baseline, target, code, exposure, alpha=alpha),
        phase_ratios=ratio_table(ds, "phase", baseline, target, code, exposure, alpha=alpha),
        names=names,
        alpha=alpha,
        parameters={
            "region": code or "national",
            "baseline": baseline,
            "target": target,
            "exposure": exposure,
            "lang": lang,
            "min_cell": min_cell,
            "alpha": alpha,
        },
    )


def as_of_view(ds: Dataset, operation: str, as_of: dt.date) -> Dataset:
    """The dataset as it stood on `as_of` for one operation: incidents, deployments and calendar cut there."""
    calendar = ds.calendar.filter((pl.col("operation_id") == operation) & (pl.col("start_date") <= as_of)).with_columns(
        pl.min_horizontal("end_date", pl.lit(as_of)).alias("end_date")
    )
    deployments = ds.deployments.filter(
        (pl.col("operation_id") == operation) & (pl.col("start_date") <= as_of)
    ).with_columns(pl.min_horizontal("end_date", pl.lit(as_of)).alias("end_date"))
    deployments = deployments.with_columns(
        days=((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).cast(pl.Int64)
    ).with_columns(personnel_days=pl.col("personnel") * pl.col("days"))
    incidents = ds.incidents.filter((pl.col("operation_id") == operation) & (pl.col("occurred_on") <= as_of))
    electorate = ds.electorate.filter(pl.col("operation_id") == operation)
    return ds.with_tables(calendar=calendar, deployments=deployments, incidents=incidents, electorate=electorate)


@dataclass(frozen=True)
class OverviewReport(ReportBase):
    """One operation in one region up to a date: the running report during an operation."""

    full: Dataset = None  # type: ignore[assignment]
    operation: str = ""
    region: str | None = None
    as_of: dt.date = dt.date(2024, 1, 1)
    name: str = ""

    def header(self) -> None:
        t, lang = self.text, self.lang
        self.banner()
        show_html(
            f"<h1>{esc(t['overview_title'])}: {esc(self.name)}</h1>"
            f"<p>{esc(t['region'])}: <b>{esc(_region_name(self.ds, self.region, lang))}</b>, {esc(t['as_of'])} {esc(date(self.as_of, lang))}.</p>"
        )

    def summary(self) -> None:
        lang, k = self.lang, self.key
        r = rates(self.ds, ["operation_id"], self.region)
        row = (
            r.row(0, named=True)
            if r.height
            else {
                "incidents": 0,
                "days": 0,
                "per_day": None,
                "crime_clock_seconds": None,
                "clearance_rate": None,
                "killed": 0,
                "injured": 0,
            }
        )
        clear = row["clearance_rate"]
        if lang == "id":
            text = (
                f"Sampai dengan {esc(date(self.as_of, lang))}, {esc(self.name)} mencatat {k('incidents', row['incidents'], self.n(row['incidents']))} gangguan kamtibmas dalam "
                f"{k('days', row['days'], self.n(row['days']))} hari operasi, rata-rata {k('per_day', row['per_day'], self.n(row['per_day'], 2))} per hari "
                f"({esc(crime_clock_text(row['crime_clock_seconds'], 'id'))}); {self.n(row['killed'])} meninggal dunia, {self.n(row['injured'])} luka; "
                f"persentase penyelesaian {k('clearance_rate', clear, percent(None if clear is None else clear * 100, lang))}."
            )
        else:
            text = (
                f"As of {esc(date(self.as_of, lang))}, {esc(self.name)} recorded {k('incidents', row['incidents'], self.n(row['incidents']))} incidents over "
                f"{k('days', row['days'], self.n(row['days']))} operation days, {k('per_day', row['per_day'], self.n(row['per_day'], 2))} per day "
                f"({esc(crime_clock_text(row['crime_clock_seconds'], 'en'))}); {self.n(row['killed'])} killed, {self.n(row['injured'])} injured; "
                f"clearance rate {k('clearance_rate', clear, percent(None if clear is None else clear * 100, lang))}."
            )
        show_html(_heading(self.text["summary"]) + f"<p>{text}</p>")

    def recent(self) -> None:
        """The last 7 days against the 7 before, in anev words (naik / turun)."""
        lang = self.lang
        daily = rates(self.ds, ["occurred_on"], self.region).select("occurred_on", "incidents")
        last = int(daily.filter(pl.col("occurred_on") > self.as_of - dt.timedelta(days=7))["incidents"].sum())
        before = int(
            daily.filter(
                pl.col("occurred_on").is_between(self.as_of - dt.timedelta(days=13), self.as_of - dt.timedelta(days=7))
            )["incidents"].sum()
        )
        change = None if not before else (last - before) / before * 100
        word = DIRECTION_WORDS["naik" if last > before else "turun" if last < before else "tetap"][
            0 if lang == "id" else 1
        ]
        self.key_numbers["last_7_days"] = last
        self.key_numbers["previous_7_days"] = before
        if lang == "id":
            text = f"Tujuh hari terakhir: {self.n(last)} gangguan, {word} {percent(None if change is None else abs(change), lang)} dibanding tujuh hari sebelumnya ({self.n(before)})."
        else:
            text = f"Last seven days: {self.n(last)} incidents, {word} {percent(None if change is None else abs(change), lang)} on the seven days before ({self.n(before)})."
        show_html(_heading("7 hari terakhir" if lang == "id" else "Last 7 days") + f"<p>{esc(text)}</p>")
        calendar = self.ds.calendar
        if self.region:
            calendar = calendar.filter(pl.col("province_code") == self.region[:2])
        else:
            calendar = calendar.filter(pl.col("province_code") == calendar["province_code"].min())
        series = rates(self.ds, ["operation_id", "occurred_on"], self.region).select(
            "operation_id", "occurred_on", "incidents"
        )
        show(figures.phase_timeline(series, calendar, {self.operation: self.name}, lang))
        show_html(f'<p class="caption">{esc(figures.caption("timeline", lang))}</p>')

    def _one_side(self, by: str, label: Callable[[Any], str], header: str) -> str:
        frame = rates(self.ds, ["operation_id", by], self.region, sub_level(self.region) if by == "region" else None)
        frame = self.withheld(frame, ["incidents"], [by], {"incidents": ["per_day"]})
        lang = self.lang
        cols: list[tuple[str, str, Callable[[Any], str]]] = [
            (by, header, label),
            ("incidents", "n", lambda v: "*" if v is None else number(v, lang)),
            (
                "per_day",
                METRIC_LABELS["per_day"][0 if lang == "id" else 1],
                lambda v: "*" if v is None else number(v, lang, 2),
            ),
        ]
        note = (
            f'<p class="note">{esc(self.text["suppressed"].format(n=self.min_cell))}</p>'
            if frame["incidents_suppressed"].any()
            else ""
        )
        return _table(frame.sort(by), cols) + note

    def phases(self) -> None:
        show_html(
            _heading(self.text["phases"])
            + self._one_side("phase", lambda v: PHASE.label(str(v), self.lang), self.text["phases"])
        )

    def categories(self) -> None:
        show_html(
            _heading(self.text["categories"])
            + self._one_side("category", lambda v: CATEGORY.label(str(v), self.lang), self.text["categories"])
        )

    def subregions(self) -> None:
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        show_html(
            _heading(self.text["subregions"])
            + self._one_side("region", lambda v: f"{names.get(v, v)} ({v})", self.text["region"])
        )

    def deployment(self) -> None:
        lang = self.lang
        level = sub_level(self.region)
        need = required_vs_deployed(self.full, self.region, level).filter(pl.col("operation_id") == self.operation)
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        voting = self.full.operations.filter(pl.col("operation_id") == self.operation)["voting_date"][0]
        note = (
            ""
            if self.as_of >= voting
            else (
                "<p class='note'>Hari H belum tiba: angka hari H menurut rencana pengerahan.</p>"
                if lang == "id"
                else "<p class='note'>Voting day has not come yet: voting-day figures are the planned deployment.</p>"
            )
        )
        table = _table(
            need,
            [
                ("region", self.text["region"], lambda v: f"{names.get(v, v)} ({v})"),
                ("tps", "TPS", lambda v: number(v, lang)),
                ("police_required", "Polri (pola)" if lang == "id" else "Police required", lambda v: number(v, lang)),
                ("polri", "Polri hari H" if lang == "id" else "Police on voting day", lambda v: number(v, lang)),
                ("shortfall", "Kekurangan" if lang == "id" else "Shortfall", lambda v: number(v, lang)),
            ],
        )
        show_html(_heading(self.text["deployment"]) + note + table)

    def method_notes(self) -> None:
        """Dataset, checksum, generation time, package version and parameters."""
        self.provenance("")


def overview_report(
    dataset: str | Dataset,
    operation: str = "OMP-2024",
    region: str | None = None,
    as_of: str | dt.date | None = None,
    lang: str = "id",
    min_cell: int = 3,
) -> OverviewReport:
    """Compute the running report of `operation` in `region` up to `as_of` (default: the last day with data)."""
    from .._data.parsing import parse_date

    check_choice("lang", lang, LANGUAGES)
    if min_cell < 1:
        raise UsageError("min_cell", min_cell, "a whole number >= 1")
    ds = load(dataset) if not isinstance(dataset, Dataset) else dataset
    check_choice("operation", operation, list(ds.operations["operation_id"]))
    code = check_region(ds, region)
    if as_of is None or as_of == "":
        last = ds.incidents.filter(pl.col("operation_id") == operation)["occurred_on"].max()
        day = (
            last
            if isinstance(last, dt.date)
            else ds.operations.filter(pl.col("operation_id") == operation)["end_date"][0]
        )
    elif isinstance(as_of, dt.date):
        day = as_of
    else:
        parsed, bad = parse_date(pl.Series("as_of", [str(as_of)]))
        if bad[0] or parsed[0] is None:
            raise UsageError("as_of", as_of, "a date such as 2024-11-30 or 30/11/2024")
        day = parsed[0]
    names = figures.operation_names([operation], ds.operations)
    return OverviewReport(
        ds=as_of_view(ds, operation, day),
        lang=lang,
        min_cell=min_cell,
        key_numbers={"as_of": day.isoformat(), "operation": operation, "region": code},
        full=ds,
        operation=operation,
        region=code,
        as_of=day,
        name=names[operation],
        parameters={
            "operation": operation,
            "region": code or "national",
            "as_of": day.isoformat(),
            "lang": lang,
            "min_cell": min_cell,
        },
    )
