"""Strict parsing of text cells into typed values, the way Indonesian spreadsheets write them.

Every parser is vectorised (polars expressions, or a dictionary over the distinct values) and
returns the parsed column together with a mask of the cells it could not read. A cell is never
silently turned into null: an empty cell is null, a cell that does not parse is a problem.

What is accepted:
- numbers: "1.234,5" where the decimal mark is a comma (semicolon CSV, Excel), "1,234.5" where it is
  a point (comma CSV); "Rp 1.500.000"; "-" (and en or em dashes) for zero;
- dates, always day first: "27/11/2024", "27-11-2024", "27.11.2024", "27/11/24", "2024-11-27",
  "27 November 2024", "27 Nov 2024", "Rabu, 27 Nopember 2024", with Indonesian (and English) month
  names and abbreviations (Agt, Agu, Okt, Des...);
- times: "14:30", "14.30", "14:30:00";
- booleans: ya/tidak, y/n, true/false, benar/salah, 1/0, selesai/belum, yes/no.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import polars as pl

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags agus aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nov nopember nop",
        "desember des dec december",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_WEEKDAY = r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s*"
_DASHES = ("-", "\u2013", "\u2014")

TRUE_WORDS = ("ya", "y", "true", "benar", "1", "selesai", "yes", "sudah", "tuntas")
BOOLEAN_WORDS = {"id": ("ya", "tidak"), "en": ("yes", "no")}
"""The yes and no a data-entry template offers in each language (both among the words read)."""
FALSE_WORDS = ("tidak", "n", "false", "salah", "0", "belum", "no", "tdk", "belum_selesai")


def _clean(col: pl.Expr) -> pl.Expr:
    return col.str.strip_chars().replace("", None)


def parse_number(values: pl.Series, *, decimal: str, integer: bool) -> tuple[pl.Series, pl.Series]:
    """Parse numbers written with `decimal` ("," or ".") as decimal mark; "-" means zero.

    Returns (values, bad): Int64 or Float64 values, and True where a non-empty cell did not parse
    (a number too large for its type included: see `parse_number_in_range`).
    """
    value, bad, _ = parse_number_in_range(values, decimal=decimal, integer=integer)
    return value, bad


INT64_MAX = 2**63 - 1
"""The largest whole number a count column (polars Int64) holds: 9,223,372,036,854,775,807."""


def parse_number_in_range(values: pl.Series, *, decimal: str, integer: bool) -> tuple[pl.Series, pl.Series, pl.Series]:
    """`parse_number`, and a third mask: cells written as a number that does not fit the type.

    A whole number beyond the Int64 range (99999999999999999999999) or a number beyond the
    Float64 range (a 400-digit number) is bad, never a silent null; the third mask tells these
    apart from text that is not a number at all, so the message can name the allowed range.
    Whole numbers are read from their digits, not through a float, so 9007199254740993 stays exact.
    """
    group = "." if decimal == "," else ","
    g, d = "\\" + group, "\\" + decimal
    fraction = f"({d}0+)?" if integer else f"({d}\\d+)?"
    pattern = rf"^[+-]?(\d{{1,3}}({g}\d{{3}})+|\d+){fraction}$"
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    text = _clean(pl.col("v")).str.replace(r"(?i)^rp\.?", "").str.replace_all(r"[\s\u00a0]", "")
    text = pl.when(text.is_in(_DASHES)).then(pl.lit("0")).otherwise(text)
    # in two steps, so that the pattern is matched and the text cast once (not once per output)
    steps = frame.select(text=text).with_columns(number=pl.col("text").str.contains(pattern))
    canonical = pl.col("text").str.replace_all(g, "").str.replace(d, ".")
    if integer:
        parsed = canonical.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        steps = steps.with_columns(parsed=pl.when(pl.col("number")).then(parsed))
        fits = pl.col("parsed").is_not_null()
    else:
        parsed = canonical.cast(pl.Float64, strict=False)
        steps = steps.with_columns(parsed=pl.when(pl.col("number")).then(parsed))
        fits = pl.col("parsed").is_finite()
    number = pl.col("number").fill_null(False)
    out = steps.select(
        value=pl.when(fits).then(pl.col("parsed")),
        bad=pl.col("text").is_not_null() & ~(number & fits.fill_null(False)),
        too_large=number & ~fits.fill_null(False),
    )
    return out["value"].alias(values.name), out["bad"], out["too_large"]


def _two_digit_year(year: pl.Expr) -> pl.Expr:
    y = year.cast(pl.Int32, strict=False)
    return pl.when(y < 100).then(y + 2000).otherwise(y)


def parse_date(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse day-first dates, ISO dates and dates with Indonesian month names (see module doc)."""
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    text = _clean(pl.col("v")).str.to_lowercase().str.replace(_WEEKDAY, "")
    iso = text.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
    numeric = text.str.extract_groups(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4}|\d{2})$")
    named = text.str.extract_groups(r"^(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.]+(\d{4}|\d{2})$")
    month_of = pl.Series(list(MONTHS)), pl.Series(list(MONTHS.values()), dtype=pl.Int32)
    year = pl.coalesce(iso.struct.field("1"), numeric.struct.field("3"), named.struct.field("3"))
    month = pl.coalesce(
        iso.struct.field("2").cast(pl.Int32, strict=False),
        numeric.struct.field("2").cast(pl.Int32, strict=False),
        named.struct.field("2").replace_strict(*month_of, default=None, return_dtype=pl.Int32),
    )
    day = pl.coalesce(iso.struct.field("3"), numeric.struct.field("1"), named.struct.field("1")).cast(
        pl.Int32, strict=False
    )
    assembled = pl.format(
        "{}-{}-{}",
        _two_digit_year(year).cast(pl.String).str.zfill(4),
        month.cast(pl.String).str.zfill(2),
        day.cast(pl.String).str.zfill(2),
    )
    out = frame.select(value=assembled.str.to_date("%Y-%m-%d", strict=False), filled=text.is_not_null())
    bad = out["filled"] & out["value"].is_null()
    return out["value"].alias(values.name), bad


def parse_time(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse a time of day: "14:30", "14.30", "14:30:00"."""
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    text = _clean(pl.col("v"))
    parts = text.str.extract_groups(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
    assembled = pl.format(
        "{}:{}:{}",
        parts.struct.field("1").str.zfill(2),
        parts.struct.field("2"),
        parts.struct.field("3").fill_null("00"),
    )
    out = frame.select(value=assembled.str.to_time("%H:%M:%S", strict=False), filled=text.is_not_null())
    return out["value"].alias(values.name), out["filled"] & out["value"].is_null()


def parse_bool(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse ya/tidak, true/false, 1/0 and the other words in TRUE_WORDS and FALSE_WORDS."""
    words = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)
    return parse_with(values, lambda v: words.get(v.strip().lower().replace(" ", "_")), pl.Boolean)


@functools.lru_cache(maxsize=8)
def no_cells(height: int) -> pl.Series:
    """`height` False values: the bad-cell mask of a clean column, made once per height and shared
    (a Series is immutable), instead of once per column of a table."""
    return pl.repeat(False, height, dtype=pl.Boolean, eager=True)


def blank_to_null(text: pl.Series) -> pl.Series:
    """Empty strings become null; a length test, cheaper than `replace("", None)` on millions of rows."""
    if not (text.str.len_bytes() == 0).any():
        return text
    return text.to_frame().select(pl.when(pl.first().str.len_bytes() > 0).then(pl.first())).to_series().alias(text.name)


def parse_text(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Strip surrounding spaces; an empty cell becomes null. Never bad."""
    out = blank_to_null(values.cast(pl.String).str.strip_chars())
    return out, no_cells(len(values)).alias(values.name)


def parse_with(
    values: pl.Series, lookup: Callable[[str], object | None], dtype: pl.DataType | type[pl.DataType]
) -> tuple[pl.Series, pl.Series]:
    """Parse through `lookup` applied once per distinct value; None from lookup marks a bad cell.

    Cells are stripped first and blank cells become null (not bad). The work on each row is one
    hash at most: an Enum column of the target type (as aar writes Parquet) passes as it is; when
    every distinct value already is what it parses to (clean exports), the column is kept (String)
    or cast (Enum) as it is; only other columns are mapped value by value.
    """
    fine = no_cells(len(values)).alias(values.name)
    if isinstance(dtype, pl.Enum) and values.dtype == dtype:
        return values, fine  # an Enum column as aar writes it: valid by construction
    categorical = isinstance(values.dtype, (pl.Enum, pl.Categorical))
    text = values.cast(pl.String)
    if isinstance(dtype, pl.Enum) and not categorical:
        cast = text.cast(dtype, strict=False)
        if cast.null_count() == text.null_count():
            return cast.alias(values.name), fine
    distinct = (values.unique().cast(pl.String) if categorical else text.unique()).to_list()
    found: dict[str, object | None] = {}
    blank: list[str] = []
    for raw in distinct:
        if raw is None:
            continue
        stripped = raw.strip()
        if stripped:
            found[raw] = lookup(stripped)
        else:
            blank.append(raw)
    bad_values = [k for k, v in found.items() if v is None]
    bad = text.is_in(bad_values).fill_null(False) if bad_values else fine
    if dtype == pl.String and not blank and not bad_values and all(k == v for k, v in found.items() if v is not None):
        return text.alias(values.name), bad.alias(values.name)
    keys = [k for k, v in found.items() if v is not None]
    parsed = text.replace_strict(keys, [found[k] for k in keys], default=None, return_dtype=dtype)
    return parsed.alias(values.name), bad.alias(values.name)
