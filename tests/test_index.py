"""The index page of a reports folder: localised, with region names and a map, read without a batch."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aar._reporting.index import render_index


@dataclass
class Record:
    name: str
    region: str | None
    status: str = "done"
    seconds: float | None = 3.25
    error: str | None = None
    key_numbers: dict[str, Any] = field(default_factory=dict)
    region_name: str | None = None


RECORDS = [
    Record(
        "comparative-19.01-id",
        "19.01",
        key_numbers={"rate_ratio": 1.2, "incidents_target": 1234},
        region_name="Kabupaten Bangka",
    ),
    Record(
        "comparative-19.71-id",
        "19.71",
        key_numbers={"rate_ratio": 0.8, "incidents_target": 52},
        region_name="Kota Pangkal Pinang",
    ),
    Record(
        "comparative-19.02-id",
        "19.02",
        status="failed",
        seconds=None,
        error="cell 3: <boom>",
        region_name="Kabupaten Belitung",
    ),
]


def test_the_index_speaks_the_batch_language_with_region_names_and_numbers() -> None:
    page = render_index(RECORDS, "Laporan aar", "id")
    assert '<html lang="id">' in page
    assert "Kota Pangkal Pinang (19.71)" in page and "Wilayah" in page and "Gangguan (dievaluasi)" in page
    assert ">1.234<" in page and ">1,20<" in page and ">3,2<" in page  # babel, not "1234.00"
    assert "gagal" in page and "&lt;boom&gt;" in page and "<boom>" not in page
    assert 'href="comparative-19.01-id/report.html"' in page and 'href="comparative-19.02-id/report.html"' not in page
    english = render_index(RECORDS, "aar reports", "en")
    assert '<html lang="en">' in english and ">1,234<" in english and "failed" in english


def test_the_index_maps_the_regions_by_their_rate_ratio() -> None:
    page = render_index(RECORDS, "Laporan aar", "id")
    svg = re.search(r'<svg class="aar-map".*?</svg>', page, re.S)
    assert svg is not None
    paths = re.findall(r'<path d="[^"]+" fill="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>', svg.group(0))
    fills = {title.split(" (")[0]: fill for fill, title in paths}
    assert len(paths) == 7  # the kabupaten/kota of Kepulauan Bangka Belitung
    assert fills["Kabupaten Belitung"] == "#e6e6e6"  # no value: grey
    assert fills["Kabupaten Bangka"] != fills["Kota Pangkal Pinang"]
    assert "Kabupaten Bangka (19.01): 1,20" in svg.group(0)
