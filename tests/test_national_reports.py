"""Both report kinds from a national bulletin alone: real papermill runs of the real notebooks, and
the pages in a real headless Chromium (every figure drawn, no script error, nothing fetched)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import polars as pl
import pytest

import aar
from _browser import show_page
from _national import write_bulletin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bulletin(tmp_path_factory.mktemp("national") / "buletin")


@pytest.fixture(scope="module")
def reports(bulletin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, aar.ReportFiles]:
    out = tmp_path_factory.mktemp("reports")
    return {
        "comparative": aar.run_report("comparative", {"dataset": str(bulletin), "region": "00", "lang": "id"}, out),
        "overview": aar.run_report(
            "overview", {"dataset": str(bulletin), "operation": "OMB-2023-2024", "region": "Indonesia"}, out
        ),
    }


@pytest.mark.parametrize("kind", ["comparative", "overview"])
def test_every_cell_of_the_national_report_runs(reports: dict[str, aar.ReportFiles], kind: str) -> None:
    files = reports[kind]
    nb = nbformat.read(files.notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    sidecar = json.loads(files.sidecar.read_text(encoding="utf-8"))
    assert sidecar["parameters"]["region"] is None  # "00" and "Indonesia" both name the national report
    assert files.folder.name.startswith(f"{kind}-") and "national" in files.folder.name
    page = files.html.read_text(encoding="utf-8")
    assert "Tidak ada sub-wilayah" in page
    assert "Tingkat data (baris kejadian)" in page


def test_the_national_comparison_counts_the_bulletin(reports: dict[str, aar.ReportFiles], bulletin: Path) -> None:
    keys = json.loads(reports["comparative"].sidecar.read_text(encoding="utf-8"))["key_numbers"]
    ds = aar.load(bulletin)
    for side, op in (("target", "OMP-2024"), ("baseline", "OMB-2023-2024")):
        n = ds.incidents.filter(pl.col("operation_id") == op).height
        assert keys[f"incidents_{side}"] == n
        assert keys[f"per_day_{side}"] == pytest.approx(n / 28)


@pytest.mark.parametrize("kind", ["comparative", "overview"])
def test_the_national_pages_draw_in_chromium(reports: dict[str, aar.ReportFiles], kind: str) -> None:
    shown = show_page(reports[kind].html)
    assert shown.drawn and all(n >= 1 for n in shown.drawn)
    assert shown.problems == []
    assert shown.fetched == []
    assert "DATA SINTETIS" in shown.text
    assert "Tidak ada sub-wilayah" in shown.text
