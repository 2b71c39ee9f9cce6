"""The real headless Chromium the browser tests drive (Debian's `chromium`, through playwright)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Playwright starts it with an empty profile folder of its own (`--user-data-dir`)."""


def needs_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium before the tests")
        pytest.skip("chromium is not installed (apt-get install chromium)")
