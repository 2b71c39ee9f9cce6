"""Showing a figure in a notebook: interactive in JupyterLab (plotly's own renderer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go


def show(fig: go.Figure) -> None:
    """Display a figure in the notebook (plotly's mimetype, which JupyterLab draws interactively)."""
    from IPython.display import display

    display(fig)
