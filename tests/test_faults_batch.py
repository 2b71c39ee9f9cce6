"""Fault injection on real batches and reports (issue 14): a killed worker, a killed batch, Ctrl-C,
SIGTERM, two batches on one folder, a full disk, a partial rerun. After each: the manifest is valid
and matches the reports on disk, the index lists every report, no staging folder and no process
is left, and the next run resumes. Only processes these tests start are signalled; no network."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import aar
from aar._batch import LOCK_FILE, output_lock, plan_jobs, run_batch
from aar._data.dataset import load, save_prepared

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
TWO = ["19.71", "19.01"]  # two kabupaten/kota of Bangka Belitung

pytestmark = pytest.mark.slow


def _command(out: Path, regions: list[str] = TWO, jobs: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "aar",
        "batch",
        "comparative",
        "--dataset",
        str(SAMPLE),
        "--regions",
        ",".join(regions),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]


def _start(command: list[str]) -> subprocess.Popen[str]:
    """The command in its own session, so that a signal to its group reaches nothing else."""
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "300"},
    )


def _staging(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.startswith(".") and p.is_dir()] if out.exists() else []


def _wait_for_staging(out: Path, seconds: float = 90) -> list[Path]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _staging(out)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no report started within {seconds} s")


def _tree(process: subprocess.Popen[str]) -> list[psutil.Process]:
    with contextlib.suppress(psutil.NoSuchProcess):
        return psutil.Process(process.pid).children(recursive=True)
    return []


def _all_gone(processes: list[psutil.Process], seconds: float = 20) -> list[psutil.Process]:
    """The processes still running after `seconds` (zombies count as gone)."""
    deadline = time.monotonic() + seconds
    alive = processes
    while time.monotonic() < deadline:
        alive = []
        for p in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
        if not alive:
            return []
        time.sleep(0.2)
    for p in alive:  # do not leave them behind for the next test
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    return alive


def _consistent(out: Path) -> dict[str, str]:
    """Check the folder after a run; returns the status of every job in the manifest."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    status = {j["name"]: j["status"] for j in manifest["jobs"]}
    on_disk = {p.parent.name for p in out.glob("*/report.json")}
    assert {n for n, s in status.items() if s in ("done", "skipped")} == on_disk
    assert set(status.values()) <= {"done", "skipped", "failed", "timeout", "interrupted"}
    assert manifest["batch"]["counts"][next(iter(status.values()))] >= 1
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in on_disk:
        assert f'href="{name}/report.html"' in index
    assert _staging(out) == []
    assert not list(out.glob(".*.tmp"))
    return status


def _resumes(out: Path, before: dict[str, str], regions: list[str] = TWO) -> None:
    """The next run of `regions` skips what was done, does the rest, and keeps every other report of the folder."""
    resumed = subprocess.run(_command(out, regions), capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = _consistent(out)
    rerun = {f"comparative-{r}-id" for r in regions}
    done = {n for n, s in before.items() if s == "done"}
    assert done & rerun <= {n for n, s in after.items() if s == "skipped"}
    assert all(after[n] == "done" for n in done - rerun)  # reports outside this run stay in the folder's record
    assert {after[n] for n in rerun} <= {"done", "skipped"}


def test_a_killed_worker_fails_its_job_only_and_the_pool_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start(_command(out, jobs=1))
    staging = _wait_for_staging(out)[0]
    worker = int(staging.name.split(".")[-2])  # the staging folder names its process
    tree = _tree(process)
    assert worker in {p.pid for p in tree}
    os.kill(worker, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr[-2000:]
    assert "Traceback" not in stderr
    assert "1 done, 0 skipped, 1 failed" in stdout
    status = _consistent(out)
    victim = ".".join(staging.name[1:].split(".")[:-2])  # .<report>.<pid>.<random>
    assert status[victim] == "failed"
    assert [s for n, s in status.items() if n != victim] == ["done"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    error = next(j["error"] for j in manifest["jobs"] if j["name"] == victim)
    assert "worker died (signal 9" in error
    assert _all_gone(tree) == []
    _resumes(out, status)


def test_a_killed_batch_takes_its_workers_and_kernels_with_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start(_command(out))
    _wait_for_staging(out)
    time.sleep(1)
    tree = _tree(process)
    assert len(tree) >= 2  # workers, and the resource tracker or kernels
    process.kill()
    process.communicate(timeout=30)
    assert _all_gone(tree) == [], "processes outlived their batch"
    status = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {j["status"] for j in status["jobs"]} <= {"pending", "done"}
    _resumes(out, {})


def test_ctrl_c_records_interrupted_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start(_command(out))
    _wait_for_staging(out)
    time.sleep(1)
    tree = _tree(process)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr[-2000:]
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    status = _consistent(out)
    assert "interrupted" in status.values()
    assert set(status.values()) <= {"done", "interrupted"}
    assert _all_gone(tree) == []
    _resumes(out, status)


def test_a_second_batch_on_the_same_folder_is_refused_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _start(_command(out, [*TWO, "19.02", "19.03", "19.04"], jobs=1))  # still running when the second starts
    _wait_for_staging(out)
    tree = _tree(first)
    second = subprocess.run(
        _command(out), capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "COLUMNS": "300"}
    )
    assert second.returncode == 2, second.stderr[-2000:]
    assert f"batch pid {first.pid} started" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.poll() is None
    first.send_signal(signal.SIGTERM)  # SIGTERM: the first batch stops as before, cleanly
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 1, stderr[-2000:]
    assert "interrupted" in stderr
    status = _consistent(out)
    assert set(status.values()) <= {"done", "interrupted"}, "the second batch disturbed the first"
    assert _all_gone(tree) == []
    with output_lock(out):  # released by the first batch
        assert json.loads((out / LOCK_FILE).read_text(encoding="utf-8"))["pid"] == os.getpid()
    _resumes(out, status)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs, filled; needs root (mount), skipped otherwise."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        out = mount / "out"
        out.mkdir()
        with contextlib.suppress(OSError), (mount / "filler").open("wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
        yield out
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_a_clear_error_and_leaves_no_temporary_file(tmp_path: Path, full_disk: Path) -> None:
    prepared = save_prepared(load(SAMPLE), tmp_path / "prepared")
    jobs = plan_jobs("comparative", SAMPLE, regions=["19.71"], prepared=prepared)
    with pytest.raises(aar.AarError, match=r"cannot write .*manifest.json: No space left on device"):
        run_batch(jobs, full_disk)
    assert not list(full_disk.glob(".*.tmp"))
    assert _staging(full_disk) == []
    result = subprocess.run(
        _command(full_disk, ["19.71"]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert result.returncode == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(full_disk.glob(".*.tmp"))


def test_a_partial_rerun_keeps_every_report_in_manifest_and_index(tmp_path: Path) -> None:
    prepared = save_prepared(load(SAMPLE), tmp_path / "prepared")
    out = tmp_path / "out"
    assert run_batch(plan_jobs("comparative", SAMPLE, regions=TWO, prepared=prepared), out).count("done") == 2
    partial = run_batch(plan_jobs("comparative", SAMPLE, regions=["19.01"], prepared=prepared), out, force=True)
    assert [r.name for r in partial.records] == ["comparative-19.01-id"]
    status = _consistent(out)
    assert status == {"comparative-19.01-id": "done", "comparative-19.71-id": "done"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kept = next(j for j in manifest["jobs"] if j["name"] == "comparative-19.71-id")
    assert (
        kept["key_numbers"]["incidents_target"]
        == aar.compare(aar.load(SAMPLE), region="19.71").metric("incidents")["target"]
    )
    assert "Kota Pangkal Pinang (19.71)" in (out / "index.html").read_text(encoding="utf-8")


def test_ctrl_c_of_a_single_report_prints_no_traceback_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start([sys.executable, "-m", "aar", "report", "comparative", "--region", "19.71", "--out", str(out)])
    _wait_for_staging(out)
    time.sleep(2)  # the kernel is running cells
    tree = _tree(process)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert "DeadKernelError" not in stderr
    assert _staging(out) == []
    assert _all_gone(tree) == []
