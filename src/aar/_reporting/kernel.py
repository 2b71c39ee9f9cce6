"""Warm kernels: one Jupyter kernel runs a batch worker's reports one after another.

A report run by papermill starts a kernel, imports polars, plotly, statsmodels, scipy and aar
(about 3 s of a 5 s report), runs the notebook and stops the kernel. A batch worker instead keeps
one `WarmKernel`: started once, the imports done once (and the objects they made frozen out of the
garbage collector's way), then for each report a reset cell and the notebook, parameterised by
papermill as for a single report and executed by papermill's nbclient engine on the live kernel.

"Clean" is what the reset cell restores before every report, so that a report made in a warm
kernel equals the one made in a fresh kernel and nothing of one report reaches the next:

- the user namespace (IPython's reset: every variable, the output cache, the execution counter);
- the namespaces of the modules imported at warm-up of aar, polars, plotly, statsmodels, scipy,
  numpy and the standard modules a report could change (`warnings`, `time`, `os`, ...): a name
  re-bound by a report (a monkeypatch) gets its warm-up value back, a name added is removed (a
  submodule imported later is kept, as it stays in `sys.modules`); aar's classes get their
  attributes back; aar's memoised functions keep their values only when these cannot have been
  changed: a text or a polars frame, or a value whose pickle is still the one taken at warm-up
  (the outlines of the map, the plotly template); the others are emptied;
- the process: working folder, environment variables, `sys.path`, `sys.stdout`/`stderr`, the
  recursion limit, the warning filters, logging's root logger, the locale, decimal's context,
  numpy's error handling, print options and global random state, `random`'s state, polars'
  `pl.Config` and string cache, plotly's default template and renderer and its registered
  templates, IPython's display formatters, event callbacks and AST transformers.

Not restored (a report would have to go out of its way): modules first imported by a report
(they stay loaded: a C extension cannot be unloaded, and a second copy of a Python module would
break `isinstance` against objects the warm modules hold), attributes of classes outside aar,
objects changed in place outside aar's memoised functions, threads and signal handlers. The
kernel is restarted after a failure, a timeout, or every `reports_per_kernel` reports, which
bounds what could leak and what memory could grow.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

WARM_UP_TIMEOUT = 300
"""Seconds the warm-up imports may take (a cold disk, a loaded machine)."""

REPORTS_PER_KERNEL = 25
"""Reports a warm kernel runs before it is replaced by a new one (memory, and a bound on leaks)."""

TRACKED_PACKAGES = frozenset(
    {
        "aar",
        "polars",
        "plotly",
        "_plotly_utils",
        "statsmodels",
        "scipy",
        "numpy",
        "patsy",
        "jinja2",
        "markupsafe",
        "babel",
        "lazy_loader",
        "warnings",
        "random",
        "time",
        "datetime",
        "math",
        "os",
        "json",
        "re",
        "functools",
        "decimal",
        "statistics",
        "locale",
        "logging",
        "pathlib",
        "io",
    }
)
"""Top-level packages whose module namespaces the reset restores (see the module docstring)."""

WARM_IMPORTS = (
    "polars",
    "numpy",
    "scipy.stats",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.discrete.discrete_model",
    "statsmodels.stats.rates",
    "statsmodels.stats.proportion",
    "statsmodels.stats.multitest",
    "plotly.graph_objects",
    "plotly.io",
    "jinja2",
    "markupsafe",
)
"""What a report imports besides aar, imported once when the kernel starts."""

SKIPPED_AAR = ("aar._cli", "aar._batch", "aar._reporting.kernel")
"""aar modules a report never imports (the command line, batches) or that hold the warm state."""

WARM_UP_CELL = "import aar._reporting.kernel as _aar_kernel\n_aar_kernel.warm_up(get_ipython())"
RESET_CELL = "import aar._reporting.kernel as _aar_kernel\n_aar_kernel.reset(get_ipython())"

_MISSING = object()
_STATE: dict[str, Any] = {}
"""The kernel side's snapshot, taken by `warm_up` (in this module, which the reset leaves alone)."""


# --- the kernel side: run inside the kernel by WARM_UP_CELL and RESET_CELL ---


def warm_up(shell: Any) -> None:
    """Import what reports use, take the snapshot the reset restores, freeze what exists now.

    The collector is off during the imports (they make millions of objects and no garbage: a
    quarter less time here) and back on before the snapshot, which records it on.
    """
    import gc

    from .._data.runtime import collector_paused

    with collector_paused():
        _import_warm()
    _STATE.clear()
    _STATE.update(_snapshot(shell))
    shell.reset(new_session=False)
    gc.collect()
    gc.freeze()  # the imports' objects: the collector no longer walks them after every report


def _import_warm() -> None:
    """Import `WARM_IMPORTS` and every aar module a report may use, and warm plotly's validators."""
    import importlib
    import pkgutil

    for name in WARM_IMPORTS:
        importlib.import_module(name)
    import aar

    packages = [aar]
    while packages:
        package = packages.pop()
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            if info.name.split(".")[-1] != "__main__" and not info.name.startswith(SKIPPED_AAR):
                module = importlib.import_module(info.name)
                if info.ispkg:
                    packages.append(module)
    for name in aar.__all__:
        getattr(aar, name)
    _warm_plotly()


def _warm_plotly() -> None:
    """Build and serialise one figure of each trace type the reports draw (loads plotly's validators)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    figure = go.Figure([go.Bar(x=[1], y=[1]), go.Scatter(x=[1], y=[1], fill="toself"), go.Heatmap(z=[[1]])])
    pio.to_json(figure)


IMMUTABLE = "immutable"
"""The fingerprint of a memoised value that cannot be changed in place (a text, a polars frame...)."""


def _plain() -> tuple[type, ...]:
    import polars as pl

    return (str, bytes, int, float, bool, type(None), pl.DataFrame)


def _immutable_type(kind: object) -> bool:
    """A type whose values cannot be changed in place: a plain one, or a frozen dataclass of them."""
    import dataclasses
    import typing

    if isinstance(kind, type) and issubclass(kind, _plain()):
        return True
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        return False
    try:
        hints = typing.get_type_hints(kind)
    except Exception:
        return False
    return all(_immutable_type(hints.get(f.name)) for f in dataclasses.fields(kind))


def _value_print(value: object) -> object:
    """What identifies a memoised value: IMMUTABLE, its pickle (compared at every reset), or None."""
    if isinstance(value, _plain()) or _immutable_type(type(value)):
        return IMMUTABLE
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # not picklable (a Jinja environment): emptied at every reset
        return None


def _fingerprint(function: Any) -> object:
    """IMMUTABLE for a memoised function of aar that returns an immutable type (left to fill when
    a report needs it); else, for one that takes no arguments, filled at warm-up (so that reports
    find it warm) and its value's fingerprint; one that takes arguments is emptied at every reset (None)."""
    import inspect
    import typing

    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:  # an annotation imported for type checkers only
        returned = None
    if _immutable_type(returned):
        return IMMUTABLE
    try:
        needed = [
            p
            for p in inspect.signature(function).parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):  # no signature: emptied at every reset
        return None
    return None if needed else _value_print(function())


def _tracked(name: str) -> bool:
    return name.split(".", 1)[0] in TRACKED_PACKAGES and name != __name__


def _snapshot(shell: Any) -> dict[str, Any]:
    import decimal
    import gc
    import locale
    import logging
    import random
    import warnings

    import numpy as np
    import plotly.io as pio
    import polars as pl

    ours = [(n, m) for n, m in list(sys.modules.items()) if (n == "aar" or n.startswith("aar.")) and _tracked(n)]
    caches = [  # filled first: what filling them changes (plotly's registered templates) is warm state too
        (value, _fingerprint(value))
        for name, module in ours
        for value in list(vars(module).values())
        if callable(value) and hasattr(value, "cache_clear") and getattr(value, "__module__", None) == name
    ]
    modules = {
        name: (module, dict(module.__dict__))
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType) and _tracked(name)
    }
    classes = {
        value: dict(vars(value))
        for name, module in ours
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == name
    }
    formatters = {
        mime: (f, dict(f.type_printers), dict(f.deferred_printers))
        for mime, f in shell.display_formatter.formatters.items()
    }
    root = logging.getLogger()
    return {
        "modules": modules,
        "classes": classes,
        "caches": caches,
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "path": list(sys.path),
        "streams": (sys.stdout, sys.stderr, sys.displayhook, sys.excepthook),
        "recursion": sys.getrecursionlimit(),
        "filters": list(warnings.filters),
        "logging": (root.level, list(root.handlers), logging.root.manager.disable),
        "locale": locale.setlocale(locale.LC_ALL),
        "decimal": decimal.getcontext().copy(),
        "gc": (gc.isenabled(), gc.get_threshold()),
        "np_err": np.geterr(),
        "np_print": np.get_printoptions(),
        "np_random": np.random.get_state(),
        "random": random.getstate(),
        "polars": pl.Config.save(),
        "string_cache": pl.using_string_cache(),
        "plotly": (pio.templates.default, pio.renderers.default, dict(pio.templates._templates)),
        "plotly_templates": _template_prints(pio.templates._templates),
        "formatters": formatters,
        "active_types": list(shell.display_formatter.active_types),
        "events": {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()},
        "ast_transformers": list(shell.ast_transformers),
        "input_transformers": list(shell.input_transformers_post),
    }


def _template_prints(templates: Mapping[str, object]) -> dict[str, bytes]:
    """The pickles of plotly's loaded templates (the others are placeholders, loaded on first use)."""
    import plotly.graph_objects as go

    return {name: pickle.dumps(t) for name, t in templates.items() if isinstance(t, go.layout.Template)}


def _restore_namespace(namespace: dict[str, Any], saved: Mapping[str, Any]) -> None:
    for key in [k for k in namespace if k not in saved]:
        if not isinstance(namespace[key], types.ModuleType):  # a submodule imported later stays
            del namespace[key]
    for key, value in saved.items():
        if namespace.get(key, _MISSING) is not value:
            namespace[key] = value


def _restore_class(cls: type, saved: Mapping[str, Any]) -> None:
    current = vars(cls)
    for key in [k for k in current if k not in saved]:
        with contextlib.suppress(AttributeError, TypeError):
            delattr(cls, key)
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            with contextlib.suppress(AttributeError, TypeError):
                setattr(cls, key, value)


def reset(shell: Any) -> None:
    """Give the next report the kernel as it was after `warm_up` (see the module docstring)."""
    import decimal
    import gc
    import locale
    import logging
    import random
    import time
    import warnings

    import numpy as np
    import plotly.io as pio
    import polars as pl

    state = _STATE
    if not state:
        raise RuntimeError("aar warm kernel: reset before warm_up")
    shell.reset(new_session=False)
    shell.execution_count = 1
    for module, namespace in state["modules"].values():
        _restore_namespace(module.__dict__, namespace)
    for cls, attributes in state["classes"].items():
        _restore_class(cls, attributes)
    os.chdir(state["cwd"])
    environ = state["environ"]
    for key in [k for k in os.environ if k not in environ]:
        del os.environ[key]
    for key, value in environ.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
    time.tzset()
    sys.path[:] = state["path"]
    sys.stdout, sys.stderr, sys.displayhook, sys.excepthook = state["streams"]
    sys.setrecursionlimit(state["recursion"])
    cast(list[Any], warnings.filters)[:] = state["filters"]
    warnings._filters_mutated()  # type: ignore[attr-defined]
    root = logging.getLogger()
    level, handlers, disable = state["logging"]
    root.setLevel(level)
    root.handlers[:] = handlers
    logging.disable(disable)
    locale.setlocale(locale.LC_ALL, state["locale"])
    decimal.setcontext(state["decimal"].copy())
    enabled, threshold = state["gc"]
    (gc.enable if enabled else gc.disable)()
    gc.set_threshold(*threshold)
    np.seterr(**state["np_err"])
    np.set_printoptions(**state["np_print"])
    np.random.set_state(state["np_random"])
    random.setstate(state["random"])
    pl.Config.restore_defaults()
    pl.Config.load(state["polars"])
    if pl.using_string_cache() and not state["string_cache"]:
        pl.disable_string_cache()
    template, renderer, templates = state["plotly"]
    _restore_namespace(pio.templates._templates, templates)
    for name, saved in state["plotly_templates"].items():  # a registered template changed in place
        if _template_prints({name: pio.templates._templates[name]})[name] != saved:
            pio.templates._templates[name] = pickle.loads(saved)
    pio.templates.default = template
    pio.renderers.default = renderer
    for formatter, printers, deferred in state["formatters"].values():
        _restore_namespace(formatter.type_printers, printers)
        _restore_namespace(formatter.deferred_printers, deferred)
    shell.display_formatter.active_types = list(state["active_types"])
    for name, callbacks in state["events"].items():
        shell.events.callbacks[name][:] = callbacks
    shell.ast_transformers[:] = state["ast_transformers"]
    shell.input_transformers_post[:] = state["input_transformers"]
    for function, fingerprint in state["caches"]:  # last: a value recomputed here sees the restored state
        if fingerprint is None:
            function.cache_clear()
        elif fingerprint is not IMMUTABLE and _value_print(function()) != fingerprint:
            function.cache_clear()
            function()  # a new value (and plotly's "aar" template registered again)
    gc.collect()


# --- the worker side: a kernel kept alive, reports run in it ---


class WarmKernel:
    """One kernel kept alive for a worker's reports: `run` one notebook after another in it.

    Started at the first `run`; restarted after a report that failed or timed out, when the kernel
    died, and every `reports_per_kernel` reports. `close()` stops it (a worker calls it at exit).
    """

    def __init__(self, reports_per_kernel: int = REPORTS_PER_KERNEL, startup_timeout: int = 60) -> None:
        from .._errors import UsageError

        if isinstance(reports_per_kernel, bool) or not isinstance(reports_per_kernel, int) or reports_per_kernel < 1:
            raise UsageError("reports_per_kernel", reports_per_kernel, "a whole number >= 1")
        self.reports_per_kernel = reports_per_kernel
        self.startup_timeout = startup_timeout
        self.starts = 0
        """Kernels started so far (a restart is one more)."""
        self.reports = 0
        """Reports run in the current kernel."""
        self._client: Any = None
        self._stale = False
        self._warming: str | None = None
        """The id of the warm-up's execute request sent by `prestart`, until its reply is read."""

    @property
    def alive(self) -> bool:
        if self._client is None:
            return False
        from jupyter_core.utils import run_sync

        return bool(run_sync(self._client.km.is_alive)())

    def _launch(self) -> Any:
        import nbformat
        from nbclient import NotebookClient

        from .runner import KERNEL_ARGUMENTS

        client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            extra_arguments=list(KERNEL_ARGUMENTS),
            startup_timeout=self.startup_timeout,
        )
        client.km = client.create_kernel_manager()
        try:
            client.start_new_kernel(cwd=os.getcwd())
            client.start_new_kernel_client()
        except BaseException:
            self._client = client
            self.close()
            raise
        self._client = client
        self.starts += 1
        self.reports = 0
        self._stale = False
        return client

    def _start(self) -> None:
        from nbclient.exceptions import CellExecutionError

        from .._errors import ReportError

        self._launch()
        try:
            self.run_cell(WARM_UP_CELL, timeout=WARM_UP_TIMEOUT)
        except CellExecutionError as exc:
            self.close()
            raise ReportError(f"the warm kernel could not import what reports use: {exc}") from exc

    def prestart(self) -> None:
        """Start the kernel and send it the warm-up without waiting for it, so that the worker's own
        imports and its first job's checks run meanwhile; the first `run` waits for the warm-up.
        Never raises: a kernel that does not start now is started by `run` (and fails there)."""
        if self._client is not None:
            return
        try:
            self._warming = self._launch().kc.execute(WARM_UP_CELL, store_history=False)
        except Exception:
            self.close()

    def _finish_warm_up(self) -> None:
        msg_id, self._warming = self._warming, None
        self._client.timeout = WARM_UP_TIMEOUT
        try:
            reply = self._client.wait_for_reply(msg_id)
            ok = reply is not None and reply["content"]["status"] == "ok"
        except Exception:
            ok = False
        if not ok:  # started again (and its error shown) by `run`
            self.close()

    def start(self) -> None:
        """Start the kernel and import what reports use (retried when two kernels race for a port)."""
        from .runner import with_kernel_start_retries

        with_kernel_start_retries(self._start)

    def close(self) -> None:
        """Stop the kernel now (no graceful wait: nothing of it is needed any more)."""
        client, self._client = self._client, None
        self._warming = None
        if client is None:
            return
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            if client.kc is not None:
                client.kc.stop_channels()
        with contextlib.suppress(Exception):  # killed and reaped first: jupyter_client would poll every 0.1 s
            provisioner = client.km.provisioner
            run_sync(provisioner.kill)()
            provisioner.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            run_sync(client.km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(client.km.cleanup_resources)()

    def run_cell(self, source: str, timeout: int | None = 60) -> list[Any]:
        """Run code in the kernel (not stored in its history); its outputs. An error raises
        nbclient's CellExecutionError; the kernel is then replaced before the next report.
        Starts the kernel if needed."""
        import nbformat

        if self._warming is not None:
            self._finish_warm_up()
        if self._client is None:
            self.start()
        cell = nbformat.v4.new_code_cell(source)
        self._client.nb.cells = [cell]
        self._client.timeout = timeout
        try:
            self._client.execute_cell(cell, 0, store_history=False)
        except BaseException:
            self._stale = True
            raise
        return list(cell.outputs)

    def _ready(self) -> None:
        if self._warming is not None:
            self._finish_warm_up()
        if self._client is not None and (self._stale or self.reports >= self.reports_per_kernel or not self.alive):
            self.close()
        if self._client is None:
            self.start()

    def run(self, notebook: Path, output: Path, parameters: Mapping[str, Any], timeout: int | None) -> None:
        """Execute `notebook` with `parameters` into `output`, as papermill does, in the warm kernel.

        Raises what papermill raises (PapermillExecutionError, nbclient's CellTimeoutError and
        DeadKernelError); after any of them the kernel is replaced before the next report.
        """
        import papermill
        from nbclient.exceptions import CellExecutionError
        from papermill.engines import papermill_engines

        from .._errors import ReportError
        from .runner import PAPERMILL_OPTIONS

        self._ready()
        try:
            self.run_cell(RESET_CELL)
        except CellExecutionError as exc:
            raise ReportError(f"the warm kernel could not be reset for the report: {exc}") from exc
        papermill_engines.register(WARM_ENGINE, _warm_engine())
        self.reports += 1
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                engine_name=WARM_ENGINE,
                execution_timeout=timeout,
                warm_client=self._client,
                **PAPERMILL_OPTIONS,
            )
        except BaseException:
            self._stale = True
            raise


WARM_ENGINE = "aar-warm"


@functools.cache
def _warm_engine() -> type:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger

    class WarmEngine(NBClientEngine):  # type: ignore[misc]
        """papermill's nbclient engine on a kernel that is already running (and kept running)."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            warm = kwargs["warm_client"]
            client = PapermillNotebookClient(
                nb_man,
                km=warm.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client.kc = warm.kc  # the live client: no new channels per report, none left open
            return client.execute()

    return WarmEngine
