"""Cell parsing: numbers, dates, times and yes/no as Indonesian spreadsheets write them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aar._data.parsing import MONTHS, parse_bool, parse_date, parse_number, parse_time, parse_with


def _one(parser, text, **kw):  # type: ignore[no-untyped-def]
    values, bad = parser(pl.Series("x", [text], dtype=pl.String), **kw)
    return values[0], bad[0]


@pytest.mark.parametrize(
    ("text", "decimal", "integer", "expected"),
    [
        ("1.234,5", ",", False, 1234.5),
        ("1.234.567", ",", True, 1234567),
        ("Rp 1.500.000", ",", True, 1500000),
        ("rp.2.000", ",", True, 2000),
        ("-", ",", True, 0),
        ("\u2013", ",", False, 0.0),
        ("12", ",", True, 12),
        ("5,0", ",", True, 5),
        ("1,234.5", ".", False, 1234.5),
        ("1234.5", ".", False, 1234.5),
        ("-3", ".", True, -3),
        ("1 234", ",", True, 1234),
    ],
)
def test_numbers_that_parse(text: str, decimal: str, integer: bool, expected: float) -> None:
    value, bad = _one(parse_number, text, decimal=decimal, integer=integer)
    assert not bad
    assert value == expected


@pytest.mark.parametrize(
    ("text", "decimal", "integer"),
    [
        ("1,5", ",", True),
        ("1.5", ",", False),
        ("dua", ",", True),
        ("1.23", ",", True),
        ("12abc", ".", False),
        ("1,5", ".", False),
    ],
)
def test_numbers_that_are_rejected_not_nulled(text: str, decimal: str, integer: bool) -> None:
    value, bad = _one(parse_number, text, decimal=decimal, integer=integer)
    assert bad
    assert value is None


def test_empty_number_cell_is_null_and_not_bad() -> None:
    values, bad = parse_number(pl.Series("x", ["", None, "  "]), decimal=",", integer=True)
    assert values.to_list() == [None, None, None]
    assert bad.to_list() == [False, False, False]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_indonesian_grouped_numbers_round_trip(whole: int, cents: int) -> None:
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    value, bad = _one(parse_number, text, decimal=",", integer=False)
    assert not bad
    assert value == pytest.approx(whole + cents / 100)


@pytest.mark.parametrize(
    "text",
    [
        "27/11/2024", "27-11-2024", "27.11.2024", "27/11/24", "2024-11-27", "2024-11-27 00:00:00",
        "27 November 2024", "27 Nov 2024", "27 Nopember 2024", "27 nov. 2024", "Rabu, 27 November 2024",
        "rabu 27 november 2024", "27-Nov-2024", " 27/11/2024 ",
    ],
)  # fmt: skip
def test_dates_that_parse_to_27_november_2024(text: str) -> None:
    value, bad = _one(parse_date, text)
    assert not bad
    assert value == dt.date(2024, 11, 27)


@pytest.mark.parametrize(
    "text", ["11/27/2024", "31/02/2024", "kemarin", "2024/27/11", "27 Novembre 2024", "32/01/2024"]
)
def test_dates_that_are_rejected(text: str) -> None:
    value, bad = _one(parse_date, text)
    assert bad
    assert value is None


def test_day_first_is_never_month_first() -> None:
    value, _ = _one(parse_date, "03/04/2024")
    assert value == dt.date(2024, 4, 3)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)), st.sampled_from(sorted(MONTHS)))
def test_every_month_name_parses(day: dt.date, name: str) -> None:
    month = MONTHS[name]
    try:
        expected = day.replace(month=month)
    except ValueError:
        return
    value, bad = _one(parse_date, f"{expected.day} {name.capitalize()} {expected.year}")
    assert not bad
    assert value == expected


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_day_first_and_iso_round_trip(day: dt.date) -> None:
    for text in (day.strftime("%d/%m/%Y"), day.isoformat(), day.strftime("%d-%m-%Y")):
        value, bad = _one(parse_date, text)
        assert not bad
        assert value == day


def test_times() -> None:
    values, bad = parse_time(pl.Series(["14:30", "14.30", "7:05:09", "25:00", None]))
    assert values.to_list()[:3] == [dt.time(14, 30), dt.time(14, 30), dt.time(7, 5, 9)]
    assert bad.to_list() == [False, False, False, True, False]


def test_yes_no_words() -> None:
    values, bad = parse_bool(pl.Series(["Ya", "tidak", "TRUE", "0", "selesai", "belum", "mungkin", None]))
    assert values.to_list() == [True, False, True, False, True, False, None, None]
    assert bad.to_list() == [False] * 6 + [True, False]


def test_enum_column_of_the_target_type_passes_as_it_is() -> None:
    dtype = pl.Enum(["WIB", "WITA", "WIT"])
    values = pl.Series("tz", ["WIB", None, "WIT"], dtype=dtype)
    parsed, bad = parse_with(values, lambda v: None, dtype)
    assert parsed.equals(values) and not bad.any()


def test_categorical_column_is_matched_through_its_values() -> None:
    dtype = pl.Enum(["polri", "tni"])
    values = pl.Series("agency", ["Polisi", "tni", "army", None], dtype=pl.Categorical)
    parsed, bad = parse_with(values, lambda v: {"polisi": "polri", "tni": "tni"}.get(v.lower()), dtype)
    assert parsed.to_list() == ["polri", "tni", None, None]
    assert bad.to_list() == [False, False, True, False]


def test_clean_string_column_is_kept_and_a_dirty_one_is_mapped() -> None:
    clean = pl.Series("r", ["18.72", "18.71", None])
    parsed, bad = parse_with(clean, lambda v: v, pl.String)
    assert parsed.equals(clean) and not bad.any()
    dirty = pl.Series("r", [" 18.72", "", "nowhere", "18.71"])
    parsed, bad = parse_with(dirty, lambda v: None if v == "nowhere" else v, pl.String)
    assert parsed.to_list() == ["18.72", None, None, "18.71"]
    assert bad.to_list() == [False, False, True, False]


def test_enum_target_from_strings_with_spaces_and_aliases() -> None:
    dtype = pl.Enum(["WIB", "WITA", "WIT"])
    parsed, bad = parse_with(
        pl.Series(["WIB", " wita ", "UTC+9", "", "Mars"]),
        lambda v: {"wib": "WIB", "wita": "WITA", "utc+9": "WIT"}.get(v.lower()),
        dtype,
    )
    assert parsed.dtype == dtype
    assert parsed.to_list() == ["WIB", "WITA", "WIT", None, None]
    assert bad.to_list() == [False, False, False, False, True]


_EDGE_TEXT = st.lists(
    st.one_of(
        st.none(),
        st.text(alphabet=st.sampled_from(["a", "7", "-", " ", "\t", "\n", "\u00a0", "\u3000", "\x00", "\x85", "é"])),
    ),
    min_size=1,
    max_size=8,
)


@given(_EDGE_TEXT)
def test_text_cells_are_stripped_and_checked_whether_or_not_any_needs_it(cells: list[str | None]) -> None:
    """A clean text column is kept as it is (one scan): the result equals stripping every cell,
    blank to null, and the same control-character problems, for ids and for free text."""
    from aar._data.parsing import parse_text
    from aar._data.reading import ROW, RawTable
    from aar._data.schema import TABLES
    from aar._data.validation import _ID_CONTROL, Context, parse_field

    values = pl.Series("x", cells, dtype=pl.String)
    raw = RawTable("incidents", pl.DataFrame({"x": values, ROW: range(1, len(cells) + 1)}), "<t>")
    ctx = Context(None, None, {})  # type: ignore[arg-type]  # not used by text fields
    for name in ("incident_id", "description"):
        field = TABLES["incidents"].field(name)
        parsed, problems = parse_field(raw, field, values, ctx)
        stripped, _ = parse_text(values)
        control = stripped.str.contains(_ID_CONTROL).fill_null(False)
        if name == "incident_id":
            assert parsed.to_list() == stripped.to_list()
            assert len(problems) == int(control.sum())
        else:
            assert all(v is None or v == v.strip() for v in parsed.to_list())
            assert (len(problems) > 0) == bool(stripped.str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]").any())
            if not problems:
                assert parsed.to_list() == stripped.to_list()


def test_the_quick_id_check_knows_every_character_a_strip_removes() -> None:
    """An id column with none of these characters skips the strip: each character polars strips
    (or a regular expression's \\s matches) or that counts as a control character must be listed."""
    from aar._data.validation import _ID_CONTROL, _SPACE_OR_CONTROL

    every = pl.Series([chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000])
    needs_work = every.filter(
        (every.str.strip_chars() == "") | every.str.contains(r"^\s") | every.str.contains(_ID_CONTROL)
    )
    assert set(needs_work.to_list()) <= set(_SPACE_OR_CONTROL)
    assert {"\u00a0", "\u3000", "\x85", "\x00", " "} <= set(needs_work.to_list())
