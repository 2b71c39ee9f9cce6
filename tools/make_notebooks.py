"""Write the report notebooks of notebooks/ (run by `make notebooks`; the .ipynb files are committed).

Notebooks are thin: a tagged parameters cell, one library call per section, and short notes for
whoever reads the notebook itself (tagged notebook-only, left out of the HTML report and of any
nbconvert export). `report.scripts()` puts plotly.js in the notebook once, so JupyterLab and a
plain `jupyter nbconvert --to html --no-input` of an executed report draw the figures.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parents[1] / "notebooks"


def md(text: str) -> nbformat.NotebookNode:
    # transient.remove_source is what nbconvert's own TagRemovePreprocessor sets: every nbconvert
    # export (HTML, PDF, --no-input or not) leaves the note out, JupyterLab still shows it.
    return new_markdown_cell(text, metadata={"tags": ["notebook-only"], "transient": {"remove_source": True}})


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    return new_code_cell(text, metadata={"tags": list(tags)} if tags else {})


def notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:02d}"  # stable ids, so regenerating gives the same bytes
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nb


COMPARATIVE = notebook(
    [
        md(
            "# Comparative evaluation (evaluasi perbandingan)\n\n"
            "Baseline operation against target operation in one region. Run it with\n"
            "`aar report comparative --dataset DATA --region 18 --lang id`; the cell below holds the defaults.\n"
            "Every number comes from the `aar` library; see docs/metrics.md for the definitions. Each cell\n"
            "returns one section of the report (a value: `section.frames` holds its tables)."
        ),
        code(
            'dataset: str = "data/sample"  # dataset folder or workbook (relative: to the working folder, else the repository)\n'
            'region: str = "18"  # Kemendagri code (18, 18.72) or "national"\n'
            'baseline: str = "OMB-2023-2024"  # operation compared against\n'
            'target: str = "OMP-2024"  # operation evaluated\n'
            'exposure: str = "days"  # days, voters, tps, personnel_days, voter_days or tps_days\n'
            'lang: str = "id"  # id (Indonesian) or en (English)\n'
            "min_cell: int = 3  # counts below this are withheld\n"
            "alpha: float = 0.05  # significance level (intervals are 1 - alpha)",
            "parameters",
        ),
        code(
            "import aar\n\nreport = aar.comparative_report(dataset, region, baseline, target, exposure, lang, min_cell, alpha)\nreport.scripts()"
        ),
        code("report.header()"),
        md("The bottom line up front: what changed, where, in which phase and category, and the deployment."),
        code("report.bottom_line()"),
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
        code("report.key_numbers()"),
    ]
)

OVERVIEW = notebook(
    [
        md(
            "# Operation overview (laporan perkembangan operasi)\n\n"
            "One operation in one region up to an *as of* date, for daily or weekly reports while it runs.\n"
            "Run it with `aar report overview --operation OMP-2024 --region 18.72 --as-of 2024-11-30`."
        ),
        code(
            'dataset: str = "data/sample"  # dataset folder or workbook (relative: to the working folder, else the repository)\n'
            'operation: str = "OMP-2024"  # operation id\n'
            'region: str = "18.72"  # Kemendagri code (18, 18.72) or "national"\n'
            'as_of: str = "2024-11-30"  # last day to include (empty: the last day with data)\n'
            'lang: str = "id"  # id (Indonesian) or en (English)\n'
            "min_cell: int = 3  # counts below this are withheld",
            "parameters",
        ),
        code(
            "import aar\n\nreport = aar.overview_report(dataset, operation, region, as_of, lang, min_cell)\nreport.scripts()"
        ),
        code("report.header()"),
        code("report.summary()"),
        code("report.recent()"),
        code("report.phases()"),
        code("report.categories()"),
        code("report.subregions()"),
        code("report.deployment()"),
        code("report.method_notes()"),
        code("report.key_numbers()"),
    ]
)

EXPLORE = notebook(
    [
        new_markdown_cell(
            "# A tour of aar (tur singkat)\n\n"
            "Loading, metrics, statistics and figures on the **synthetic** sample dataset. Every table in a report\n"
            "is one call away; every figure is a function that takes frames and returns a plotly figure.\n"
            "Definitions: docs/metrics.md. Start JupyterLab with `make lab`."
        ),
        code('dataset = "../data/sample"\nregion = "18"', "parameters"),
        new_markdown_cell(
            "## Load and validate\n`aar.validate` never raises on bad data: it returns every problem with its file, row and column."
        ),
        code(
            "import polars as pl\n\nimport aar\n\nresult = aar.validate(dataset)\nprint(result.ok, len(result.warnings), 'warnings')\nds = result.dataset\nds"
        ),
        code(
            'ds.incidents.select("incident_id", "occurred_on", "region_code", "category", "operation_id", "phase", "relative_day").head()'
        ),
        new_markdown_cell(
            "## Counts and rates\nAny grouping of operation, region (at a level), phase, category, day or day relative to voting day."
        ),
        code(
            'aar.rates(ds, ["operation_id", "phase"], region=region).select("operation_id", "phase", "days", "incidents", "per_day", "per_1000_personnel_days")'
        ),
        code('aar.crime_clock_text(aar.rates(ds, ["operation_id"], region=region)["crime_clock_seconds"][0], "id")'),
        new_markdown_cell("## The anev comparison"),
        code("cmp = aar.compare(ds, region=region)\ncmp.summary"),
        code(
            'cmp.subregions.select("region", "name", "incidents_baseline", "incidents_target", "percent_change", "direction").head(10)'
        ),
        new_markdown_cell(
            "## Statistics\nRate ratios with score intervals, a negative binomial regression across kabupaten/kota, and a segmented regression around voting day."
        ),
        code(
            'aar.ratio_table(ds, "category", region=region).select("category", "ratio", "ci_low", "ci_high", "p_adjusted", "significant", "small_counts")'
        ),
        code(
            "reg = aar.count_regression(ds, region=region)\nreg.irr, reg.ci_low, reg.ci_high, reg.dispersion, reg.method"
        ),
        code(
            'seg = aar.segmented_regression(ds, "OMP-2024", region=region)\nseg.level_change, seg.level_ci, seg.method'
        ),
        new_markdown_cell("## Deployment and disclosure"),
        code('aar.required_vs_deployed(ds, region=region, level="regency").head()'),
        code(
            'aar.suppress(aar.rates(ds, ["operation_id", "category"], region="18.72").select("operation_id", "category", "incidents"), "incidents", ["operation_id", "category"]).head(8)'
        ),
        new_markdown_cell(
            "## Report sections\nA report is a value: each section returns its HTML (shown below), its key numbers and the\n"
            "published frames behind it, after disclosure control (counts below `min_cell` withheld)."
        ),
        code("report = aar.comparative_report(ds, region, lang='en')\nsection = report.summary()\nsection"),
        code("section.frames['summary']"),
        new_markdown_cell("## Figures\nEach figure is a library function taking frames; `aar.show` draws it here."),
        code(
            "names = aar.operation_names(['OMB-2023-2024', 'OMP-2024'], ds.operations)\naar.show(aar.relative_day_chart(cmp.series, names, 'en'))"
        ),
        code("aar.show(aar.forest_plot(aar.ratio_table(ds, 'category', region=region), 'category', 'en'))"),
    ]
)

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    nbformat.write(COMPARATIVE, HERE / "comparative_evaluation.ipynb")
    nbformat.write(OVERVIEW, HERE / "operation_overview.ipynb")
    nbformat.write(EXPLORE, HERE / "explore.ipynb")
