"""Warm kernels: a report made in a warm kernel equals the one made in a fresh kernel, and nothing
of one report (a variable, a monkeypatch, a warning filter, a polars or numpy setting, the
environment, the working folder) reaches the next; the kernel is replaced after a failure, a
timeout and every N reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from _report_files import page, sidecar
from aar._errors import UsageError
from aar._reporting.kernel import RESET_CELL, WarmKernel
from aar._reporting.runner import run_report

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"

PROBE = """\
import gc as _gc, json as _json, os as _os, sys as _sys, warnings as _warnings
import numpy as _np, polars as _pl, plotly.io as _pio
import aar as _aar, aar._reporting.comparative as _comparative
import aar._reporting.figures as _figures, aar._messages as _catalog
print(_json.dumps({
    "names": sorted(k for k in globals() if not k.startswith("_") and k not in ("In", "Out", "exit", "quit", "get_ipython")),
    "report": id(_aar.comparative_report),
    "publish": id(_comparative.publish_comparison),
    "filters": len(_warnings.filters),
    "polars": _pl.Config.save(),
    "rows": _pl.DataFrame({"a": list(range(30))}).__repr__().count("\\n"),
    "numpy": _np.geterr(),
    "env": _os.environ.get("AAR_LEAKED"),
    "cwd": _os.getcwd(),
    "template": _pio.templates.default,
    "path": len(_sys.path),
    "figure_font": _figures.template().layout.font.size,
    "registered_font": _pio.templates["aar"].layout.font.size,
    "catalog": _catalog.catalog("en")["nav.title"],
    "collector": _gc.isenabled(),
}, sort_keys=True))
"""

LEAK = """\
leaked_variable = 42
import os, warnings
import numpy as np, polars as pl, plotly.io as pio
import aar, aar._reporting.comparative as comparative
aar.comparative_report = lambda *a, **k: 1 / 0
comparative.publish_comparison = lambda *a, **k: 1 / 0
warnings.simplefilter("error")
pl.Config.set_tbl_rows(3)
np.seterr(all="raise")
os.environ["AAR_LEAKED"] = "1"
os.chdir("/")
pio.templates.default = "plotly_dark"
import sys; sys.path.insert(0, "/nonexistent")
import aar._reporting.figures as figures, aar._messages as catalog
figures.template().layout.font.size = 99  # memoised values changed in place
pio.templates["aar"].layout.font.size = 98
catalog.catalog("en")["nav.title"] = "LEAKED"
import gc; gc.disable()
"""


def _probe(kernel: WarmKernel) -> dict[str, object]:
    outputs = kernel.run_cell(PROBE)
    return json.loads("".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream"))


def _notebook(path: Path, source: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nb, path)
    return path


def test_reports_per_kernel_must_be_a_positive_whole_number() -> None:
    for wrong in (0, -1, 2.5, True, "3"):
        with pytest.raises(UsageError, match="reports_per_kernel"):
            WarmKernel(wrong)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WarmKernel, Path]]:
    kernel = WarmKernel()
    yield kernel, tmp_path_factory.mktemp("warm")
    kernel.close()


@pytest.mark.slow
def test_a_warm_report_equals_a_fresh_one(warm: tuple[WarmKernel, Path]) -> None:
    kernel, out = warm
    params = {"dataset": str(SAMPLE), "region": "19.71", "lang": "en"}
    run_report("comparative", {**params, "region": "19.01"}, out / "warm", kernel=kernel)  # one report before
    warm_report = run_report("comparative", params, out / "warm", kernel=kernel)
    fresh_report = run_report("comparative", params, out / "fresh")
    assert kernel.starts == 1 and kernel.reports == 2
    assert page(warm_report.folder) == page(fresh_report.folder)
    assert sidecar(warm_report.folder) == sidecar(fresh_report.folder)
    warm_nb = nbformat.read(warm_report.notebook, as_version=4)
    fresh_nb = nbformat.read(fresh_report.notebook, as_version=4)
    assert [c.get("execution_count") for c in warm_nb.cells] == [c.get("execution_count") for c in fresh_nb.cells]
    assert [c.metadata.get("tags") for c in warm_nb.cells] == [c.metadata.get("tags") for c in fresh_nb.cells]


@pytest.mark.slow
def test_state_of_one_report_does_not_reach_the_next(warm: tuple[WarmKernel, Path]) -> None:
    kernel, out = warm
    kernel.run_cell(RESET_CELL)
    clean = _probe(kernel)
    assert clean["collector"] is True  # the warm-up's imports ran without it, and it is back on
    kernel.run_cell(LEAK)
    leaked = _probe(kernel)
    for key in clean:
        assert leaked[key] != clean[key], key  # the injection took effect: the probe can see each change
    kernel.run_cell(RESET_CELL)
    assert _probe(kernel) == clean
    # and a whole report after the injection (the monkeypatches would raise ZeroDivisionError)
    kernel.run_cell(LEAK)
    params = {"dataset": str(SAMPLE), "region": "19.71", "lang": "en"}
    after = run_report("comparative", params, out / "after", kernel=kernel)
    before = run_report("comparative", params, out / "before")
    assert page(after.folder) == page(before.folder)


@pytest.mark.slow
def test_the_kernel_is_replaced_after_a_failure_a_timeout_and_every_n_reports(tmp_path: Path) -> None:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    fine = _notebook(tmp_path / "fine.ipynb", "import os\nprint(os.getpid())")
    failing = _notebook(tmp_path / "failing.ipynb", "raise ValueError('broken report')")
    hanging = _notebook(tmp_path / "hanging.ipynb", "import time\ntime.sleep(60)")

    def pid() -> int:
        out = tmp_path / "out.ipynb"
        kernel.run(fine, out, {}, timeout=30)
        return int(nbformat.read(out, as_version=4).cells[0].outputs[0]["text"])

    kernel = WarmKernel(reports_per_kernel=2)
    try:
        first = pid()
        assert pid() == first  # the same kernel for two reports
        third = pid()
        assert third != first and kernel.starts == 2  # replaced after 2
        with pytest.raises(PapermillExecutionError, match="broken report"):
            kernel.run(failing, tmp_path / "f.ipynb", {}, timeout=30)
        after_failure = pid()
        assert after_failure != third and kernel.starts == 3
        with pytest.raises(CellTimeoutError):
            kernel.run(hanging, tmp_path / "h.ipynb", {}, timeout=1)
        after_timeout = pid()
        assert after_timeout != after_failure and kernel.starts == 4
        os.kill(after_timeout, signal.SIGKILL)  # a kernel that died between two reports (the OOM killer)
        time.sleep(0.5)
        after_death = pid()
        assert after_death != after_timeout and kernel.starts == 5
        for old in (first, third, after_failure):  # replaced kernels are stopped, not left running
            assert subprocess.run(["kill", "-0", str(old)], capture_output=True).returncode != 0
    finally:
        kernel.close()


def test_the_report_path_of_the_parent_never_imports_jupyterlab_or_the_iri_grammar() -> None:
    """What `aar report` loads in its own process before the kernel: papermill, nbformat, nbclient,
    never jupyterlab or jupyter_server, and not the grammar jsonschema would compile."""
    code = (
        "import sys\n"
        "from aar._reporting.runner import check_parameters, skip_unused_imports\n"
        "skip_unused_imports()\n"
        "check_parameters('comparative', {'region': '18'})\n"
        "import papermill, nbclient, nbformat, jupyter_client\n"
        "from aar._reporting.kernel import WarmKernel\n"
        "import aar._batch\n"
        "loaded = {m.split('.')[0] for m, v in sys.modules.items() if v is not None}\n"
        "print(sorted(loaded & {'jupyterlab', 'jupyter_server', 'jupyter_events', 'rfc3987_syntax', 'notebook'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("enabled", [True, False])
def test_a_worker_imports_its_report_path_and_leaves_the_collector_as_it_was(enabled: bool) -> None:
    import gc
    import sys

    from aar._batch import WORKER_IMPORTS, _import_report_path

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        _import_report_path()
        assert gc.isenabled() is enabled
        assert all(name in sys.modules for name in WORKER_IMPORTS)
    finally:
        gc.enable() if was else gc.disable()
