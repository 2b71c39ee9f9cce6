"""The shipped reference data, read through the same schema as a user's dataset.

- regions: the 38 provinces and 514 kabupaten/kota with Kemendagri codes (refdata/provinces.csv,
  refdata/regencies.csv; MIT, provenance in refdata/SOURCES.md);
- operations, operation_windows, phases: the two operations, the Polda windows known, and both
  phase calendars in the non-overlapping phase codes (refdata/*.csv, sources in their `source`
  column and in DOMAIN.md);
- guard_patterns: default TPS guard patterns, an editable table;
- the province boundaries as GeoJSON (`province_geojson()`), for maps;
- KPU's electorate figures: `known_electorate()` (voters and TPS of the sample's 28 kabupaten/kota),
  `pemilu_tps()` (Pemilu TPS of all 514) and `national_electorate()` (the whole country, both
  elections), cited in refdata/SOURCES.md.

A dataset may override any row of these or add rows (see `aar._data.dataset`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import ReferenceDataError
from .reading import ROW, read_csv
from .schema import ELECTION, REGION_KIND, TABLES
from .validation import Context, check_table, parse_table
from .vocabulary import RegionIndex, Vocabulary, normalise

REFDATA = resources.files("aar").joinpath("refdata")


@dataclass(frozen=True)
class Reference:
    """The shipped tables, typed after the schema."""

    operations: pl.DataFrame
    operation_windows: pl.DataFrame
    phases: pl.DataFrame
    regions: pl.DataFrame
    guard_patterns: pl.DataFrame


def regions_frame() -> pl.DataFrame:
    """The shipped provinces and kabupaten/kota as a `regions` table."""
    with REFDATA.joinpath("provinces.csv").open(encoding="utf-8") as handle:
        provinces = pl.read_csv(handle.read().encode(), infer_schema=False)
    with REFDATA.joinpath("regencies.csv").open(encoding="utf-8") as handle:
        regencies = pl.read_csv(handle.read().encode(), infer_schema=False)
    kind = pl.Enum(list(REGION_KIND.codes))
    frame = pl.concat(
        [
            provinces.select(
                region_code="code", name="name", kind=pl.lit("provinsi"), parent_code=pl.lit(None, pl.String)
            ),
            regencies.select(region_code="code", name="name", kind="kind", parent_code="province_code"),
        ]
    ).with_columns(pl.col("kind").cast(kind), polda=pl.lit(None, pl.String), polres=pl.lit(None, pl.String))
    return frame.select(TABLES["regions"].names)


def region_index(regions: pl.DataFrame, aliases: dict[str, str] | None = None) -> RegionIndex:
    """A `RegionIndex` over a `regions` table."""
    rows = regions.select("region_code", "name", pl.col("kind").cast(pl.String)).iter_rows()
    return RegionIndex(rows, aliases)


def operation_vocabulary(
    operations: pl.DataFrame, windows: pl.DataFrame | None = None, aliases: dict[str, str] | None = None
) -> Vocabulary:
    """Operations matched by id, full name, short name ("Mantap Praja", "OMP"), Polda codename
    ("Mantap Praja Krakatau") or the election it secures ("pilkada"), when that is unambiguous."""
    labels = {r["operation_id"]: (r["name"], r["name"]) for r in operations.iter_rows(named=True)}
    found: dict[str, set[str]] = {}
    for r in operations.iter_rows(named=True):
        short = re.sub(r"^operasi\s+", "", r["name"], flags=re.I)
        short = re.sub(r"\s*\d{4}(\s*-\s*\d{4})?$", "", short)
        acronym = "O" + "".join(word[0] for word in short.split()).upper()
        election = str(r["election"])
        spellings = {
            short,
            acronym,
            f"{acronym} {r['start_date'].year}",
            f"Operasi {short}",
            election,
            *(a for a, c in ELECTION.aliases.items() if c == election),
        }
        for spelling in spellings:
            found.setdefault(normalise(spelling), set()).add(r["operation_id"])
    for r in windows.iter_rows(named=True) if windows is not None else ():
        if r["codename"]:
            found.setdefault(normalise(r["codename"]), set()).add(r["operation_id"])
            found.setdefault(normalise(f"Operasi {r['codename']}"), set()).add(r["operation_id"])
    unique = {alias: next(iter(ids)) for alias, ids in found.items() if len(ids) == 1}
    return Vocabulary("operation", labels, {**unique, **(aliases or {})})


def _read_reference_table(name: str, ctx: Context) -> pl.DataFrame:
    table = TABLES[name]
    path = Path(str(REFDATA.joinpath(f"{name}.csv")))
    raw, problems = read_csv(path, table)
    frame, more = parse_table(raw, table, ctx)
    problems += more + check_table(frame, raw, table, set())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ReferenceDataError("shipped reference data is inconsistent:\n" + "\n".join(map(str, errors)))
    return frame.drop(ROW)


@cache
def reference() -> Reference:
    """The shipped reference tables (read once per process)."""
    regions = regions_frame()
    index = region_index(regions)
    operations = _read_reference_table("operations", Context(index, Vocabulary("operation", {}), {}))
    windows = _read_reference_table("operation_windows", Context(index, operation_vocabulary(operations), {}))
    ctx = Context(index, operation_vocabulary(operations, windows), {})
    return Reference(
        operations=operations,
        operation_windows=windows,
        phases=_read_reference_table("phases", ctx),
        regions=regions,
        guard_patterns=_read_reference_table("guard_patterns", ctx),
    )


_ELECTORATE = {
    "operation_id": pl.String,
    "region_code": pl.String,
    "voters": pl.Int64,
    "tps": pl.Int64,
    "basis": pl.String,
    "source_id": pl.String,
}
"""Columns of the shipped electorate tables (KPU's voters and TPS, with their citation)."""


def _refdata_csv(name: str, schema: dict[str, Any]) -> pl.DataFrame:
    """A CSV table of refdata/ with its columns typed (package data: read through importlib.resources)."""
    with REFDATA.joinpath(name).open(encoding="utf-8") as handle:
        return pl.read_csv(handle.read().encode(), schema=schema)


@cache
def known_electorate() -> pl.DataFrame:
    """KPU's published voters (DPT) and TPS of the sample's 28 kabupaten/kota, both elections.

    operation_id, region_code, voters (null where not found: never guessed), tps, basis (which
    list), source_id (the citation in refdata/SOURCES.md).
    """
    return _refdata_csv("electorate_sample_provinces.csv", _ELECTORATE)


@cache
def pemilu_tps() -> pl.DataFrame:
    """TPS of the 14 Feb 2024 Pemilu in each of the 514 kabupaten/kota (KPU list, via KawalPemilu).

    region_code, tps, tps_lokasi_khusus (special-location TPS among them); see refdata/SOURCES.md.
    """
    return _refdata_csv(
        "tps_pemilu2024.csv", {"region_code": pl.String, "tps": pl.Int64, "tps_lokasi_khusus": pl.Int64}
    )


@cache
def national_electorate() -> pl.DataFrame:
    """Voters (DPT) and TPS of the whole country in each election (region 00), as KPU published them.

    operation_id, region_code ("00"), voters, tps, basis, source_id (refdata/SOURCES.md). The
    Pilkada's voters are the rounded "about 203 million" KPU reported (basis says so).
    """
    return _refdata_csv("electorate_national.csv", _ELECTORATE)


def province_geojson() -> dict[str, Any]:
    """The 38 province boundaries (WGS84, simplified; `properties.code` is the Kemendagri code)."""
    with REFDATA.joinpath("provinces.geojson").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def licence_notice() -> str:
    """Sources, provenance and MIT licence notice of the shipped region codes and boundaries."""
    return REFDATA.joinpath("SOURCES.md").read_text(encoding="utf-8")
