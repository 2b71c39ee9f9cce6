"""The `aar` command line: validate and summarise datasets (reports and batches come with their issues).

Exit status: 0 done, 1 the data has problems (or a job failed), 2 a usage error.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from .._data.dataset import Validation, load, validate
from .._data.summary import incidents_by_group, levels_overview, operations_overview, phases_overview, table_sizes
from .._errors import AarError, Problem, UsageError
from .._reporting.kernel import REPORTS_PER_KERNEL
from .._version import __version__

app = typer.Typer(
    help="After-action analytics of election-security operations (OMB 2023-2024, OMP 2024).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DatasetPath = Annotated[
    Path,
    typer.Argument(
        help="Dataset folder (CSV, Parquet or Excel files named after the tables) or one Excel workbook",
        exists=True,
        readable=True,
    ),
]


def _version(value: bool) -> None:
    if value:
        console.print(f"aar {__version__}")
        raise typer.Exit()


OUTPUT = {"quiet": False}
"""--quiet: no progress bars and no summary lines (errors are still printed, exit statuses unchanged)."""


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only: no progress, no summary")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print what aar logs (batch jobs, skips)")
    ] = False,
) -> None:
    """After-action analytics of election-security operations."""
    import logging

    OUTPUT["quiet"] = quiet
    console.quiet = quiet
    if verbose and not quiet:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("aar").addHandler(handler)
        logging.getLogger("aar").setLevel(logging.INFO)


def _lit(value: object) -> str:
    """A value shown as it is: brackets in data or names are not rich markup."""
    return escape(str(value))


def _frame_table(frame: pl.DataFrame, title: str) -> RichTable:
    table = RichTable(title=Text(title), title_justify="left", show_lines=False)
    for name, dtype in frame.schema.items():
        table.add_column(Text(name), justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*(Text("" if v is None else f"{v:,}" if isinstance(v, int) else str(v)) for v in row))
    return table


def _print_problems(problems: tuple[Problem, ...]) -> None:
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_file[p.path or (f"table {p.table}" if p.table else "dataset")].append(p)
    for where, group in by_file.items():
        console.print(f"[bold]{_lit(where)}[/bold]")
        for p in group:
            mark = "[red]error[/red]" if p.severity == "error" else "[yellow]warning[/yellow]"
            console.print(f"  {mark} {_lit(p)}", highlight=False, soft_wrap=True)


@app.command("validate")
def validate_command(path: DatasetPath) -> None:
    """Check a dataset: print what it holds, or every problem found (file, sheet, row, column, value)."""
    try:
        result: Validation = validate(path)
    except AarError as exc:
        err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
        raise typer.Exit(1) from exc
    if result.problems:
        _print_problems(result.problems)
    if not result.ok:
        console.print(
            f"[red]{len(result.errors)} error(s)[/red], {len(result.warnings)} warning(s): the dataset is not valid."
        )
        raise typer.Exit(1)
    ds = result.dataset
    assert ds is not None
    label = " (synthetic data)" if ds.synthetic else ""
    console.print(f"[green]valid[/green]: {_lit(ds.info.name)}{label}, {len(result.warnings)} warning(s)")
    shipped = {"operations", "operation_windows", "phases", "regions", "guard_patterns"}
    where = {
        name: ds.info.sources.get(name, "shipped reference" if name in shipped else "not given") for name in ds.tables
    }
    sizes = table_sizes(ds).with_columns(source=pl.col("table").replace_strict(where))
    console.print(_frame_table(sizes, "Tables"))
    if ds.incidents.is_empty():
        console.print("no incidents yet: the incidents table holds only its header")
        return
    spans = ds.incidents.group_by("operation_id").agg(
        incidents=pl.len(),
        first=pl.col("occurred_on").min(),
        last=pl.col("occurred_on").max(),
        regions=pl.col("region_code").n_unique(),
    )
    console.print(_frame_table(spans.sort("operation_id"), "Incidents per operation"))


@app.command("summary")
def summary_command(path: DatasetPath) -> None:
    """Print per operation its window, phases, regions, incidents by group, personnel-days, voters and TPS."""
    try:
        ds = load(path)
    except AarError as exc:
        err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
        raise typer.Exit(1) from exc
    if ds.synthetic:
        console.print("[bold yellow]SYNTHETIC DATA[/bold yellow]: not real incidents.")
    overview = operations_overview(ds)
    transposed = RichTable(title=Text(f"Operations in {ds.info.name}"), title_justify="left")
    transposed.add_column("")
    for op in overview["operation_id"]:
        transposed.add_column(Text(str(op)), justify="right")
    labels = {
        "name": "name",
        "start_date": "window start",
        "end_date": "window end",
        "voting_date": "voting day (hari H)",
        "regions": "regions covered",
        "provinces": "provinces covered",
        "incidents": "incidents",
        "killed": "killed",
        "injured": "injured",
        "personnel_days": "personnel-days",
        "voters": "voters (DPT)",
        "tps": "TPS",
    }
    for column, label in labels.items():
        transposed.add_row(label, *(Text(f"{v:,}" if isinstance(v, int) else str(v)) for v in overview[column]))
    console.print(transposed)
    own = ds.windows.join(
        ds.operation_windows.select("operation_id", "province_code"), on=["operation_id", "province_code"]
    )
    used = ds.incidents.select("province_code").unique()
    own = own.join(used, on="province_code").select(
        "operation_id", "province_code", "codename", "start_date", "end_date"
    )
    if own.height:
        console.print(_frame_table(own, "Polda windows of the provinces in the data"))
    console.print(_frame_table(phases_overview(ds), "Phases (national calendar) and incidents"))
    console.print(_frame_table(incidents_by_group(ds), "Incidents by category group"))
    console.print(_frame_table(levels_overview(ds), "Rows per level (national: region 00)"))


@app.command("synth")
def synth_command(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the dataset into (created; replaced only with --force)")
    ],
    scale: Annotated[
        Literal["sample", "national"],
        typer.Option(
            help="sample: Lampung, Bangka Belitung, DKI Jakarta; national: all 514 kabupaten/kota",
        ),
    ] = "sample",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes")] = 7,
    incidents: Annotated[
        int | None,
        typer.Option(help="Number of incidents to aim at", show_default="12,000 sample, 5,000,000 national"),
    ] = None,
    fmt: Annotated[
        Literal["csv", "parquet"] | None,
        typer.Option(
            "--format",
            help="File format",
            show_default="csv for sample, parquet for national",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace a folder that is not empty")] = False,
) -> None:
    """Write a complete SYNTHETIC dataset (every table plus dataset.toml marked synthetic)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .._data.writing import FORMATS, write_dataset
    from .._synthetic import SCALES, synthesize

    if scale not in SCALES:
        raise typer.BadParameter(f"got {scale!r}; allowed: {', '.join(SCALES)}", param_hint="--scale")
    chosen = fmt or ("csv" if scale == "sample" else "parquet")
    if chosen not in FORMATS:
        raise typer.BadParameter(f"got {chosen!r}; allowed: {', '.join(FORMATS)}", param_hint="--format")
    if incidents is not None and incidents < 0:
        raise typer.BadParameter(f"got {incidents}; allowed: a whole number >= 0", param_hint="--incidents")
    steps = ["electorate", "daily intensity", "incidents", "deployments", "writing"]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=OUTPUT["quiet"],
    ) as progress:
        task = progress.add_task("synth", total=len(steps))

        def advance(step: str) -> None:
            progress.update(task, description=f"synth: {step}", completed=steps.index(step))

        try:
            data = synthesize(scale, seed, incidents, progress=advance)
            advance("writing")
            written = write_dataset(data.tables, data.config, out, fmt=chosen, force=force)
        except AarError as exc:
            err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
            raise typer.Exit(1) from exc
        progress.update(task, description="synth: done", completed=len(steps))
    rows = data.tables["incidents"].height
    console.print(f"wrote {len(written)} files to {_lit(out)} ({rows:,} synthetic incidents, seed {seed})")


@app.command("template")
def template_command(
    out: Annotated[Path, typer.Argument(help="The workbook to write, e.g. data.xlsx", show_default=False)],
    lang: Annotated[
        Literal["id", "en"],
        typer.Option(
            "--lang",
            help="Sheet and column names: id (Indonesian) or en (English)",
        ),
    ] = "id",
    force: Annotated[bool, typer.Option(help="Replace the file if it exists")] = False,
) -> None:
    """Write an empty data-entry workbook: a sheet per table, dropdowns, instructions, reference tables."""
    from .._data.template import write_template

    try:
        written = write_template(out, lang=lang, force=force)
    except UsageError as exc:
        err.print(f"[red]usage error[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    console.print(f"wrote {written}; fill it in, then: aar validate {written}", highlight=False)


report_app = typer.Typer(
    help="Run a report notebook with papermill and write an offline HTML report, the executed notebook and a JSON sidecar.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")

DatasetOption = Annotated[Path, typer.Option(help="Dataset folder or workbook")]
RegionOption = Annotated[str, typer.Option(help="Region code (18, 18.72) or 'national'")]
BaselineOption = Annotated[str, typer.Option(help="Baseline operation id")]
TargetOption = Annotated[str, typer.Option(help="Operation to evaluate")]
ExposureOption = Annotated[
    Literal["days", "voters", "tps", "personnel_days", "voter_days", "tps_days"],
    typer.Option(
        help="Exposure the rates are per",
    ),
]
MinCellOption = Annotated[int, typer.Option("--min-cell", help="Counts below this are withheld")]
OperationOption = Annotated[str, typer.Option(help="Operation id")]
AsOfOption = Annotated[
    str,
    typer.Option("--as-of", help="Last day to include, e.g. 2024-11-30", show_default="the last day with data"),
]
OutOption = Annotated[Path, typer.Option("--out", help="Folder that receives one folder per report")]
LangOption = Annotated[
    Literal["id", "en"],
    typer.Option(
        "--lang",
        help="id (Indonesian) or en (English)",
    ),
]
PdfOption = Annotated[bool, typer.Option("--pdf", help="Also print a PDF with headless Chromium")]
TimeoutOption = Annotated[int, typer.Option("--timeout", min=1, help="Seconds a notebook cell may run")]


def _run(kind: str, parameters: Mapping[str, object], out: Path, pdf: bool, timeout: int) -> None:
    from .._reporting.preflight import preflight

    try:  # usage errors first, before the report machinery (and its imports) is loaded at all
        parameters = preflight(kind, parameters)
    except UsageError as exc:
        err.print(f"[red]usage error[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    from .._reporting.runner import ReportError, run_report, skip_unused_imports

    skip_unused_imports()
    try:
        files = run_report(kind, parameters, out, pdf=pdf, timeout=timeout)
    except KeyboardInterrupt as exc:  # Ctrl-C: the staging folder is removed, the kernel stopped
        err.print("[yellow]interrupted[/yellow]: no report written", highlight=False)
        _log(out, kind, parameters, "interrupted")
        raise typer.Exit(130) from exc
    except UsageError as exc:
        err.print(f"[red]usage error[/red] {_lit(exc)}", highlight=False)
        raise typer.Exit(2) from exc
    except ReportError as exc:
        err.print(f"[red]report failed[/red] {_lit(exc)}", highlight=False)
        _log(out, kind, parameters, f"failed: {exc}")
        raise typer.Exit(1) from exc
    except AarError as exc:
        err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
        _log(out, kind, parameters, f"failed: {exc}")
        raise typer.Exit(1) from exc
    _log(out, kind, parameters, f"done in {files.seconds:.1f} s: {files.folder.name}")
    console.print(f"report written in {files.seconds:.1f} s: {_lit(files.html)}")


def _log(out: Path, kind: str, parameters: Mapping[str, object], outcome: str) -> None:
    """One line per report run in `--out/reports.log` (when the folder exists and takes writes)."""
    import contextlib
    import datetime as dt

    shown = ", ".join(f"{k}={v}" for k, v in parameters.items() if k != "dataset")
    line = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} {kind} ({shown}) {outcome}\n"
    with contextlib.suppress(OSError), (out / "reports.log").open("a", encoding="utf-8") as handle:
        handle.write(line)


@report_app.command("comparative")
def report_comparative(
    dataset: DatasetOption = Path("data/sample"),
    region: RegionOption = "national",
    baseline: BaselineOption = "OMB-2023-2024",
    target: TargetOption = "OMP-2024",
    exposure: ExposureOption = "days",
    lang: LangOption = "id",
    min_cell: MinCellOption = 3,
    alpha: Annotated[float, typer.Option(help="Significance level (intervals are 1 - alpha)")] = 0.05,
    out: OutOption = Path("reports"),
    pdf: PdfOption = False,
    timeout: TimeoutOption = 600,
) -> None:
    """Baseline against target in one region (notebooks/comparative_evaluation.ipynb)."""
    parameters = {
        "dataset": str(dataset),
        "region": None if region == "national" else region,
        "baseline": baseline,
        "target": target,
        "exposure": exposure,
        "lang": lang,
        "min_cell": min_cell,
        "alpha": alpha,
    }
    _run("comparative", parameters, out, pdf, timeout)


@report_app.command("overview")
def report_overview(
    dataset: DatasetOption = Path("data/sample"),
    operation: OperationOption = "OMP-2024",
    region: RegionOption = "national",
    as_of: AsOfOption = "",
    lang: LangOption = "id",
    min_cell: MinCellOption = 3,
    out: OutOption = Path("reports"),
    pdf: PdfOption = False,
    timeout: TimeoutOption = 600,
) -> None:
    """One operation in one region up to a date (notebooks/operation_overview.ipynb)."""
    parameters = {
        "dataset": str(dataset),
        "operation": operation,
        "region": None if region == "national" else region,
        "as_of": as_of,
        "lang": lang,
        "min_cell": min_cell,
    }
    _run("overview", parameters, out, pdf, timeout)


batch_app = typer.Typer(
    help="Generate one report per region (or per plan entry), in parallel, rerunning only what changed or failed.",
    no_args_is_help=True,
)
app.add_typer(batch_app, name="batch")


def _batch(
    kind: str,
    dataset: Path,
    level: str,
    regions: str,
    plan: Path | None,
    parameters: Mapping[str, object],
    out: Path,
    jobs: int,
    timeout: int,
    force: bool,
    executor: str,
    scheduler: str,
    shared_assets: bool,
    reports_per_kernel: int,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .._batch import Interrupted, Workers, plan_jobs, run_batch
    from .._data.cache import prepare
    from .._reporting.index import index_title
    from .._reporting.preflight import preflight
    from .._reporting.runner import skip_unused_imports

    skip_unused_imports()
    try:
        parameters = preflight(kind, parameters)  # e.g. --as-of 2024-13-01: refused before loading anything
    except UsageError as exc:
        err.print(f"[red]usage error[/red] {_lit(exc)}", highlight=False)
        raise typer.Exit(2) from exc
    # the workers and their kernels start now, warming up while the dataset is validated and jobs planned
    started = Workers(jobs or None, reports_per_kernel or None) if executor == "local" else None
    try:
        try:
            prepared = prepare(dataset)  # validated once; its copy in the cache (folder None: not writable)
            about, cache = prepared.about, prepared.folder
            chosen = [r.strip() for r in regions.split(",") if r.strip()] or None
            work = plan_jobs(
                kind, dataset, level=level, regions=chosen, plan=plan, parameters=parameters, prepared=cache
            )
        except UsageError as exc:
            err.print(f"[red]usage error[/red] {_lit(exc)}", highlight=False)
            raise typer.Exit(2) from exc
        except AarError as exc:
            err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
            raise typer.Exit(1) from exc
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err, disable=OUTPUT["quiet"]) as progress:
            task = progress.add_task("batch", total=len(work))

            def update(_record: object, counts: Mapping[str, int]) -> None:
                finished = counts["done"] + counts["skipped"] + counts["failed"] + counts["timeout"]
                progress.update(
                    task,
                    completed=finished,
                    description=f"done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed'] + counts['timeout']}, remaining {len(work) - finished}",
                )

            try:
                result = run_batch(
                    work,
                    out,
                    workers=jobs or None,
                    timeout=timeout,
                    force=force,
                    executor=executor,
                    scheduler=scheduler or None,
                    shared_assets=shared_assets,
                    reports_per_kernel=reports_per_kernel or None,
                    started_workers=started,
                    progress=update,
                    title=index_title(str(about["name"]), str(parameters.get("lang") or "id")),
                    lang=str(parameters.get("lang") or "id"),
                )
            except Interrupted as exc:
                err.print(f"[yellow]interrupted[/yellow] {_lit(exc)}", highlight=False)
                raise typer.Exit(1) from exc
            except UsageError as exc:
                err.print(f"[red]usage error[/red] {_lit(exc)}", highlight=False)
                raise typer.Exit(2) from exc
            except AarError as exc:  # the batch itself failed (a full disk): the manifest says what was done
                err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
                raise typer.Exit(1) from exc
            progress.update(task, completed=len(work))
        console.print(
            f"{result.count('done')} done, {result.count('skipped')} skipped, {result.failed} failed in {result.seconds:.1f} s; index: {_lit(result.index)}; manifest: {_lit(result.manifest)}"
        )
        if result.failed:
            for record in result.records:
                if record.status in ("failed", "timeout"):
                    err.print(
                        f"  [red]{record.status}[/red] {_lit(record.name)}: {_lit(record.error)}", highlight=False
                    )
            raise typer.Exit(1)
    finally:
        if started is not None:  # a batch stops the workers it takes; these are the ones it never took
            started.close()


BatchLevel = Annotated[
    Literal["province", "regency"],
    typer.Option(
        help="One report per region of that level the dataset covers",
    ),
]
BatchRegions = Annotated[str, typer.Option(help="Comma-separated region codes instead of a level, e.g. 18,19,31")]
BatchPlan = Annotated[
    Path | None,
    typer.Option(help="plan.toml with a \\[defaults] table and \\[\\[report]] tables (kind, region, lang...)"),
]
BatchJobs = Annotated[int, typer.Option("--jobs", min=0, help="Worker processes", show_default="the number of cores")]
BatchForce = Annotated[
    bool, typer.Option("--force", help="Redo every report, even those whose inputs have not changed")
]
BatchExecutor = Annotated[
    Literal["local", "dask"],
    typer.Option(
        help="local (worker processes) or dask (a Dask cluster; pip install 'aar\\[distributed]')",
    ),
]
BatchScheduler = Annotated[str, typer.Option(help="Dask scheduler address, with --executor dask")]
BatchReportsPerKernel = Annotated[
    int,
    typer.Option(
        "--reports-per-kernel",
        min=0,
        help="Reports a worker's warm kernel runs before a fresh one replaces it; 0: a fresh kernel per report",
    ),
]
BatchShared = Annotated[
    bool, typer.Option("--shared-assets", help="One plotly.js beside the reports instead of one in each")
]


@batch_app.command("comparative")
def batch_comparative(
    dataset: DatasetOption = Path("data/sample"),
    level: BatchLevel = "province",
    regions: BatchRegions = "",
    plan: BatchPlan = None,
    baseline: BaselineOption = "OMB-2023-2024",
    target: TargetOption = "OMP-2024",
    exposure: ExposureOption = "days",
    lang: LangOption = "id",
    min_cell: MinCellOption = 3,
    out: OutOption = Path("reports"),
    jobs: BatchJobs = 0,
    timeout: TimeoutOption = 600,
    force: BatchForce = False,
    executor: BatchExecutor = "local",
    scheduler: BatchScheduler = "",
    shared_assets: BatchShared = False,
    reports_per_kernel: BatchReportsPerKernel = REPORTS_PER_KERNEL,
) -> None:
    """One comparative evaluation per region."""
    parameters = {"baseline": baseline, "target": target, "exposure": exposure, "lang": lang, "min_cell": min_cell}
    _batch(
        "comparative",
        dataset,
        level,
        regions,
        plan,
        parameters,
        out,
        jobs,
        timeout,
        force,
        executor,
        scheduler,
        shared_assets,
        reports_per_kernel,
    )


@batch_app.command("overview")
def batch_overview(
    dataset: DatasetOption = Path("data/sample"),
    level: BatchLevel = "province",
    regions: BatchRegions = "",
    plan: BatchPlan = None,
    operation: OperationOption = "OMP-2024",
    as_of: AsOfOption = "",
    lang: LangOption = "id",
    min_cell: MinCellOption = 3,
    out: OutOption = Path("reports"),
    jobs: BatchJobs = 0,
    timeout: TimeoutOption = 600,
    force: BatchForce = False,
    executor: BatchExecutor = "local",
    scheduler: BatchScheduler = "",
    shared_assets: BatchShared = False,
    reports_per_kernel: BatchReportsPerKernel = REPORTS_PER_KERNEL,
) -> None:
    """One operation overview per region."""
    parameters = {"operation": operation, "as_of": as_of, "lang": lang, "min_cell": min_cell}
    _batch(
        "overview",
        dataset,
        level,
        regions,
        plan,
        parameters,
        out,
        jobs,
        timeout,
        force,
        executor,
        scheduler,
        shared_assets,
        reports_per_kernel,
    )


def run() -> None:
    """Run the typer app; an AarError no command handled still ends in a message, not a traceback."""
    try:
        app()
    except AarError as exc:  # any error not handled by a command
        err.print(f"[red]error[/red] {_lit(exc)}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C outside a batch's own handling
        err.print("[yellow]interrupted[/yellow]", highlight=False)
        sys.exit(130)
