"""The benchmarks run (on a small size), so they cannot rot; no time is asserted.

What is asserted: the baselines compute what aar computes (the checks inside the benchmark pass,
and they fail when a number is off), and the results file is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

BENCH = Path(__file__).parents[1] / "benchmarks"


def bench_module(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


@pytest.mark.slow
def test_data_benchmark_smoke(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bench_data = bench_module("bench_data")
    monkeypatch.setattr(bench_data, "HERE", tmp_path)
    results = bench_data.main(
        [
            "--incidents",
            "20000",
            "--repeat",
            "1",
            "--streaming-rows",
            "60000",
            "--sample",
            "5000",
            "--write",
            str(tmp_path / "RESULTS.md"),
        ]
    )
    assert 18_000 < results["rows"] < 22_000
    assert results["checked_rows"] == 5_000
    assert results["load_over_read"] > 0 and results["compare_over_floor"] > 0 and results["pandas_cube_over_cube"] > 0
    assert results["memory"]["load"]["peak_bytes"] > 0 and results["loaded_bytes"] > 0
    assert results["streaming"]["input_rows"] >= 3 * results["rows"] - 10 and results["streaming"]["rows"] > 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| count cube" in text and "## Data beyond memory" in text


def test_equality_checks_of_the_baselines_can_fail(tmp_path: Path) -> None:
    import aar

    eq = bench_module("equivalents")
    data = aar.synthesize("sample", 7, 3_000)
    aar.write_dataset(data.tables, data.config, tmp_path / "ds", fmt="parquet")
    ds = aar.load(tmp_path / "ds")
    small = eq.Small.of(ds)
    frame = eq.pandas_load(tmp_path / "ds", small)
    assert eq.same_load(ds, frame, 3_000) == ds.incidents.height
    numbers = eq.numbers_of(aar.compare(ds))
    eq.same_compare(numbers, eq.pandas_compare(ds, small, frame, "OMB-2023-2024", "OMP-2024"), "pandas")
    eq.same_compare(numbers, eq.floor_compare(ds, "OMB-2023-2024", "OMP-2024"), "floor")
    eq.same_cube(aar.cube(ds), pl.from_pandas(eq.pandas_cube(frame)), "pandas")

    wrong = frame.copy()
    wrong.loc[wrong.index[:5], "phase"] = "quiet" if wrong["phase"].iloc[0] != "quiet" else "campaign"
    with pytest.raises(AssertionError, match="phase differs"):
        eq.same_load(ds, wrong, 3_000)
    off = eq.pandas_compare(ds, small, frame.iloc[1:], "OMB-2023-2024", "OMP-2024")
    with pytest.raises(AssertionError, match="pandas: "):
        eq.same_compare(numbers, off, "pandas")
    with pytest.raises(AssertionError):
        eq.same_cube(aar.cube(ds), pl.from_pandas(eq.pandas_cube(frame.iloc[1:])), "pandas")


def test_batch_benchmark_smoke() -> None:
    bench_batch = bench_module("bench_batch")
    results = bench_batch.main(["--province", "19", "--limit", "1", "--jobs", "1"])
    assert results["reports"] == 1
    assert results["ratio"] > 0


def test_cli_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    result = bench_module("bench_cli").main(["--repeat", "1"])
    assert result["floor"] > 0 and result["version"] > 0
    assert "aar --version over import polars:" in capsys.readouterr().out


@pytest.mark.slow
def test_report_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    result = bench_module("bench_report").main(["--repeat", "1", "--region", "19.71"])
    assert result["empty"] > 0 and result["imports"] > 0 and result["report"] > 0
    out = capsys.readouterr().out
    assert "over the import floor:" in out and "over the empty floor:" in out
    assert result["warm"] > 0 and "warm worker over the import floor:" in out
    assert result["cached"] > 0 and "prepared before, over the import floor:" in out


def test_results_file_keeps_the_sections_the_data_benchmark_does_not_write(tmp_path: Path) -> None:
    bench_data = bench_module("bench_data")
    path = tmp_path / "RESULTS.md"
    path.write_text(
        "# Data-layer benchmark\n\nold\n\n## Peak memory\n\nold peak\n\n## Load before and after\n\nkept by hand\n"
        "\n## Batch\n\nanother benchmark's\n"
    )
    new = "# Data-layer benchmark\n\nnew\n\n## Peak memory\n\nnew peak\n"
    text = bench_data.merged(new, path)
    assert text.startswith(new)
    assert "old" not in text and text.count("## Peak memory") == 1
    assert text.index("## Load before and after") < text.index("## Batch")
    assert "kept by hand" in text and "another benchmark's" in text
    assert bench_data.merged(new, tmp_path / "none.md") == new


def test_a_load_and_its_read_are_timed_in_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    bench_data = bench_module("bench_data")
    clock = [0.0]
    calls: list[str] = []
    monkeypatch.setattr(bench_data.time, "perf_counter", lambda: clock[0])

    def step(name: str, seconds: list[float]) -> object:
        def run() -> None:
            calls.append(name)
            clock[0] += seconds[len([c for c in calls if c == name]) - 1]

        return run

    # the third pair runs on a busy machine: both steps slow, their ratio as before
    floor, load, ratio = bench_data.paired(step("read", [1, 1, 10]), step("load", [3, 4, 30]), 3)
    assert calls == ["read", "load"] * 3
    assert (floor, load, ratio) == (1, 4, 3)


def test_frame_bytes_counts_the_view_of_every_string_cell() -> None:
    """polars' estimated_size leaves out the 16-byte view of each String cell; the benchmark's
    frame size counts it, and counts the bytes of strings too long to live in their view."""
    bench_data = bench_module("bench_data")
    short = pl.DataFrame({"s": ["ab"] * 1_000})
    assert short.estimated_size() == 2_000
    assert bench_data.frame_bytes(short) == 16 * 1_000
    long = pl.DataFrame({"s": ["x" * 20] * 1_000, "n": list(range(1_000))})
    assert bench_data.frame_bytes(long) == 1_000 * (16 + 20) + 8 * 1_000
    nulls = pl.DataFrame({"s": pl.Series([None, "ab", None], dtype=pl.String)})
    assert bench_data.frame_bytes(nulls) == nulls.estimated_size() + 16 - 2
