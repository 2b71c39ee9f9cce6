"""The `aar` command: summary, version, `python -m aar`, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import aar

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aar", *args], capture_output=True, text=True, env=ENV, timeout=120, check=False
    )


def test_summary_prints_per_operation_window_incidents_personnel_days_voters_and_tps(lampung: Path) -> None:
    result = run("summary", str(lampung))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "SYNTHETIC DATA" in out
    assert "OMB-2023-2024" in out
    assert "OMP-2024" in out
    for label in ("window start", "voting day (hari H)", "regions covered", "personnel-days", "voters (DPT)", "TPS"):
        assert label in out
    assert "37,970" in out  # OMP personnel-days: 300 x 125 + 470 x 1
    assert "120,000" in out  # voters of Kota Metro in the fixture
    assert "Mantap Praja Krakatau" in out
    assert "recapitulation" in out
    for group in ("kejahatan", "pelanggaran", "gangguan", "bencana", "lalu_lintas"):
        assert group in out


def test_summary_numbers_match_the_library(lampung: Path) -> None:
    overview = aar.operations_overview(aar.load(lampung))
    omp = overview.filter(overview["operation_id"] == "OMP-2024").row(0, named=True)
    assert omp["personnel_days"] == 37970
    assert omp["incidents"] == 3
    assert omp["voters"] == 120000
    groups = aar.incidents_by_group(aar.load(lampung))
    assert groups.filter(groups["operation_id"] == "OMB-2023-2024").row(0, named=True)["lalu_lintas"] == 1


def test_validate_prints_where_tables_came_from(lampung: Path) -> None:
    result = run("validate", str(lampung))
    assert result.returncode == 0
    assert "kejadian.csv" in result.stdout
    assert "shipped reference" in result.stdout


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"aar {aar.__version__}"
    result = run("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout
    assert "summary" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "missing")).returncode == 2
    assert run("summary").returncode == 2
    assert run("validate", "--no-such-option", str(tmp_path)).returncode == 2


def test_a_folder_without_tables_exits_1_with_a_message(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path))
    assert result.returncode == 1
    assert "no table found" in result.stderr
    assert "Traceback" not in result.stderr


def test_quiet_prints_nothing_but_errors_and_verbose_logs(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aar._cli.app import app

    runner = CliRunner()
    quiet = runner.invoke(app, ["--quiet", "synth", "--out", str(tmp_path / "q"), "--incidents", "200"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.strip() == ""
    assert (tmp_path / "q" / "incidents.csv").exists()
    loud = runner.invoke(app, ["synth", "--out", str(tmp_path / "l"), "--incidents", "200"])
    assert "wrote 10 files" in loud.output


def test_a_plan_is_run_by_the_subcommand_of_its_kind(tmp_path: Path) -> None:
    from aar._batch import plan_jobs

    plan = tmp_path / "plan.toml"
    plan.write_text('[[report]]\nkind = "overview"\nregion = "19.71"\n', encoding="utf-8")
    sample = Path(__file__).parents[1] / "data" / "sample"
    with pytest.raises(aar.UsageError, match=r"kind: got 'overview'; allowed: comparative \(run overview entries"):
        plan_jobs("comparative", sample, plan=plan)
