"""How the data work runs: independent columns side by side in threads, and Python's cyclic
garbage collector paused where a block makes many objects and no garbage (a load, imports)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

PARALLEL_ROWS = 100_000
"""Rows from which independent single-column work runs in threads (`in_threads`): polars runs
most single-column operations on one core, and releases the GIL while it does."""


def in_threads(calls: Sequence[Callable[[], T]], rows: int) -> list[T]:
    """The results of `calls`, run side by side in threads when the frame has `rows` >= PARALLEL_ROWS."""
    if rows < PARALLEL_ROWS or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda call: call(), calls))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, then as it was.

    Full collections walk every object of the process (pandas, pandera, statsmodels: millions of
    them). A load of five million incidents spent a tenth of its time in them, and imports a
    quarter, for little garbage; what cycles the block leaves are collected after it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
