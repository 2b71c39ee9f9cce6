"""The package version; this module imports nothing, so `aar --version` costs no import of the package.

The build reads the version from here too (`[tool.hatch.version]` in pyproject.toml).
"""

__version__ = "0.1.0"
