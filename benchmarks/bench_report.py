"""One comparative report from command to files, against two floors measured in the same run.

- the empty floor: `papermill` on a notebook with one empty cell (a kernel started and stopped);
- the import floor: `papermill` on a notebook that only imports what a report needs (polars,
  plotly, statsmodels, scipy);
- the report: `aar report comparative --dataset data/sample --region 18` (papermill, the
  report's own work, the page, the workbook and the sidecar), with an empty cache of prepared
  datasets (`$AAR_CACHE_DIR`), as the first report on new data: the dataset validated once, its
  prepared copy written;
- the same report with the prepared copy in the cache already (every report after the first on
  the same data): the checksum checked, nothing validated;
- the same report in a warm batch worker: `run_report(..., kernel=WarmKernel())` in one process
  whose kernel was started (and its imports done) before the timing, as a batch worker runs every
  report after its first; it has no import floor to pay, so its ratios say how close a batch comes
  to the cost of starting an empty kernel for each report.

Each is run `--repeat` times, one after the other, and the medians are compared: the machines
here are noisy, so only the ratios mean something. `make bench-report`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _notebook(path: Path, source: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nb, path)
    return path


def _time(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env={**os.environ, **(env or {})})
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--region", default="18")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="aar-bench-report-") as tmp:
        work = Path(tmp)
        empty = _notebook(work / "empty.ipynb", "")
        imports = _notebook(
            work / "imports.ipynb",
            "import polars\nimport plotly.graph_objects\nimport statsmodels.api\nimport scipy.stats",
        )
        papermill = str(BIN / "papermill")
        runs: dict[str, list[float]] = {"empty": [], "imports": [], "report": [], "cached": []}
        shared = {"AAR_CACHE_DIR": str(work / "cache")}  # never the user's own cache
        for i in range(args.repeat):
            runs["empty"].append(_time([papermill, str(empty), str(work / "e.ipynb"), "--no-progress-bar"]))
            runs["imports"].append(_time([papermill, str(imports), str(work / "i.ipynb"), "--no-progress-bar"]))
            command = [str(BIN / "aar"), "report", "comparative", "--dataset", "data/sample", "--region", args.region]
            empty_cache = {"AAR_CACHE_DIR": str(work / f"cache-{i}")}
            runs["report"].append(_time([*command, "--out", str(work / f"reports-{i}")], empty_cache))
            if i == 0:  # the cache filled once, by a first report
                _time([*command, "--out", str(work / "fill")], shared)
            runs["cached"].append(_time([*command, "--out", str(work / f"cached-{i}")], shared))
        previous = os.environ.get("AAR_CACHE_DIR")
        os.environ.update(shared)  # the warm worker runs here, in this process
        try:
            runs["warm"] = _warm(args.region, work, args.repeat)
        finally:
            os.environ.pop("AAR_CACHE_DIR")
            if previous is not None:
                os.environ["AAR_CACHE_DIR"] = previous
    median = {k: statistics.median(v) for k, v in runs.items()}
    print(f"papermill, empty notebook:   {median['empty']:6.2f} s (median of {args.repeat})")
    print(f"papermill, imports only:     {median['imports']:6.2f} s")
    print(f"aar report comparative {args.region}: {median['report']:6.2f} s")
    print(f"over the import floor: {median['report'] / median['imports']:.2f}x (target at most 1.50x)")
    print(f"over the empty floor: {median['report'] / median['empty']:.2f}x")
    print(f"aar report comparative {args.region}, dataset prepared before: {median['cached']:6.2f} s")
    print(f"prepared before, over the import floor: {median['cached'] / median['imports']:.2f}x")
    print(f"prepared before, over the empty floor: {median['cached'] / median['empty']:.2f}x")
    print(f"warm batch worker, comparative {args.region}: {median['warm']:6.2f} s (kernel started before the timing)")
    print(f"warm worker over the import floor: {median['warm'] / median['imports']:.2f}x")
    print(f"warm worker over the empty floor: {median['warm'] / median['empty']:.2f}x")
    return {
        **median,
        "over_imports": median["report"] / median["imports"],
        "over_empty": median["report"] / median["empty"],
        "cached_over_imports": median["cached"] / median["imports"],
        "cached_over_empty": median["cached"] / median["empty"],
        "warm_over_imports": median["warm"] / median["imports"],
        "warm_over_empty": median["warm"] / median["empty"],
    }


def _warm(region: str, work: Path, repeat: int) -> list[float]:
    """Seconds of `repeat` reports in one warm kernel, after a first one (the worker's own imports)."""
    from aar._reporting.kernel import WarmKernel
    from aar._reporting.runner import run_report, skip_unused_imports

    skip_unused_imports()  # as in a batch worker
    kernel = WarmKernel()
    parameters = {"dataset": str(ROOT / "data" / "sample"), "region": region}
    try:
        run_report("comparative", parameters, work / "warm-first", kernel=kernel)
        times = []
        for i in range(repeat):
            started = time.perf_counter()
            run_report("comparative", parameters, work / f"warm-{i}", kernel=kernel)
            times.append(time.perf_counter() - started)
    finally:
        kernel.close()
    return times


if __name__ == "__main__":
    main()
