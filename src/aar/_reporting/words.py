"""Small pieces of report wording shared by the sections: cells, intervals, directions, labels.

Every word comes from the catalog; every number goes through `formatting` (babel). A withheld
value prints "*", a value that does not apply prints "-".
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from .._data.schema import CATEGORY, PHASE
from .._messages import Messages
from . import formatting as fmt

WITHHELD = "*"
NOT_APPLICABLE = "-"


def cell(value: Any, lang: str, decimals: int = 0, withheld: bool = False) -> str:
    """A table cell: "*" when withheld, "-" when missing, else the number."""
    if withheld:
        return WITHHELD
    if value is None:
        return NOT_APPLICABLE
    return fmt.number(value, lang, decimals)


def percent_cell(value: float | None, lang: str, withheld: bool = False) -> str:
    if withheld:
        return WITHHELD
    return fmt.percent(value, lang)


def interval(low: float | None, high: float | None, lang: str, level: float = 95.0) -> Markup:
    """ "IK 95% 1,20–1,58"; an unbounded upper end is said in words, never printed as infinity."""
    t = Messages(lang)
    shown_level = fmt.number(level, lang, 0)
    if low is None and high is None:
        return t("interval.none")
    if high is None or (isinstance(high, float) and math.isinf(high)):
        return t("interval.above", level=shown_level, low=fmt.ratio(low, lang))
    return t("interval", level=shown_level, low=fmt.ratio(low or 0.0, lang), high=fmt.ratio(high, lang))


def bounds(low: float | None, high: float | None, lang: str) -> tuple[str, str]:
    """The two ends of an interval as cells; an unbounded end reads "∞" nowhere: it reads "-"."""
    upper = NOT_APPLICABLE if high is None or (isinstance(high, float) and math.isinf(high)) else fmt.ratio(high, lang)
    lower = NOT_APPLICABLE if low is None else fmt.ratio(low, lang)
    return lower, upper


def direction(value: str | None, lang: str) -> str:
    return "" if value is None else Messages(lang).text(f"direction.{value}")


def metric_label(metric: str, lang: str) -> str:
    return Messages(lang).text(f"metric.{metric}")


def rate_words(rate: str, lang: str) -> str:
    return Messages(lang).text(f"rate.{rate}")


def label(key: str, code: object, lang: str, names: dict[str, str] | None = None) -> str:
    """The label of a phase, category or region code in the report's language."""
    text = str(code)
    if key == "phase":
        return PHASE.label(text, lang)
    if key == "category":
        return CATEGORY.label(text, lang)
    if names is not None:
        return f"{names.get(text, text)} ({text})"
    return text
