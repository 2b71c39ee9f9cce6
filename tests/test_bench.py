"""The benchmarks run (on a small size), so they cannot rot; no time is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks"


def test_data_benchmark_smoke(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        import bench_data
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(bench_data, "HERE", tmp_path)
    results = bench_data.main(["--incidents", "20000", "--repeat", "1"])
    assert 18_000 < results["rows"] < 22_000
    assert results["load_over_read"] > 0


def test_batch_benchmark_smoke() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_batch
    finally:
        sys.path.pop(0)
    results = bench_batch.main(["--province", "19", "--limit", "1", "--jobs", "1"])
    assert results["reports"] == 1
    assert results["ratio"] > 0
