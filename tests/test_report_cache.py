"""A single report validates its dataset once: the parent prepares it into the cache (or finds it
there, with nothing validated), the kernel loads the prepared copy; a cache entry that is damaged,
half written or of another version is rebuilt, never used; a cache that cannot be written falls
back to the dataset as given; the report is the same either way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import polars as pl
import pytest

import aar._data.cache as cache
from _report_files import page, sidecar
from aar._data.cache import cached, code_fingerprint, prepare, prepared_cache, source_key, store
from aar._data.dataset import PREPARED_MARKER, check_prepared, describe, load
from aar._data.schema import TABLES
from aar._errors import DatasetError, DataValidationError, ReportError
from aar._reporting.runner import run_report

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
CHECKSUM = str(describe(SAMPLE)["checksum"])
KEY = str(source_key(SAMPLE))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AAR_CACHE_DIR", str(folder))
    return folder


def _entry() -> Path:
    return prepared_cache(KEY)


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any validation, or even parsing, of the dataset as given fails the test from here on."""

    def refuse(path: object) -> None:
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(cache, "load", refuse)
    monkeypatch.setattr(cache, "describe", refuse)


def test_the_default_cache_is_under_the_users_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AAR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    entry = f"{KEY[:16]}-{code_fingerprint()[:8]}"
    assert prepared_cache(KEY) == tmp_path / "xdg" / "aar" / "prepared" / entry
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert prepared_cache(KEY) == tmp_path / "home" / ".cache" / "aar" / "prepared" / entry


def test_a_copy_written_by_other_code_is_another_entry(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same data, same version number, other loading code (a development install): not reused."""
    first = prepare(SAMPLE).folder
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "f" * 64)
    other = prepare(SAMPLE)
    assert not other.reused and other.folder is not None and other.folder != first
    assert other.folder.name == f"{KEY[:16]}-ffffffff"


def test_staging_folders_of_killed_processes_are_removed(cache_dir: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = int(gone.stdout), os.getpid()
    name = prepared_cache(KEY).name
    (cache_dir / "prepared").mkdir(parents=True)
    left = [cache_dir / "prepared" / f".{name}.{dead}.abc123", cache_dir / "prepared" / f".{name}.{dead}.old.x"]
    running = cache_dir / "prepared" / f".{name}.{alive}.def456"
    for folder in (*left, running):
        folder.mkdir()
        (folder / "incidents.parquet").write_bytes(b"half")
    prepare(SAMPLE)
    assert not any(f.exists() for f in left) and running.exists()


def test_a_dataset_is_prepared_once_then_reused_without_validation(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(p.name for p in SAMPLE.iterdir())
    first = prepare(SAMPLE)
    assert not first.reused and first.folder == _entry() and first.folder.is_relative_to(cache_dir)
    assert sorted(p.name for p in SAMPLE.iterdir()) == before  # nothing written into the input folder
    assert first.about == {
        "path": str(SAMPLE),
        "name": first.dataset.info.name,
        "checksum": CHECKSUM,
        "synthetic": True,
    }
    written = {p.name: p.stat().st_mtime_ns for p in first.folder.iterdir()}
    _no_validation(monkeypatch)
    second = prepare(SAMPLE)
    assert second.reused and second.folder == first.folder and second.about == first.about
    assert {p.name: p.stat().st_mtime_ns for p in second.folder.iterdir()} == written  # not rewritten
    assert [p.name for p in (cache_dir / "prepared").iterdir()] == [first.folder.name]  # no staging left


def test_the_cached_copy_holds_the_validated_tables_without_free_text(cache_dir: Path) -> None:
    loaded = load(SAMPLE)
    prepare(SAMPLE)
    copy = cached(KEY)
    assert copy is not None and copy.info == loaded.info
    assert set(copy.tables) == set(loaded.tables)
    for name, frame in loaded.tables.items():
        private = [f.name for f in TABLES[name].fields if f.private] if name in TABLES else []
        kept = [c for c in frame.columns if c not in private]
        assert copy.tables[name].select(kept).equals(frame.select(kept)), name
        for column in set(private) & set(frame.columns):
            assert copy.tables[name][column].null_count() == copy.tables[name].height, (name, column)


def test_the_warm_path_of_the_parent_never_imports_pandera(cache_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from aar._data.cache import prepare
        from aar._reporting.runner import check_scope_of
        prepared = prepare({str(SAMPLE)!r})
        check_scope_of("comparative", {{"baseline": "OMB-2023-2024", "target": "OMP-2024", "region": "18"}},
                       prepared.dataset)
        print(prepared.reused, "pandera" in sys.modules)
        """
    )

    def run() -> str:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        return result.stdout.strip()

    assert run() == "False True"  # cold: validated here, pandera imported (once)
    assert run() == "True False"  # warm: the checksum checked, the copy loaded, no pandera


@pytest.mark.parametrize("damage", ["truncated table", "missing table", "half a marker", "other version"])
def test_a_damaged_or_stale_entry_is_rebuilt_not_used(cache_dir: Path, damage: str) -> None:
    entry = prepare(SAMPLE).folder
    assert entry is not None
    incidents, marker = entry / "incidents.parquet", entry / PREPARED_MARKER
    if damage == "truncated table":
        incidents.write_bytes(incidents.read_bytes()[: incidents.stat().st_size // 2])
    elif damage == "missing table":
        incidents.unlink()
    elif damage == "half a marker":
        marker.write_text(marker.read_text(encoding="utf-8")[:100], encoding="utf-8")
    else:
        marker.write_text(marker.read_text(encoding="utf-8").replace('"aar_version": "', '"aar_version": "0.0.0+'))
    with pytest.raises(DatasetError):
        check_prepared(entry)
    assert cached(KEY) is None
    again = prepare(SAMPLE)
    assert not again.reused and again.folder == entry
    check_prepared(entry)  # whole again
    assert cached(KEY) is not None


def test_a_parquet_file_damaged_in_place_is_refused(cache_dir: Path) -> None:
    """Same size, other bytes (not a truncation): reading it fails, and that is a DatasetError."""
    entry = prepare(SAMPLE).folder
    assert entry is not None
    incidents = entry / "incidents.parquet"
    incidents.write_bytes(b"\0" * incidents.stat().st_size)
    assert cached(KEY) is None
    assert not prepare(SAMPLE).reused


def test_any_change_to_the_files_is_another_entry(cache_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(SAMPLE, tmp_path / "data")
    first = prepare(data)
    assert prepare(data).reused
    (data / "notes.md").write_text("a file load never reads still makes another key")
    assert not prepare(data).reused
    regions = data / "regions.csv"
    regions.write_bytes(regions.read_bytes() + b"\n")
    again = prepare(data)
    assert not again.reused and again.folder != first.folder
    (data / ".hidden").write_text("never read: same key")
    (data / "~$lock.xlsx").write_text("an Office lock file: same key")
    assert prepare(data).reused


def test_a_workbook_key_covers_its_dataset_toml(tmp_path: Path) -> None:
    book = tmp_path / "data.xlsx"
    book.write_bytes(b"not parsed, only hashed")
    alone = source_key(book)
    (tmp_path / "dataset.toml").write_text('name = "x"\n')
    with_config = source_key(book)
    assert alone is not None and with_config not in (alone, None)
    (tmp_path / "other.csv").write_text("a workbook's data never comes from the files beside it")
    assert source_key(book) == with_config


def test_files_changed_while_they_were_validated_are_not_cached(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = shutil.copytree(SAMPLE, tmp_path / "data")

    def load_then_edit(path: Path) -> object:
        ds = load(path)
        (data / "phases.csv").write_bytes((data / "phases.csv").read_bytes() + b"\n")
        return ds

    monkeypatch.setattr(cache, "load", load_then_edit)
    assert prepare(data).folder is None
    assert not (cache_dir / "prepared").exists() or list((cache_dir / "prepared").iterdir()) == []


def test_an_unwritable_cache_falls_back_to_the_dataset_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AAR_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    prepared = prepare(SAMPLE)
    assert prepared.folder is None and not prepared.reused and prepared.dataset.info.checksum == CHECKSUM


def test_a_full_disk_while_writing_leaves_no_entry(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: pl.DataFrame, path: object, **_: object) -> None:
        Path(str(path)).write_bytes(b"PAR1")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    assert prepare(SAMPLE).folder is None
    assert list((cache_dir / "prepared").iterdir()) == []  # the staging folder is removed
    assert cached(KEY) is None


def test_bad_data_is_refused_and_nothing_is_cached(cache_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(SAMPLE, tmp_path / "bad")
    incidents = data / "incidents.csv"
    lines = incidents.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2023-10-19", "2023-13-45")
    incidents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError):
        prepare(data)
    assert not (cache_dir / "prepared").exists() or list((cache_dir / "prepared").iterdir()) == []


def test_an_entry_written_first_by_another_process_is_kept(cache_dir: Path) -> None:
    ds = load(SAMPLE)
    first = store(ds, KEY)
    assert first is not None
    marker = (first / PREPARED_MARKER).stat().st_mtime_ns
    assert store(ds, KEY) == first  # the rename fails on the complete entry, which is kept
    assert (first / PREPARED_MARKER).stat().st_mtime_ns == marker
    assert [p.name for p in (cache_dir / "prepared").iterdir()] == [first.name]


def test_two_processes_preparing_at_once_leave_one_whole_entry(cache_dir: Path) -> None:
    code = f"from aar._data.cache import prepare; print(prepare({str(SAMPLE)!r}).folder)"
    runs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {str(_entry())}
    check_prepared(_entry())
    assert [p.name for p in (cache_dir / "prepared").iterdir()] == [_entry().name]  # no staging left


# Reports (notebooks run): slow.


def _kernel_dataset(folder: Path) -> str:
    return str(nbformat.read(folder / "report.ipynb", as_version=4).metadata["papermill"]["parameters"]["dataset"])


def _block_pandera(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels started from here on cannot import pandera (so cannot validate); this process keeps it."""
    import pandera.polars  # noqa: F401  (imported here before the block, for the parent's own validation)

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import sys\nfor name in ('pandera', 'pandera.polars', 'pandera.errors'):\n    sys.modules[name] = None\n"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))


PARAMS = {"dataset": str(SAMPLE), "region": "19.71", "lang": "en"}


@pytest.mark.slow
def test_the_kernel_loads_the_prepared_copy_and_the_report_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three reports of the same parameters: through the cache cold, through it warm, and with no
    cache (the kernel validates the dataset itself, as before); the pages and sidecars are equal."""
    monkeypatch.setenv("AAR_CACHE_DIR", str(tmp_path / "cache"))
    _block_pandera(tmp_path, monkeypatch)
    cold = run_report("comparative", PARAMS, tmp_path / "cold")  # the kernel could not have validated
    assert _kernel_dataset(cold.folder) == str(_entry())
    source = nbformat.read(cold.notebook, as_version=4)
    injected = next(c for c in source.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert injected.source.rstrip().endswith(f"of {str(SAMPLE)!r}")  # names the dataset it stands for
    described = sidecar(cold.folder)
    assert described["parameters"]["dataset"] == str(SAMPLE)  # type: ignore[index]
    assert described["dataset"] == {
        "path": str(SAMPLE),
        "name": load(SAMPLE).info.name,
        "checksum": CHECKSUM,
        "synthetic": True,
    }
    assert "synthetic" in page(cold.folder).lower()

    written = (_entry() / PREPARED_MARKER).stat().st_mtime_ns
    _no_validation(monkeypatch)
    warm = run_report("comparative", PARAMS, tmp_path / "warm")
    assert (_entry() / PREPARED_MARKER).stat().st_mtime_ns == written
    monkeypatch.undo()  # no cache that can be written, and kernels that can validate again
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("AAR_CACHE_DIR", str(blocker / "cache"))
    uncached = run_report("comparative", PARAMS, tmp_path / "uncached")
    assert _kernel_dataset(uncached.folder) == str(SAMPLE)
    for other in (warm, uncached):
        assert page(other.folder) == page(cold.folder)
        assert sidecar(other.folder) == described


@pytest.mark.slow
def test_without_a_cache_the_kernel_validates_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of the test above: with no cache, a kernel that cannot import pandera fails."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("AAR_CACHE_DIR", str(blocker / "cache"))
    _block_pandera(tmp_path, monkeypatch)
    with pytest.raises(ReportError, match="pandera"):
        run_report("comparative", PARAMS, tmp_path / "out")
