"""Batches of reports: one per region, on worker processes or a Dask cluster, rerun only when needed.

`run_batch(plan_jobs(...), "reports/")` runs each job (a report kind and its parameters), writes
`reports/manifest.json` (status, duration and error of every job, rewritten atomically after each
one, so it is consistent whenever the batch stops), `reports/index.html` (every report with its
region, status and key numbers, sortable, self-contained) and `reports/batch.log`.

Fast by design:
- the dataset is loaded and validated once and saved prepared (typed Parquet with the derived
  columns, no free text) in a cache outside the reports folder (`aar._data.cache`); every report
  loads that copy without parsing or validation;
- reports run in-process (papermill's API, the page built from the executed notebook), never
  through command lines, and each worker (a local process, or a Dask worker thread) keeps one warm
  kernel for its reports (`WarmKernel`: imports paid once, the kernel reset to its warm-up state
  before every report);
- `jobs` worker processes (default: the cores) take jobs from one queue, so none sits idle while
  jobs remain; the slowest jobs are not known in advance, so order is by region; the command line
  starts them (`Workers`) before it validates the dataset, so their kernels warm up meanwhile;
- with `shared_assets`, plotly.js is written once beside the reports instead of 4.8 MB in each.

Idempotent: a job whose inputs (dataset checksum, notebook checksum, parameters, package version)
hash to the value recorded in its report's sidecar is skipped; `force` redoes all. A job that fails
or times out is recorded with its error and the others go on; the exit status of the command line
says how many failed. An interrupted batch (Ctrl-C, SIGTERM) stops its workers, removes their
temporary folders, records the jobs not done as "interrupted" and leaves every finished report in
place; the next run resumes.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from ._data.cache import prepared_cache as prepared_cache  # re-exported (moved down a layer)
from ._data.runtime import collector_paused
from ._errors import AarError, Interrupted, UsageError
from ._reporting.kernel import REPORTS_PER_KERNEL, WarmKernel
from ._reporting.runner import (
    REPORT_KINDS,
    check_parameters,
    check_scope_of,
    check_timeout,
    clean_staging,
    default_name,
    defaults_of,
    notebook_path,
    output_folder,
)

LEVELS = ("province", "regency")
PLAN_ENTRY = "__plan_entry__"
"""Key of a plan entry that names it (file and number) in error messages; removed before the job is made."""
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
    if not isinstance(defaults, dict):
        raise UsageError(f"{file.name}: defaults", defaults, 'a [defaults] table of parameters, e.g. lang = "en"')
    reports = plan.get("report", [])
    if not isinstance(reports, list) or not reports:
        raise UsageError(f"{file.name}: report", reports, "[[report]] tables, each with kind and parameters")
    for number, entry in enumerate(reports, 1):
        if not isinstance(entry, dict):
            raise UsageError(
                f"{file.name}: [[report]] {number}", entry, 'a table of parameters, e.g. kind = "comparative"'
            )
    return [{**defaults, **r, PLAN_ENTRY: f"{file.name}: [[report]] {number}"} for number, r in enumerate(reports, 1)]


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

    about = describe(prepared or dataset)  # a prepared copy's marker cites its source: nothing re-read
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
        where = entry.pop(PLAN_ENTRY, "parameters")
        job_kind = entry.pop("kind", kind)
        if job_kind not in REPORT_KINDS:
            raise UsageError("kind" if where == "parameters" else f"{where}: kind", job_kind, REPORT_KINDS)
        if plan is not None and job_kind != kind:  # `aar batch comparative --plan` runs comparative entries only
            raise UsageError(f"{where}: kind", job_kind, f"{kind} (run {job_kind} entries with `aar batch {job_kind}`)")
        params = {**(parameters or {}), **entry, "dataset": str(Path(prepared or dataset).resolve())}
        declared = check_parameters(job_kind, params, where)
        check_scope_of(job_kind, {**defaults_of(declared), **params}, ds)
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


def run_job(
    job: Job, out: str, timeout: int | None, plotly_src: str | None, kernel: WarmKernel | None = None
) -> dict[str, Any]:
    """Run one job (in a worker process or on a Dask worker); never raises for a failing report.

    `kernel`: the worker's warm kernel, or None for a kernel started and stopped for the job.
    """
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
            check_scope=False,  # plan_jobs checked every job
            kernel=kernel,
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


def _write_text(path: Path, text: str) -> None:
    """Write `path` atomically (a temporary file renamed over it); a full disk or any write error is an
    AarError naming the file, and leaves no temporary file behind."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise AarError(f"cannot write {path}: {exc.strerror or exc}; the previous version is kept") from exc


def _write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


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
    _write_text(path, render_index(records, title, lang, shared_assets))
    return path


def _cleanup_staging(out: Path) -> None:
    """Remove temporary report folders left by workers that were stopped (whose process is gone)."""
    clean_staging(out)


LOCK_FILE = ".batch.lock"
"""The lock a batch holds on its reports folder (fcntl.flock), with the holder's pid and start time."""


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the reports folder for one batch; a second batch on it is a UsageError naming the first.

    Two batches on one folder would remove each other's staging folders and run every job twice.
    The lock is released when the holder exits, however it exits (the kernel drops a dead process's
    flock), so a killed batch never blocks the next one.
    """
    path = out / LOCK_FILE
    try:
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise UsageError("out", str(out), f"a folder this user can write into ({exc.strerror})") from exc
    try:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock
            pass
        except OSError as exc:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except ValueError:
                holder = {}
            raise UsageError(
                "out",
                str(out),
                f"a folder no other batch is writing into: batch pid {holder.get('pid', '?')} started "
                f"{holder.get('started', '?')} is running there; wait for it to end or choose another --out",
            ) from exc
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with contextlib.suppress(OSError):  # who holds it is for the message only (the disk may be full)
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "started": started}) + "\n")
            handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):  # closing releases the lock; a write it still flushes may fail
            handle.close()


class _QuietFileHandler(logging.FileHandler):
    """batch.log: a record that cannot be written (full disk) is dropped, never a traceback on stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            super().close()


def _reports_on_disk(out: Path, previous: Path, names: set[str]) -> list[JobRecord]:
    """Records of the reports in `out` that the current batch does not run (an earlier, larger batch,
    or single reports), so that manifest and index describe every report in the folder: the earlier
    manifest's record when it has one, else one made from the report's sidecar."""
    try:
        recorded = {j["name"]: j for j in json.loads(previous.read_text(encoding="utf-8")).get("jobs", [])}
    except (OSError, ValueError, AttributeError, TypeError):
        recorded = {}
    kept = []
    for sidecar in sorted(out.glob("*/report.json")):
        name = sidecar.parent.name
        if name in names or name.startswith("."):
            continue
        entry = recorded.get(name)
        if isinstance(entry, dict) and entry.get("status") in ("done", "skipped"):
            known = {f.name for f in fields(JobRecord)}
            with contextlib.suppress(TypeError):
                kept.append(JobRecord(**{k: v for k, v in entry.items() if k in known}))
                continue
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        parameters = data.get("parameters") or {}
        kept.append(
            JobRecord(
                name,
                str(data.get("report", "")),
                parameters.get("region"),
                parameters,
                str((data.get("batch") or {}).get("input_hash", "")),
                status="done",
                key_numbers=data.get("key_numbers") or {},
            )
        )
    return kept


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
    reports_per_kernel: int | None = REPORTS_PER_KERNEL,
    started_workers: Workers | None = None,
) -> BatchResult:
    """Run `jobs`, skipping those already done with the same inputs, and write manifest and index.

    Each local worker runs its reports one after another in one warm kernel (`WarmKernel`: the
    imports paid once, a clean namespace for every report), replaced after a failure, a timeout
    or every `reports_per_kernel` reports; `reports_per_kernel=None` starts a kernel per report
    instead. On the Dask executor each worker thread keeps such a kernel.

    `lang`: the language of the index page (default: that of the first job). The folder is locked
    for the batch (`output_lock`); manifest and index also list the reports already in the folder
    that this batch does not run (`BatchResult.records` holds this batch's jobs only).

    `started_workers`: local workers started before the jobs were planned (`Workers`), whose kernels
    warmed up meanwhile; the batch takes them over (and stops them, used or not).
    """
    try:
        if executor not in EXECUTORS:
            raise UsageError("executor", executor, EXECUTORS)
        if executor == "dask" and not scheduler:
            raise UsageError(
                "scheduler",
                scheduler,
                "the address of a Dask scheduler, e.g. tcp://127.0.0.1:8786 (with --executor dask)",
            )
        _check_workers(workers, reports_per_kernel)
        check_timeout(timeout)
        if started_workers is not None and executor != "local":
            started_workers.close()  # a Dask batch has no use for them
        target = output_folder(out)
        started = time.perf_counter()
        with output_lock(target), _batch_log(target):
            return _run_logged(
                jobs,
                target,
                workers,
                timeout,
                force,
                executor,
                scheduler,
                shared_assets,
                progress,
                title,
                lang,
                started,
                reports_per_kernel if executor == "local" else None,
                started_workers if executor == "local" else None,
            )
    finally:  # taken over by the batch's pool, or stopped here
        if started_workers is not None:
            started_workers.close()


def _check_workers(workers: int | None, reports_per_kernel: int | None) -> None:
    """UsageError for a number of workers or of reports per kernel that is not a whole number >= 1."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise UsageError("workers", workers, "a whole number >= 1, or None for the number of cores")
    if reports_per_kernel is not None:
        WarmKernel(reports_per_kernel)  # checks the number


@contextlib.contextmanager
def _batch_log(target: Path) -> Iterator[None]:
    """Log the batch to `target/batch.log` while it runs (staging folders of earlier runs removed first)."""
    _cleanup_staging(target)
    log = logging.getLogger("aar.batch")
    handler = _QuietFileHandler(target / "batch.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


def _run_logged(
    jobs: Sequence[Job],
    target: Path,
    workers: int | None,
    timeout: int | None,
    force: bool,
    executor: str,
    scheduler: str | None,
    shared_assets: bool,
    progress: Callable[[JobRecord, Mapping[str, int]], None] | None,
    title: str,
    lang: str | None,
    started: float,
    reports_per_kernel: int | None = None,
    started_workers: Workers | None = None,
) -> BatchResult:
    log = logging.getLogger("aar.batch")
    plotly_src = None
    if shared_assets:
        from ._reporting.sections import plotly_js

        assets = target / "assets"
        assets.mkdir(exist_ok=True)
        _write_text(assets / "plotly.min.js", plotly_js())
        plotly_src = "../assets/plotly.min.js"
    worker_count = workers or os.cpu_count() or 1
    settings = {
        "executor": executor,
        "workers": worker_count,
        "timeout": timeout,
        "force": force,
        "shared_assets": shared_assets,
        "reports_per_kernel": reports_per_kernel,
    }
    records = [
        JobRecord(j.name, j.kind, j.region, dict(j.parameters), j.input_hash, region_name=j.region_name) for j in jobs
    ]
    by_name = {r.name: r for r in records}
    others = _reports_on_disk(target, target / "manifest.json", set(by_name))
    if others:
        log.info("%d reports already in the folder are not part of this batch: kept in manifest and index", len(others))

    def every() -> list[JobRecord]:
        return sorted([*records, *others], key=lambda r: r.name)

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
    stop: dict[str, int | None] = {"signal": None}

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
        write_manifest(target, every(), started, settings)
        if progress:
            progress(
                record,
                {s: sum(r.status == s for r in records) for s in ("done", "skipped", "failed", "timeout", "pending")},
            )

    with _signals_recorded(stop, executor == "local"):
        return _run_jobs(
            jobs,
            todo,
            records,
            every,
            target,
            timeout,
            plotly_src,
            worker_count,
            executor,
            scheduler,
            force,
            settings,
            finish,
            stop,
            started,
            title,
            lang,
            shared_assets,
            reports_per_kernel,
            started_workers,
        )


def _run_jobs(
    jobs: Sequence[Job],
    todo: Sequence[Job],
    records: Sequence[JobRecord],
    every: Callable[[], list[JobRecord]],
    target: Path,
    timeout: int | None,
    plotly_src: str | None,
    worker_count: int,
    executor: str,
    scheduler: str | None,
    force: bool,
    settings: Mapping[str, Any],
    finish: Callable[[Job, Mapping[str, Any]], None],
    stop: dict[str, int | None],
    started: float,
    title: str,
    lang: str | None,
    shared_assets: bool,
    reports_per_kernel: int | None = None,
    started_workers: Workers | None = None,
) -> BatchResult:
    log = logging.getLogger("aar.batch")
    write_manifest(target, every(), started, settings)
    interrupted = False
    stopped = True
    try:
        if executor == "dask":
            _run_dask(todo, target, timeout, plotly_src, scheduler or "", finish, reports_per_kernel)
        else:
            interrupted = _run_local(
                todo, target, timeout, plotly_src, worker_count, finish, stop, reports_per_kernel, started_workers
            )
        stopped = interrupted
    finally:
        if stopped:  # a signal, or an error of the batch itself (a full disk): the jobs not done are interrupted
            jobs_by_name = {j.name: j for j in jobs}
            for record in records:
                if record.status == "pending":  # a report a stopped worker finished is done all the same
                    finished = None if force else _already_done(target, jobs_by_name[record.name])
                    record.status = "done" if finished is not None else "interrupted"
                    record.key_numbers = (finished or {}).get("key_numbers", {})
            if stop["signal"] is not None:
                log.info("interrupted by signal %d", stop["signal"])
        _cleanup_staging(target)
        manifest = write_manifest(target, every(), started, settings)
        index_lang = lang or str(next((j.parameters.get("lang") for j in jobs if j.parameters.get("lang")), "id"))
        index = write_index(target, every(), title, index_lang, shared_assets)
    if interrupted:
        raise Interrupted(
            f"batch interrupted: {sum(r.status == 'interrupted' for r in records)} jobs not done; run it again to resume"
        )
    return BatchResult(tuple(records), manifest, index, time.perf_counter() - started)


def _new_pool(size: int, started: Any, reports_per_kernel: int | None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=size,
        mp_context=get_context("spawn"),
        initializer=_worker_start,
        initargs=(os.getpid(), started, reports_per_kernel),
    )


def _ready() -> None:
    """The job each started worker gets first: it makes the pool spawn the worker now."""


class Workers:
    """Local batch workers started ahead of `run_batch`, so that their kernels warm up (about 2 s)
    while the caller validates the dataset and plans the jobs.

    >>> with Workers(2) as workers:  # doctest: +SKIP
    ...     jobs = plan_jobs("comparative", "data/sample", level="regency")
    ...     run_batch(jobs, "reports", workers=2, started_workers=workers)

    `run_batch` takes them over when they suit its jobs (as many workers as it runs at least, the
    same `reports_per_kernel`) and stops them at its end either way; leaving the `with` block (an
    error while planning) stops workers not taken, and their kernels, at once.
    """

    def __init__(self, workers: int | None = None, reports_per_kernel: int | None = REPORTS_PER_KERNEL) -> None:
        _check_workers(workers, reports_per_kernel)
        self.size = workers or os.cpu_count() or 1
        self.reports_per_kernel = reports_per_kernel
        self._started = get_context("spawn").SimpleQueue()
        self._pool: ProcessPoolExecutor | None = _new_pool(self.size, self._started, reports_per_kernel)
        for _ in range(self.size):  # no worker is idle yet, so each submit spawns one
            self._pool.submit(_ready)

    def take(self, size: int, reports_per_kernel: int | None) -> tuple[ProcessPoolExecutor, Any] | None:
        """The pool and its start queue, for a batch of `size` workers; None (and stopped) if they do not suit."""
        pool, self._pool = self._pool, None
        if pool is None:
            return None
        broken = getattr(pool, "_broken", False)  # a worker died meanwhile (killed, out of memory)
        if size <= self.size and reports_per_kernel == self.reports_per_kernel and not broken:
            return pool, self._started
        _stop_pool(pool)
        return None

    def close(self) -> None:
        """Stop the workers not taken by a batch, and their kernels."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop_pool(pool)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        _kill_tree(process.pid)
    pool.shutdown(wait=True, cancel_futures=True)


RETRIES = 2
"""Times a job is started again when its worker was stopped because another worker died."""


def _worker_start(parent: int, started: Any, reports_per_kernel: int | None = None) -> None:
    """Initializer of a worker: die with the parent, leave Ctrl-C to the parent, report each job's start,
    and (with `reports_per_kernel`) keep one warm kernel for its jobs, stopped when the worker exits.

    On Linux the kernel sends SIGKILL to the worker when the batch process dies (prctl
    PR_SET_PDEATHSIG); elsewhere a thread polls the parent's pid. A worker's kernels poll their
    own parent (ipykernel) and exit when it is gone, so nothing of a killed batch runs on.
    """
    from ._reporting.runner import skip_unused_imports

    global _STARTED, _KERNEL
    _STARTED = started
    skip_unused_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if reports_per_kernel is not None:  # last: the kernel inherits Ctrl-C ignored, and dies with this worker
        from multiprocessing.util import Finalize

        _KERNEL = WarmKernel(reports_per_kernel)
        Finalize(None, _KERNEL.close, exitpriority=10)  # multiprocessing's workers skip atexit
        _KERNEL.prestart()  # its imports run while this worker takes and checks its first job
    _import_report_path()


WORKER_IMPORTS = (
    "nbformat",
    "papermill",
    "nbclient",
    "aar._data.cache",
    "aar._reporting.sections",
    "aar._reporting.workbook",
)
"""What a worker's first report would import: imported when the worker starts instead."""


def _import_report_path() -> None:
    """Import `WORKER_IMPORTS` with the cyclic collector paused (see `collector_paused`)."""
    import importlib

    with collector_paused():
        for name in WORKER_IMPORTS:
            importlib.import_module(name)


PR_SET_PDEATHSIG = 1
_STARTED: Any = None
_KERNEL: WarmKernel | None = None
"""The warm kernel of this worker process (None in the batch process, or with a kernel per report)."""


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _run_in_worker(job: Job, out: str, timeout: int | None, plotly_src: str | None) -> dict[str, Any]:
    """`run_job` in a worker of the local pool, first telling the batch which worker runs the job."""
    if _STARTED is not None:
        _STARTED.put((os.getpid(), job.name))
    return run_job(job, out, timeout, plotly_src, _KERNEL)


def _died(job: Job, exitcode: int | None) -> dict[str, Any]:
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit status {exitcode}"
    return {
        "status": "failed",
        "seconds": None,
        "error": f"worker died ({how}; killed by the OOM killer or an operator?) while running {job.name}",
        "cell": None,
        "key_numbers": {},
    }


def _run_local(
    todo: Sequence[Job],
    out: Path,
    timeout: int | None,
    plotly_src: str | None,
    workers: int,
    finish: Callable[[Job, Mapping[str, Any]], None],
    stop: dict[str, int | None] | None = None,
    reports_per_kernel: int | None = None,
    started_workers: Workers | None = None,
) -> bool:
    """Worker processes (spawned: polars threads do not survive a fork); True when interrupted.

    With `reports_per_kernel`, each worker runs its jobs in one warm kernel (see `run_batch`).
    `started_workers`, when they suit (as many workers at least, the same kernels), are the first pool.

    A worker that dies (SIGKILL, the OOM killer) fails its own job only: the pool, which Python
    then breaks, is replaced, and the jobs its other workers were running start again.
    """
    if not todo:
        if started_workers is not None:
            started_workers.close()
        return False
    stop = stop if stop is not None else {"signal": None}
    size = max(1, min(workers, len(todo)))
    taken = started_workers.take(size, reports_per_kernel) if started_workers is not None else None
    context = get_context("spawn")
    started = taken[1] if taken else context.SimpleQueue()

    def new_pool() -> ProcessPoolExecutor:
        return _new_pool(size, started, reports_per_kernel)

    pool = taken[0] if taken else new_pool()
    pending: dict[Future[dict[str, Any]], Job] = {}
    running: dict[int, str] = {}  # worker pid -> job it runs
    processes: dict[int, Any] = {}
    queue = list(todo)
    tries: dict[str, int] = {}
    clean = False
    try:
        while (queue or pending) and stop["signal"] is None:
            while queue and len(pending) < size:
                job = queue.pop(0)
                pending[pool.submit(_run_in_worker, job, str(out), timeout, plotly_src)] = job
            processes.update(getattr(pool, "_processes", None) or {})
            done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            while not started.empty():
                pid, name = started.get()
                running[pid] = name
            broken = []
            for future in done:
                job = pending.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                except Exception as exc:  # an error of the pool itself, not of the report
                    outcome = {**_died(job, None), "error": f"worker error: {type(exc).__name__}: {exc}"}
                running = {pid: name for pid, name in running.items() if name != job.name}
                finish(job, outcome)
            if broken:
                wait(pending, timeout=30)
                for future, job in pending.items():  # a job that finished before the pool broke keeps its result
                    if future.done() and not future.cancelled() and future.exception() is None:
                        finish(job, future.result())
                    else:
                        broken.append(job)
                pending.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                for process in processes.values():
                    process.join(timeout=5)
                victims = {
                    name: process.exitcode
                    for pid, process in processes.items()
                    if (name := running.get(pid)) and process.exitcode not in (0, -signal.SIGTERM)
                }
                again = []
                for job in broken:
                    tries[job.name] = tries.get(job.name, 0) + 1
                    if job.name in victims or tries[job.name] > RETRIES:
                        finish(job, _died(job, victims.get(job.name)))
                    else:
                        again.append(job)
                queue = again + queue
                running.clear()
                processes.clear()
                clean_staging(out)
                if stop["signal"] is None:
                    pool = new_pool()
        clean = stop["signal"] is None
    finally:
        if not clean:
            _stop_pool(pool)
        else:
            pool.shutdown(wait=True)
        started.close()
    return stop["signal"] is not None


@contextlib.contextmanager
def _signals_recorded(stop: dict[str, int | None], active: bool) -> Iterator[None]:
    """While a local batch runs, SIGINT and SIGTERM are recorded in `stop` (the batch then stops
    its workers and records what was not done) instead of ending the process midway through a write."""
    if not active:
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(number: int, _frame: object) -> None:
        stop["signal"] = number

    for s in previous:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


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
    reports_per_kernel: int | None = None,
) -> None:
    """The same jobs on a Dask distributed cluster (`pip install aar[distributed]`).

    With `reports_per_kernel`, each worker thread runs its jobs in one warm kernel of its own
    (`_run_on_dask`), as a local worker does; the batch stops them on every worker when it ends
    (`_close_dask_kernels`), and a kernel whose worker dies exits with it (ipykernel polls its parent).
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise UsageError("executor", "dask", "local, or install the extra: pip install 'aar[distributed]'") from exc
    if not todo:
        return
    with Client(scheduler) as client:
        try:
            futures = {
                client.submit(
                    _run_on_dask,
                    job,
                    str(out),
                    timeout,
                    plotly_src,
                    reports_per_kernel,
                    key=f"aar-{job.name}-{job.input_hash[:12]}",
                    pure=False,
                ): job
                for job in todo
            }
            for future in as_completed(futures):
                finish(futures[future], future.result())
        finally:
            if reports_per_kernel is not None:
                with contextlib.suppress(Exception):  # a worker gone already has no kernel left to stop
                    client.run(_close_dask_kernels)


_DASK_KERNELS: dict[int, WarmKernel] = {}
"""The warm kernels of this Dask worker process, by the worker thread that runs its jobs in each."""
_DASK_LOCK = threading.Lock()


def _run_on_dask(
    job: Job, out: str, timeout: int | None, plotly_src: str | None, reports_per_kernel: int | None
) -> dict[str, Any]:
    """`run_job` on a Dask worker: in the warm kernel of the thread running it (started on its first
    job), or with `reports_per_kernel=None` in a kernel started for the job."""
    kernel = None
    if reports_per_kernel is not None:
        with _DASK_LOCK:
            kernel = _DASK_KERNELS.get(threading.get_ident())
            if kernel is None or kernel.reports_per_kernel != reports_per_kernel:
                from ._reporting.runner import skip_unused_imports

                skip_unused_imports()
                if kernel is not None:
                    kernel.close()
                kernel = _DASK_KERNELS[threading.get_ident()] = WarmKernel(reports_per_kernel)
                atexit.register(kernel.close)
    return run_job(job, out, timeout, plotly_src, kernel)


def _close_dask_kernels() -> int:
    """Stop the warm kernels of this Dask worker process (run on every worker when a batch ends); how many."""
    with _DASK_LOCK:
        kernels = list(_DASK_KERNELS.values())
        _DASK_KERNELS.clear()
    for kernel in kernels:
        kernel.close()
    return len(kernels)
