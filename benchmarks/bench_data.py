"""Benchmark of the data layer at national scale: `make bench`, or `python benchmarks/bench_data.py`.

Generates once (cached under benchmarks/.data/) a national synthetic dataset in Parquet, then
measures in one run, each step `--repeat` times, and prints medians and ratios against baselines
measured in the same run (see equivalents.py for what the baselines do; a load and its bare read
are timed in pairs, see `paired`):

1. load: polars' bare `read_parquet` of the incidents file (the floor), `aar.load` (read, parse,
   validate, derive operation, phase and relative day), and the same loading in pandas; also for
   a copy of the file whose vocabulary columns are plain strings, as a foreign tool writes them;
2. the count cube and the national comparison: `aar.cube` and `aar.compare` on a freshly loaded
   dataset (nothing memoised), a minimal hand-written polars query of the same numbers (the
   floor), and pandas;
3. peak memory (resident set size) of each step in a fresh process, against the in-memory size
   of the loaded frames;
4. the count cube of a `--streaming-rows` Parquet file (the loaded incidents repeated) with
   polars' streaming engine, in a fresh process: time and peak memory.

Before timing, the pandas and floor results are checked equal to aar's (a sample of loaded rows,
every cube cell, every number of the comparison): the comparison is honest or the run fails.
`--write FILE` writes the results with the machine described. No time here is a pass/fail
condition; the test suite runs this at a small size so it cannot rot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

import equivalents as eq

import aar
from aar._data.dataset import PREPARED_MARKER

HERE = Path(__file__).parent
BASELINE, TARGET = "OMB-2023-2024", "OMP-2024"


def timed(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def paired(floor: Callable[[], object], action: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median seconds of `floor` and of `action`, run alternately, and the median of their ratios.

    On a shared machine a load timed in one loop and the read in another can see different
    loads; timed in pairs, each ratio compares two runs a moment apart.
    """
    floors, actions = [], []
    for _ in range(repeat):
        for times, step in ((floors, floor), (actions, action)):
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
    ratio = statistics.median(a / f for a, f in zip(actions, floors, strict=True))
    return statistics.median(floors), statistics.median(actions), ratio


# ------------------------------------------------------------------------------------------------
# data


def dataset(incidents: int, seed: int = 7) -> Path:
    """The national synthetic dataset as aar writes it (vocabularies as Enum columns), cached."""
    folder = HERE / ".data" / f"national-{incidents}-{seed}-typed"
    if not (folder / "dataset.toml").exists():
        data = aar.synthesize("national", seed, incidents)
        aar.write_dataset(data.tables, data.config, folder, fmt="parquet", force=True)
    return folder


def with_strings(folder: Path) -> Path:
    """A copy of `folder` whose incidents carry their vocabularies as plain strings."""
    out = folder.with_name(folder.name.replace("-typed", "-strings"))
    if not (out / "dataset.toml").exists():
        out.mkdir(parents=True, exist_ok=True)
        for file in folder.iterdir():
            if file.name != "incidents.parquet":
                (out / file.name).write_bytes(file.read_bytes())
        frame = pl.read_parquet(folder / "incidents.parquet")
        frame.with_columns(pl.col(pl.Enum).cast(pl.String)).write_parquet(out / "incidents.parquet", statistics=False)
    return out


def streaming_file(folder: Path, rows: int) -> Path:
    """A Parquet file of about `rows` loaded incidents (the dataset's, repeated with new ids)."""
    prepared = folder.with_name(folder.name + "-prepared")
    if not (prepared / PREPARED_MARKER).exists():
        aar.save_prepared(aar.load(folder), prepared)
    out = folder.with_name(f"{folder.name}-stream-{rows}.parquet")
    if not out.exists():
        source = prepared / "incidents.parquet"
        height = pl.scan_parquet(source).select(pl.len()).collect().item()
        copies = max(1, round(rows / height))
        parts = [
            pl.scan_parquet(source).with_columns(incident_id=pl.col("incident_id") + f"-{k}") for k in range(copies)
        ]
        pl.concat(parts).sink_parquet(out.with_suffix(".tmp"))
        out.with_suffix(".tmp").rename(out)
    return out


# ------------------------------------------------------------------------------------------------
# memory: each step in a fresh process


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024  # type: ignore[union-attr]


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak RSS starts again from the current RSS


def frame_bytes(frame: pl.DataFrame) -> int:
    """The bytes a frame's buffers hold, string views included.

    polars 2.x measures a String column by the bytes its values read (`estimated_size`), leaving
    out the 16-byte view every String cell has: five million short codes "weigh" 10 MB there and
    take 90 MB. Here each non-null String cell counts its view, and only strings longer than 12
    bytes (which live outside their view) count their bytes again; null cells count nothing, so a
    column of nulls made by a literal (stored as one value) is not overcounted and a real one is
    undercounted: the ratios against this are, if anything, high.
    """
    extra = 0
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            lengths = frame.get_column(name).str.len_bytes()
            extra += 16 * (len(lengths) - lengths.null_count()) - int(lengths.filter(lengths <= 12).sum())
    return frame.estimated_size() + extra


def frames_size(ds: aar.Dataset) -> int:
    """What the dataset's frames hold (`frame_bytes`)."""
    return sum(frame_bytes(frame) for frame in ds.tables.values())


def estimated_size(ds: aar.Dataset) -> int:
    """polars' own `estimated_size` of the dataset's frames (string views left out)."""
    return sum(frame.estimated_size() for frame in ds.tables.values())


def _settled(before: int, seconds: float = 4.0) -> int:
    """Resident bytes above `before` once the allocator has handed back what the step freed
    (polars' jemalloc returns freed pages within about two seconds here): the loaded frames,
    measured by the operating system instead of computed."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        time.sleep(0.25)
        pl.DataFrame({"tick": [1]}).sum()  # allocator activity, so freed pages are purged on time
    return _status("VmRSS") - before


def child(step: str, folder: Path, extra: str) -> dict[str, Any]:
    """Run one step in this fresh process and report its peak RSS above the RSS before it (bytes).

    Imports come first and are not counted. "load+cube" and the like count the load too: the
    step's own share is the difference with "load" (memory a load frees is reused by the step
    that follows, so the step alone cannot be isolated).
    """
    import pandera.polars  # noqa: F401 - imported by aar.load on first use; not data memory

    small = None
    if step.startswith("pandas"):
        small = eq.Small.of(aar.load(folder))  # the few-hundred-row tables pandas starts from
    frames: list[object] = []
    work: dict[str, Callable[[], object]] = {
        "read": lambda: pl.read_parquet(folder / "incidents.parquet"),
        "load": lambda: aar.load(folder),
        "load+cube": lambda: aar.cube(_kept(frames, aar.load(folder))),
        "load+compare": lambda: aar.compare(_kept(frames, aar.load(folder)), BASELINE, TARGET),
        "pandas_load": lambda: eq.pandas_load(folder, small),  # type: ignore[arg-type]
        "pandas_load+cube": lambda: eq.pandas_cube(_kept(frames, eq.pandas_load(folder, small))),  # type: ignore[arg-type]
        "streaming_cube": lambda: aar.count_cube(pl.scan_parquet(extra), aar.reference().operations).collect(
            engine="streaming"
        ),
        "streaming_cube_province": lambda: aar.count_cube(
            pl.scan_parquet(extra), aar.reference().operations, level="province"
        ).collect(engine="streaming"),
    }
    _reset_peak()
    before = _status("VmRSS")
    started = time.perf_counter()
    result = work[step]()
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"step": step, "seconds": seconds, "peak_bytes": _status("VmHWM") - before}
    loaded = frames[0] if frames else result
    if isinstance(loaded, aar.Dataset):
        out["frames_bytes"] = frames_size(loaded)
        out["estimated_bytes"] = estimated_size(loaded)
        if step == "load":
            out["settled_bytes"] = _settled(before)
    elif isinstance(loaded, pd.DataFrame):
        out["frames_bytes"] = int(loaded.memory_usage(deep=True).sum())
    elif isinstance(loaded, pl.DataFrame):
        out["frames_bytes"] = frame_bytes(loaded)
    if isinstance(result, pl.DataFrame):
        out["rows"] = result.height
    return out


def _kept(frames: list[object], value: Any) -> Any:
    frames.append(value)
    return value


def in_child(step: str, folder: Path, extra: str = "") -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", step, "--folder", str(folder), "--extra", extra]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------------
# the run


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024**2  # type: ignore[union-attr]
    versions = (
        f"Python {platform.python_version()}, polars {pl.__version__}, pandas {pd.__version__}, aar {aar.__version__}"
    )
    return f"{cpu}, {os.cpu_count()} cores, {memory:.1f} GiB, {platform.system()} {platform.release()}; {versions}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--streaming-rows", type=int, default=50_000_000, help="0 skips the streaming step")
    parser.add_argument("--sample", type=int, default=100_000, help="loaded rows compared with pandas")
    parser.add_argument("--write", type=Path, help="write the results (Markdown) to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.extra)))
        return {}

    load_average = os.getloadavg()[0]  # the machine may be shared: the 1-minute load, before and after
    folder = dataset(args.incidents)
    strings = with_strings(folder)
    ds = aar.load(folder)
    small = eq.Small.of(ds)
    frame = eq.pandas_load(folder, small)
    rows = ds.incidents.height
    print(f"incidents: {rows:,} (synthetic, national scale); {machine()}")

    # the baselines compute what aar computes, or nothing is timed
    checked = eq.same_load(ds, frame, args.sample)
    numbers = eq.numbers_of(aar.compare(ds, BASELINE, TARGET))
    eq.same_compare(numbers, eq.floor_compare(ds, BASELINE, TARGET), "polars floor")
    eq.same_compare(numbers, eq.pandas_compare(ds, small, frame, BASELINE, TARGET), "pandas")
    eq.same_cube(aar.cube(ds), eq.floor_cube(ds.incidents), "polars floor")
    eq.same_cube(aar.cube(ds), pl.from_pandas(eq.pandas_cube(frame)), "pandas")
    print(
        f"equal: {checked:,} sampled loaded rows, every cube cell and every comparison number (polars floor and pandas)"
    )

    t: dict[str, float] = {}
    t["read"], t["load"], load_over_read = paired(
        lambda: pl.read_parquet(folder / "incidents.parquet"), lambda: aar.load(folder), args.repeat
    )
    t["pandas_load"], _ = timed(lambda: eq.pandas_load(folder, small), args.repeat)
    t["read_strings"], t["load_strings"], load_strings_over_read = paired(
        lambda: pl.read_parquet(strings / "incidents.parquet"), lambda: aar.load(strings), args.repeat
    )
    t["cube"], _ = timed(lambda: aar.cube(ds.with_tables()), args.repeat)  # a new Dataset: nothing memoised
    t["floor_cube"], _ = timed(lambda: eq.floor_cube(ds.incidents), args.repeat)
    t["pandas_cube"], _ = timed(lambda: eq.pandas_cube(frame), args.repeat)
    t["compare"], _ = timed(lambda: aar.compare(ds.with_tables(), BASELINE, TARGET), args.repeat)
    t["floor_compare"], _ = timed(lambda: eq.floor_compare(ds, BASELINE, TARGET), args.repeat)
    t["pandas_compare"], _ = timed(lambda: eq.pandas_compare(ds, small, frame, BASELINE, TARGET), args.repeat)

    memory = {
        step: in_child(step, folder)
        for step in ("read", "load", "load+cube", "load+compare", "pandas_load", "pandas_load+cube")
    }
    loaded_bytes = memory["load"]["frames_bytes"]
    pandas_bytes = memory["pandas_load"]["frames_bytes"]
    stream = None
    if args.streaming_rows:
        path = streaming_file(folder, args.streaming_rows)
        stream = in_child("streaming_cube", folder, str(path))
        stream["province"] = in_child("streaming_cube_province", folder, str(path))
        stream["input_rows"] = pl.scan_parquet(path).select(pl.len()).collect().item()
        stream["file_bytes"] = path.stat().st_size
        stream["in_memory_estimate"] = loaded_bytes / rows * stream["input_rows"]

    results: dict[str, Any] = {
        "rows": rows,
        "machine": machine(),
        "seconds": t,
        "load_over_read": load_over_read,  # the median of paired ratios, see `paired`
        "pandas_load_over_load": t["pandas_load"] / t["load"],
        "load_strings_over_read": load_strings_over_read,
        "cube_over_floor": t["cube"] / t["floor_cube"],
        "pandas_cube_over_cube": t["pandas_cube"] / t["cube"],
        "compare_over_floor": t["compare"] / t["floor_compare"],
        "pandas_compare_over_compare": t["pandas_compare"] / t["compare"],
        "memory": memory,
        "loaded_bytes": loaded_bytes,
        "pandas_bytes": pandas_bytes,
        "load_peak_over_frames": memory["load"]["peak_bytes"] / loaded_bytes,
        "load_peak_over_estimate": memory["load"]["peak_bytes"] / memory["load"]["estimated_bytes"],
        "cube_peak_over_frames": memory["load+cube"]["peak_bytes"] / loaded_bytes,
        "streaming": stream,
        "checked_rows": checked,
    }
    results["profile"] = profile(folder)
    results["load_average"] = (load_average, os.getloadavg()[0])
    text = report(results, args)
    print(text)
    if args.write:
        args.write.write_text(merged(text, args.write), encoding="utf-8")
    return results


def merged(text: str, path: Path) -> str:
    """`text` followed by the sections ("## ...") of the file at `path` that this benchmark does not
    write: notes kept by hand (and other benchmarks' sections) survive a new run."""
    ours = set(re.findall(r"^## (.+)$", text, re.M))
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [part for part in re.split(r"^(?=## )", old, flags=re.M)[1:] if part.split("\n", 1)[0][3:] not in ours]
    return text + "".join("\n" + part.rstrip("\n") + "\n" for part in kept)


def profile(folder: Path) -> str:
    """Where one `aar.load` spends its time (pyinstrument, a dev dependency), as text."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    aar.load(folder)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, show_all=False)


def targets(r: dict[str, Any]) -> list[tuple[str, float, str, float]]:
    """(what, measured ratio, "<=" or ">=", limit) for each target of the issue."""
    return [
        ("load over read_parquet", r["load_over_read"], "<=", 3),
        ("pandas load over aar.load", r["pandas_load_over_load"], ">=", 3),
        ("cube over the polars floor", r["cube_over_floor"], "<=", 1.5),
        ("pandas cube over aar.cube", r["pandas_cube_over_cube"], ">=", 2),
        ("comparison over the polars floor", r["compare_over_floor"], "<=", 1.5),
        ("pandas comparison over aar.compare", r["pandas_compare_over_compare"], ">=", 2),
        ("peak memory of aar.load over the loaded frames (string views counted)", r["load_peak_over_frames"], "<=", 2),
        ("the same over polars' estimated_size of the frames (views left out)", r["load_peak_over_estimate"], "<=", 2),
    ]


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def report(r: dict[str, Any], args: argparse.Namespace) -> str:
    t, m = r["seconds"], r["memory"]

    def peak(step: str, size: int) -> str:
        return f"{_mb(m[step]['peak_bytes'])} ({m[step]['peak_bytes'] / size:.2f}x)"

    lines = [
        "# Data-layer benchmark",
        "",
        f"Measured {dt.date.today().isoformat()} with `benchmarks/bench_data.py --incidents {args.incidents} --repeat {args.repeat}` (`make bench` runs it with 5,000,000 and 3): "
        f"{r['rows']:,} synthetic incidents at national scale, medians of {args.repeat} runs in one process. Machine: {r['machine']}.",
        "",
        "Ratios are what to read: the machine is shared and noisy "
        f"(1-minute load average {r['load_average'][0]:.1f} at the start of the run and {r['load_average'][1]:.1f} at its end, on {os.cpu_count()} cores), "
        "and every ratio compares two steps timed in the same run; a load and its bare read are timed in pairs, one after the other, "
        "and their ratio is the median of the pairs' ratios. "
        f"Before timing, the run checks that pandas and the polars floor compute what aar computes: {r['checked_rows']:,} sampled loaded rows, every cell of the cube, every number of the comparison.",
        "",
        "| step | aar | polars floor | aar / floor | pandas | pandas / aar |",
        "|---|---|---|---|---|---|",
        f"| load, validate, derive (Parquet as aar writes it: Enum vocabularies) | {t['load']:.2f} s | {t['read']:.2f} s (read_parquet) | {r['load_over_read']:.2f}x | {t['pandas_load']:.2f} s | {r['pandas_load_over_load']:.2f}x |",
        f"| same, Parquet with string vocabularies | {t['load_strings']:.2f} s | {t['read_strings']:.2f} s | {r['load_strings_over_read']:.2f}x | | |",
        f"| count cube (operation x regency x phase x category x day) | {t['cube']:.2f} s | {t['floor_cube']:.2f} s | {r['cube_over_floor']:.2f}x | {t['pandas_cube']:.2f} s | {r['pandas_cube_over_cube']:.2f}x |",
        f"| national comparison (overall, phases, categories, provinces, days) | {t['compare']:.2f} s | {t['floor_compare']:.2f} s | {r['compare_over_floor']:.2f}x | {t['pandas_compare']:.2f} s | {r['pandas_compare_over_compare']:.2f}x |",
        "",
        "Against the targets of issues 7 and 16:",
        "",
        *(
            f"- {name}: {value:.2f}x, target {sign} {limit:g}x: {'met' if (value <= limit if sign == '<=' else value >= limit) else 'missed'}"
            for name, value, sign, limit in targets(r)
        ),
        "",
        "## Peak memory",
        "",
        "Each step in a fresh process, after its imports; the peak resident set size above the process's size before the step, "
        f"against the loaded frames: {_mb(r['loaded_bytes'])} in aar (the incidents with their derived columns and the other tables, "
        f"string views counted: `frame_bytes`; polars' own `estimated_size`, which leaves the 16-byte view of every string cell out, "
        f"says {_mb(m['load']['estimated_bytes'])}, and the process still holds {_mb(m['load']['settled_bytes'])} above its size before the load "
        f"once the allocator has handed back what the load freed), "
        f"{_mb(r['pandas_bytes'])} for the same incidents in pandas. A cube or a comparison is measured with the load before it "
        "(memory freed by the load is reused by the step, so the step alone cannot be isolated); its own share is the difference.",
        "",
        "| step | peak | x loaded frames | share of the step |",
        "|---|---|---|---|",
        f"| polars read_parquet | {_mb(m['read']['peak_bytes'])} | {m['read']['peak_bytes'] / r['loaded_bytes']:.2f}x | |",
        f"| aar.load | {_mb(m['load']['peak_bytes'])} | {m['load']['peak_bytes'] / r['loaded_bytes']:.2f}x ({r['load_peak_over_estimate']:.2f}x polars' estimate) | |",
        f"| aar.load, then aar.cube | {_mb(m['load+cube']['peak_bytes'])} | {m['load+cube']['peak_bytes'] / r['loaded_bytes']:.2f}x | {_mb(m['load+cube']['peak_bytes'] - m['load']['peak_bytes'])} |",
        f"| aar.load, then aar.compare | {_mb(m['load+compare']['peak_bytes'])} | {m['load+compare']['peak_bytes'] / r['loaded_bytes']:.2f}x | {_mb(m['load+compare']['peak_bytes'] - m['load']['peak_bytes'])} |",
        f"| pandas load | {_mb(m['pandas_load']['peak_bytes'])} | {m['pandas_load']['peak_bytes'] / r['pandas_bytes']:.2f}x of pandas frames | |",
        f"| pandas load, then cube | {_mb(m['pandas_load+cube']['peak_bytes'])} | {m['pandas_load+cube']['peak_bytes'] / r['pandas_bytes']:.2f}x of pandas frames | {_mb(m['pandas_load+cube']['peak_bytes'] - m['pandas_load']['peak_bytes'])} |",
    ]
    s = r["streaming"]
    if s:
        p = s["province"]
        lines += [
            "",
            "## Data beyond memory",
            "",
            f'`aar.count_cube(pl.scan_parquet(path), operations).collect(engine="streaming")` over {s["input_rows"]:,} loaded incidents '
            f"(the dataset's, repeated with new ids; {_mb(s['file_bytes'])} of Parquet, about {_mb(s['in_memory_estimate'])} if loaded), each in a fresh process:",
            "",
            f"- regency level: {s['seconds']:.1f} s, peak {_mb(s['peak_bytes'])}, {s['rows']:,} cube cells;",
            f"- province level: {p['seconds']:.1f} s, peak {_mb(p['peak_bytes'])}, {p['rows']:,} cube cells.",
            "",
            "The peak follows the number of cells (the group-by's state), not the number of rows read.",
        ]
    lines += [
        "",
        "## Where aar.load spends its time",
        "",
        "One load, profiled with pyinstrument (threads other than the main one show as waits):",
        "",
        "```",
        r["profile"].strip(),
        "```",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
