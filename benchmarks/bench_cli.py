"""How long `aar --version` takes against `python -c "import polars"`, measured in the same run.

The command line answers --version before it imports anything heavy; the target is at most 1.5x
the polars import (issue: the reporting-layer rebuild). Prints the medians and the ratio; run with
`make bench-cli`. No timing goes into a test's pass/fail: the machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    python = sys.executable
    floor = _median([python, "-c", "import polars"], args.repeat)
    version = _median([python, "-m", "aar", "--version"], args.repeat)
    package = _median([python, "-c", "import aar"], args.repeat)
    print(f"python -c 'import polars': {floor * 1000:7.1f} ms (median of {args.repeat})")
    print(f"python -m aar --version:   {version * 1000:7.1f} ms")
    print(f"python -c 'import aar':    {package * 1000:7.1f} ms")
    print(f"aar --version over import polars: {version / floor:.2f}x (target at most 1.50x)")
    return {"floor": floor, "version": version, "ratio": version / floor}


if __name__ == "__main__":
    main()
