"""Write the report notebooks of notebooks/ (run by `make notebooks`; the .ipynb files are committed).

Notebooks are thin: a tagged parameters cell, one library call per section, and short notes for
whoever reads the notebook itself (tagged notebook-only, left out of the HTML report).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parents[1] / "notebooks"


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text, metadata={"tags": ["notebook-only"]})


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    return new_code_cell(text, metadata={"tags": list(tags)} if tags else {})


def notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}}
    return nb


COMPARATIVE = notebook(
    [
        md(
            "# Comparative evaluation (evaluasi perbandingan)\n\n"
            "Baseline operation against target operation in one region. Run it with\n"
            "`aar report comparative --dataset DATA --region 18 --lang id`; the cell below holds the defaults.\n"
            "Every number comes from the `aar` library; see docs/metrics.md for the definitions."
        ),
        code(
            'dataset = "../data/sample"\nregion = "18"\nbaseline = "OMB-2023-2024"\ntarget = "OMP-2024"\n'
            'exposure = "days"\nlang = "id"\nmin_cell = 3\nalpha = 0.05',
            "parameters",
        ),
        code("import aar\n\nreport = aar.comparative_report(dataset, region, baseline, target, exposure, lang, min_cell, alpha)\nreport.header()"),
        md("The anev summary: generated sentences and the side-by-side table."),
        code("report.summary()"),
        code("report.phases()"),
        code("report.relative_days()"),
        code("report.categories()"),
        code("report.subregions()"),
        code("report.deployment()"),
        code("report.statistics()"),
        code("report.findings()"),
        code("report.improvement_plan()"),
        code("report.method_notes()"),
        md("The key numbers go to the report's JSON sidecar (not shown in the HTML)."),
        code("report.publish_key_numbers()"),
    ]
)

OVERVIEW = notebook(
    [
        md(
            "# Operation overview (laporan perkembangan operasi)\n\n"
            "One operation in one region up to an *as of* date, for daily or weekly reports while it runs.\n"
            "Run it with `aar report overview --operation OMP-2024 --region 18.72 --as-of 2024-11-30`."
        ),
        code('dataset = "../data/sample"\noperation = "OMP-2024"\nregion = "18.72"\nas_of = "2024-11-30"\nlang = "id"\nmin_cell = 3', "parameters"),
        code("import aar\n\nreport = aar.overview_report(dataset, operation, region, as_of, lang, min_cell)\nreport.header()"),
        code("report.summary()"),
        code("report.recent()"),
        code("report.phases()"),
        code("report.categories()"),
        code("report.subregions()"),
        code("report.deployment()"),
        code("report.method_notes()"),
        code("report.publish_key_numbers()"),
    ]
)

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    nbformat.write(COMPARATIVE, HERE / "comparative_evaluation.ipynb")
    nbformat.write(OVERVIEW, HERE / "operation_overview.ipynb")
