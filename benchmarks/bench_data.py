"""Benchmark of the data layer at national scale: `python benchmarks/bench_data.py [--incidents N]`.

Generates (once, cached under benchmarks/.data/) a national synthetic dataset in Parquet, then
measures in one run, several times each, and prints medians and ratios against baselines measured
in the same run:
- polars' bare `read_parquet` of the incidents file (the floor) against `aar.load` (read, parse,
  validate, derive operation, phase and relative day);
- the count cube and the national comparison (`aar.cube`, `aar.compare`).
No time here is a pass/fail condition; the test suite runs this with a small size so it cannot rot.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

import aar

HERE = Path(__file__).parent


def timed(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def dataset(incidents: int, seed: int = 7) -> Path:
    folder = HERE / ".data" / f"national-{incidents}-{seed}"
    if not (folder / "dataset.toml").exists():
        data = aar.synthesize("national", seed, incidents)
        aar.write_dataset(data.tables, data.config, folder, fmt="parquet", force=True)
    return folder


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    folder = dataset(args.incidents)
    floor, frame = timed(lambda: pl.read_parquet(folder / "incidents.parquet"), args.repeat)
    load, ds = timed(lambda: aar.load(folder), args.repeat)
    assert isinstance(ds, aar.Dataset)
    cube, _ = timed(lambda: aar.cube(ds), args.repeat)
    national, _ = timed(lambda: aar.compare(ds), args.repeat)
    rows = frame.height if isinstance(frame, pl.DataFrame) else 0
    results = {
        "rows": rows,
        "read_parquet_s": floor,
        "aar_load_s": load,
        "load_over_read": load / floor,
        "cube_s": cube,
        "compare_national_s": national,
    }
    print(f"incidents: {rows:,} (synthetic, national scale)")
    print(f"polars read_parquet (floor): {floor:8.3f} s")
    print(f"aar.load (read, validate, derive): {load:8.3f} s   ratio to the floor: {load / floor:5.1f}x")
    print(f"count cube (operation x regency x phase x category x day): {cube:8.3f} s")
    print(f"national compare (overall, phases, categories, provinces): {national:8.3f} s")
    return results


if __name__ == "__main__":
    main()
