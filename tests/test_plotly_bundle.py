"""The vendored plotly.js partial bundle: the plotly Python package's version, and it draws every figure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import aar
from aar._reporting.sections import PLOTLY_BUNDLE_TRACES, PLOTLY_BUNDLE_VERSION, plotly_js

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


def test_the_bundle_is_the_plotly_js_of_the_python_package() -> None:
    from plotly.offline import get_plotlyjs_version

    head = plotly_js()[:200]
    assert re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", head).group(1) == PLOTLY_BUNDLE_VERSION  # type: ignore[union-attr]
    assert get_plotlyjs_version() == PLOTLY_BUNDLE_VERSION  # upgrade plotly: vendor its bundle again
    assert 1_000_000 < len(plotly_js()) < 2_000_000


def test_every_figure_of_the_reports_uses_a_trace_type_of_the_bundle() -> None:
    ds = aar.load(SAMPLE)
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    reports = [aar.comparative_report(ds, region, lang="id", generated_at=when) for region in (None, "18", "18.72")] + [
        aar.overview_report(ds, "OMP-2024", "18.72", "2024-11-30", generated_at=when)
    ]
    used = {trace.type for r in reports for s in r.sections() for f in s.figures for trace in f.figure.data}
    assert used
    assert used <= set(PLOTLY_BUNDLE_TRACES), used - set(PLOTLY_BUNDLE_TRACES)
