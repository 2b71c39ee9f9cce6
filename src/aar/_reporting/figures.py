"""Figures: one function per figure, each taking frames and returning a plotly `go.Figure`.

All share one theme (`template()`, registered with plotly as "aar"), the operations' colours
(baseline blue, target brick red), and labels in the report's language ("id" or "en"). Each
figure's title says what is shown; `caption(kind, lang)` gives the longer caption a report prints
under it.

Figures: `phase_timeline`, `relative_day_chart`, `category_chart`, `forest_plot`,
`region_phase_heatmap`, `province_map`, `deployment_chart`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from .._data.schema import CATEGORY, PHASE
from .._errors import UsageError
from .._messages import LANGUAGES, Messages

if TYPE_CHECKING:
    import plotly.graph_objects as go

BASELINE_COLOUR = "#1f4e79"
TARGET_COLOUR = "#b0413e"
NEUTRAL = "#7f7f7f"
PHASE_COLOURS = {
    "pre_campaign": "#f2f2f2",
    "campaign": "#fde9d9",
    "quiet": "#e2efda",
    "voting": "#f8cbad",
    "recapitulation": "#ddebf7",
    "disputes": "#e4dfec",
    "post_election": "#f2f2f2",
}

SEPARATORS = {"id": ",.", "en": ".,"}
"""plotly's decimal and thousands marks per language."""


@cache
def template() -> go.layout.Template:
    """The one visual theme of every figure (registered with plotly as "aar")."""
    import plotly.graph_objects as go
    import plotly.io as pio

    theme = go.layout.Template(
        layout=go.Layout(
            font={"family": "Arial, Helvetica, sans-serif", "size": 13, "color": "#222"},
            title={"x": 0.0, "xanchor": "left", "font": {"size": 16}},
            paper_bgcolor="white",
            plot_bgcolor="rgba(0,0,0,0)",
            colorway=[BASELINE_COLOUR, TARGET_COLOUR, "#548235", "#bf9000", "#7030a0", NEUTRAL],
            xaxis={"showgrid": False, "linecolor": "#999", "ticks": "outside", "automargin": True},
            yaxis={"gridcolor": "#e5e5e5", "zeroline": False, "automargin": True},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            margin={"l": 60, "r": 20, "t": 90, "b": 50},
            hoverlabel={"bgcolor": "white"},
        )
    )
    pio.templates["aar"] = theme
    return theme


def _layout(fig: go.Figure, lang: str, **values: object) -> go.Figure:
    """Apply the theme and the language's number marks."""
    fig.update_layout(template=template(), separators=SEPARATORS[lang], **values)
    return fig


FIGURES = ("timeline", "relative", "categories", "forest", "heatmap", "map", "deployment")


class _Words:
    """Figure words of one language from the catalog: `w["incidents"]` is message "figure.incidents"."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise UsageError("lang", lang, LANGUAGES)
        self._t = Messages(lang)

    def __getitem__(self, name: str) -> str:
        return self._t.text(f"figure.{name}")


def _words(lang: str) -> _Words:
    return _Words(lang)


def caption(kind: str, lang: str = "id", weekly: bool = False, min_cell: int = 3) -> str:
    """The caption printed under a figure of `kind` (timeline, relative, categories, forest, heatmap, map, deployment)."""
    if lang not in LANGUAGES:
        raise UsageError("lang", lang, LANGUAGES)
    if kind not in FIGURES:
        raise UsageError("kind", kind, FIGURES)
    t = Messages(lang)
    if weekly and kind in ("timeline", "relative"):
        return t.text(f"caption.{kind}.weekly", k=min_cell)
    return t.text(f"caption.{kind}")


def _label(text: object) -> str:
    """Text from data for a plotly label: plotly reads <b>, <a>... as markup, so they are escaped."""
    return html.escape(str(text), quote=False)


def _colour(i: int) -> str:
    return BASELINE_COLOUR if i == 0 else TARGET_COLOUR


def _rate_label(rate: str, lang: str) -> str:
    return Messages(lang).text(f"metric.{rate}")


def phase_timeline(
    daily: pl.DataFrame, calendar: pl.DataFrame, names: Mapping[str, str], lang: str = "id"
) -> go.Figure:
    """Incidents of each operation over its window, by day or by week, phases as shaded bands.

    `daily`: operation_id, the day (`occurred_on`, or `start` with `days` for weekly bins) and
    incidents (null where withheld). `calendar`: operation_id, phase, start_date, end_date (one
    calendar per operation). `names`: operation_id -> label, in the order to draw (baseline first).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    w = _words(lang)
    frame = daily if "start" in daily.columns else daily.rename({"occurred_on": "start"})
    if "days" not in frame.columns:
        frame = frame.with_columns(days=pl.lit(1, pl.Int64))
    weekly = bool(frame.height) and int(frame["days"].max() or 1) > 1  # type: ignore[arg-type]
    ops = list(names)
    fig = make_subplots(
        rows=len(ops), cols=1, shared_xaxes=False, vertical_spacing=0.16, subplot_titles=[names[o] for o in ops]
    )
    shapes: list[dict[str, object]] = []  # added at once: add_vrect and add_vline cost about 10 ms each
    notes: list[dict[str, object]] = []
    for i, op in enumerate(ops, start=1):
        cal = calendar.filter(pl.col("operation_id") == op).sort("start_date")
        xref, yref = f"x{'' if i == 1 else i}", f"y{'' if i == 1 else i} domain"
        labelled = 0
        for r in cal.iter_rows(named=True):
            phase = str(r["phase"])
            shapes.append(
                {
                    "type": "rect",
                    "x0": r["start_date"],
                    "x1": r["end_date"] + dt.timedelta(days=1),
                    "xref": xref,
                    "y0": 0,
                    "y1": 1,
                    "yref": yref,
                    "fillcolor": PHASE_COLOURS.get(phase, "#f2f2f2"),
                    "opacity": 0.8,
                    "layer": "below",
                    "line": {"width": 0},
                }
            )
            if (r["end_date"] - r["start_date"]).days >= 20:  # short phases are too narrow for a label
                notes.append(
                    {
                        "x": r["start_date"],
                        "xref": xref,
                        "y": 1.0 if labelled % 2 == 0 else 0.9,
                        "yref": yref,
                        "text": PHASE.label(phase, lang),
                        "showarrow": False,
                        "xanchor": "left",
                        "yanchor": "top",
                        "font": {"size": 9, "color": "#555"},
                    }
                )
                labelled += 1
            if phase == "voting":
                shapes.append(
                    {
                        "type": "line",
                        "x0": r["start_date"],
                        "x1": r["start_date"],
                        "xref": xref,
                        "y0": 0,
                        "y1": 1,
                        "yref": yref,
                        "line": {"color": "#444", "dash": "dash"},
                    }
                )
                notes.append(
                    {
                        "x": r["start_date"],
                        "xref": xref,
                        "y": 0.75,
                        "yref": yref,
                        "text": w["voting_day"],
                        "showarrow": False,
                        "xanchor": "right",
                        "font": {"size": 10},
                    }
                )
        data = frame.filter(pl.col("operation_id") == op).sort("start")
        fig.add_trace(
            go.Bar(
                x=data["start"].to_list(),
                y=data["incidents"].to_list(),
                width=[d * 86_400_000 for d in data["days"].to_list()],
                offset=0,
                name=names[op],
                marker_color=_colour(i - 1),
                showlegend=False,
            ),
            row=i,
            col=1,
        )
        fig.update_yaxes(title_text=w["incidents.weekly"] if weekly else w["incidents"], row=i, col=1)
    fig.update_layout(shapes=shapes, annotations=[*fig.layout.annotations, *notes])
    title = w["timeline.title.weekly"] if weekly else w["timeline.title"]
    return _layout(fig, lang, title=title, height=300 * len(ops) + 90, bargap=0)


def relative_day_chart(series: pl.DataFrame, names: Mapping[str, str], lang: str = "id") -> go.Figure:
    """Both operations by day (or week) relative to voting day, with their rolling means where published.

    `series`: `relative_day` (or `bin`, the relative day of a weekly bin's first day), `baseline`,
    `target`, and `baseline_rolling` / `target_rolling` (null when the series is weekly).
    """
    import plotly.graph_objects as go

    w = _words(lang)
    x_name = "relative_day" if "relative_day" in series.columns else "bin"
    weekly = x_name == "bin" and series.height > 1 and bool((series["bin"].diff().drop_nulls() >= 7).all())
    fig = go.Figure()
    for i, (side, op) in enumerate(zip(("baseline", "target"), names, strict=False)):
        colour = _colour(i)
        fig.add_trace(
            go.Scatter(
                x=series[x_name].to_list(),
                y=series[side].to_list(),
                mode="lines+markers" if weekly else "lines",
                line={"color": colour, "width": 2 if weekly else 1, "shape": "hv" if weekly else "linear"},
                opacity=1.0 if weekly else 0.45,
                name=names[op],
            )
        )
        rolling = f"{side}_rolling"
        if rolling in series.columns and series[rolling].drop_nulls().len():
            fig.add_trace(
                go.Scatter(
                    x=series[x_name].to_list(),
                    y=series[rolling].to_list(),
                    mode="lines",
                    line={"color": colour, "width": 3},
                    name=f"{names[op]} ({w['rolling']})",
                )
            )
    fig.add_vline(x=0, line_dash="dash", line_color="#444")
    fig.add_annotation(x=0, y=1.0, yref="paper", text=w["voting_day"], showarrow=False, xanchor="right", yanchor="top")
    title = w["relative.title.weekly"] if weekly else w["relative.title"]
    return _layout(
        fig,
        lang,
        title=title,
        xaxis_title=w["relative_day"],
        yaxis_title=w["incidents.weekly"] if weekly else w["incidents"],
        height=440,
    )


def category_chart(
    categories: pl.DataFrame, names: Mapping[str, str], lang: str = "id", rate: str = "per_day"
) -> go.Figure:
    """Per-category rates of both operations as horizontal bars (`Comparison.categories`); null rates are not drawn."""
    import plotly.graph_objects as go

    frame = categories.with_columns(
        label=pl.col("category").cast(pl.String).replace_strict({c: CATEGORY.label(c, lang) for c in CATEGORY.codes})
    )
    frame = frame.filter(pl.col(f"{rate}_baseline").is_not_null() | pl.col(f"{rate}_target").is_not_null())
    frame = frame.sort(pl.col(f"{rate}_target").fill_null(0) + pl.col(f"{rate}_baseline").fill_null(0))
    fig = go.Figure()
    for i, (side, op) in enumerate(zip(("baseline", "target"), names, strict=False)):
        fig.add_trace(
            go.Bar(
                y=[_label(v) for v in frame["label"].to_list()],
                x=frame[f"{rate}_{side}"].to_list(),
                orientation="h",
                name=names[op],
                marker_color=_colour(i),
            )
        )
    return _layout(
        fig,
        lang,
        title=_words(lang)["categories.title"],
        barmode="group",
        xaxis_title=_rate_label(rate, lang),
        height=max(380, 30 * frame.height + 150),
    )


def forest_plot(ratios: pl.DataFrame, key: str = "category", lang: str = "id") -> go.Figure:
    """Rate ratios with their intervals on a log axis (`aar.ratio_table`), significant ones filled; null ratios left out."""
    import plotly.graph_objects as go

    w = _words(lang)
    vocab = CATEGORY if key == "category" else PHASE
    frame = ratios.filter(pl.col("ratio").is_not_null() & (pl.col("ratio") > 0)).with_columns(
        label=pl.col(key)
        .cast(pl.String)
        .replace_strict({c: vocab.label(c, lang) for c in vocab.codes}, default=pl.col(key).cast(pl.String))
    )
    frame = frame.sort("ratio")
    low = (frame["ratio"] - frame["ci_low"].fill_null(frame["ratio"])).to_list()
    high = (frame["ci_high"].fill_null(frame["ratio"]) - frame["ratio"]).to_list()
    significant = frame["significant"].to_list()
    small = frame["small_counts"].to_list()
    fig = go.Figure(
        go.Scatter(
            x=frame["ratio"].to_list(),
            y=[_label(v) for v in frame["label"].to_list()],
            mode="markers",
            marker={
                "symbol": ["circle" if s else "circle-open" for s in significant],
                "size": 10,
                "color": [TARGET_COLOUR if s else NEUTRAL for s in significant],
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": high,
                "arrayminus": low,
                "color": "#555",
                "thickness": 1.5,
            },
            customdata=[
                [w["significant"] if s else w["not_significant"], w["small"] if m else ""]
                for s, m in zip(significant, small, strict=True)
            ],
            hovertemplate="%{y}: %{x:.2f} (%{customdata[0]}) %{customdata[1]}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=1, line_color="#444", line_dash="dot")
    fig.update_xaxes(type="log", title_text=w["ratio"])
    return _layout(fig, lang, title=w["forest.title"], height=max(360, 30 * frame.height + 150))


def region_phase_heatmap(frame: pl.DataFrame, value: str = "per_day", lang: str = "id") -> go.Figure:
    """A region x phase grid of `value` (frame columns: name or region, phase, value); null cells stay blank."""
    import plotly.graph_objects as go

    label = "name" if "name" in frame.columns else "region"
    phases = [p for p in PHASE.codes if p in set(frame["phase"].cast(pl.String))]
    wide = frame.with_columns(pl.col("phase").cast(pl.String)).pivot(on="phase", index=label, values=value).sort(label)
    z = [[row.get(p) for p in phases] for row in wide.iter_rows(named=True)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[PHASE.label(p, lang) for p in phases],
            y=[_label(v) for v in wide[label].to_list()],
            colorscale="OrRd",
            colorbar={"title": {"text": _rate_label(value, lang)}},
            hoverongaps=False,
        )
    )
    return _layout(
        fig,
        lang,
        title=_words(lang)["heatmap.title"],
        height=max(400, 26 * wide.height + 170),
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"tickangle": -30, "automargin": True},
    )


@cache
def _outlines() -> dict[str, tuple[str, list[float | None], list[float | None]]]:
    """Province code -> (name, xs, ys): simplified outer rings joined by None (refdata/province_outlines.json,
    made from refdata/provinces.geojson by tools/simplify_boundaries.py: a quarter of a megabyte to
    read instead of 2.2 MB to read and simplify)."""
    import json
    from importlib import resources

    text = resources.files("aar").joinpath("refdata", "province_outlines.json").read_text(encoding="utf-8")
    return {code: (name, xs, ys) for code, (name, xs, ys) in json.loads(text).items()}


def _choropleth(
    shapes: list[tuple[str, str, list[float | None], list[float | None]]],
    given: Mapping[str, float],
    value: str,
    lang: str,
    title: str,
    height: int,
) -> go.Figure:
    """Filled outlines (code, hover text, xs, ys with None between rings) coloured by `given`, and a colour bar."""
    import plotly.graph_objects as go
    from plotly.colors import sample_colorscale

    low, high = (min(given.values()), max(given.values())) if given else (0.0, 1.0)
    span = (high - low) or 1.0
    fig = go.Figure()
    for code, text, xs, ys in shapes:
        v = given.get(code)
        colour = sample_colorscale("OrRd", [(v - low) / span])[0] if v is not None else "#e6e6e6"
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                line={"color": "white", "width": 0.7},
                hoveron="fills",
                text=_label(text),
                hoverinfo="text",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "colorscale": "OrRd",
                "cmin": low,
                "cmax": high,
                "color": [low],
                "showscale": True,
                "colorbar": {"title": {"text": _rate_label(value, lang)}},
            },
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _layout(fig, lang, title=title, height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10})


def _given(values: pl.DataFrame, value: str) -> dict[str, float]:
    return {r["region"]: r[value] for r in values.iter_rows(named=True) if r[value] is not None}


def province_map(values: pl.DataFrame, value: str = "per_day", lang: str = "id") -> go.Figure:
    """Province choropleth drawn from the shipped boundaries (`aar.province_geojson()`), fully offline.

    `values`: region (province code) and `value`. The outlines are simplified (about 2 km) and
    islets dropped, which is enough at the scale of Indonesia; provinces without a value are grey.
    """
    shapes = [(code, name, xs, ys) for code, (name, xs, ys) in _outlines().items()]
    return _choropleth(shapes, _given(values, value), value, lang, _words(lang)["map.title"], 460)


@cache
def _regency_outlines() -> dict[str, dict[str, object]]:
    """Kabupaten/kota code -> name, province and simplified outer rings (refdata/regency_outlines.json)."""
    import json
    from importlib import resources

    text = resources.files("aar").joinpath("refdata", "regency_outlines.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def regency_map(values: pl.DataFrame, province: str, value: str = "per_day", lang: str = "id") -> go.Figure:
    """The kabupaten/kota of one province coloured by `value` (frame: region, value), fully offline.

    Outlines from the shipped boundaries (`refdata/regency_outlines.json`, simplified to about 1 km);
    a kabupaten/kota without a value (withheld, or no data) is grey.
    """
    shapes = []
    for code, shape in sorted(_regency_outlines().items()):
        if shape["province"] != province:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in shape["rings"]:  # type: ignore[attr-defined]
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        shapes.append((code, f"{shape['name']} ({code})", xs, ys))
    return _choropleth(shapes, _given(values, value), value, lang, _words(lang)["map.regency.title"], 520)


def deployment_chart(
    frame: pl.DataFrame, names: Mapping[str, str], lang: str = "id", rate: str = "per_day"
) -> go.Figure:
    """Police per TPS on voting day against the incident rate, one point per region and operation.

    `frame`: operation_id, region, name, polri_per_tps, `rate`.
    """
    import plotly.graph_objects as go

    w = _words(lang)
    fig = go.Figure()
    for i, op in enumerate(names):
        part = frame.filter(pl.col("operation_id") == op)
        fig.add_trace(
            go.Scatter(
                x=part["polri_per_tps"].to_list(),
                y=part[rate].to_list(),
                mode="markers",
                name=names[op],
                marker={"color": _colour(i), "size": 9},
                text=[_label(v) for v in part["name"].to_list()],
                hovertemplate="%{text}: %{x:.2f}, %{y:.2f}<extra></extra>",
            )
        )
    return _layout(
        fig,
        lang,
        title=w["deployment.title"],
        xaxis_title=w["polri_per_tps"],
        yaxis_title=_rate_label(rate, lang),
        height=440,
    )


def operation_names(operation_ids: Sequence[str], operations: pl.DataFrame) -> dict[str, str]:
    """operation_id -> short label ("OMB 2023-2024", "OMP 2024") in the given order."""
    names = dict(operations.select("operation_id", "name").iter_rows())
    out = {}
    for op in operation_ids:
        full = str(names.get(op, op))
        words = full.replace("Operasi ", "").split()
        year = words[-1] if words and words[-1][:2].isdigit() else ""
        acronym = "O" + "".join(wd[0] for wd in words if not wd[:2].isdigit()).upper()
        out[op] = f"{acronym} {year}".strip()
    return out
