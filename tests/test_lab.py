"""The analyst's path: a report notebook run cell by cell in JupyterLab draws every figure.

A real JupyterLab server (the `lab` extra) on a free local port, its own root and settings folders,
driven by a real headless Chromium; the server and its kernel are stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _browser import BROWSER_FLAGS, CHROMIUM, needs_chromium
from aar._reporting.runner import notebook_path

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_jupyterlab_draws_every_figure_of_the_report_notebook(tmp_path: Path) -> None:
    needs_chromium()
    pytest.importorskip("jupyterlab", reason="the lab extra (make setup installs it)")
    from playwright.sync_api import sync_playwright

    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(notebook_path("comparative"), root / "report.ipynb")
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/lab/tree/report.ipynb"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_function(
                "() => (document.querySelector('#jp-main-statusbar') || {textContent: ''}).textContent.includes('Idle')",
                timeout=60_000,
            )
            page.click("text=Run >> nth=0")
            page.click("text=Run All Cells")
            page.wait_for_function(
                "() => { const f = [...document.querySelectorAll('.aar-figure')];"
                " return f.length >= 7 && f.every(e => e.querySelector('svg.main-svg')); }",
                timeout=180_000,
            )
            drawn = page.eval_on_selector_all(".aar-figure", "els => els.length")
            failed = page.eval_on_selector_all(".jp-OutputArea-output[data-mime-type*='error']", "els => els.length")
            browser.close()
        assert drawn == 7
        assert failed == 0
        assert errors == []
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait(timeout=10)
