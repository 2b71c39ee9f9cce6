"""Numbers, percentages and dates written for the report's language, through babel.

Indonesian writes 1.234,5 and "27 November 2024"; English 1,234.5 and "27 November 2024".

>>> number(1234.5, "id", 1), number(1234.5, "en", 1)
('1.234,5', '1,234.5')
>>> date(dt.date(2024, 11, 27), "id")
'27 November 2024'
"""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from .._errors import UsageError

LANGUAGES = ("id", "en")
_LOCALES = {"id": "id_ID", "en": "en_GB"}


def locale(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UsageError("lang", lang, LANGUAGES)
    return _LOCALES[lang]


def number(value: float | None, lang: str = "id", decimals: int = 0) -> str:
    """A number with the language's grouping and decimal marks; "-" for a missing value."""
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale(lang))


def percent(value: float | None, lang: str = "id", decimals: int = 1) -> str:
    """A percentage given in percent units (37.8 -> "37,8%" in Indonesian)."""
    if value is None:
        return "-"
    return number(value, lang, decimals) + "%"


def ratio(value: float | None, lang: str = "id") -> str:
    """A ratio with two decimals: 1.38 -> "1,38"."""
    return number(value, lang, 2)


def date(value: dt.date | None, lang: str = "id") -> str:
    """A date written out: 27 November 2024 (both languages, day first)."""
    if value is None:
        return "-"
    return babel_dates.format_date(value, format="d MMMM y", locale=locale(lang))


def rupiah(value: float | None, lang: str = "id") -> str:
    """Rupiah without decimals: "Rp 1.500.000"."""
    return "-" if value is None else "Rp " + number(value, lang, 0)
