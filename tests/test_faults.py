"""Faults an operator meets (issue 14): wrong arguments, plan files of the wrong shape, output folders
that cannot be written, regions and operations a report cannot be made of, and data that looks like
terminal markup. Each is refused with a message naming what was wrong, before any kernel starts."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aar
from aar._batch import plan_jobs, read_plan, run_batch
from aar._cli.app import app
from aar._reporting import runner

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
LAMPUNG = Path(__file__).parent / "data" / "lampung"


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a notebook would be executed."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(runner, "_execute", refuse)


def _copy_without(tmp_path: Path, keep: object) -> Path:
    """A copy of the sample whose incidents, deployments and electorate keep the rows `keep(row)` accepts."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    for name in ("incidents.csv", "deployments.csv", "electorate.csv"):
        with (data / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        with (data / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if keep(r))  # type: ignore[operator]
    return data


# item 16: API and command-line arguments


def test_unknown_metric_is_a_usage_error_naming_the_known_ones() -> None:
    cmp = aar.compare(aar.load(SAMPLE), region="19.71")
    with pytest.raises(aar.UsageError, match=r"name: got 'nope'; allowed: incidents, cleared"):
        cmp.metric("nope")


def test_unknown_level_of_deployment_tables_is_a_usage_error() -> None:
    ds = aar.load(SAMPLE)
    with pytest.raises(aar.UsageError, match=r"level: got 'village'; allowed: national, province, regency"):
        aar.required_vs_deployed(ds, level="village")
    with pytest.raises(aar.UsageError, match="level"):
        aar.voting_day(ds, level="village")
    assert aar.required_vs_deployed(ds, region="19", level="regency")["region"].str.starts_with("19.").all()


@pytest.mark.parametrize(
    ("arguments", "option"),
    [(["report", "comparative", "--timeout", "0"], "--timeout"), (["batch", "comparative", "--jobs", "-3"], "--jobs")],
)
def test_cli_refuses_a_zero_timeout_and_negative_jobs(arguments: list[str], option: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*arguments, "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert option in result.output
    assert not (tmp_path / "out").exists()


def test_api_refuses_a_zero_timeout_and_negative_workers(tmp_path: Path, no_kernel: None) -> None:
    with pytest.raises(aar.UsageError, match=r"timeout: got 0"):
        runner.run_report("comparative", {"dataset": str(SAMPLE), "region": "19.71"}, tmp_path, timeout=0)
    with pytest.raises(aar.UsageError, match=r"workers: got -3"):
        run_batch([], tmp_path, workers=-3)


# item 7: plan.toml of the wrong shape


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("report = [1, 2]\n", r"plan.toml: \[\[report\]\] 1: got 1"),
        ('defaults = "en"\n[[report]]\nregion = "19.71"\n', r"plan.toml: defaults: got 'en'"),
        ('report = "19.71"\n', r"plan.toml: report: got '19.71'"),
    ],
)
def test_plan_of_the_wrong_shape_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(aar.UsageError, match=message):
        read_plan(plan)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('region = "19.71"\nmin_cell = "three"', r"\[\[report\]\] 2: min_cell: got 'three'; allowed: a whole number"),
        ("region = 19.71", r"\[\[report\]\] 2: region: got 19.71; allowed: a text"),
        ('region = "19.71"\nalpha = true', r"\[\[report\]\] 2: alpha: got True; allowed: a number"),
        ('region = "19.71"\nkind = "weekly"', r"\[\[report\]\] 2: kind: got 'weekly'"),
        ('region = "19.71"\nregoin = "19"', r"\[\[report\]\] 2: got 'regoin'"),
    ],
)
def test_plan_values_of_the_wrong_type_name_entry_and_key(tmp_path: Path, entry: str, message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[defaults]\nlang = "en"\n\n[[report]]\nregion = "19.01"\n\n[[report]]\n{entry}\n')
    with pytest.raises(aar.UsageError, match=message):
        plan_jobs("comparative", SAMPLE, plan=plan)


def test_cli_plan_of_the_wrong_shape_exits_2_without_traceback(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[[report]]\nregion = "19.71"\nmin_cell = "three"\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["batch", "comparative", "--plan", str(plan), "--out", str(tmp_path / "out")], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert "min_cell: got 'three'" in result.output
    assert "Traceback" not in result.output


# item 11: --out that is a file or cannot be written


@pytest.mark.parametrize("where", ["file", "under-a-file", "proc"])
def test_out_that_cannot_be_a_folder_is_a_usage_error(tmp_path: Path, where: str, no_kernel: None) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = {"file": tmp_path / "file", "under-a-file": tmp_path / "file" / "reports", "proc": Path("/proc/aar-out")}[
        where
    ]
    with pytest.raises(aar.UsageError, match=r"out: got .*allowed: a folder"):
        runner.run_report("comparative", {"dataset": str(SAMPLE), "region": "19.71"}, out)
    with pytest.raises(aar.UsageError, match=r"out: got .*allowed: a folder"):
        run_batch([], out)
    result = CliRunner().invoke(app, ["report", "comparative", "--region", "19.71", "--out", str(out)])
    assert result.exit_code == 2
    assert "usage error" in result.output
    assert "Traceback" not in result.output


# items 8 and 9: regions and operations a report cannot be made of, refused before a kernel starts


def test_region_outside_the_coverage_is_refused(tmp_path: Path, no_kernel: None) -> None:
    with pytest.raises(
        aar.UsageError, match=r"region: got '19.71'; allowed: a region the dataset covers: provinces 18"
    ):
        runner.run_report("comparative", {"dataset": str(LAMPUNG), "region": "19.71"}, tmp_path)
    with pytest.raises(aar.UsageError, match="region"):
        runner.run_report("overview", {"dataset": str(LAMPUNG), "region": "19"}, tmp_path)
    with pytest.raises(aar.UsageError, match="region"):
        aar.compare(aar.load(LAMPUNG), region="19.71")


def test_comparing_an_operation_with_itself_is_refused(tmp_path: Path, no_kernel: None) -> None:
    with pytest.raises(aar.UsageError, match=r"target: got 'OMP-2024'; allowed: an operation other than the baseline"):
        runner.run_report(
            "comparative",
            {"dataset": str(SAMPLE), "region": "19", "baseline": "OMP-2024", "target": "OMP-2024"},
            tmp_path,
        )
    result = CliRunner().invoke(
        app,
        ["report", "comparative", "--region", "19", "--baseline", "OMP-2024", "--out", str(tmp_path / "o")],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 2
    assert "other than the baseline" in result.output


def test_a_target_with_no_data_is_refused(tmp_path: Path, no_kernel: None) -> None:
    data = _copy_without(tmp_path, lambda r: r["operation_id"] != "OMP-2024")
    with pytest.raises(aar.UsageError, match=r"target: got 'OMP-2024'; allowed: an operation with incidents"):
        runner.run_report("comparative", {"dataset": str(data), "region": "19.71"}, tmp_path / "out")
    with pytest.raises(aar.UsageError, match=r"operation: got 'OMP-2024'"):
        runner.run_report("overview", {"dataset": str(data), "region": "19.71", "operation": "OMP-2024"}, tmp_path)
    with pytest.raises(aar.UsageError, match="target"):
        plan_jobs("comparative", data, regions=["19.71"])
    assert not (tmp_path / "out").exists()


def test_a_region_with_no_incidents_gives_a_report_that_says_so(tmp_path: Path) -> None:
    data = _copy_without(tmp_path, lambda r: r["region_code"] != "19.71" or "incident_id" not in r)
    report = aar.comparative_report(str(data), "19.71", lang="en")
    pages = {
        name: re.sub(r"<[^>]+>", "", getattr(report, name)()._repr_html_())
        for name in ("summary", "categories", "findings")
    }
    assert "0 incidents were recorded over 140 operation days, against 0 over" in pages["summary"]
    assert (
        "No incident was recorded in Kota Pangkal Pinang (19.71), neither in OMP 2024 nor in OMB 2023-2024"
        in pages["summary"]
    )
    assert "stayed at" not in pages["summary"]
    assert aar.compare(aar.load(data), region="19.71").metric("incidents")["target"] == 0


# item 12: values printed literally


@pytest.mark.parametrize("value", ["[bold red]Bandung", "[/red]", "Polda [/bold] Lampung"])
def test_markup_in_a_data_cell_is_printed_literally(tmp_path: Path, value: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = data / "incidents.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[4] = f'"{value}"'
    lines[1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data)], env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert repr(value) in result.output


# item 10: staging folders of killed runs


def test_staging_folders_of_dead_runs_are_removed_by_the_next_run(tmp_path: Path, no_kernel: None) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    out = tmp_path / "out"
    out.mkdir()
    left = out / f".comparative-19.71-id.{dead}.k3x9q2ab"  # a run killed with SIGKILL left it
    live = out / f".comparative-19.71-id.{os.getpid()}.a1b2c3d4"  # a run still going
    other = out / f".comparative-19.01-id.{dead}.zz99yy88"  # another report's: left to its own next run
    for folder in (left, live, other):
        folder.mkdir()
        (folder / "report.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(AssertionError, match="a kernel was started"):
        runner.run_report("comparative", {"dataset": str(SAMPLE), "region": "19.71"}, out)
    assert not left.exists()
    assert live.exists()
    assert other.exists()
    assert runner.clean_staging(out) == [other]
    assert sorted(p.name for p in out.iterdir()) == [live.name]
