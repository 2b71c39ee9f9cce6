"""Batches of reports: one per region, on worker processes or a Dask cluster, rerun only when needed.

`run_batch(plan_jobs(...), "reports/")` runs each job (a report kind and its parameters), writes
`reports/manifest.json` (status, duration and error of every job, rewritten atomically after each
one, so it is consistent whenever the batch stops), `reports/index.html` (every report with its
region, status and key numbers, sortable, self-contained) and `reports/batch.log`.

Fast by design:
- the dataset is loaded and validated once and saved prepared (typed Parquet with the derived
  columns, no free text) in a cache outside the reports folder (`prepared_cache`); every report
  loads that copy without parsing or validation;
- reports run in-process (papermill's API, nbconvert's exporter), never through command lines;
- `jobs` worker processes (default: the cores) take jobs from one queue, so none sits idle while
  jobs remain; the slowest jobs are not known in advance, so order is by region;
- with `shared_assets`, plotly.js is written once beside the reports instead of 4.8 MB in each.

Idempotent: a job whose inputs (dataset checksum, notebook checksum, parameters, package version)
hash to the value recorded in its report's sidecar is skipped; `force` redoes all. A job that fails
or times out is recorded with its error and the others go on; the exit status of the command line
says how many failed. An interrupted batch (Ctrl-C, SIGTERM) stops its workers, removes their
temporary folders, records the jobs not done as "interrupted" and leaves every finished report in
place; the next run resumes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from ._errors import AarError, Interrupted, UsageError
from ._reporting.runner import REPORT_KINDS, check_parameters, default_name, notebook_path

LEVELS = ("province", "regency")
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Job:
    """One report of a batch: its kind, parameters, folder name and the hash of its inputs."""

    kind: str
    name: str
    parameters: Mapping[str, Any]
    input_hash: str
    region: str | None = None
    region_name: str | None = None


@dataclass
class JobRecord:
    """What happened to a job; the manifest holds one per job."""

    name: str
    kind: str
    region: str | None
    parameters: Mapping[str, Any]
    input_hash: str
    status: str = "pending"
    """pending, done, skipped, failed, timeout or interrupted."""
    seconds: float | None = None
    error: str | None = None
    cell: int | None = None
    key_numbers: Mapping[str, Any] = field(default_factory=dict)
    region_name: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """The records of a batch and where its manifest and index are."""

    records: tuple[JobRecord, ...]
    manifest: Path
    index: Path
    seconds: float

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def failed(self) -> int:
        return sum(r.status in ("failed", "timeout") for r in self.records)


def _hash(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def regions_at(dataset: Any, level: str) -> list[str]:
    """Region codes of a level that the dataset covers (provinces, or their kabupaten/kota)."""
    from ._analytics.metrics import covered_provinces

    if level not in LEVELS:
        raise UsageError("level", level, LEVELS)
    provinces = covered_provinces(dataset)
    if level == "province":
        return provinces.to_list()
    regencies = dataset.regions.filter(
        (pl.col("level") == "regency") & pl.col("parent_code").is_in(provinces.implode())
    )
    return sorted(regencies["region_code"].to_list())


def read_plan(path: str | Path) -> list[dict[str, Any]]:
    """Jobs of a plan file: `[defaults]` and `[[report]]` tables (kind, region, lang, other parameters)."""
    file = Path(path)
    try:
        plan = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError("plan", str(file), f"a readable TOML file ({exc})") from exc
    defaults = plan.get("defaults", {})
    reports = plan.get("report", [])
    if not isinstance(reports, list) or not reports:
        raise UsageError("plan", str(file), "[[report]] tables, each with kind and parameters")
    return [{**defaults, **r} for r in reports]


def plan_jobs(
    kind: str,
    dataset: str | Path,
    *,
    level: str | None = None,
    regions: Sequence[str] | None = None,
    plan: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    prepared: str | Path | None = None,
) -> list[Job]:
    """The jobs of a batch: one per region of `level`, per code of `regions`, or per plan entry.

    `prepared`, if given, is the folder of the prepared dataset the reports will load.
    """
    from ._data.dataset import describe, load
    from ._version import __version__

    about = describe(dataset)
    ds = load(prepared or dataset)
    entries: list[dict[str, Any]]
    if plan is not None:
        entries = read_plan(plan)
    else:
        if kind not in REPORT_KINDS:
            raise UsageError("kind", kind, REPORT_KINDS)
        if regions:
            known = set(ds.regions["region_code"])
            unknown = [r for r in regions if r not in known]
            if unknown:
                raise UsageError(
                    "regions", ",".join(unknown), "Kemendagri codes of the dataset's regions, e.g. 18,19,31"
                )
            chosen = list(regions)
        else:
            chosen = regions_at(ds, level or "province")
        entries = [{"kind": kind, "region": r} for r in chosen]
    region_names = dict(ds.regions.select("region_code", "name").iter_rows())
    jobs = []
    for entry in entries:
        job_kind = entry.pop("kind", kind)
        if job_kind not in REPORT_KINDS:
            raise UsageError("kind", job_kind, REPORT_KINDS)
        params = {**(parameters or {}), **entry, "dataset": str(Path(prepared or dataset).resolve())}
        check_parameters(job_kind, params)
        notebook = hashlib.sha256(notebook_path(job_kind).read_bytes()).hexdigest()
        inputs = {k: v for k, v in params.items() if k != "dataset"}
        digest = _hash(about["checksum"], notebook, job_kind, inputs, __version__)
        jobs.append(
            Job(
                job_kind,
                default_name(job_kind, {"lang": "id", **params}),
                params,
                digest,
                params.get("region"),
                region_names.get(str(params.get("region"))),
            )
        )
    names = [j.name for j in jobs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise UsageError("plan", ", ".join(duplicated), "one report per folder name (region, language and kind)")
    return jobs


def _already_done(out: Path, job: Job) -> dict[str, Any] | None:
    sidecar = out / job.name / "report.json"
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("batch", {}).get("input_hash") == job.input_hash else None


def run_job(job: Job, out: str, timeout: int | None, plotly_src: str | None) -> dict[str, Any]:
    """Run one job (in a worker process or on a Dask worker); never raises for a failing report."""
    from ._reporting.runner import ReportError, ReportTimeout, run_report

    started = time.perf_counter()
    try:
        files = run_report(
            job.kind,
            job.parameters,
            out,
            name=job.name,
            timeout=timeout,
            plotly_src=plotly_src,
            extra={"input_hash": job.input_hash},
        )
        keys = json.loads(files.sidecar.read_text(encoding="utf-8")).get("key_numbers", {})
        return {
            "status": "done",
            "seconds": time.perf_counter() - started,
            "error": None,
            "cell": None,
            "key_numbers": keys,
        }
    except ReportTimeout as exc:
        return {
            "status": "timeout",
            "seconds": time.perf_counter() - started,
            "error": str(exc),
            "cell": exc.cell,
            "key_numbers": {},
        }
    except ReportError as exc:
        return {
            "status": "failed",
            "seconds": time.perf_counter() - started,
            "error": str(exc),
            "cell": exc.cell,
            "key_numbers": {},
        }
    except AarError as exc:
        return {
            "status": "failed",
            "seconds": time.perf_counter() - started,
            "error": str(exc),
            "cell": None,
            "key_numbers": {},
        }
    except Exception as exc:  # a worker must report any error as the job's failure, not die
        return {
            "status": "failed",
            "seconds": time.perf_counter() - started,
            "error": f"{type(exc).__name__}: {exc}",
            "cell": None,
            "key_numbers": {},
        }


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def write_manifest(out: Path, records: Sequence[JobRecord], started: float, extra: Mapping[str, Any]) -> Path:
    """Write manifest.json atomically: the batch's settings and one entry per job."""
    counts = {
        s: sum(r.status == s for r in records)
        for s in ("done", "skipped", "failed", "timeout", "interrupted", "pending")
    }
    path = out / "manifest.json"
    _write_json(
        path,
        {
            "batch": {**extra, "elapsed_seconds": round(time.perf_counter() - started, 3), "counts": counts},
            "jobs": [asdict(r) for r in records],
        },
    )
    return path


def write_index(
    out: Path,
    records: Sequence[JobRecord],
    title: str,
    lang: str = "id",
    shared_assets: bool = False,
) -> Path:
    """The index page (templates/index.html): every report with its region, status and key numbers."""
    from ._reporting.index import render_index

    path = out / "index.html"
    temporary = out / ".index.html.tmp"
    temporary.write_text(render_index(records, title, lang, shared_assets), encoding="utf-8")
    os.replace(temporary, path)
    return path


def prepared_cache(checksum: str) -> Path:
    """Where a batch keeps the prepared copy of a dataset: outside any reports folder.

    `$AAR_CACHE_DIR`, else `$XDG_CACHE_HOME/aar`, else `~/.cache/aar`, then `prepared/<checksum>`.
    A prepared copy holds no free text (see `save_prepared`), and it is never written under `--out`,
    which may be a folder that is served.
    """
    root = os.environ.get("AAR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "aar"
    )
    return Path(root) / "prepared" / checksum[:16]


def _cleanup_staging(out: Path) -> None:
    """Remove temporary report folders left by workers that were stopped."""
    for path in out.iterdir():
        if path.name.startswith(".") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def run_batch(
    jobs: Sequence[Job],
    out: str | Path = "reports",
    *,
    workers: int | None = None,
    timeout: int | None = 600,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    shared_assets: bool = False,
    progress: Callable[[JobRecord, Mapping[str, int]], None] | None = None,
    title: str = "aar reports",
    lang: str | None = None,
) -> BatchResult:
    """Run `jobs`, skipping those already done with the same inputs, and write manifest and index.

    `lang`: the language of the index page (default: that of the first job).
    """
    if executor not in EXECUTORS:
        raise UsageError("executor", executor, EXECUTORS)
    if executor == "dask" and not scheduler:
        raise UsageError(
            "scheduler", scheduler, "the address of a Dask scheduler, e.g. tcp://127.0.0.1:8786 (with --executor dask)"
        )
    started = time.perf_counter()
    target = Path(out).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    _cleanup_staging(target)
    log = logging.getLogger("aar.batch")
    handler = logging.FileHandler(target / "batch.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    plotly_src = None
    if shared_assets:
        from ._reporting.sections import plotly_js

        assets = target / "assets"
        assets.mkdir(exist_ok=True)
        (assets / "plotly.min.js").write_text(plotly_js(), encoding="utf-8")
        plotly_src = "../assets/plotly.min.js"
    worker_count = workers or os.cpu_count() or 1
    settings = {
        "executor": executor,
        "workers": worker_count,
        "timeout": timeout,
        "force": force,
        "shared_assets": shared_assets,
    }
    records = [
        JobRecord(j.name, j.kind, j.region, dict(j.parameters), j.input_hash, region_name=j.region_name) for j in jobs
    ]
    by_name = {r.name: r for r in records}
    todo = []
    for job in jobs:
        done = None if force else _already_done(target, job)
        if done is not None:
            record = by_name[job.name]
            record.status, record.seconds, record.key_numbers = "skipped", 0.0, done.get("key_numbers", {})
            log.info("skipped %s (inputs unchanged)", job.name)
        else:
            todo.append(job)
    log.info(
        "batch of %d jobs: %d to run, %d skipped, executor %s", len(jobs), len(todo), len(jobs) - len(todo), executor
    )

    def finish(job: Job, outcome: Mapping[str, Any]) -> None:
        record = by_name[job.name]
        record.status, record.seconds, record.error, record.cell = (
            outcome["status"],
            outcome["seconds"],
            outcome["error"],
            outcome["cell"],
        )
        record.key_numbers = outcome["key_numbers"]
        log.info(
            "%s %s in %.1f s%s",
            record.status,
            job.name,
            record.seconds or 0,
            f": {record.error}" if record.error else "",
        )
        write_manifest(target, records, started, settings)
        if progress:
            progress(
                record,
                {s: sum(r.status == s for r in records) for s in ("done", "skipped", "failed", "timeout", "pending")},
            )

    write_manifest(target, records, started, settings)
    interrupted = False
    try:
        if executor == "dask":
            _run_dask(todo, target, timeout, plotly_src, scheduler or "", finish)
        else:
            interrupted = _run_local(todo, target, timeout, plotly_src, worker_count, finish)
    finally:
        if interrupted:
            for record in records:
                if record.status == "pending":
                    record.status = "interrupted"
            _cleanup_staging(target)
        manifest = write_manifest(target, records, started, settings)
        index_lang = lang or str(next((j.parameters.get("lang") for j in jobs if j.parameters.get("lang")), "id"))
        index = write_index(target, records, title, index_lang, shared_assets)
        log.removeHandler(handler)
        handler.close()
    if interrupted:
        raise Interrupted(
            f"batch interrupted: {sum(r.status == 'interrupted' for r in records)} jobs not done; run it again to resume"
        )
    return BatchResult(tuple(records), manifest, index, time.perf_counter() - started)


def _run_local(
    todo: Sequence[Job],
    out: Path,
    timeout: int | None,
    plotly_src: str | None,
    workers: int,
    finish: Callable[[Job, Mapping[str, Any]], None],
) -> bool:
    """Worker processes (spawned: polars threads do not survive a fork); True when interrupted."""
    if not todo:
        return False
    stop = {"signal": None}
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(number: int, _frame: object) -> None:
        stop["signal"] = number  # type: ignore[assignment]

    for s in previous:
        signal.signal(s, on_signal)
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=get_context("spawn"))
    pending: dict[Future[dict[str, Any]], Job] = {}
    queue = list(todo)
    try:
        while queue and len(pending) < max(1, workers):
            job = queue.pop(0)
            pending[pool.submit(run_job, job, str(out), timeout, plotly_src)] = job
        while pending and stop["signal"] is None:
            done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker process itself died
                    outcome = {
                        "status": "failed",
                        "seconds": None,
                        "error": f"worker died: {exc}",
                        "cell": None,
                        "key_numbers": {},
                    }
                finish(job, outcome)
                if queue and stop["signal"] is None:
                    nxt = queue.pop(0)
                    pending[pool.submit(run_job, nxt, str(out), timeout, plotly_src)] = nxt
    finally:
        if stop["signal"] is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                _kill_tree(process.pid)
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown(wait=True)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return stop["signal"] is not None


def _kill_tree(pid: int) -> None:
    """Terminate a worker and the kernels it started."""
    try:
        import psutil
    except ImportError:  # psutil comes with jupyter; without it, the worker alone is stopped
        os.kill(pid, signal.SIGTERM)
        return
    try:
        parent = psutil.Process(pid)
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for process in [*children, parent]:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def _run_dask(
    todo: Sequence[Job],
    out: Path,
    timeout: int | None,
    plotly_src: str | None,
    scheduler: str,
    finish: Callable[[Job, Mapping[str, Any]], None],
) -> None:
    """The same jobs on a Dask distributed cluster (`pip install aar[distributed]`)."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise UsageError("executor", "dask", "local, or install the extra: pip install 'aar[distributed]'") from exc
    if not todo:
        return
    with Client(scheduler) as client:
        futures = {
            client.submit(
                run_job, job, str(out), timeout, plotly_src, key=f"aar-{job.name}-{job.input_hash[:12]}", pure=False
            ): job
            for job in todo
        }
        for future in as_completed(futures):
            finish(futures[future], future.result())
