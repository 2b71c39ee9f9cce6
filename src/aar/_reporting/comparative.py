"""The comparative evaluation as a value: every section computed from one published comparison.

`comparative_report(dataset, region="18", lang="id")` compares the operations, publishes the
comparison through the one disclosure pass (`aar._analytics.published`) and returns an immutable
`ComparativeReport`. Each method returns a `Section` (a notebook cell shows it by returning it);
`key_numbers()` gathers the sections' key numbers for the sidecar. Nothing here reads a count
that the published comparison withheld.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from markupsafe import Markup

from .._analytics.findings import plan_rows
from .._analytics.metrics import EXPOSURES, NATIONAL, check_choice, check_region, data_levels, has_national
from .._analytics.published import PublishedComparison, publish_comparison
from .._data.dataset import Dataset, load
from .._errors import UsageError
from .._messages import LANGUAGES, Messages
from .._version import __version__
from . import figures, words
from . import formatting as fmt
from .sections import Figure, FigureScripts, KeyNumbers, Section, Table, frozen, gather, key, render


def region_name(ds: Dataset, region: str | None, lang: str) -> str:
    """ "Lampung (18)", or "Nasional" with what the data covers (provinces, national rows)."""
    t = Messages(lang)
    names = dict(ds.regions.select("region_code", "name").iter_rows())
    if region is not None:
        return f"{names.get(region, region)} ({region})"
    from .._analytics.metrics import covered_provinces

    covered = covered_provinces(ds).to_list()
    if not covered and has_national(ds):
        return f"{t.text('header.national')} ({t.text('header.coverage.national')})"
    listed = ", ".join(str(names.get(c, c)) for c in covered)
    which = "header.coverage.one" if len(covered) == 1 else "header.coverage"
    coverage = t.text(which, count=len(covered), names=listed)
    if has_national(ds):
        coverage = t.text("header.coverage.with_national", coverage=coverage)
    return f"{t.text('header.national')} ({coverage})"


def provenance(ds: Dataset, lang: str, parameters: Mapping[str, Any], generated_at: dt.datetime) -> list[Any]:
    """Rows of the method and data table: dataset, checksum, synthetic, version, time, parameters."""
    t = Messages(lang)
    info = ds.info
    return [
        (t("prov.dataset"), info.name),
        (t("prov.checksum"), info.checksum or "-"),
        (t("prov.synthetic"), t("yes") if info.synthetic else t("no")),
        *(
            (t(f"prov.{name}"), str(info.extra[name]))
            for name in ("real_figures", "synthetic_figures")
            if info.extra.get(name)
        ),
        (t("prov.version"), __version__),
        (t("prov.generated"), generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        (t("prov.parameters"), ", ".join(f"{k}={v}" for k, v in parameters.items())),
    ]


def levels_notes(ds: Dataset, lang: str) -> list[tuple[str, Any]]:
    """The data notes on levels: incident rows per level (national, province, kabupaten/kota), and how
    national and regional rows of the same day are combined, when there are national rows."""
    t = Messages(lang)
    levels = data_levels(ds)
    notes: list[tuple[str, Any]] = [("p", t("method.levels", **{k: fmt.number(v, lang) for k, v in levels.items()}))]
    if levels["national"]:
        notes.append(("p", t("method.levels.rule")))
    return notes


def report_dataset(dataset: str | Path) -> Path:
    """A dataset path as a report notebook names it: as given, else from the repository root.

    The notebooks' default, "data/sample", then works from the repository root (papermill, cron)
    and from `notebooks/` (JupyterLab) alike.
    """
    path = Path(dataset).expanduser()
    if path.exists() or path.is_absolute():
        return path
    root = Path(__file__).resolve().parents[3]
    return root / path if (root / "pyproject.toml").exists() and (root / path).exists() else path


def _blocks(*blocks: tuple[str, Any] | None) -> Markup:
    return render("blocks.html", blocks=[b for b in blocks if b is not None])


def _withheld_note(t: Messages, k: int, any_withheld: bool) -> tuple[str, Any] | None:
    return ("note", t("note.withheld", k=k)) if any_withheld else None


class ReportSections:
    """What both report values share: their language's catalog and sections built once each.

    A report is frozen; `_cache` only memoises the sections its methods build, so a section is
    the same value however often a notebook asks for it.
    """

    lang: str
    _cache: dict[str, Section]

    @property
    def t(self) -> Messages:
        return Messages(self.lang)

    def scripts(self) -> FigureScripts:
        """plotly.js and the figure script for the notebook itself (JupyterLab, nbconvert exports).

        The report page leaves this output out: it embeds the same scripts once in its head.
        """
        return FigureScripts(self.lang)

    def _memo(self, name: str, build: Callable[[], Section]) -> Section:
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]


@dataclass(frozen=True)
class ComparativeReport(ReportSections):
    """Everything the comparative evaluation shows, computed once; one method per section."""

    ds: Dataset
    published: PublishedComparison
    lang: str
    names: Mapping[str, str]
    parameters: Mapping[str, Any]
    generated_at: dt.datetime
    _cache: dict[str, Section] = field(default_factory=dict, compare=False, repr=False)

    @property
    def min_cell(self) -> int:
        return self.published.min_cell

    @property
    def comparison(self) -> Any:
        return self.published.comparison

    def sections(self) -> list[Section]:
        """Every section in page order."""
        return [
            self.header(),
            self.bottom_line(),
            self.summary(),
            self.phases(),
            self.relative_days(),
            self.categories(),
            self.subregions(),
            self.deployment(),
            self.statistics(),
            self.findings(),
            self.improvement_plan(),
            self.method_notes(),
        ]

    def key_numbers(self) -> KeyNumbers:
        """The key numbers of every section, for the JSON sidecar (a notebook cell returns this last)."""
        values = gather(self.sections())
        values["region"] = self.published.region
        return KeyNumbers(frozen(values))

    # --- sections -------------------------------------------------------------------------

    def header(self) -> Section:
        """Title, synthetic banner, region and what the data covers, operations and their voting days."""
        return self._memo("header", self._header)

    def _header(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        ops = {r["operation_id"]: r for r in self.ds.operations.iter_rows(named=True)}
        heading = t(
            "report.comparative.heading",
            title=t("report.comparative.title"),
            target=self.names[p.target],
            baseline=self.names[p.baseline],
        )
        lines = [
            Markup("{}: <b>{}</b>").format(t("header.region"), region_name(self.ds, p.region, lang)),
            Markup("; ").join(
                t(
                    "header.operation",
                    role=t(f"role.{role}"),
                    name=ops[op]["name"],
                    date=fmt.date(ops[op]["voting_date"], lang),
                )
                for role, op in (("baseline", p.baseline), ("target", p.target))
            ),
        ]
        body = render(
            "header.html", heading=heading, synthetic=self.ds.synthetic, banner=t("banner.synthetic"), lines=lines
        )
        title = t.text("page.title", heading=Markup(heading).striptags(), region=region_name(self.ds, p.region, lang))
        return Section("header", "", body, level=1, page_title=title)

    def bottom_line(self) -> Section:
        """Bottom line up front: what changed, where, in which phase and category, and whether deployment matched."""
        return self._memo("bottom_line", self._bottom_line)

    def _bottom_line(self) -> Section:
        from .findings_text import sentence

        t, p, lang = self.t, self.published, self.lang
        b, g = self.names[p.baseline], self.names[p.target]
        region = region_name(self.ds, p.region, lang)
        per_day, clear = p.metric("per_day"), p.metric("clearance_rate")
        rr = p.overall
        lines: list[Markup] = []
        figures_row: list[tuple[str, str]] = []
        if rr is None or per_day["target"] is None or per_day["baseline"] is None:
            lines.append(t("bluf.overall.withheld", region=region, k=self.min_cell))
        else:
            pct = per_day["percent_change"]
            lines.append(
                t(
                    "bluf.overall",
                    target=g,
                    baseline=b,
                    region=region,
                    per_day_target=fmt.number(per_day["target"], lang, 2),
                    per_day_baseline=fmt.number(per_day["baseline"], lang, 2),
                    direction=words.direction(per_day["direction"], lang),
                    percent=fmt.percent(abs(pct), lang) if pct is not None else words.NOT_APPLICABLE,
                    ratio=fmt.ratio(rr.ratio, lang) if rr.ratio is not None else words.NOT_APPLICABLE,
                    interval=words.interval(rr.ci_low, rr.ci_high, lang, (1 - rr.alpha) * 100),
                )
            )
            lines.append(t("bluf.overall.significant" if rr.significant else "bluf.overall.not_significant"))
            figures_row = [
                (t.text("bluf.figures.incidents"), fmt.number(p.metric("incidents")["target"], lang)),
                (t.text("bluf.figures.per_day"), fmt.number(per_day["target"], lang, 2)),
                (
                    t.text("bluf.figures.ratio"),
                    fmt.ratio(rr.ratio, lang) if rr.ratio is not None else words.NOT_APPLICABLE,
                ),
            ]
            if clear["target"] is not None:
                figures_row.append((t.text("bluf.figures.clearance"), fmt.percent(clear["target"] * 100, lang)))
        regional = p.subregions.filter(pl.col("region").cast(pl.String) != NATIONAL)
        if p.region is None and regional.is_empty():
            lines.append(t("bluf.where.national"))
        elif p.region is None or len(p.region) == 2:
            rising = regional.filter(
                pl.col("per_day_target").is_not_null()
                & pl.col("per_day_baseline").is_not_null()
                & (pl.col("per_day_target") > pl.col("per_day_baseline"))
            ).sort(pl.col("per_day_target") - pl.col("per_day_baseline"), descending=True)
            if rising.height:
                top = rising.row(0, named=True)
                lines.append(
                    t(
                        "bluf.where",
                        name=words.label("region", top["region"], lang, self._region_names()),
                        before=fmt.number(top["per_day_baseline"], lang, 2),
                        after=fmt.number(top["per_day_target"], lang, 2),
                    )
                )
            else:
                lines.append(t("bluf.where.none"))
        for by, ratios in (("phase", p.phase_ratios), ("category", p.category_ratios)):
            up = ratios.filter(pl.col("significant") & (pl.col("ratio") > 1)).sort("ratio", descending=True)
            if up.height:
                top = up.row(0, named=True)
                lines.append(
                    t(
                        f"bluf.{by}",
                        label=words.label(by, top[by], lang),
                        ratio=fmt.ratio(top["ratio"], lang),
                        interval=words.interval(top["ci_low"], top["ci_high"], lang),
                    )
                )
            else:
                lines.append(t(f"bluf.{by}.none"))
        deployment = p.findings.filter(pl.col("metric") == "police_shortfall")
        if deployment.height:
            lines.append(sentence(deployment.row(0, named=True), self.names, p.baseline, p.target, lang))
        body = _blocks(("figures", figures_row) if figures_row else None, ("lead", Markup(" ").join(lines)))
        return Section("bottom_line", t.text("section.bottom_line"), body)

    def summary(self) -> Section:
        """The anev summary: generated sentences, then the side-by-side table."""
        return self._memo("summary", self._summary)

    def _summary(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        b, g = self.names[p.baseline], self.names[p.target]
        inc, days, per_day = p.metric("incidents"), p.metric("days"), p.metric("per_day")
        clock, clear = p.metric("crime_clock_seconds"), p.metric("clearance_rate")
        values: dict[str, Any] = {}

        def shown(row: Mapping[str, Any], side: str, decimals: int = 0) -> str:
            return words.cell(row[side], lang, decimals, bool(row[f"withheld_{side}"]))

        sentences = [
            t(
                "summary.incidents",
                target=g,
                baseline=b,
                n_target=key(values, "incidents_target", inc["target"], shown(inc, "target")),
                n_baseline=key(values, "incidents_baseline", inc["baseline"], shown(inc, "baseline")),
                days_target=fmt.number(days["target"], lang),
                days_baseline=fmt.number(days["baseline"], lang),
            )
        ]
        withheld = bool(inc["withheld_baseline"] or inc["withheld_target"])
        none = not withheld and not inc["baseline"] and not inc["target"]
        if none:
            sentences.append(t("summary.none", region=region_name(self.ds, p.region, lang), target=g, baseline=b))
            values.update(per_day_baseline=0.0, per_day_target=0.0, per_day_percent_change=None, rate_ratio=None)
            values.update(rate_ratio_ci_low=None, rate_ratio_ci_high=None)
        elif withheld:
            sentences.append(t("summary.incidents.withheld", k=self.min_cell))
            for name in (
                "per_day_baseline",
                "per_day_target",
                "per_day_percent_change",
                "rate_ratio",
                "rate_ratio_ci_low",
                "rate_ratio_ci_high",
            ):
                values[name] = None
        else:
            rr = p.overall
            before = key(values, "per_day_baseline", per_day["baseline"], fmt.number(per_day["baseline"], lang, 2))
            after = key(values, "per_day_target", per_day["target"], fmt.number(per_day["target"], lang, 2))
            pct = per_day["percent_change"]
            if per_day["direction"] == "tetap":
                change = t("summary.per_day.same", after=after)
                values["per_day_percent_change"] = 0.0
            elif per_day["target"] == 0:
                change = t("summary.per_day.to_zero", before=before)
                values["per_day_percent_change"] = pct
            elif pct is None:
                change = t("summary.per_day.from_zero", after=after)
                values["per_day_percent_change"] = None
            else:
                change = t(
                    "summary.per_day.change",
                    direction=words.direction(per_day["direction"], lang),
                    percent=key(values, "per_day_percent_change", pct, fmt.percent(abs(pct), lang)),
                    before=before,
                    after=after,
                )
            if rr is not None and rr.ratio is not None:
                values.update(rate_ratio_ci_low=rr.ci_low, rate_ratio_ci_high=rr.ci_high)
                ratio_text = t(
                    "summary.ratio",
                    ratio=key(values, "rate_ratio", rr.ratio, fmt.ratio(rr.ratio, lang)),
                    interval=words.interval(rr.ci_low, rr.ci_high, lang, (1 - rr.alpha) * 100),
                )
            else:
                ratio_text = t("summary.ratio.none")
                values.update(rate_ratio=None, rate_ratio_ci_low=None, rate_ratio_ci_high=None)
            sentences.append(Markup("{} ({}).").format(change, ratio_text))
            sentences.append(
                t(
                    "summary.clock",
                    target=g,
                    baseline=b,
                    target_clock=fmt.crime_clock(clock["target"], lang),
                    baseline_clock=fmt.crime_clock(clock["baseline"], lang),
                    change=fmt.clock_change(clock["baseline"], clock["target"], lang),
                )
            )
        voters = (
            p.metric("per_100k_voters_per_30_days")
            if "per_100k_voters_per_30_days" in set(p.summary["metric"])
            else None
        )
        if (
            voters is not None
            and voters["baseline"] is not None
            and voters["target"] is not None
            and voters["percent_change"] is not None
        ):
            sentences.append(
                t(
                    "summary.voters",
                    target=g,
                    baseline=b,
                    target_rate=fmt.number(voters["target"], lang, 2),
                    baseline_rate=fmt.number(voters["baseline"], lang, 2),
                    direction=words.direction(voters["direction"], lang),
                    percent=fmt.percent(abs(voters["percent_change"]), lang),
                )
            )
        if clear["target"] is not None and clear["baseline"] is not None:
            points = (clear["target"] - clear["baseline"]) * 100
            change = (
                t("summary.points.same")
                if round(points, 1) == 0
                else t(
                    "summary.points",
                    direction=words.direction("naik" if points > 0 else "turun", lang),
                    points=fmt.number(abs(points), lang, 1),
                )
            )
            sentences.append(
                t(
                    "summary.clearance",
                    target_rate=key(
                        values, "clearance_rate_target", clear["target"], fmt.percent(clear["target"] * 100, lang)
                    ),
                    baseline_rate=key(
                        values, "clearance_rate_baseline", clear["baseline"], fmt.percent(clear["baseline"] * 100, lang)
                    ),
                    change=change,
                )
            )
        table = self._summary_table()
        tps = p.metric("tps")
        caveat = None
        if p.comparison.tps_changed:
            caveat = (
                "note",
                t(
                    "note.tps_changed",
                    target=g,
                    baseline=b,
                    target_tps=fmt.number(tps["target"], lang),
                    baseline_tps=fmt.number(tps["baseline"], lang),
                ),
            )
        body = _blocks(
            ("lead", Markup(" ").join(sentences)),
            ("table", table),
            ("note", t("note.population")),
            caveat,
            _withheld_note(t, self.min_cell, p.any_withheld),
        )
        return Section("summary", t.text("section.summary"), body, frozen(values), frozen({"summary": p.summary}))

    def _summary_table(self) -> Table:
        t, p, lang = self.t, self.published, self.lang

        def fmt_value(metric: str, value: Any, withheld: bool) -> str:
            if withheld:
                return words.WITHHELD
            if value is None:
                return words.NOT_APPLICABLE
            if metric == "clearance_rate":
                return fmt.percent(value * 100, lang)
            if metric == "loss_idr":
                return fmt.rupiah(value, lang)
            if metric == "crime_clock_seconds":
                return fmt.duration(value, lang)
            whole = metric in (
                "incidents",
                "cleared",
                "killed",
                "injured",
                "days",
                "voters",
                "tps",
                "personnel_days",
                "voter_days",
                "tps_days",
            )
            return fmt.number(value, lang, 0 if whole else 2)

        rows = []
        for r in p.summary.iter_rows(named=True):
            m = r["metric"]
            either = bool(r["withheld_baseline"] or r["withheld_target"])
            change = r["change"]
            if m == "crime_clock_seconds":
                change_text = words.NOT_APPLICABLE if either else fmt.clock_change(r["baseline"], r["target"], lang)
            elif m == "clearance_rate":
                change_text = (
                    words.WITHHELD
                    if either
                    else (words.NOT_APPLICABLE if change is None else fmt.number(change * 100, lang, 1) + " pp")
                )
            else:
                change_text = words.WITHHELD if either else fmt_value(m, change, False)
            pct = r["percent_change"] if m != "clearance_rate" else None
            rows.append(
                [
                    words.metric_label(m, lang),
                    fmt_value(m, r["baseline"], bool(r["withheld_baseline"])),
                    fmt_value(m, r["target"], bool(r["withheld_target"])),
                    change_text,
                    words.WITHHELD if either else fmt.percent(pct, lang),
                    words.direction(r["direction"], lang),
                ]
            )
        head = [
            t.text("table.metric"),
            self.names[p.baseline],
            self.names[p.target],
            t.text("table.change"),
            t.text("table.percent"),
            t.text("table.direction"),
        ]
        return Table(head, rows, "summary", lang)

    def _side_table(
        self, frame: pl.DataFrame, key_column: str, header: str, names: dict[str, str] | None = None
    ) -> Table:
        """Counts and rates of both operations per key, withheld cells as "*"."""
        t, p, lang = self.t, self.published, self.lang
        rate = p.rate
        rate_label = words.metric_label(rate, lang)
        head = [header]
        for op in (p.baseline, p.target):
            head += [
                t.text("table.count", operation=self.names[op]),
                t.text("table.rate", operation=self.names[op], rate=rate_label),
            ]
        head.append(t.text("table.percent"))
        rows = []
        for r in frame.sort(key_column).iter_rows(named=True):
            row = [words.label(key_column, r[key_column], lang, names)]
            for side in ("baseline", "target"):
                hidden = bool(r[f"withheld_{side}"])
                row.append(words.cell(r[f"incidents_{side}"], lang, 0, hidden))
                row.append(words.cell(r[f"{rate}_{side}"], lang, 2, hidden))
            either = bool(r["withheld_baseline"] or r["withheld_target"])
            row.append(words.percent_cell(r["percent_change"], lang, either))
            rows.append(row)
        return Table(
            head, rows, {"phase": "phases", "category": "categories", "region": "subregions"}[key_column], lang
        )

    def _region_names(self) -> dict[str, str]:
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        return {**names, NATIONAL: self.t.text("region.unattributed")}

    def _calendar(self) -> pl.DataFrame:
        p = self.published
        calendar = self.ds.calendar
        if p.region:
            calendar = calendar.filter(pl.col("province_code") == p.region[:2])
        else:
            calendar = self.ds.phases.filter(pl.col("province_code").is_null()).with_columns(
                pl.col("phase").cast(self.ds.calendar.schema["phase"])
            )
        return calendar.filter(pl.col("operation_id").is_in([p.baseline, p.target]))

    def phases(self) -> Section:
        """Per phase: counts and rates of both operations; the timeline figure."""
        return self._memo("phases", self._phases)

    def _phases(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        fig = figures.phase_timeline(p.daily, self._calendar(), self.names, lang)
        timeline = Figure("timeline", fig, figures.caption("timeline", lang, p.weekly, self.min_cell))
        body = _blocks(
            ("table", self._side_table(p.phases, "phase", t.text("table.phase"))),
            _withheld_note(
                t, self.min_cell, bool(p.phases["withheld_baseline"].any() or p.phases["withheld_target"].any())
            ),
            ("figure", timeline),
        )
        return Section(
            "phases",
            t.text("section.phases"),
            body,
            frames=frozen({"phases": p.phases, "daily": p.daily}),
            figures=(timeline,),
        )

    def relative_days(self) -> Section:
        """Both operations aligned on voting day."""
        return self._memo("relative", self._relative)

    def _relative(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        fig = figures.relative_day_chart(p.relative, self.names, lang)
        chart = Figure("relative", fig, figures.caption("relative", lang, p.weekly, self.min_cell))
        return Section(
            "relative",
            t.text("section.relative"),
            _blocks(("figure", chart)),
            frames=frozen({"relative": p.relative}),
            figures=(chart,),
        )

    def categories(self) -> Section:
        """Per category: table, bars and the forest plot of rate ratios."""
        return self._memo("categories", self._categories)

    def _categories(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        bars = Figure(
            "categories",
            figures.category_chart(p.categories, self.names, lang, p.rate),
            figures.caption("categories", lang),
        )
        forest = Figure(
            "forest", figures.forest_plot(p.category_ratios, "category", lang), figures.caption("forest", lang)
        )
        hidden = bool(p.categories["withheld_baseline"].any() or p.categories["withheld_target"].any())
        body = _blocks(
            ("table", self._side_table(p.categories, "category", t.text("table.category"))),
            _withheld_note(t, self.min_cell, hidden),
            ("figure", bars),
            ("figure", forest),
        )
        frames = frozen({"categories": p.categories, "ratios": p.category_ratios})
        return Section("categories", t.text("section.categories"), body, frames=frames, figures=(bars, forest))

    def subregions(self) -> Section:
        """Per kabupaten/kota (or province): table, heatmap and map."""
        return self._memo("subregions", self._subregions)

    def _subregions(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        names = self._region_names()
        frames = frozen({"subregions": p.subregions, "grid": p.grid})
        national = p.subregions["region"].cast(pl.String) == NATIONAL
        if p.region is None and national.all():  # a national bulletin: no region to break the nation into
            body = _blocks(("note", t("subregions.none")))
            return Section("subregions", t.text("section.subregions"), body, frames=frames)
        grid = p.grid.with_columns(  # the national rows' remainder is no region: named as such
            name=pl.when(pl.col("region").cast(pl.String) == NATIONAL)
            .then(pl.lit(names[NATIONAL]))
            .otherwise(pl.col("name"))
        )
        heat = Figure(
            "heatmap",
            figures.region_phase_heatmap(grid.select("name", "phase", "per_day"), "per_day", lang),
            figures.caption("heatmap", lang),
        )
        shown = [heat]
        if p.region is None:
            values = p.subregions.select(pl.col("region").cast(pl.String), per_day="per_day_target")
            shown.append(Figure("map", figures.province_map(values, "per_day", lang), figures.caption("map", lang)))
        elif len(p.region) == 2:
            values = p.subregions.select(pl.col("region").cast(pl.String), per_day="per_day_target")
            fig = figures.regency_map(values, p.region, "per_day", lang)
            shown.append(Figure("map", fig, self.t.text("caption.map.regency")))
        hidden = bool(
            p.subregions["withheld_baseline"].any() or p.subregions["withheld_target"].any() or p.grid["withheld"].any()
        )
        body = _blocks(
            ("table", self._side_table(p.subregions, "region", t.text("table.region"), names)),
            _withheld_note(t, self.min_cell, hidden),
            ("note", t("subregions.unattributed")) if national.any() else None,
            *(("figure", f) for f in shown),
        )
        return Section("subregions", t.text("section.subregions"), body, frames=frames, figures=tuple(shown))

    def deployment(self) -> Section:
        """Voting-day deployment against the guard patterns and against incidents."""
        return self._memo("deployment", self._deployment)

    def _deployment(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        names = self._region_names()
        rows = [
            [
                self.names.get(r["operation_id"], r["operation_id"]),
                words.label("region", r["region"], lang, names),
                fmt.number(r["tps"], lang),
                fmt.number(r["police_required"], lang),
                fmt.number(r["polri"], lang),
                fmt.percent(None if r["coverage"] is None else r["coverage"] * 100, lang, 0),
                fmt.number(r["shortfall"], lang),
            ]
            for r in p.deployment.iter_rows(named=True)
        ]
        head = [
            t.text(k)
            for k in (
                "table.operation",
                "table.region",
                "table.tps",
                "table.police_required",
                "table.polri_voting",
                "table.coverage",
                "table.shortfall",
            )
        ]
        if p.deployment.is_empty() and p.points.is_empty():  # no region with TPS by class (national rows only)
            body = _blocks(("note", t("deployment.none")))
            frames = frozen({"deployment": p.deployment, "points": p.points})
            return Section("deployment", t.text("section.deployment"), body, frames=frames)
        chart = Figure(
            "deployment", figures.deployment_chart(p.points, self.names, lang), figures.caption("deployment", lang)
        )
        body = _blocks(("table", Table(head, rows, "deployment", lang)), ("figure", chart))
        return Section(
            "deployment",
            t.text("section.deployment"),
            body,
            frames=frozen({"deployment": p.deployment, "points": p.points}),
            figures=(chart,),
        )

    def statistics(self) -> Section:
        """Rate ratio, count regression and segmented regression, each with its method."""
        return self._memo("statistics", self._statistics)

    def _statistics(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        items: list[Markup] = []
        rr = p.overall
        b, g = self.names[p.baseline], self.names[p.target]
        values: dict[str, Any] = {"statistics": p.statistics}
        if rr is None or p.overall_score is None:
            items.append(t("stats.rate_ratio.withheld", k=self.min_cell))
        else:
            score = p.overall_score
            low, high = words.bounds(rr.ci_low, rr.ci_high, lang)
            score_low, score_high = words.bounds(score.ci_low, score.ci_high, lang)
            quasi = rr.method.startswith("quasi-Poisson GLM of the daily")
            items.append(
                t(
                    "stats.headline",
                    target=g,
                    baseline=b,
                    ratio=fmt.ratio(rr.ratio, lang) if rr.ratio is not None else words.NOT_APPLICABLE,
                    low=low,
                    high=high,
                    p=fmt.p_text(rr.p_value, lang),
                    small=t("stats.small") if rr.small_counts else "",
                    method=t("method.quasi_headline" if quasi else "method.score"),
                    score_low=score_low,
                    score_high=score_high,
                    score_p=fmt.p_text(score.p_value, lang),
                )
            )
            if rr.zero_side == "target":
                items.append(t("stats.zero_target", target=g))
            elif rr.zero_side == "baseline":
                items.append(t("stats.zero_baseline", baseline=b))
        reg = p.regression
        values["irr"] = reg.irr
        if reg.irr is not None:
            quasi = reg.dispersion_kind == "quasi_poisson_phi"
            dispersion = (
                t("stats.dispersion.quasi", value=fmt.number(reg.dispersion, lang, 3))
                if quasi
                else t(
                    "stats.dispersion.nb2",
                    value=fmt.number(reg.dispersion, lang, 3),
                    p=fmt.p_text(reg.dispersion_p_value, lang),
                )
            )
            low, high = words.bounds(reg.ci_low, reg.ci_high, lang)
            items.append(
                t(
                    "stats.regression",
                    n=reg.n_regions,
                    irr=key(values, "irr", reg.irr, fmt.ratio(reg.irr, lang)),
                    low=low,
                    high=high,
                    p=fmt.p_text(reg.p_value, lang),
                    dispersion=dispersion,
                    method=t("method.quasi" if quasi else "method.nb2"),
                )
            )
        elif p.region is None and (p.subregions["region"].cast(pl.String) == NATIONAL).all():
            items.append(t("stats.regression.national"))  # national rows only: no sub-region at all
        else:
            items.append(t("stats.regression.none", n=reg.n_regions))
        from .._analytics.statistics import MIN_SEGMENT_EVENTS

        for op in (p.baseline, p.target):
            seg = p.segments[op]
            if not seg.estimable:
                items.append(t("stats.segments.none", operation=self.names[op], needed=MIN_SEGMENT_EVENTS))
                continue
            items.append(
                t(
                    "stats.segments",
                    operation=self.names[op],
                    level=fmt.ratio(seg.level_change, lang),
                    low=fmt.ratio(seg.level_ci[0], lang),
                    high=fmt.ratio(seg.level_ci[1], lang),
                    slope=fmt.number(seg.slope_change, lang, 3),
                    slope_low=fmt.number(seg.slope_change_ci[0], lang, 3),
                    slope_high=fmt.number(seg.slope_change_ci[1], lang, 3),
                    days=seg.days,
                    method=t("method.segments"),
                )
            )
        return Section("statistics", t.text("section.statistics"), _blocks(("ul", items)), frozen(values))

    def findings(self) -> Section:
        """Sustain and improve, from the analysis and from the evaluator's plan."""
        return self._memo("findings", self._findings)

    def _findings(self) -> Section:
        from .findings_text import sentence

        t, p = self.t, self.published
        found = p.findings.filter(pl.col("source") == "analysis")
        blocks: list[tuple[str, Any]] = []
        for kind in ("improve", "sustain"):
            rows = found.filter(pl.col("kind") == kind)
            blocks.append(("h3", t(f"findings.{kind}")))
            if rows.height:
                blocks.append(
                    (
                        "ul",
                        [sentence(r, self.names, p.baseline, p.target, self.lang) for r in rows.iter_rows(named=True)],
                    )
                )
            else:
                blocks.append(("p", t("findings.none")))
        values = {
            "findings_improve": found.filter(pl.col("kind") == "improve").height,
            "findings_sustain": found.filter(pl.col("kind") == "sustain").height,
        }
        return Section(
            "findings", t.text("section.findings"), _blocks(*blocks), frozen(values), frozen({"findings": p.findings})
        )

    def improvement_plan(self) -> Section:
        """The evaluator's observations and corrective actions in the report's scope (examples are marked)."""
        return self._memo("plan", self._plan)

    def _plan(self) -> Section:
        p = self.published
        plan = plan_rows(self.ds, p.region, (p.baseline, p.target))
        return plan_section(plan, self.lang, self._region_names(), self.names)

    def method_notes(self) -> Section:
        """Dataset, checksum, generation time, package version, parameters and the methods used."""
        return self._memo("method", self._method)

    def _method(self) -> Section:
        t = self.t
        rule = f"method.attribution.{self.published.comparison.attribution}"
        body = _blocks(
            ("dl", provenance(self.ds, self.lang, self.parameters, self.generated_at)),
            ("p", t("method.notes")),
            ("p", t(rule)) if t.has(rule) else None,
            *levels_notes(self.ds, self.lang),
        )
        return Section("method", t.text("section.method"), body)


def plan_section(plan: pl.DataFrame, lang: str, names: Mapping[str, str], operations: Mapping[str, str]) -> Section:
    """The improvement-plan table with its region, capability element and the legend of the ratings."""
    t = Messages(lang)
    if plan.is_empty():
        return Section(
            "plan", t.text("section.plan"), _blocks(("p", t("findings.none"))), frames=frozen({"plan": plan})
        )
    head = [
        t.text(k)
        for k in (
            "plan.region",
            "plan.capability",
            "plan.element",
            "plan.observation",
            "plan.rating",
            "plan.action",
            "plan.responsible",
            "plan.due",
            "plan.example",
        )
    ]
    rows = []
    for r in plan.iter_rows(named=True):
        element = r.get("capability_element")
        rows.append(
            [
                t.text("plan.everywhere")
                if r["region_code"] is None
                else f"{names.get(r['region_code'], r['region_code'])} ({r['region_code']})",
                r["capability"],
                t.text(f"element.{element}") if element and t.has(f"element.{element}") else (element or ""),
                r["observation"],
                r["rating"],
                r["corrective_action"] or "",
                r["responsible_unit"] or "",
                fmt.date(r["due_date"], lang),
                t.text("yes") if r["example"] else "",
            ]
        )
    body = _blocks(("table", Table(head, rows, "plan", lang)), ("note", t("plan.legend")))
    return Section("plan", t.text("section.plan"), body, frames=frozen({"plan": plan}))


def comparative_report(
    dataset: str | Dataset,
    region: str | None = None,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    exposure: str = "days",
    lang: str = "id",
    min_cell: int = 3,
    alpha: float = 0.05,
    generated_at: dt.datetime | None = None,
) -> ComparativeReport:
    """Compute everything the comparative evaluation shows (one call in the notebook)."""
    check_choice("lang", lang, LANGUAGES)
    check_choice("exposure", exposure, EXPOSURES)
    if not isinstance(min_cell, int) or min_cell < 1:
        raise UsageError("min_cell", min_cell, "a whole number >= 1")
    if not 0 < alpha < 1:
        raise UsageError("alpha", alpha, "a number between 0 and 1, e.g. 0.05")
    ds = load(report_dataset(dataset)) if not isinstance(dataset, Dataset) else dataset
    code = check_region(ds, region)
    published = publish_comparison(ds, baseline, target, code, exposure, min_cell, alpha)
    names = figures.operation_names([baseline, target], ds.operations)
    return ComparativeReport(
        ds=ds,
        published=published,
        lang=lang,
        names=frozen(names),
        parameters=frozen(
            {
                "region": code or "national",
                "baseline": baseline,
                "target": target,
                "exposure": exposure,
                "lang": lang,
                "min_cell": min_cell,
                "alpha": alpha,
            }
        ),
        generated_at=generated_at or dt.datetime.now(dt.UTC),
    )
