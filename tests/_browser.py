"""The real headless Chromium the browser tests drive (Debian's `chromium`, through playwright)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from aar._reporting.runner import CHROMIUM_FLAGS

CHROMIUM = shutil.which("chromium")
BROWSER_FLAGS = list(CHROMIUM_FLAGS)
"""The flags the PDF printer starts Chromium with; playwright adds an empty profile folder of its own."""

ALL_DRAWN = (
    "() => { const d = [...document.querySelectorAll('.aar-figure')];"
    " return d.length > 0 && d.every(e => e.querySelector('svg.main-svg')); }"
)


def needs_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium before the tests")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@dataclass(frozen=True)
class ShownPage:
    """What an offline Chromium showed of a report page once every figure had drawn."""

    drawn: list[int]
    """main-svg elements of each figure."""
    problems: list[str]
    """console errors and page errors."""
    fetched: list[str]
    """addresses asked for other than file:, data: and blob:."""
    text: str
    keys: dict[str, str]
    """data-key -> the text of that key number."""
    banner: str
    """The synthetic banner's text ("" when the page has none)."""


def show_page(html: Path) -> ShownPage:
    """Open `html` offline in headless Chromium and wait until every figure has drawn."""
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_context(offline=True).new_page()
        problems: list[str] = []
        fetched: list[str] = []
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.on(
            "request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None
        )
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_function(ALL_DRAWN, timeout=60_000)
        drawn = page.eval_on_selector_all(
            ".aar-figure", "els => els.map(e => e.querySelectorAll('svg.main-svg').length)"
        )
        keys = dict(page.eval_on_selector_all("[data-key]", "els => els.map(e => [e.dataset.key, e.textContent])"))
        text = page.inner_text("body")
        banner = page.inner_text(".synthetic-banner") if page.query_selector(".synthetic-banner") else ""
        browser.close()
    return ShownPage(drawn, problems, fetched, text, keys, banner)
