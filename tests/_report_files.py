"""A report's files with what differs from run to run blanked, so two runs of one report compare equal."""

from __future__ import annotations

import json
import re
from pathlib import Path

STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
"""The generation time a report page shows (to the minute)."""


def page(folder: Path) -> str:
    """report.html with its generation time blanked."""
    return STAMP.sub("<time>", (folder / "report.html").read_text(encoding="utf-8"))


def sidecar(folder: Path) -> dict[str, object]:
    """report.json without its generation time."""
    data: dict[str, object] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    data.pop("generated_at")
    return data
