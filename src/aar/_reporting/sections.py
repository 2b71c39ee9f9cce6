"""Report sections as immutable values, rendered from Jinja templates.

A `Section` holds its HTML (from a template in `templates/`), the key numbers it shows, the frames
behind it and its figures. A notebook cell shows a section by returning it (`_repr_html_`); an
analyst inspects `section.frames["table"]`; a snapshot test reads `section.body` without a kernel.
The report's key numbers are gathered from its sections' values, never written into a shared dict.

Figures are kept as plotly figures and drawn by the page: the section's HTML holds an empty
`<div class="aar-figure">` and the figure as JSON in a `<script type="application/json">` beside it,
which the page's script (`templates/draw.js`) hands to `Plotly.newPlot` once plotly.js is loaded.
In a notebook the same HTML is drawn by the report's `scripts()` output (plotly.js and draw.js, once)
and a one-line call after each section, so JupyterLab and a plain `jupyter nbconvert --to html`
export show the figures too; the report page leaves both out and embeds its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2
    import plotly.graph_objects as go
    import polars as pl

KEY_NUMBERS_MIME = "application/vnd.aar.key-numbers+json"
"""Mimetype of the output that carries a report's key numbers to its sidecar (not shown in the HTML)."""
SECTION_MIME = "application/vnd.aar.section+json"
"""Mimetype beside a section's HTML: its id and title for the page's table of contents."""
SCRIPTS_MIME = "application/vnd.aar.scripts+json"
"""Mimetype that marks the notebook's figure scripts (left out of the report page, which has its own)."""
NOTEBOOK_DRAW = (
    '<script type="text/javascript">window.aarDraw &&'
    " window.aarDraw(document.currentScript && document.currentScript.parentNode);</script>"
)
"""What follows a section's HTML in a notebook output: draw its figures (the page's builder removes it)."""


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the report templates (HTML autoescaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aar", "_reporting/templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render(template: str, **context: Any) -> Markup:
    """Render one template of `templates/` to markup."""
    return Markup(environment().get_template(template).render(**context))


def asset(name: str) -> str:
    """The text of a file of `templates/` (the page's CSS and scripts)."""
    from importlib import resources

    return resources.files("aar").joinpath("_reporting", "templates", name).read_text(encoding="utf-8")


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside a <script> element."""
    import plotly.io as pio

    text = pio.to_json(fig, validate=False, pretty=False, remove_uids=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Figure:
    """A figure of a section: its name (unique in the report), the plotly figure and its caption."""

    name: str
    figure: go.Figure
    caption: str

    @property
    def element_id(self) -> str:
        return f"fig-{self.name}"

    def placeholder(self) -> Markup:
        return render("figure.html", figure=self)

    def data(self) -> Markup:
        """The figure's JSON in the script element the page draws it from."""
        return Markup('<script type="application/json" class="aar-figure-data" data-target="{}">{}</script>').format(
            self.element_id, Markup(figure_json(self.figure))
        )


CSV_DELIMITERS = {"id": ";", "en": ","}
"""Indonesian spreadsheets use the decimal comma, so their CSV columns are split by semicolons."""


@dataclass(frozen=True)
class Table:
    """A table to render: header cells and rows of formatted cells (markup or text, escaped by the template)."""

    head: Sequence[str | Markup]
    rows: Sequence[Sequence[str | Markup]]
    download: str | None = None
    """Name of the table's download (`<name>.csv` from the page, a sheet of report.xlsx)."""
    lang: str = "id"

    def csv(self) -> str:
        """The table as shown (withheld cells "*"), as CSV: semicolons for Indonesian spreadsheets."""
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=CSV_DELIMITERS[self.lang], lineterminator="\r\n")
        writer.writerow([Markup(h).striptags() for h in self.head])
        for row in self.rows:
            writer.writerow([Markup(c).striptags() if isinstance(c, Markup) else c for c in row])
        return buffer.getvalue()

    def csv_href(self) -> str:
        """A data: address of the CSV (with a byte-order mark, so Excel reads UTF-8)."""
        from urllib.parse import quote

        return "data:text/csv;charset=utf-8," + quote("\ufeff" + self.csv())


@dataclass(frozen=True)
class Section:
    """One section of a report: id (its anchor), title, body HTML, key numbers, frames and figures."""

    id: str
    title: str
    body: Markup
    key_numbers: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    frames: Mapping[str, pl.DataFrame] = field(default_factory=lambda: MappingProxyType({}))
    figures: Sequence[Figure] = ()
    level: int = 2
    page_title: str | None = None
    """The page's <title>, given by a report's header section."""

    def to_html(self) -> Markup:
        """The section as the page shows it: wrapper, heading, body and its figures' data."""
        return render("section.html", section=self)

    def _repr_html_(self) -> str:
        return str(self.to_html())

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        meta = {"id": self.id, "title": self.title, "page_title": self.page_title}
        html = str(self.to_html()) + (NOTEBOOK_DRAW if self.figures else "")
        return {"text/html": html, SECTION_MIME: meta}


@dataclass(frozen=True)
class FigureScripts:
    """plotly.js, the report's number and month formats and the drawing script, for a notebook.

    A report notebook returns this once, before its first section: JupyterLab (for a trusted
    notebook) and an HTML export by nbconvert then draw every figure offline. The report page
    built by `aar report` leaves this output out and embeds the same scripts itself.
    """

    lang: str

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        html = render(
            "scripts.html",
            plotly_js=Markup(plotly_js()),
            locale_json=Markup(figure_locale_json(self.lang)),
            draw_js=Markup(asset("draw.js")),
        )
        return {
            "text/html": str(html),
            SCRIPTS_MIME: {"plotly.js": PLOTLY_BUNDLE_VERSION, "lang": self.lang},
            "text/plain": f"plotly.js {PLOTLY_BUNDLE_VERSION} and the figure script (draws the figures below)",
        }


@dataclass(frozen=True)
class KeyNumbers:
    """The key numbers of a report, gathered from its sections; a notebook cell hands them to the sidecar."""

    values: Mapping[str, Any]

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        # The empty HTML keeps the count out of an HTML export; JupyterLab's inspector still shows it.
        return {
            KEY_NUMBERS_MIME: dict(self.values),
            "text/html": f"<!-- {len(self.values)} key numbers, written to report.json -->",
            "text/plain": f"{len(self.values)} key numbers",
        }


def gather(sections: Sequence[Section]) -> dict[str, Any]:
    """Key numbers of all sections; a name given twice must have one value."""
    from .._errors import ReferenceDataError

    out: dict[str, Any] = {}
    for section in sections:
        for name, value in section.key_numbers.items():
            if name in out and out[name] != value:
                raise ReferenceDataError(f"key number {name!r} has two values: {out[name]!r} and {value!r}")
            out[name] = value
    return out


def frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def key(values: dict[str, Any], name: str, value: Any, shown: str) -> Markup:
    """A key number on the page (a span the browser test reads), recorded in the builder's `values`."""
    values[name] = value
    return Markup('<span class="key" data-key="{}">{}</span>').format(name, shown)


def json_safe(value: Any) -> Any:
    """A value as the sidecar writes it."""
    return json.loads(json.dumps(value, default=str))


PLOTLY_BUNDLE = "plotly-cartesian.min.js"
PLOTLY_BUNDLE_VERSION = "4.1.1"
PLOTLY_BUNDLE_TRACES = (
    "bar",
    "box",
    "contour",
    "heatmap",
    "histogram",
    "histogram2d",
    "histogram2dcontour",
    "image",
    "pie",
    "scatter",
    "scatterternary",
    "violin",
)
"""Trace types the vendored partial bundle draws (`assets/README.md`); a figure may use no other."""


def figure_locale_json(lang: str) -> str:
    """The figures' locale for draw.js: the language's month and day names and number marks (babel's)."""
    from babel import numbers as babel_numbers

    from .formatting import locale, month_names

    marks = {
        "decimal": babel_numbers.get_decimal_symbol(locale(lang)),
        "thousands": babel_numbers.get_group_symbol(locale(lang)),
    }
    register = {
        "moduleType": "locale",
        "name": lang,
        "dictionary": {},
        "format": {**month_names(lang), **marks, "date": "%d/%m/%Y"},
    }
    settings = {"locale": lang, "register": register}
    return json.dumps(settings, ensure_ascii=False).replace("<", "\\u003c")


@cache
def plotly_js() -> str:
    """The plotly.js the page embeds: the vendored cartesian partial bundle (1.5 MB, not 4.8 MB)."""
    from importlib import resources

    return resources.files("aar").joinpath("_reporting", "assets", PLOTLY_BUNDLE).read_text(encoding="utf-8")
