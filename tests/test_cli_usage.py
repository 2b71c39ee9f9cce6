"""Usage errors of the report commands refused before any kernel (exit 2, fast), and `--help` texts
that read cleanly: no markup eaten, choices listed, defaults in words."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import aar
from aar._analytics.metrics import EXPOSURES
from aar._cli.app import app
from aar._reporting import runner
from aar._reporting.preflight import preflight
from aar._synthetic import SCALES

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fails the test if a notebook would be executed; records the calls."""
    calls: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(runner, "_execute", refuse)
    return calls


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["report", "comparative", "--region", "99"], "--region"),
        (["report", "comparative", "--region", "Atlantis"], "--region"),
        (["report", "comparative", "--exposure", "foo"], "--exposure"),
        (["report", "comparative", "--lang", "fr"], "--lang"),
        (["report", "comparative", "--min-cell", "0"], "--min-cell"),
        (["report", "comparative", "--alpha", "1.5"], "--alpha"),
        (["report", "overview", "--as-of", "2024-13-01"], "--as-of"),
        (["report", "overview", "--as-of", "30/11/2024"], "--as-of"),
        (["report", "overview", "--region", "Bandung"], "--region"),
    ],
)
def test_report_usage_errors_exit_2_without_a_kernel(
    no_kernel: list[Any], tmp_path: Path, args: list[str], argument: str
) -> None:
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert argument in result.output
    assert no_kernel == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_usage_error_is_fast_as_a_command() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "aar", "report", "comparative", "--region", "99"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    assert "--region: got '99'" in result.stderr
    assert seconds < 3.0  # about 0.6 s here; generous for a loaded machine


def test_preflight_normalises_and_refuses() -> None:
    assert preflight("comparative", {"region": "Kota Metro"})["region"] == "18.72"
    assert preflight("comparative", {"region": "1872"})["region"] == "18.72"
    assert preflight("comparative", {"region": None})["region"] is None
    assert preflight("overview", {"as_of": "2024-02-29"})["as_of"] == "2024-02-29"
    assert preflight("overview", {"as_of": ""})["as_of"] == ""
    with pytest.raises(aar.UsageError, match="ambiguous between"):
        preflight("comparative", {"region": "Bandung"})
    for bad in ("2023-02-29", "2024-1-5", "tomorrow"):
        with pytest.raises(aar.UsageError, match="--as-of"):
            preflight("overview", {"as_of": bad})
    with pytest.raises(aar.UsageError, match="--exposure") as caught:
        preflight("comparative", {"exposure": "foo"})
    assert caught.value.allowed == ", ".join(EXPOSURES)


def test_run_report_calls_preflight_first(no_kernel: list[Any], tmp_path: Path) -> None:
    with pytest.raises(aar.UsageError, match="--region"):
        aar.run_report("comparative", {"region": "99"}, tmp_path)
    assert no_kernel == []


COMMANDS = [
    [],
    ["validate"],
    ["summary"],
    ["synth"],
    ["template"],
    ["report"],
    ["report", "comparative"],
    ["report", "overview"],
    ["batch"],
    ["batch", "comparative"],
    ["batch", "overview"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "aar")
def test_help_reads_cleanly(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "220", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "[]" not in text and ":  and" not in text and "'aar')" not in text
    assert "[default: 0]" not in text
    if command[:1] == ["batch"] and len(command) == 2:
        assert "[defaults] table and [[report]] tables" in text
        assert "pip install 'aar[distributed]'" in text
        assert "[default: (the number of cores)]" in text
        assert "<province|regency>" in text and "<local|dask>" in text
    if command == ["synth"]:
        assert f"<{'|'.join(SCALES)}>" in text
        assert "<csv|parquet>" in text
    if command == ["report", "comparative"]:
        assert f"<{'|'.join(EXPOSURES)}>" in text
        assert "<id|en>" in text


def test_batch_usage_error_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aar._data import dataset

    def no_load(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the dataset was read")

    monkeypatch.setattr(dataset, "describe", no_load)
    result = CliRunner().invoke(
        app, ["batch", "overview", "--as-of", "2024-13-01", "--out", str(tmp_path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    assert "--as-of" in result.output


@pytest.mark.parametrize(("given", "passed"), [(None, 25), ("0", None), ("3", 3)])
def test_batch_passes_reports_per_kernel_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, passed: int | None
) -> None:
    """--reports-per-kernel reaches the batch: the default, 0 for a fresh kernel per report, or N."""
    from aar import _batch

    seen: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)
        raise AssertionError("stop here")

    monkeypatch.setenv("AAR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_batch, "run_batch", capture)
    option = [] if given is None else ["--reports-per-kernel", given]
    result = CliRunner().invoke(
        app, ["batch", "comparative", "--regions", "19.71", "--out", str(tmp_path / "out"), *option]
    )
    assert isinstance(result.exception, AssertionError), result.output
    assert seen["reports_per_kernel"] == passed


def test_batch_refuses_a_negative_reports_per_kernel(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["batch", "comparative", "--reports-per-kernel", "-1", "--out", str(tmp_path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "--reports-per-kernel" in result.output
