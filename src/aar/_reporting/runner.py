"""Running a report: papermill executes a notebook, the result becomes one offline HTML page.

`run_report("comparative", {"dataset": "data/sample", "region": "18"}, "reports/")` writes, into
`reports/comparative-18-id/`:
- `report.html`: one self-contained page (plotly.js embedded once in the head, code cells hidden,
  a banner when the data is synthetic), readable with no network;
- `report.ipynb`: the executed notebook;
- `report.xlsx`: the report's tables, one sheet each (as published: withheld cells "*");
- `report.json`: the sidecar: key numbers, parameters, dataset name and checksum, package version,
  generation time;
- `report.pdf` with `pdf=True`, printed by headless Chromium.

The folder is built under a temporary name beside its destination and renamed at the end, so a
failed run never leaves a half-written report under the final name. Parameter names are checked
against the notebook's parameters cell (`papermill.inspect_notebook`) before any kernel starts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .._errors import ReportError, ReportTimeout, UsageError
from .preflight import preflight
from .sections import KEY_NUMBERS_MIME, NOTEBOOK_DRAW, SCRIPTS_MIME, SECTION_MIME

if TYPE_CHECKING:
    from .kernel import WarmKernel

NOTEBOOKS = {
    "comparative": "comparative_evaluation.ipynb",
    "overview": "operation_overview.ipynb",
    "explore": "explore.ipynb",
}
REPORT_KINDS = ("comparative", "overview")
NOTEBOOK_ONLY_TAG = "notebook-only"
"""Cells with this tag (explanations for someone reading the notebook) are left out of the HTML."""
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class ReportFiles:
    """Where a finished report's files are."""

    folder: Path
    html: Path
    notebook: Path
    sidecar: Path
    pdf: Path | None
    seconds: float
    workbook: Path | None = None
    """report.xlsx: the report's tables, one sheet each."""


def notebook_path(kind: str) -> Path:
    """The notebook of a report kind: shipped with the package, or the repository's `notebooks/`."""
    if kind not in NOTEBOOKS:
        raise UsageError("kind", kind, list(NOTEBOOKS))
    packaged = Path(__file__).parents[1] / "notebooks" / NOTEBOOKS[kind]
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "notebooks" / NOTEBOOKS[kind]


PARAMETER_TYPES = {"str": "a text", "int": "a whole number", "float": "a number", "bool": "true or false"}
"""What a value of each type papermill infers from a parameters cell must be, in words."""


def _fits(type_name: str | None, value: object) -> bool:
    if value is None or type_name not in PARAMETER_TYPES:
        return True
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if type_name == "int" else isinstance(value, int | float)


def check_parameters(kind: str, parameters: Mapping[str, Any], where: str = "parameters") -> dict[str, Any]:
    """The notebook's declared parameters; unknown names and values of the wrong type are a UsageError
    before any kernel starts. `where` names the source in the message (e.g. an entry of plan.toml)."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook_path(kind)))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UsageError(where, ", ".join(unknown), f"the parameters {', '.join(sorted(declared))}")
    for name, value in parameters.items():
        type_name = declared[name].get("inferred_type_name")
        if not _fits(type_name, value):
            raise UsageError(f"{where}: {name}" if where != "parameters" else name, value, PARAMETER_TYPES[type_name])
    return dict(declared)


def check_timeout(timeout: object) -> None:
    """A cell timeout is a whole number of seconds >= 1, or None for no limit."""
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1):
        raise UsageError("timeout", timeout, "a whole number of seconds >= 1, or None for no limit")


def output_folder(out: str | Path) -> Path:
    """The reports folder, created if needed; a file, or a folder that cannot be created or written, is a UsageError."""
    folder = Path(out).expanduser()
    allowed = "a folder that exists or can be created, and that this user can write into"
    if folder.exists() and not folder.is_dir():
        raise UsageError("out", str(folder), f"{allowed} (this is a file)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError("out", str(folder), f"{allowed} ({exc.strerror or exc})") from exc
    return folder


def _owner_gone(folder: Path) -> bool:
    """True when the process that made a staging folder `.<name>.<pid>.<random>` is no longer running."""
    parts = folder.name.split(".")
    pid = int(parts[-2]) if len(parts) > 2 and parts[-2].isdigit() else None
    if pid is None or pid == os.getpid():
        return pid is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clean_staging(out: Path, name: str | None = None) -> list[Path]:
    """Remove the staging folders in `out` (of report `name`, or all) whose owner process is gone.

    A report is built in `.<name>.<pid>.<random>` beside its destination; a run killed by SIGKILL
    (or by the OOM killer) cannot remove its own, so the next run does. Folders of a run that is
    still going are left alone. Returns the folders removed.
    """
    removed = []
    for path in out.iterdir():
        if not path.name.startswith(".") or not path.is_dir() or path.is_symlink():
            continue
        if name is not None and not path.name.startswith(f".{name}."):
            continue
        if _owner_gone(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def default_name(kind: str, parameters: Mapping[str, Any]) -> str:
    """Folder name of a report: kind, region (or operation and date) and language."""
    region = parameters.get("region") or "national"
    parts = [kind]
    if kind == "overview":
        parts += [str(parameters.get("operation", "")), str(region), str(parameters.get("as_of") or "")]
    else:
        parts.append(str(region))
    parts.append(str(parameters.get("lang", "id")))
    return "-".join(p for p in parts if p).replace("/", "_")


def _literal(source: object) -> object:
    """The value of a default in the parameters cell ('"18"' -> "18"); the source text if not a literal."""
    import ast

    try:
        return ast.literal_eval(str(source))
    except (ValueError, SyntaxError):
        return source


def defaults_of(declared: Mapping[str, Any]) -> dict[str, Any]:
    """The default values of a notebook's declared parameters."""
    return {k: _literal(v.get("default")) for k, v in declared.items()}


def check_scope_of(kind: str, parameters: Mapping[str, Any], dataset: Any = None) -> None:
    """Refuse, before any kernel starts, a report on a region the dataset does not cover, an operation
    with no data, or a comparison of an operation with itself (UsageError)."""
    from .._analytics.comparison import check_comparison
    from .._analytics.metrics import check_scope
    from .._data.dataset import load

    ds = dataset if dataset is not None else load(str(parameters["dataset"]))
    if kind == "comparative":
        check_comparison(ds, str(parameters["baseline"]), str(parameters["target"]), parameters.get("region"))
    elif kind == "overview":
        check_scope(ds, parameters.get("region"), {"operation": str(parameters["operation"])})


NO_DATASET = {"path": None, "name": None, "checksum": None, "synthetic": False}


def _dataset_for(kind: str, parameters: Mapping[str, Any], check_scope: bool) -> tuple[dict[str, Any], str]:
    """What the sidecar says of the report's dataset (`describe`), and the folder the kernel loads.

    The dataset is validated here, once (`prepare`): its prepared copy in the cache, written now or
    by an earlier report or batch, is what the kernel loads, with no second validation. The folder
    is the dataset as given when it is a prepared copy already, or when the cache cannot be written
    (the kernel then validates it, as without a cache). With `check_scope=False` the caller checked
    the dataset already (a batch, on its prepared copy) and nothing is loaded here.
    """
    from .._data.cache import prepare
    from .._data.dataset import PREPARED_MARKER, describe

    given = str(parameters["dataset"])
    if not check_scope or (Path(given) / PREPARED_MARKER).exists():
        if check_scope:
            check_scope_of(kind, parameters)
        return describe(given), given
    prepared = prepare(given)
    check_scope_of(kind, parameters, prepared.dataset)
    return prepared.about, str(prepared.folder or given)


KERNEL_START_TRIES = 3
"""Kernel starts tried before a report fails: two kernels started at once may pick the same port
(jupyter_client finds free ports by binding and releasing them), and the loser dies before it
replies; nothing of the notebook has run then, so starting again is safe."""


UNUSED_IMPORTS = ("rfc3987_syntax",)
"""Modules a report run loads but never uses, kept out of the processes aar runs reports in.

jsonschema (which nbformat imports, in the parent and, through plotly, in the kernel) imports
`rfc3987_syntax` when it is installed, only to check strings of the "iri" format, which no
notebook schema uses; it compiles a grammar on import: 1.0 s of every such process here
(`import papermill` 1.42 s with it, 0.41 s without). It is installed with jupyterlab
(jupyter-events asks for jsonschema's format extra), so every analyst's environment has it.
"""


def skip_unused_imports() -> None:
    """Make `UNUSED_IMPORTS` unimportable in this process (`sys.modules[name] = None`, which Python
    documents as blocking an import; jsonschema then skips that format). Only for processes aar owns:
    the command line's, batch workers and report kernels; never in a caller's own process."""
    import sys

    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


KERNEL_ARGUMENTS = [
    "--IPKernelApp.log_level=CRITICAL",
    *(f"--IPKernelApp.exec_lines=__import__('sys').modules.setdefault({n!r}, None)" for n in UNUSED_IMPORTS),
]
"""The kernel's own log (a transport warning at every start, errors of a kernel shut down by Ctrl-C)
would reach the terminal as tracebacks that say nothing about the report; a failing cell is
reported from the notebook instead. The kernel also skips `UNUSED_IMPORTS` (binding no name)."""


def _kernel_start_failed(exc: BaseException) -> bool:
    return isinstance(exc, RuntimeError) and "before replying to kernel_info" in str(exc)


def with_kernel_start_retries(run: Callable[[], None]) -> None:
    """`run()`, started again when its kernel died before replying (`KERNEL_START_TRIES` in all)."""
    for attempt in range(1, KERNEL_START_TRIES + 1):
        try:
            run()
            return
        except RuntimeError as exc:
            if not _kernel_start_failed(exc):
                raise
            if attempt == KERNEL_START_TRIES:
                raise ReportError(f"the kernel did not start ({KERNEL_START_TRIES} tries): {exc}") from exc


PAPERMILL_OPTIONS: dict[str, Any] = {
    "kernel_name": "python3",
    "progress_bar": False,
    "log_output": False,
    "report_mode": False,
    "request_save_on_cell_execute": False,  # saved once at the end, not after every cell
}
"""papermill's settings for a report, in a fresh kernel and in a warm one alike."""


def _execute(
    kind: str, parameters: Mapping[str, Any], output: Path, timeout: int | None, kernel: WarmKernel | None = None
) -> None:
    if kernel is not None:
        _execute_once(kind, parameters, output, timeout, kernel)
        return
    with_kernel_start_retries(lambda: _execute_once(kind, parameters, output, timeout))


def _execute_once(
    kind: str, parameters: Mapping[str, Any], output: Path, timeout: int | None, kernel: WarmKernel | None = None
) -> None:
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    try:
        if kernel is not None:
            kernel.run(notebook_path(kind), output, parameters, timeout)
        else:
            papermill.execute_notebook(
                str(notebook_path(kind)),
                str(output),
                parameters=dict(parameters),
                execution_timeout=timeout,
                shutdown_kernel="immediate",  # the report is done: no graceful wait on the kernel
                extra_arguments=KERNEL_ARGUMENTS,  # no kernel warnings on the user's terminal
                **PAPERMILL_OPTIONS,
            )
    except PapermillExecutionError as exc:
        raise ReportError(f"{exc.ename}: {exc.evalue}".strip(), exc.exec_count) from exc
    except CellTimeoutError as exc:
        raise ReportTimeout(f"a cell ran longer than the timeout of {timeout} s", _failed_cell(output)) from exc
    except DeadKernelError as exc:
        raise ReportError(f"the kernel died: {exc}", _failed_cell(output)) from exc


def _failed_cell(path: Path) -> int | None:
    """Execution count of the last cell that started, from papermill's partial notebook."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    started = [
        c.get("execution_count")
        for c in nb.get("cells", [])
        if c.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed")
    ]
    return started[-1] if started else None


def _page_parts(notebook: Any) -> tuple[list[str], list[str], list[tuple[str, str]], dict[str, Any], str | None]:
    """The header and the other HTML outputs of the report cells, the table of contents, the key numbers and the title.

    Cells tagged parameters, injected-parameters or notebook-only are left out; so is everything
    that is not a report value (streams, plain text).
    """
    skip = {NOTEBOOK_ONLY_TAG, "parameters", "injected-parameters"}
    body: list[str] = []
    head: list[str] = []
    toc: list[tuple[str, str]] = []
    keys: dict[str, Any] = {}
    title = None
    for cell in notebook.cells:
        if cell.cell_type != "code" or skip & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if KEY_NUMBERS_MIME in data:
                keys.update(data[KEY_NUMBERS_MIME])
                continue
            if SCRIPTS_MIME in data:
                continue
            if "text/html" in data:
                html = "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
                html = html.removesuffix(NOTEBOOK_DRAW)
                meta = data.get(SECTION_MIME) or {}
                (head if meta.get("id") == "header" else body).append(html)
                if meta.get("title"):
                    toc.append((meta["id"], meta["title"]))
                title = meta.get("page_title") or title
    return head, body, toc, keys, title


def drop_scripts(notebook: Any) -> bool:
    """Leave plotly.js (1.5 MB) out of the record of a report run: report.html beside it draws the figures.

    A notebook run by papermill alone keeps it, so that its nbconvert export draws them.
    Returns whether the notebook changed.
    """
    changed = False
    for cell in notebook.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else ():
            data = out.get("data", {})
            if SCRIPTS_MIME in data and "text/html" in data:
                del data["text/html"]
                data["text/plain"] = "plotly.js is left out of this copy: report.html beside it draws the figures"
                changed = True
    return changed


def note_dataset(notebook: Any, given: object, loaded: object) -> bool:
    """Say in the injected parameters cell which dataset a prepared copy stands for, when the kernel
    loaded one from the cache instead of the dataset as given. Returns whether the notebook changed."""
    if not given or given == loaded:
        return False
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = f"{cell.source.rstrip()}\n# dataset: the prepared copy (validated once, no free text) of {str(given)!r}\n"
            return True
    return False


def to_html(
    notebook: Any, title: str, synthetic: bool, lang: str = "id", plotly_src: str | None = None
) -> tuple[str, dict[str, Any]]:
    """One offline page from the executed notebook's section outputs (templates/page.html), and its key numbers.

    plotly.js once in the head (or from `plotly_src`), code hidden, nothing fetched from the network,
    the page's language and a title a person can read.
    """
    from .._messages import Messages
    from .sections import asset, figure_locale_json, plotly_js, render

    head, body, toc, keys, page_title = _page_parts(notebook)
    t = Messages(lang)
    page = render(
        "page.html",
        lang=lang,
        title=page_title or title,
        css=Markup(asset("style.css")),
        plotly_src=plotly_src,
        plotly_js=Markup("" if plotly_src else plotly_js()),
        locale_json=Markup(figure_locale_json(lang)),
        synthetic=synthetic,
        banner=t("banner.synthetic"),
        banner_css=Markup(t.text("banner.synthetic").replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")),
        toc=toc,
        toc_title=t("nav.title"),
        head=Markup("\n".join(head)),
        body=Markup("\n".join(body)),
        draw_js=Markup(asset("draw.js")),
    )
    return str(page) + "\n", keys


def print_pdf(html_path: Path, pdf_path: Path, timeout: int = 120) -> None:
    """Print the page to PDF with headless Chromium (Debian's `chromium`)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise ReportError(
            "--pdf needs Chromium, which is not installed: on Debian or Ubuntu run `sudo apt-get install chromium`, then run the report again"
        )
    with tempfile.TemporaryDirectory(prefix="aar-chromium-") as profile:
        command = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not pdf_path.exists():
        raise ReportError(f"Chromium could not print the PDF: {result.stderr.strip()[-500:]}")


def run_report(
    kind: str,
    parameters: Mapping[str, Any],
    out: str | Path = "reports",
    *,
    name: str | None = None,
    pdf: bool = False,
    timeout: int | None = 600,
    plotly_src: str | None = None,
    extra: Mapping[str, Any] | None = None,
    check_scope: bool = True,
    kernel: WarmKernel | None = None,
) -> ReportFiles:
    """Execute the report notebook of `kind` with `parameters` and write its folder atomically.

    `plotly_src`: load plotly.js from this (relative) address instead of embedding it, for batches
    that share one copy beside the reports. `extra`: recorded in the sidecar under "batch".
    `check_scope=False` skips `check_scope_of` (region covered, operations with data), for callers
    that checked already (a batch checks every job in `plan_jobs`). `kernel`: a `WarmKernel` to run
    the notebook in (a batch worker's), instead of a kernel started and stopped for this report.
    """
    parameters = preflight(kind, parameters)  # usage errors before any kernel (and before nbformat's 2 s import)
    import time

    import nbformat

    from .._version import __version__

    started = time.perf_counter()
    if kind not in REPORT_KINDS:
        raise UsageError("kind", kind, REPORT_KINDS)
    check_timeout(timeout)
    declared = check_parameters(kind, parameters)
    params = dict(parameters)
    if params.get("dataset"):
        dataset = Path(str(params["dataset"])).expanduser()
        if not dataset.exists():
            raise UsageError("dataset", str(dataset), "an existing dataset folder or workbook")
        params["dataset"] = str(dataset.resolve())
    if params.get("lang", "id") not in ("id", "en"):
        raise UsageError("lang", params.get("lang"), ["id", "en"])
    about, loaded = dict(NO_DATASET), None  # no dataset given: the notebook's default, unchecked here
    if params.get("dataset"):
        about, loaded = _dataset_for(kind, {**defaults_of(declared), **params}, check_scope)
    run_params = {**params, "dataset": loaded} if loaded else params  # the sidecar keeps the dataset as given
    out_dir = output_folder(out)
    defaults = defaults_of(declared)
    final = out_dir / (name or default_name(kind, {**defaults, **parameters}))
    clean_staging(out_dir, final.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", dir=out_dir))
    try:
        notebook_file = staging / "report.ipynb"
        _execute(kind, run_params, notebook_file, timeout, kernel)
        notebook = nbformat.read(notebook_file, as_version=4)
        synthetic = bool(about["synthetic"])
        html_file = staging / "report.html"
        lang = str(params.get("lang") or defaults.get("lang") or "id")
        page, key_numbers = to_html(notebook, f"aar {kind} {final.name}", synthetic, lang, plotly_src)
        html_file.write_text(page, encoding="utf-8")
        if drop_scripts(notebook) | note_dataset(notebook, params.get("dataset"), run_params.get("dataset")):
            nbformat.write(notebook, notebook_file)
        files = {"html": "report.html", "notebook": "report.ipynb"}
        from .workbook import write_workbook

        if write_workbook(page, staging / "report.xlsx", lang):
            files["workbook"] = "report.xlsx"
        sidecar: dict[str, Any] = {
            "report": kind,
            "name": final.name,
            "parameters": params,
            "dataset": about,
            "package_version": __version__,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "key_numbers": key_numbers,
            "files": files,
            **({"batch": dict(extra)} if extra else {}),
        }
        pdf_file = None
        if pdf:
            pdf_file = staging / "report.pdf"
            print_pdf(html_file, pdf_file)
            files["pdf"] = "report.pdf"
        (staging / "report.json").write_text(
            json.dumps(sidecar, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        staging.chmod(0o755)
        if final.exists():
            old = out_dir / f".{final.name}.{os.getpid()}.old"
            final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReportFiles(
        final,
        final / "report.html",
        final / "report.ipynb",
        final / "report.json",
        final / "report.pdf" if pdf else None,
        time.perf_counter() - started,
        final / "report.xlsx" if (final / "report.xlsx").exists() else None,
    )
