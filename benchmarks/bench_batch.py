"""Benchmark of batch report generation: `python benchmarks/bench_batch.py [--province 19]`.

Runs the same regional reports (every kabupaten/kota of one province of the sample) two ways in
one run and prints the ratio:
- naive: for each report, one `papermill` command and one `jupyter nbconvert --to html --no-input`
  command, one after the other;
- `aar batch`: the dataset prepared once, reports in-process on worker processes (default: the
  number of cores), each running its reports one after another in one warm kernel, the page built
  in-process.
No time here is a pass/fail condition; the test suite runs it on one report so it cannot rot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aar
from aar._batch import Workers, plan_jobs, regions_at, run_batch
from aar._data.dataset import save_prepared
from aar._reporting.runner import notebook_path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def naive(regions: list[str], dataset: Path, out: Path) -> float:
    started = time.perf_counter()
    for region in regions:
        executed = out / f"naive-{region}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                str(notebook_path("comparative")),
                str(executed),
                "-p",
                "dataset",
                str(dataset),
                "-p",
                "region",
                region,
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def batched(regions: list[str], dataset: Path, out: Path, workers: int) -> float:
    """What `aar batch` does after parsing its options, timed from there to the last file."""
    from aar._reporting.runner import skip_unused_imports

    started = time.perf_counter()
    skip_unused_imports()  # as the command line does first
    with Workers(workers) as ahead:  # as the command line does: kernels warm up while the dataset is prepared
        prepared = save_prepared(aar.load(dataset), out.parent / f"{out.name}-prepared")  # outside the reports folder
        jobs = plan_jobs("comparative", dataset, regions=regions, prepared=prepared)
        result = run_batch(jobs, out, workers=workers, force=True, started_workers=ahead)
    if result.failed:
        raise SystemExit(f"{result.failed} reports failed: see {result.manifest}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--province", default="19")
    parser.add_argument("--limit", type=int, default=0, help="only the first N kabupaten/kota (0: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    ds = aar.load(args.dataset)
    regions = [r for r in regions_at(ds, "regency") if r.startswith(args.province + ".")]
    if args.limit:
        regions = regions[: args.limit]
    with tempfile.TemporaryDirectory(prefix="aar-bench-") as tmp:
        work = Path(tmp)
        (work / "naive").mkdir()
        slow = naive(regions, args.dataset.resolve(), work / "naive")
        fast = batched(regions, args.dataset.resolve(), work / "batch", args.jobs)
        shutil.rmtree(work, ignore_errors=True)
    n = len(regions)
    print(f"{n} comparative reports (kabupaten/kota of province {args.province}), {os.cpu_count()} cores")
    print(f"naive (papermill CLI + nbconvert CLI per report, sequential): {slow:7.1f} s, {slow / n:5.2f} s per report")
    print(
        f"aar batch ({args.jobs} workers, warm kernels, prepared dataset): {fast:7.1f} s, {fast / n:5.2f} s per report"
    )
    print(f"speed-up: {slow / fast:4.2f}x")
    return {"reports": n, "naive_s": slow, "batch_s": fast, "ratio": slow / fast}


if __name__ == "__main__":
    main()
