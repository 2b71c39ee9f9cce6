"""The index page of a reports folder: every report with its region, status and key numbers.

Rendered from `templates/index.html` in the batch's language: region names, localised headers,
numbers through babel, sortable by any column and filterable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from .._messages import Messages
from . import formatting as fmt
from .sections import asset, render

INDEX_KEYS = (
    "incidents_target",
    "incidents_baseline",
    "per_day_target",
    "per_day_percent_change",
    "rate_ratio",
    "incidents",
    "per_day",
)
_DECIMALS = {"per_day_target": 2, "per_day_percent_change": 1, "rate_ratio": 2, "per_day": 2}


def render_index(records: Sequence[Any], title: str, lang: str = "id", shared_assets: bool = False) -> str:
    """The index page of `records` (each with name, region, region_name, status, seconds, error, key_numbers)."""
    t = Messages(lang)
    columns = [k for k in INDEX_KEYS if any(k in r.key_numbers for r in records)]
    head = [{"text": t.text(f"index.{c}"), "type": "text"} for c in ("report", "region", "status")]
    head.append({"text": t.text("index.seconds"), "type": "number"})
    head += [{"text": t.text(f"key.{c}"), "type": "number"} for c in columns]
    rows = []
    for r in records:
        region = r.region
        cells = []
        for c in columns:
            value = r.key_numbers.get(c)
            cells.append(
                {
                    "value": "" if value is None else value,
                    "text": "" if value is None else fmt.number(value, lang, _DECIMALS.get(c, 0)),
                }
            )
        rows.append(
            {
                "name": r.name,
                "link": f"{r.name}/report.html" if r.status in ("done", "skipped") else None,
                "region": t.text("header.national") if region is None else f"{r.region_name or region} ({region})",
                "status": r.status,
                "status_text": t.text(f"status.{r.status}"),
                "error": r.error,
                "seconds": "" if r.seconds is None else fmt.number(r.seconds, lang, 1),
                "seconds_value": "" if r.seconds is None else r.seconds,
                "cells": cells,
            }
        )
    from .svgmap import svg_map

    shade = next((k for k in ("rate_ratio", "per_day") if any(k in r.key_numbers for r in records)), None)
    region_map = Markup("")
    if shade is not None:
        coded = [r for r in records if r.region]
        values = {str(r.region): r.key_numbers.get(shade) for r in coded}
        labels = {
            str(r.region): f"{r.region_name or r.region} ({r.region}): "
            + ("-" if r.key_numbers.get(shade) is None else fmt.number(r.key_numbers[shade], lang, 2))
            for r in coded
        }
        region_map = svg_map(values, labels, t.text(f"index.map.{shade}"))
    ready = sum(r.status in ("done", "skipped") for r in records)
    note = t("index.note", ready=fmt.number(ready, lang), total=fmt.number(len(records), lang))
    if shared_assets:
        note = Markup("{} {}").format(note, t("index.shared_assets"))
    page = render(
        "index.html",
        lang=lang,
        title=title,
        note=note,
        filter_label=t("index.filter"),
        region_map=region_map,
        map_caption=t(f"index.map.{shade}") if shade else "",
        head=head,
        rows=rows,
        css=Markup(asset("index.css")),
        js=Markup(asset("index.js")),
    )
    return str(page) + "\n"


def index_title(name: str, lang: str = "id") -> str:
    return Messages(lang).text("index.title", name=name)
