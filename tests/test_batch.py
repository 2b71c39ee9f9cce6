"""Batches: one report per region in worker processes or on Dask, with manifest, index, skips,
failures, timeouts and interruption."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aar
from aar._batch import LOCK_FILE, plan_jobs, run_batch
from aar._data.dataset import load, save_prepared

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
BABEL = ["19.01", "19.02", "19.03", "19.04", "19.05", "19.06", "19.71"]  # Kepulauan Bangka Belitung

pytestmark = pytest.mark.slow


def _prepared(tmp: Path, dataset: Path = SAMPLE) -> Path:
    """The prepared copy, outside the reports folder (a batch never writes one under it)."""
    return save_prepared(load(dataset), tmp.with_name(f"{tmp.name}-prepared"))


@pytest.fixture(scope="module")
def babel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, aar._batch.BatchResult]:
    out = tmp_path_factory.mktemp("batch")
    jobs = plan_jobs("comparative", SAMPLE, level="regency", regions=BABEL, prepared=_prepared(out))
    return out, run_batch(jobs, out, workers=2)


def test_one_valid_report_per_kabupaten_kota_with_index_and_manifest(
    babel: tuple[Path, aar._batch.BatchResult],
) -> None:
    out, result = babel
    assert result.count("done") == 7
    assert result.failed == 0
    for code in BABEL:
        folder = out / f"comparative-{code}-id"
        assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb", "report.json", "report.xlsx"]
        sidecar = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert sidecar["dataset"]["checksum"] == aar.load(SAMPLE).info.checksum  # the prepared copy cites the source
        assert (
            sidecar["key_numbers"]["incidents_target"]
            == aar.compare(aar.load(SAMPLE), region=code).metric("incidents")["target"]
        )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch"]["counts"]["done"] == 7
    assert {j["name"] for j in manifest["jobs"]} == {f"comparative-{c}-id" for c in BABEL}
    assert all(j["seconds"] > 0 for j in manifest["jobs"])
    index = (out / "index.html").read_text(encoding="utf-8")
    for code in BABEL:
        assert f'href="comparative-{code}-id/report.html"' in index
    assert "Gangguan (dievaluasi)" in index  # localised headers, region names
    assert "Kota Pangkal Pinang (19.71)" in index
    assert '<html lang="id">' in index
    assert (out / "batch.log").read_text(encoding="utf-8").count(" done comparative-") == 7


def test_nothing_incident_level_is_written_under_the_reports_folder(
    babel: tuple[Path, aar._batch.BatchResult],
) -> None:
    out, _ = babel
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".parquet", ".csv", ".arrow")]
    ids = aar.load(SAMPLE).incidents["incident_id"].to_list()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not [i for i in ids[:200] if i in text], path


def test_a_rerun_skips_every_report(babel: tuple[Path, aar._batch.BatchResult]) -> None:
    out, _ = babel
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/report.html")}
    jobs = plan_jobs("comparative", SAMPLE, level="regency", regions=BABEL, prepared=_prepared(out))
    again = run_batch(jobs, out)
    assert again.count("skipped") == 7
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/report.html")} == before
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["batch"]["counts"]["skipped"] == 7


def test_a_warm_batch_makes_the_reports_of_a_kernel_per_report(
    babel: tuple[Path, aar._batch.BatchResult], tmp_path: Path
) -> None:
    """The babel batch ran warm (2 workers, 7 reports: several per kernel); the same reports, one
    kernel each, are the same pages (generation minute aside) and the same sidecars' numbers."""
    import re

    out, _ = babel
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["batch"]["reports_per_kernel"] == 25
    regions = ["19.02", "19.71"]
    jobs = plan_jobs("comparative", SAMPLE, level="regency", regions=regions, prepared=_prepared(tmp_path))
    cold = run_batch(jobs, tmp_path / "cold", workers=1, reports_per_kernel=None)
    assert cold.count("done") == 2
    manifest = json.loads((tmp_path / "cold" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch"]["reports_per_kernel"] is None
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    for code in regions:
        name = f"comparative-{code}-id"
        pages = [
            stamp.sub("", (folder / name / "report.html").read_text(encoding="utf-8"))
            for folder in (out, tmp_path / "cold")
        ]
        assert pages[0] == pages[1], name
        numbers = [
            json.loads((folder / name / "report.json").read_text(encoding="utf-8"))["key_numbers"]
            for folder in (out, tmp_path / "cold")
        ]
        assert numbers[0] == numbers[1], name


def test_touching_the_dataset_reruns_its_reports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    jobs = plan_jobs("comparative", data, regions=["19.71", "19.06"], prepared=_prepared(tmp_path, data))
    assert run_batch(jobs, tmp_path / "out").count("done") == 2
    header = (data / "incidents.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    added = {"incident_id": "SYN-9999999", "occurred_on": "2024-11-27", "occurred_at": "10:00:00", "time_zone": "WIB"}
    added |= {"region_code": "19.71", "category": "unjuk_rasa", "killed": "0", "injured": "0", "loss_idr": "0.0"}
    added |= {"cleared": "true", "operation_id": "OMP-2024"}
    with (data / "incidents.csv").open("a", encoding="utf-8") as handle:
        handle.write(",".join(added.get(column, "") for column in header) + "\n")
    changed = plan_jobs(
        "comparative",
        data,
        regions=["19.71", "19.06"],
        prepared=save_prepared(load(data), tmp_path / "changed-prepared"),
    )
    assert {j.input_hash for j in changed}.isdisjoint({j.input_hash for j in jobs})
    rerun = run_batch(changed, tmp_path / "out")
    assert rerun.count("done") == 2
    assert rerun.count("skipped") == 0


def test_a_failing_job_is_recorded_and_the_others_succeed(tmp_path: Path) -> None:
    import dataclasses

    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[defaults]\nlang = "en"\n\n[[report]]\nkind = "comparative"\nregion = "19.71"\n\n[[report]]\nkind = "comparative"\nregion = "19.06"\n',
        encoding="utf-8",
    )
    jobs = plan_jobs("comparative", SAMPLE, plan=plan, prepared=_prepared(tmp_path))
    # plan_jobs refuses an unknown operation; a job that reaches its kernel with one fails in a cell
    jobs[1] = dataclasses.replace(jobs[1], parameters={**jobs[1].parameters, "baseline": "OMX-1999"})
    result = run_batch(jobs, tmp_path / "out")
    status = {r.name: r for r in result.records}
    assert status["comparative-19.71-en"].status == "done"
    failed = status["comparative-19.06-en"]
    assert failed.status == "failed"
    assert "baseline: got 'OMX-1999'" in (failed.error or "")  # found in the notebook: preflight knows no dataset
    assert failed.cell is not None
    assert not (tmp_path / "out" / "comparative-19.06-en").exists()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch"]["counts"] == {
        "done": 1,
        "skipped": 0,
        "failed": 1,
        "timeout": 0,
        "interrupted": 0,
        "pending": 0,
    }


def test_a_hanging_job_hits_its_timeout(tmp_path: Path) -> None:
    jobs = plan_jobs("comparative", SAMPLE, regions=["19.71"], prepared=_prepared(tmp_path))
    # a kernel per report: its first cell imports aar and statsmodels, far beyond 1 s; a warm kernel's
    # cells all take less than a second (tests/test_warm_kernel.py times a hanging cell out in one)
    result = run_batch(jobs, tmp_path / "out", timeout=1, reports_per_kernel=None)
    record = result.records[0]
    assert record.status == "timeout"
    assert "timeout of 1 s" in (record.error or "")
    assert result.failed == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == [
        "batch.log",
        "index.html",
        "manifest.json",
    ]


def test_sigterm_mid_batch_leaves_no_partial_report_and_a_consistent_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "aar",
        "batch",
        "comparative",
        "--dataset",
        str(SAMPLE),
        "--regions",
        ",".join(BABEL),
        "--out",
        str(out),
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until workers are writing reports
        if out.exists() and any(p.name.startswith(".comparative-") for p in out.iterdir()):
            break
        time.sleep(0.2)
    time.sleep(2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr[-2000:]
    assert "interrupted" in stderr
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name not in (".cache", LOCK_FILE)]
    assert leftovers == []
    for folder in out.glob("comparative-*"):
        assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb", "report.json", "report.xlsx"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    statuses = {j["name"]: j["status"] for j in manifest["jobs"]}
    assert set(statuses.values()) <= {"done", "interrupted"}
    assert "interrupted" in statuses.values()
    assert {n for n, s in statuses.items() if s == "done"} == {p.name for p in out.glob("comparative-*")}
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    resumed_status = {j["name"]: j["status"] for j in after["jobs"]}
    assert {n for n, s in statuses.items() if s == "done"} <= {n for n, s in resumed_status.items() if s == "skipped"}
    assert set(resumed_status.values()) <= {"done", "skipped"}


def test_dask_local_cluster_gives_the_same_manifest(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    prepared = _prepared(tmp_path)
    jobs = plan_jobs("comparative", SAMPLE, regions=["19.71", "19.06"], prepared=prepared)
    local = run_batch(jobs, tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_batch(jobs, tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)

    def summary(out: Path) -> list[tuple[str, str, str, object]]:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return [
            (j["name"], j["status"], j["input_hash"], j["key_numbers"].get("incidents_target"))
            for j in manifest["jobs"]
        ]

    assert summary(tmp_path / "local") == summary(tmp_path / "dask")
    assert local.count("done") == remote.count("done") == 2
    assert json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))["batch"]["executor"] == "dask"


def _kernel_children() -> int:
    """Kernel processes under this (Dask worker) process."""
    import psutil

    return sum("ipykernel" in " ".join(p.cmdline()) for p in psutil.Process().children(recursive=True))


def _kernel_counts() -> list[tuple[int, int]]:
    """(starts, reports since the last start) of each warm kernel of this Dask worker process."""
    from aar._batch import _DASK_KERNELS

    return [(k.starts, k.reports) for k in _DASK_KERNELS.values()]


def test_a_dask_worker_runs_its_reports_in_one_warm_kernel_and_stops_it_when_the_batch_ends(tmp_path: Path) -> None:
    """Three reports on a one-thread Dask worker: one kernel start serves all three (and each page
    equals the same report from a local warm worker); the batch leaves no kernel process behind."""
    distributed = pytest.importorskip("distributed")
    from aar._batch import _close_dask_kernels, _run_on_dask

    jobs = plan_jobs("comparative", SAMPLE, regions=["19.71", "19.06", "19.01"], prepared=_prepared(tmp_path))
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = client.gather(
            [client.submit(_run_on_dask, job, str(tmp_path / "direct"), 600, None, 25, pure=False) for job in jobs]
        )
        assert [r["status"] for r in results] == ["done"] * 3, [r["error"] for r in results]
        assert list(client.run(_kernel_counts).values()) == [[(1, 3)]]
        assert list(client.run(_kernel_children).values()) == [1]
        assert list(client.run(_close_dask_kernels).values()) == [1]
        assert list(client.run(_kernel_children).values()) == [0]

        run_batch(jobs, tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
        assert list(client.run(_kernel_counts).values()) == [[]]  # stopped by the batch itself
        assert list(client.run(_kernel_children).values()) == [0]
    run_batch(jobs, tmp_path / "local", workers=1)
    for job in jobs:
        pages = [
            json.loads((tmp_path / where / job.name / "report.json").read_text(encoding="utf-8"))["key_numbers"]
            for where in ("direct", "dask", "local")
        ]
        assert pages[0] == pages[1] == pages[2]


def test_shared_assets_put_plotly_beside_the_reports(tmp_path: Path) -> None:
    jobs = plan_jobs("comparative", SAMPLE, regions=["19.71"], prepared=_prepared(tmp_path))
    run_batch(jobs, tmp_path / "out", shared_assets=True)
    page = (tmp_path / "out" / "comparative-19.71-id" / "report.html").read_text(encoding="utf-8")
    assert '<script type="text/javascript" src="../assets/plotly.min.js"></script>' in page
    assert len(page.encode()) < 1_000_000
    assert (tmp_path / "out" / "assets" / "plotly.min.js").stat().st_size > 1_400_000
    assert "plotly.js dipakai bersama" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(aar.UsageError, match="level"):
        plan_jobs("comparative", SAMPLE, level="village")
    with pytest.raises(aar.UsageError, match=r"regions: got '99\.99'"):
        plan_jobs("comparative", SAMPLE, regions=["99.99"])
    with pytest.raises(aar.UsageError, match="scheduler"):
        run_batch([], tmp_path, executor="dask")
    with pytest.raises(aar.UsageError, match="reports_per_kernel: got 0"):
        run_batch([], tmp_path, reports_per_kernel=0)
    result = subprocess.run(
        [sys.executable, "-m", "aar", "batch", "comparative", "--level", "village", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 2


def _descendants() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_workers_started_ahead_run_the_batch_and_leave_nothing_behind(
    babel: tuple[Path, aar._batch.BatchResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers started before planning are the batch's pool (no other pool is made), their reports
    equal those of a batch that started its own, and no worker or kernel outlives the batch."""
    import aar._batch as batch

    before = _descendants()
    with batch.Workers(2) as ahead:
        deadline = time.monotonic() + 60
        while len(_descendants() - before) < 4 and time.monotonic() < deadline:  # 2 workers, 2 kernels
            time.sleep(0.1)
        assert len(_descendants() - before) >= 4
        pools: list[int] = []
        made = batch._new_pool
        monkeypatch.setattr(batch, "_new_pool", lambda *a: pools.append(1) or made(*a))
        regions = ["19.02", "19.71"]
        jobs = plan_jobs("comparative", SAMPLE, level="regency", regions=regions, prepared=_prepared(tmp_path))
        result = run_batch(jobs, tmp_path / "ahead", workers=2, started_workers=ahead)
    assert result.count("done") == 2
    assert pools == []  # the workers started ahead ran the jobs
    assert _descendants() - before == set()
    out, _ = babel
    for code in regions:
        name = f"comparative-{code}-id"
        numbers = [
            json.loads((folder / name / "report.json").read_text(encoding="utf-8"))["key_numbers"]
            for folder in (out, tmp_path / "ahead")
        ]
        assert numbers[0] == numbers[1], name


def test_workers_started_ahead_are_stopped_when_planning_fails_or_they_do_not_suit(tmp_path: Path) -> None:
    import aar._batch as batch

    before = _descendants()
    with pytest.raises(aar.UsageError), batch.Workers(1):
        plan_jobs("comparative", SAMPLE, regions=["99.99"], prepared=_prepared(tmp_path))
    assert _descendants() - before == set()
    with batch.Workers(1, reports_per_kernel=3) as ahead:  # another kernel setting: a pool of the batch's own
        jobs = plan_jobs("comparative", SAMPLE, regions=["19.71"], prepared=_prepared(tmp_path))
        assert run_batch(jobs, tmp_path / "other", workers=1, started_workers=ahead).count("done") == 1
    assert _descendants() - before == set()
    with pytest.raises(aar.UsageError, match="workers"):
        batch.Workers(0)


def test_a_refused_batch_command_leaves_no_worker_behind(tmp_path: Path) -> None:
    """`aar batch` starts its workers before planning; a region it then refuses ends the command
    with exit status 2 and none of the processes it started (found by an environment marker) runs on."""
    import uuid

    import psutil

    marker = uuid.uuid4().hex
    result = subprocess.run(
        [
            *(sys.executable, "-m", "aar", "batch", "comparative"),
            *("--regions", "99.99", "--dataset", str(SAMPLE), "--out", str(tmp_path / "out")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", "AAR_TEST_MARKER": marker},
    )
    assert result.returncode == 2, result.stderr
    assert "99.99" in result.stderr
    assert "Traceback" not in result.stderr

    def marked() -> list[int]:
        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get("AAR_TEST_MARKER") == marker:
                    found.append(process.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return found

    assert marked() == []


def test_a_worker_started_ahead_that_dies_before_the_batch_is_replaced(tmp_path: Path) -> None:
    """A worker killed while the jobs are planned (SIGKILL, the OOM killer) breaks the pool started
    ahead: the batch makes its own and every job is done."""
    from multiprocessing import resource_tracker

    import psutil

    import aar._batch as batch

    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)  # multiprocessing's own, kept
    before = _descendants()
    with batch.Workers(2) as ahead:
        deadline = time.monotonic() + 60
        while len(workers := [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(workers[0].pid, signal.SIGKILL)  # not reaped here: the pool must see it die
        while not ahead._pool or not ahead._pool._broken:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline
            time.sleep(0.1)
        jobs = plan_jobs("comparative", SAMPLE, regions=["19.71", "19.01"], prepared=_prepared(tmp_path))
        result = run_batch(jobs, tmp_path / "out", workers=2, started_workers=ahead)
    assert [r.status for r in result.records] == ["done", "done"]
    assert not [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.pid != tracker]
