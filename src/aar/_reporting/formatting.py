"""Numbers, percentages, p-values, dates and durations written for the report's language (babel).

Indonesian writes 1.234,5 and "27 November 2024"; English 1,234.5 and "27 November 2024". Words
(units of the crime clock) come from the message catalog.

>>> number(1234.5, "id", 1), number(1234.5, "en", 1)
('1.234,5', '1,234.5')
>>> date(dt.date(2024, 11, 27), "id")
'27 November 2024'
>>> p_value(0.00001, "id"), p_value(0.0123, "en")
('< 0,0001', '0.0123')
>>> crime_clock(9_000, "id")
'1 kasus setiap 2 jam 30 menit'
"""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from .._messages import LANGUAGES, Messages

_LOCALES = {"id": "id_ID", "en": "en_GB"}


def locale(lang: str) -> str:
    from .._errors import UsageError

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


def p_value(value: float | None, lang: str = "id") -> str:
    """A p-value with four decimals, and "< 0,0001" below that (never "0,0000")."""
    if value is None:
        return "-"
    if value < 0.0001:
        return "< " + number(0.0001, lang, 4)
    return number(value, lang, 4)


def date(value: dt.date | None, lang: str = "id") -> str:
    """A date written out: 27 November 2024 (both languages, day first)."""
    if value is None:
        return "-"
    return babel_dates.format_date(value, format="d MMMM y", locale=locale(lang))


def short_date(value: dt.date | None, lang: str = "id") -> str:
    """A date as 27 Nov 2024 (Indonesian month abbreviations in Indonesian)."""
    if value is None:
        return "-"
    return babel_dates.format_date(value, format="d MMM y", locale=locale(lang))


def rupiah(value: float | None, lang: str = "id") -> str:
    """Rupiah without decimals: "Rp 1.500.000"."""
    return "-" if value is None else "Rp " + number(value, lang, 0)


def month_names(lang: str) -> dict[str, list[str]]:
    """Month and day names of the language, for plotly's date axes."""
    loc = locale(lang)
    months = babel_dates.get_month_names("wide", locale=loc)
    short = babel_dates.get_month_names("abbreviated", locale=loc)
    days = babel_dates.get_day_names("wide", locale=loc)
    short_days = babel_dates.get_day_names("abbreviated", locale=loc)
    order = [6, 0, 1, 2, 3, 4, 5]  # plotly's weeks start on Sunday, babel's on Monday
    return {
        "months": [months[i] for i in range(1, 13)],
        "shortMonths": [str(short[i]).rstrip(".") for i in range(1, 13)],
        "days": [days[i] for i in order],
        "shortDays": [str(short_days[i]).rstrip(".") for i in order],
    }


def duration(seconds: float, lang: str = "id") -> str:
    """A duration in words, "2 jam 30 menit" / "2 hours 30 minutes" (under an hour: minutes and seconds)."""
    from .._analytics.metrics import duration_parts

    t = Messages(lang)
    if seconds < 3600:
        parts = duration_parts(seconds)
        amounts = [(parts["minutes"], "minute"), (parts["seconds"], "second")]
    else:  # above an hour, to the minute
        parts = duration_parts(round(seconds / 60) * 60)
        amounts = [(parts["days"], "day"), (parts["hours"], "hour"), (parts["minutes"], "minute")]
    words = [t.text(f"unit.{unit}.{'one' if n == 1 else 'other'}", n=n) for n, unit in amounts if n]
    return " ".join(words) or t.text("unit.second.other", n=0)


def crime_clock(seconds: float | None, lang: str = "id") -> str:
    """The crime clock in words: 9,000 s -> "1 kasus setiap 2 jam 30 menit" ("one case every 2 hours 30 minutes")."""
    t = Messages(lang)
    if seconds is None:
        return t.text("clock.none")
    return t.text("clock.every", interval=duration(seconds, lang))


def clock_change(before: float | None, after: float | None, lang: str = "id") -> str:
    """How the crime clock moved, in words a reader follows: "41 menit lebih sering" / "41 minutes more often".

    A shorter interval means cases came more often; the difference is never written with a sign.
    """
    t = Messages(lang)
    if before is None or after is None:
        return t.text("clock.change.none")
    if round(after) == round(before):
        return t.text("clock.change.same")
    key = "clock.change.more_often" if after < before else "clock.change.less_often"
    return t.text(key, interval=duration(abs(after - before), lang))


crime_clock_text = crime_clock
"""The name `aar.crime_clock_text` (the crime clock in words)."""


def p_text(value: float | None, lang: str = "id") -> str:
    """ "p = 0,0123", or "p < 0,0001" (never "p = 0,0000")."""
    shown = p_value(value, lang)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def relative_label(day: int, lang: str = "id") -> str:
    """Polri's notation for a day relative to voting day.

    >>> [relative_label(d) for d in (-3, 0, 2)]
    ['H-3', 'hari H', 'H+2']
    """
    if day == 0:
        return Messages(lang).text("relative.zero")
    return f"H{day:+d}"
