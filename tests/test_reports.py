"""Reports end to end: papermill runs of the real notebooks, the offline HTML in a real headless
Chromium, the sidecar, failures, timeouts and the notebooks' hygiene."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest

import aar
from _browser import ALL_DRAWN, BROWSER_FLAGS, CHROMIUM, needs_chromium, show_page
from aar._reporting.runner import NOTEBOOKS, notebook_path
from aar._reporting.sections import SCRIPTS_MIME

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def comparative(tmp_path_factory: pytest.TempPathFactory) -> aar.ReportFiles:
    out = tmp_path_factory.mktemp("reports")
    return aar.run_report("comparative", {"dataset": str(SAMPLE), "region": "18", "lang": "id"}, out)


def test_report_folder_holds_html_notebook_and_sidecar(comparative: aar.ReportFiles) -> None:
    assert comparative.folder.name == "comparative-18-id"
    assert sorted(p.name for p in comparative.folder.iterdir()) == [
        "report.html",
        "report.ipynb",
        "report.json",
        "report.xlsx",
    ]
    assert not [p for p in comparative.folder.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_sidecar_carries_provenance_and_key_numbers(comparative: aar.ReportFiles) -> None:
    sidecar = json.loads(comparative.sidecar.read_text(encoding="utf-8"))
    ds = aar.load(SAMPLE)
    assert sidecar["dataset"]["checksum"] == ds.info.checksum
    assert sidecar["dataset"]["synthetic"] is True
    assert sidecar["package_version"] == aar.__version__
    assert sidecar["parameters"]["region"] == "18"
    assert sidecar["generated_at"].endswith("+00:00")
    cmp = aar.compare(ds, region="18")
    keys = sidecar["key_numbers"]
    assert keys["incidents_target"] == cmp.metric("incidents")["target"]
    assert keys["incidents_baseline"] == cmp.metric("incidents")["baseline"]
    assert keys["per_day_target"] == pytest.approx(cmp.metric("per_day")["target"])
    assert keys["rate_ratio"] == pytest.approx(cmp.metric("per_day")["target"] / cmp.metric("per_day")["baseline"])


def test_html_is_self_contained_with_plotly_once(comparative: aar.ReportFiles) -> None:
    from aar._reporting.sections import plotly_js

    page = comparative.html.read_text(encoding="utf-8")
    bundle = plotly_js()
    assert page.count(bundle[:200]) == 1
    assert len(page.encode()) < 2_000_000  # the partial bundle: 5.1 MB with the full one
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?:""", page)
    assert page.count('class="aar-figure-data"') == 7  # each figure's JSON once, drawn by the page's script
    assert page.index('id="bottom_line"') < page.index('id="summary"')  # the bottom line first
    for anchor in re.findall(r'<nav class="toc".*?</nav>', page, re.S)[0].split('href="#')[1:]:
        assert f'id="{anchor.split(chr(34))[0]}"' in page  # every section reachable from the contents
    assert '<html lang="id">' in page
    assert "<title>Evaluasi perbandingan pengamanan: OMP 2024 dibanding OMB 2023-2024, Lampung (18)</title>" in page
    assert "DATA SINTETIS" in page
    extra = len(page.encode()) - len(bundle.encode())
    assert extra < 1_500_000  # the page is plotly.js and not much more
    assert "import aar" not in page  # code cells hidden
    assert "report.key_numbers" not in page


def test_executed_notebook_records_every_cell(comparative: aar.ReportFiles) -> None:
    nb = nbformat.read(comparative.notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    # the record leaves plotly.js out (report.html draws the figures): a fifth of its size, not 1.5 MB more
    scripts = [o for c in code for o in c.outputs if SCRIPTS_MIME in o.get("data", {})]
    assert len(scripts) == 1 and "text/html" not in scripts[0]["data"]
    assert "report.html" in scripts[0]["data"]["text/plain"]
    assert comparative.notebook.stat().st_size < comparative.html.stat().st_size / 4


def _number(text: str) -> float:
    """A number as the Indonesian page writes it: 1.691 -> 1691, 9,82 -> 9.82, 37,8% -> 37.8."""
    return float(text.replace("%", "").replace(".", "").replace(",", "."))


def test_page_draws_every_figure_offline_and_shows_the_library_numbers(comparative: aar.ReportFiles) -> None:
    shown_page = show_page(comparative.html)
    shown = shown_page.keys
    assert len(shown_page.drawn) == 7
    assert all(n >= 1 for n in shown_page.drawn)
    assert shown_page.problems == []
    assert shown_page.fetched == []
    assert "DATA SINTETIS" in shown_page.banner
    sidecar = json.loads(comparative.sidecar.read_text(encoding="utf-8"))["key_numbers"]
    cmp = aar.compare(aar.load(SAMPLE), region="18")
    assert _number(shown["incidents_target"]) == sidecar["incidents_target"] == cmp.metric("incidents")["target"]
    assert _number(shown["incidents_baseline"]) == sidecar["incidents_baseline"] == cmp.metric("incidents")["baseline"]
    assert _number(shown["per_day_target"]) == pytest.approx(sidecar["per_day_target"], abs=0.005)
    assert sidecar["per_day_target"] == pytest.approx(cmp.metric("per_day")["target"])
    assert _number(shown["per_day_percent_change"]) == pytest.approx(
        abs(cmp.metric("per_day")["percent_change"]), abs=0.05
    )
    assert _number(shown["rate_ratio"]) == pytest.approx(sidecar["rate_ratio"], abs=0.005)


def test_english_report_formats_numbers_for_english(tmp_path: Path) -> None:
    files = aar.run_report("comparative", {"dataset": str(SAMPLE), "region": "18.72", "lang": "en"}, tmp_path)
    page = files.html.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in page
    assert "Comparative evaluation" in page
    assert '<html lang="en">' in page
    keys = json.loads(files.sidecar.read_text(encoding="utf-8"))["key_numbers"]
    ds = aar.load(SAMPLE)
    assert keys["incidents_target"] == aar.compare(ds, region="18.72").metric("incidents")["target"]
    assert f'data-key="incidents_target">{int(keys["incidents_target"]):,}<' in page


def test_no_free_text_and_every_data_value_escaped(tmp_path: Path, lampung: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(lampung, data)
    (data / "regions.csv").write_text(
        'region_code,name,kind,parent_code\n18.01,"Kabupaten <b>Selatan</b> & ""Co""",kabupaten,18\n', encoding="utf-8"
    )
    files = aar.run_report("comparative", {"dataset": str(data), "region": "18", "min_cell": 1}, tmp_path / "out")
    page = files.html.read_text(encoding="utf-8")
    notebook = files.notebook.read_text(encoding="utf-8")
    assert "Kabupaten &lt;b&gt;Selatan&lt;/b&gt; &amp;" in page  # in the tables
    assert "<b>Selatan</b>" not in page
    assert "\\u003cb\\u003eSelatan" not in page  # plotly would draw a raw tag in a label as markup
    for text in ("Aksi di depan kantor KPU",):  # the fixture's incident description
        assert text not in page
        assert text not in notebook


def test_small_counts_are_withheld(tmp_path: Path, lampung: Path) -> None:
    files = aar.run_report("comparative", {"dataset": str(lampung), "region": "18", "min_cell": 3}, tmp_path)
    page = files.html.read_text(encoding="utf-8")
    assert "disembunyikan" in page  # the note on withheld counts
    assert ">*<" in page


def test_a_failing_notebook_names_the_cause_and_cell_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(aar.ReportError) as caught:
        # an unknown operation passes the pre-flight checks (a dataset may add operations) and fails in a cell
        aar.run_report(
            "comparative", {"dataset": str(SAMPLE), "region": "18", "baseline": "OMX-1999"}, tmp_path, check_scope=False
        )
    message = str(caught.value)
    assert message.startswith("cell ")
    assert "baseline: got 'OMX-1999'" in message
    assert caught.value.cell is not None
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_region_is_refused_before_a_kernel_starts(tmp_path: Path) -> None:
    with pytest.raises(aar.UsageError, match=r"region: got '99'"):
        aar.run_report("comparative", {"dataset": str(SAMPLE), "region": "99"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_parameter_is_rejected_before_a_kernel_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    with pytest.raises(aar.UsageError, match=r"parameters: got 'regoin'; allowed: .*region"):
        aar.run_report("comparative", {"dataset": str(SAMPLE), "regoin": "18"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_cell_timeout_is_reported_as_a_timeout(tmp_path: Path) -> None:
    with pytest.raises(aar.ReportTimeout, match="timeout of 1 s"):
        aar.run_report("comparative", {"dataset": str(SAMPLE), "region": "18"}, tmp_path, timeout=1)
    assert list(tmp_path.iterdir()) == []


def test_cli_overview_report_and_pdf(tmp_path: Path) -> None:
    needs_chromium()
    command = [
        sys.executable,
        "-m",
        "aar",
        "report",
        "overview",
        "--dataset",
        str(SAMPLE),
        "--operation",
        "OMP-2024",
        "--region",
        "18.72",
        "--as-of",
        "2024-11-30",
        "--out",
        str(tmp_path),
        "--pdf",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, "COLUMNS": "200"}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "IPKernelApp" not in result.stderr  # no kernel warning on the user's terminal
    assert " overview (operation=OMP-2024, region=18.72" in (tmp_path / "reports.log").read_text(encoding="utf-8")
    folder = tmp_path / "overview-OMP-2024-18.72-2024-11-30-id"
    assert str(folder / "report.html") in result.stdout.replace("\n", "")
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    _check_pdf_pages(folder / "report.pdf")
    keys = json.loads((folder / "report.json").read_text(encoding="utf-8"))["key_numbers"]
    ds = aar.load(SAMPLE)
    expected = ds.incidents.filter(
        (pl.col("operation_id") == "OMP-2024")
        & (pl.col("region_code") == "18.72")
        & (pl.col("occurred_on") <= pl.date(2024, 11, 30))
    ).height
    assert keys["incidents"] == expected
    assert keys["as_of"] == "2024-11-30"


def _check_pdf_pages(pdf: Path) -> None:
    """A4, and every page carries the synthetic banner and its page number (poppler's pdfinfo, pdftotext)."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is not installed: .ci/run installs Debian's poppler-utils")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "DATA SINTETIS" in text, page
        assert re.search(rf"\b{page}\s*/\s*{pages}\b", text), page


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "aar", "report", "comparative", "--lang", "fr", "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert "'fr' is not one of 'id', 'en'" in result.stderr  # the option's choices, checked by the parser


@pytest.mark.parametrize("kind", sorted(NOTEBOOKS))
def test_notebooks_are_thin_and_committed_without_outputs(kind: str) -> None:
    nb = nbformat.read(notebook_path(kind), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    for cell in code:
        assert cell.outputs == []
        assert cell.execution_count is None
        tree = ast.parse(cell.source)
        assert not [
            n
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
        ]


def test_notebooks_match_their_generator(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_notebooks
    finally:
        sys.path.pop(0)
    for name, nb in (
        ("comparative_evaluation.ipynb", make_notebooks.COMPARATIVE),
        ("operation_overview.ipynb", make_notebooks.OVERVIEW),
        ("explore.ipynb", make_notebooks.EXPLORE),
    ):
        nbformat.write(nb, tmp_path / name)
        assert (tmp_path / name).read_text(encoding="utf-8") == (ROOT / "notebooks" / name).read_text(
            encoding="utf-8"
        ), f"run `make notebooks` ({name})"


def test_explore_notebook_runs(tmp_path: Path) -> None:
    import papermill

    papermill.execute_notebook(
        str(notebook_path("explore")),
        str(tmp_path / "explore.ipynb"),
        parameters={"dataset": str(SAMPLE)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT / "notebooks"),
    )
    nb = nbformat.read(tmp_path / "explore.ipynb", as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]


def test_pdf_without_chromium_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aar._reporting import runner as _reports

    monkeypatch.setattr(_reports.shutil, "which", lambda name: None)
    page = tmp_path / "page.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(aar.ReportError, match="apt-get install chromium"):
        _reports.print_pdf(page, tmp_path / "page.pdf")


def test_papermill_runs_the_notebook_from_the_repository_root_with_typed_parameters(tmp_path: Path) -> None:
    """The scheduler's own path: Airflow's PapermillOperator or cron calling papermill directly."""
    papermill = str(Path(sys.executable).parent / "papermill")
    notebook = "notebooks/comparative_evaluation.ipynb"
    helped = subprocess.run(
        [papermill, "--help-notebook", notebook], capture_output=True, text=True, cwd=ROOT, check=True
    )
    for name, kind in (("region", "str"), ("min_cell", "int"), ("alpha", "float"), ("lang", "str")):
        assert re.search(rf"{name}: {kind} \(default", helped.stdout), helped.stdout
    assert "Unknown type" not in helped.stdout
    out = tmp_path / "out.ipynb"
    run = subprocess.run(
        [papermill, notebook, str(out), "-p", "region", "19.71", "--no-progress-bar"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    executed = nbformat.read(out, as_version=4)
    assert not [
        o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"
    ]
    _check_nbconvert_export(out, executed)


def _check_nbconvert_export(executed_path: Path, executed: nbformat.NotebookNode) -> None:
    """A plain `jupyter nbconvert --to html --no-input` of the executed notebook, read in Chromium:
    every figure drawn offline, the banner shown, no notebook-only note, no key-number count."""
    needs_chromium()
    from playwright.sync_api import sync_playwright

    jupyter = str(Path(sys.executable).parent / "jupyter")
    subprocess.run(
        [jupyter, "nbconvert", "--to", "html", "--no-input", str(executed_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    export = executed_path.with_suffix(".html")
    notes = [c.source for c in executed.cells if c.cell_type == "markdown"]
    assert notes, "the notebook has notes for its reader"
    figures = len(re.findall(r'class="aar-figure-data"', export.read_text(encoding="utf-8")))
    assert figures >= 5
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_context(offline=True).new_page()
        errors: list[str] = []
        fetched: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto(export.as_uri(), wait_until="load")
        page.wait_for_function(
            f"() => document.querySelectorAll('.aar-figure svg.main-svg').length >= {figures}", timeout=60_000
        )
        drawn = page.eval_on_selector_all(
            ".aar-figure", "els => els.map(e => e.querySelectorAll('svg.main-svg').length)"
        )
        text = " ".join(page.inner_text("body").split())
        browser.close()
    assert len(drawn) == figures and all(n >= 1 for n in drawn)
    assert errors == []
    # nbconvert's own template asks a CDN for require.js and MathJax; nothing of the report is fetched.
    assert all("require" in url or "mathjax" in url.lower() for url in fetched), fetched
    assert "DATA SINTETIS" in text
    for note in notes:
        assert " ".join(note.split())[:40] not in text
    assert "key numbers" not in text and "plotly.js" not in text


def test_the_tables_come_out_as_csv_and_as_one_workbook(comparative: aar.ReportFiles) -> None:
    from openpyxl import load_workbook

    page = comparative.html.read_text(encoding="utf-8")
    assert page.count('class="download" download="') >= 5
    book = load_workbook(comparative.folder / "report.xlsx", read_only=True)
    assert {"summary", "phases", "categories", "subregions", "deployment"} <= set(book.sheetnames)
    rows = list(book["summary"].iter_rows(values_only=True))
    assert rows[0][0] == "Ukuran"
    incidents = next(r for r in rows if r[0] == "Jumlah gangguan (CT)")
    keys = json.loads(comparative.sidecar.read_text(encoding="utf-8"))["key_numbers"]
    assert incidents[1] == keys["incidents_baseline"] and incidents[2] == keys["incidents_target"]


LABELS_OUTSIDE = """() => {
  const bad = [];
  for (const fig of document.querySelectorAll('.aar-figure')) {
    const box = fig.querySelector('svg.main-svg').getBoundingClientRect();
    for (const t of fig.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .annotation-text, .gtitle, .legendtext')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        bad.push(fig.id + ': ' + t.textContent);
    }
  }
  return bad;
}"""


@pytest.mark.parametrize("width", [1200, 800])
def test_no_label_of_any_figure_is_cut_off(comparative: aar.ReportFiles, width: int) -> None:
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_context(offline=True, viewport={"width": width, "height": 900}).new_page()
        page.goto(comparative.html.as_uri(), wait_until="load")
        page.wait_for_function(ALL_DRAWN, timeout=60_000)
        labels = page.eval_on_selector_all(".aar-figure .xtick text, .aar-figure .ytick text", "els => els.length")
        outside = page.evaluate(LABELS_OUTSIDE)
        browser.close()
    assert labels > 50
    assert outside == []


def test_the_comparative_pdf_keeps_every_figure_on_one_page(tmp_path: Path) -> None:
    """A4, banner and page number on every page, and each figure's title on the page of its caption."""
    needs_chromium()
    files = aar.run_report("comparative", {"dataset": str(SAMPLE), "region": "18", "lang": "id"}, tmp_path, pdf=True)
    assert files.pdf is not None
    _check_pdf_pages(files.pdf)
    pages = subprocess.run(["pdftotext", str(files.pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages_text = [" ".join(p.split()) for p in pages.split("\f")]
    page = files.html.read_text(encoding="utf-8")
    specs = [json.loads(s) for s in re.findall(r'class="aar-figure-data"[^>]*>(.*?)</script>', page, re.S)]
    captions = re.findall(r'<figcaption class="caption">(.*?)</figcaption>', page, re.S)
    assert len(specs) == len(captions) == 7
    for spec, caption in zip(specs, captions, strict=True):
        title = " ".join(spec["layout"]["title"]["text"].split())
        start = " ".join(caption.split())[:40]
        on = [i for i, text in enumerate(pages_text) if title in text]
        with_caption = [i for i, text in enumerate(pages_text) if start in text]
        assert on and with_caption, (title, start)
        assert set(on) & set(with_caption), (title, on, with_caption)
