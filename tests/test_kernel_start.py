"""A kernel that dies before replying (two kernels raced for one port) is started again, a few times."""

from __future__ import annotations

import pytest

import aar
from aar._reporting.runner import KERNEL_START_TRIES, with_kernel_start_retries

RACE = RuntimeError("Kernel died before replying to kernel_info")


def test_a_lost_port_race_is_tried_again_until_the_kernel_starts() -> None:
    calls: list[int] = []

    def run() -> None:
        calls.append(1)
        if len(calls) < KERNEL_START_TRIES:
            raise RACE

    with_kernel_start_retries(run)
    assert len(calls) == KERNEL_START_TRIES


def test_a_kernel_that_never_starts_is_a_report_error_naming_the_tries() -> None:
    calls: list[int] = []

    def run() -> None:
        calls.append(1)
        raise RACE

    with pytest.raises(aar.ReportError, match=rf"did not start \({KERNEL_START_TRIES} tries\)"):
        with_kernel_start_retries(run)
    assert len(calls) == KERNEL_START_TRIES


def test_any_other_error_is_not_retried() -> None:
    calls: list[int] = []

    def run() -> None:
        calls.append(1)
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):
        with_kernel_start_retries(run)
    assert calls == [1]
