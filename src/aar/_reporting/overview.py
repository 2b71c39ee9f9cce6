"""The operation overview as a value: one operation in one region up to a date, for running reports.

`overview_report(dataset, "OMP-2024", "18.72", "2024-11-30")` cuts the dataset at the date,
publishes it through the one disclosure pass (`aar._analytics.published.publish_overview`) and
returns an immutable `OverviewReport` whose methods return `Section` values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from markupsafe import Markup

from .._analytics.metrics import NATIONAL, check_choice, check_region
from .._analytics.published import PublishedOverview, publish_overview
from .._data.dataset import Dataset, load
from .._errors import UsageError
from .._messages import LANGUAGES
from . import figures, words
from . import formatting as fmt
from .comparative import (
    ReportSections,
    _blocks,
    _withheld_note,
    levels_notes,
    provenance,
    region_name,
    report_dataset,
)
from .sections import Figure, KeyNumbers, Section, Table, frozen, gather, key, render


@dataclass(frozen=True)
class OverviewReport(ReportSections):
    """One operation in one region up to a date: the running report during an operation."""

    ds: Dataset
    published: PublishedOverview
    lang: str
    name: str
    parameters: Mapping[str, Any]
    generated_at: dt.datetime
    _cache: dict[str, Section] = field(default_factory=dict, compare=False, repr=False)

    def sections(self) -> list[Section]:
        return [
            self.header(),
            self.summary(),
            self.recent(),
            self.phases(),
            self.categories(),
            self.subregions(),
            self.deployment(),
            self.method_notes(),
        ]

    def key_numbers(self) -> KeyNumbers:
        p = self.published
        values = gather(self.sections())
        values.update(as_of=p.as_of.isoformat(), operation=p.operation, region=p.region)
        return KeyNumbers(frozen(values))

    def header(self) -> Section:
        return self._memo("header", self._header)

    def _header(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        heading = t("report.overview.heading", title=t("report.overview.title"), operation=self.name)
        line = Markup("{}: <b>{}</b>, {}.").format(
            t("header.region"), region_name(self.ds, p.region, lang), t("header.as_of", date=fmt.date(p.as_of, lang))
        )
        body = render(
            "header.html", heading=heading, synthetic=self.ds.synthetic, banner=t("banner.synthetic"), lines=[line]
        )
        title = t.text("page.title", heading=Markup(heading).striptags(), region=region_name(self.ds, p.region, lang))
        return Section("header", "", body, level=1, page_title=title)

    def summary(self) -> Section:
        return self._memo("summary", self._summary)

    def _summary(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        s = p.summary
        values: dict[str, Any] = {}
        if s["withheld"]:
            values.update(incidents=None, per_day=None, clearance_rate=None)
            text = t(
                "overview.summary.withheld",
                date=fmt.date(p.as_of, lang),
                operation=self.name,
                k=p.min_cell,
                days=key(values, "days", s["days"], fmt.number(s["days"], lang)),
            )
        else:
            clear = s["clearance_rate"]
            text = t(
                "overview.summary",
                date=fmt.date(p.as_of, lang),
                operation=self.name,
                n=key(values, "incidents", s["incidents"], fmt.number(s["incidents"], lang)),
                days=key(values, "days", s["days"], fmt.number(s["days"], lang)),
                per_day=key(values, "per_day", s["per_day"], fmt.number(s["per_day"], lang, 2)),
                clock=fmt.crime_clock(s["crime_clock_seconds"], lang),
                killed=words.cell(s["killed"], lang, 0, s["killed"] is None),
                injured=words.cell(s["injured"], lang, 0, s["injured"] is None),
                clearance=key(
                    values,
                    "clearance_rate",
                    clear,
                    fmt.percent(clear * 100, lang)
                    if clear is not None
                    else words.WITHHELD
                    if s.get("clearance_known", True)
                    else t("overview.clearance.unrecorded"),  # a bulletin or sitrep says nothing of clearance
                ),
            )
        body = _blocks(("lead", text), _withheld_note(t, p.min_cell, p.any_withheld))
        return Section("summary", t.text("section.summary"), body, frozen(values))

    def recent(self) -> Section:
        """The last 7 days against the 7 before, in anev words (naik / turun), and the timeline."""
        return self._memo("recent", self._recent)

    def _recent(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        r = p.recent
        values = {"last_7_days": r["last_7_days"], "previous_7_days": r["previous_7_days"]}
        if r["withheld"]:
            text = t("overview.recent.withheld", k=p.min_cell)
        else:
            last, before = r["last_7_days"], r["previous_7_days"]
            if last == before:
                text = t("overview.recent.same", last=fmt.number(last, lang))
            elif before == 0:
                text = t("overview.recent.from_zero", last=fmt.number(last, lang))
            else:
                text = t(
                    "overview.recent",
                    last=fmt.number(last, lang),
                    before=fmt.number(before, lang),
                    direction=words.direction("naik" if last > before else "turun", lang),
                    percent=fmt.percent(abs(last - before) / before * 100, lang),
                )
        calendar = p.view.calendar
        province = p.region[:2] if p.region else calendar["province_code"].min()
        calendar = calendar.filter(pl.col("province_code") == province)
        fig = figures.phase_timeline(p.daily, calendar, {p.operation: self.name}, lang)
        timeline = Figure("timeline", fig, figures.caption("timeline", lang, p.weekly, p.min_cell))
        body = _blocks(("p", text), ("figure", timeline))
        return Section(
            "recent", t.text("section.recent"), body, frozen(values), frozen({"daily": p.daily}), (timeline,)
        )

    def _table(self, frame: pl.DataFrame, by: str, header: str, *more: tuple[str, Any] | None) -> Markup:
        t, lang = self.t, self.lang
        names = self._region_names() if by == "region" else None
        rows = [
            [
                words.label(by, r[by], lang, names),
                words.cell(r["incidents"], lang, 0, bool(r["withheld"])),
                words.cell(r["per_day"], lang, 2, bool(r["withheld"])),
            ]
            for r in frame.sort(by).iter_rows(named=True)
        ]
        table = Table(
            [header, t.text("table.incidents"), t.text("table.per_day")],
            rows,
            {"phase": "phases", "category": "categories", "region": "subregions"}[by],
            lang,
        )
        return _blocks(
            ("table", table), _withheld_note(t, self.published.min_cell, bool(frame["withheld"].any())), *more
        )

    def phases(self) -> Section:
        return self._memo(
            "phases",
            lambda: Section(
                "phases",
                self.t.text("section.phases"),
                self._table(self.published.phases, "phase", self.t.text("table.phase")),
                frames=frozen({"phases": self.published.phases}),
            ),
        )

    def categories(self) -> Section:
        return self._memo(
            "categories",
            lambda: Section(
                "categories",
                self.t.text("section.categories"),
                self._table(self.published.categories, "category", self.t.text("table.category")),
                frames=frozen({"categories": self.published.categories}),
            ),
        )

    def _region_names(self) -> dict[str, str]:
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        return {**names, NATIONAL: self.t.text("region.unattributed")}

    def subregions(self) -> Section:
        return self._memo("subregions", self._subregions)

    def _subregions(self) -> Section:
        t, p = self.t, self.published
        frames = frozen({"subregions": p.subregions})
        national = p.subregions["region"].cast(pl.String) == NATIONAL
        if p.region is None and national.all():  # a national bulletin: no region to break the nation into
            return Section(
                "subregions", t.text("section.subregions"), _blocks(("note", t("subregions.none"))), frames=frames
            )
        unattributed = ("note", t("subregions.unattributed")) if national.any() else None
        body = self._table(p.subregions, "region", t.text("table.region"), unattributed)
        return Section("subregions", t.text("section.subregions"), body, frames=frames)

    def deployment(self) -> Section:
        return self._memo("deployment", self._deployment)

    def _deployment(self) -> Section:
        t, p, lang = self.t, self.published, self.lang
        names = dict(self.ds.regions.select("region_code", "name").iter_rows())
        voting = self.ds.operations.filter(pl.col("operation_id") == p.operation)["voting_date"][0]
        rows = [
            [
                words.label("region", r["region"], lang, names),
                fmt.number(r["tps"], lang),
                fmt.number(r["police_required"], lang),
                fmt.number(r["polri"], lang),
                fmt.number(r["shortfall"], lang),
            ]
            for r in p.deployment.iter_rows(named=True)
        ]
        head = [
            t.text(k)
            for k in ("table.region", "table.tps", "table.police_required", "table.polri_voting", "table.shortfall")
        ]
        note = None if p.as_of >= voting else ("note", t("note.planned"))
        if p.deployment.is_empty():  # no region with TPS by class (national rows only)
            body = _blocks(("note", t("deployment.none")))
        else:
            body = _blocks(note, ("table", Table(head, rows, "deployment", lang)))
        return Section("deployment", t.text("section.deployment"), body, frames=frozen({"deployment": p.deployment}))

    def method_notes(self) -> Section:
        return self._memo(
            "method",
            lambda: Section(
                "method",
                self.t.text("section.method"),
                _blocks(
                    ("dl", provenance(self.ds, self.lang, self.parameters, self.generated_at)),
                    *levels_notes(self.ds, self.lang),
                ),
            ),
        )


def overview_report(
    dataset: str | Dataset,
    operation: str = "OMP-2024",
    region: str | None = None,
    as_of: str | dt.date | None = None,
    lang: str = "id",
    min_cell: int = 3,
    generated_at: dt.datetime | None = None,
) -> OverviewReport:
    """Compute the running report of `operation` in `region` up to `as_of` (default: the last day with data)."""
    from .._data.parsing import parse_date

    check_choice("lang", lang, LANGUAGES)
    if not isinstance(min_cell, int) or min_cell < 1:
        raise UsageError("min_cell", min_cell, "a whole number >= 1")
    ds = load(report_dataset(dataset)) if not isinstance(dataset, Dataset) else dataset
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
        ds=ds,
        published=publish_overview(ds, operation, code, day, min_cell),
        lang=lang,
        name=names[operation],
        parameters=frozen(
            {
                "operation": operation,
                "region": code or "national",
                "as_of": day.isoformat(),
                "lang": lang,
                "min_cell": min_cell,
            }
        ),
        generated_at=generated_at or dt.datetime.now(dt.UTC),
    )
