"""The exception tree of aar and the `Problem` record that input errors carry.

Every error the package raises on purpose is an `AarError`, so a caller (the command line,
a scheduler) can catch one type and print its message instead of a traceback:

    AarError
    ├── UsageError            an argument outside its allowed values
    ├── DatasetError          a dataset that cannot be read at all (missing path, unknown format)
    │   └── DataValidationError   a dataset that was read but has problems (all of them, at once)
    ├── ReferenceDataError    shipped reference data that is inconsistent (a bug, never user input)
    ├── ReportError           a report could not be made (names the failing cell)
    │   └── ReportTimeout         a cell ran longer than the report's timeout
    └── Interrupted           a batch stopped by SIGINT or SIGTERM (finished reports stay)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input: where it is, what was there and what was expected.

    `row` is the row number a person sees in the file (1 = first line of a CSV, first row of a
    sheet), so a user can go straight to the cell. Fields that do not apply are None.
    """

    message: str
    path: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    table: str | None = None
    severity: Severity = "error"

    def location(self) -> str:
        """Where the problem is, as "file, sheet S, row R, column C"."""
        parts = []
        if self.path:
            parts.append(Path(self.path).name)
        elif self.table:
            parts.append(f"table {self.table}")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.value is not None:
            text += f": got {self.value!r}"
        if self.expected:
            text += f"; expected {self.expected}"
        where = self.location()
        return f"{where}: {text}" if where else text


class AarError(Exception):
    """Base of every error aar raises on purpose."""


class UsageError(AarError, ValueError):
    """An argument outside its allowed values; the message names the argument, allowed and received."""

    def __init__(self, argument: str, received: object, allowed: Iterable[object] | str) -> None:
        self.argument = argument
        self.received = received
        if isinstance(allowed, str):
            self.allowed = allowed
        else:
            self.allowed = ", ".join(str(a) for a in allowed)
        super().__init__(f"{argument}: got {received!r}; allowed: {self.allowed}")


class DatasetError(AarError):
    """A dataset that cannot be read at all: a missing path, a file of an unknown kind."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


class DataValidationError(DatasetError):
    """A dataset was read but has problems; `problems` holds every one of them (errors first)."""

    def __init__(self, problems: Sequence[Problem], path: str | Path | None = None) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the dataset"
        shown = "\n".join(f"  - {p}" for p in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        self.path = str(path) if path is not None else None
        AarError.__init__(self, f"{head}{' ' + self.path if self.path else ''}:\n{shown}{more}")


class ReferenceDataError(AarError):
    """The shipped reference data contradicts itself; this is a bug in aar, please report it."""


class ReportError(AarError):
    """A report could not be made; the message names the cause and, when a cell failed, the cell."""

    def __init__(self, message: str, cell: int | None = None) -> None:
        self.cell = cell
        super().__init__(f"cell {cell}: {message}" if cell is not None else message)


class ReportTimeout(ReportError):
    """A cell ran longer than the report's timeout."""


class Interrupted(AarError):
    """The batch was stopped by SIGINT or SIGTERM; finished reports stay, the rest is recorded."""
