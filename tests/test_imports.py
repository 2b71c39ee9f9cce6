"""What importing aar costs: the package root and `aar --version` stay light.

The layer contract itself (no lower layer imports a higher one) is checked by import-linter in
`make test` (`[tool.importlinter]` in pyproject.toml).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("plotly", "statsmodels", "scipy", "papermill", "nbconvert", "pandera", "jinja2", "typer", "rich")


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_aar_loads_no_heavy_library() -> None:
    loaded = _modules_after("import aar")
    assert not [m for m in HEAVY if m in loaded]
    assert "polars" not in loaded


def test_a_public_name_loads_its_module_on_first_use() -> None:
    loaded = _modules_after("import aar\naar.load")
    assert "aar._data.dataset" in loaded
    assert "plotly" not in loaded and "statsmodels" not in loaded


def test_version_command_imports_neither_polars_nor_typer() -> None:
    code = "import sys\nsys.argv = ['aar', '--version']\nfrom aar._cli import main\nmain()"
    loaded = _modules_after(code)
    assert "polars" not in loaded and "typer" not in loaded
    out = subprocess.run([sys.executable, "-m", "aar", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("aar ")
