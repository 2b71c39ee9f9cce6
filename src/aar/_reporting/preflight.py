"""Report parameters checked before any kernel starts, so a usage error costs no notebook run.

`preflight` refuses what a report notebook would only refuse after papermill has started a kernel
(an unknown region, exposure, language, a date that is not one), each as a `UsageError` naming the
argument, what was received and what is allowed; the command line turns it into exit status 2.
It reads only the shipped reference (regions), never the dataset, so it takes milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .._analytics.metrics import EXPOSURES
from .._data.reference import region_index, regions_frame
from .._data.vocabulary import NATIONAL_CODE
from .._errors import UsageError

LANGS = ("id", "en")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _region(value: object) -> str | None:
    """The region code a --region value stands for (a code or an unambiguous name), None for national
    (empty, "national", "nasional", "Indonesia" or the national code 00)."""
    if value is None or str(value).strip() in ("", "national", "nasional"):
        return None
    text = str(value).strip()
    index = region_index(regions_frame())  # the shipped regions only: no validation, milliseconds
    match = index.match(text)
    if match.code == NATIONAL_CODE:  # "Indonesia", "00": the whole country
        return None
    if match.code is not None:
        return match.code
    if match.candidates:
        allowed = f"one region; the name is ambiguous between {index.describe(match.candidates)}: give the code"
    else:
        near = index.closest(text)
        allowed = "a Kemendagri code (18, 18.72), a region name, or national (00, Indonesia)" + (
            f"; closest: {', '.join(near)}" if near else ""
        )
    raise UsageError("--region", value, allowed)


def _as_of(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            "--as-of", value, "a date YYYY-MM-DD, e.g. 2024-11-30 (or empty: the last day with data)"
        ) from None
    return text


def preflight(kind: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """`parameters` checked and normalised (a region name becomes its code), or a UsageError.

    Checks only the parameters present: region, exposure, as_of, lang, min_cell and alpha.
    """
    params = dict(parameters)
    if "region" in params:
        params["region"] = _region(params["region"])
    if "exposure" in params and params["exposure"] not in EXPOSURES:
        raise UsageError("--exposure", params["exposure"], EXPOSURES)
    if "as_of" in params:
        params["as_of"] = _as_of(params["as_of"])
    if "lang" in params and params["lang"] not in LANGS:
        raise UsageError("--lang", params["lang"], LANGS)
    if "min_cell" in params:
        min_cell = params["min_cell"]
        if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
            raise UsageError("--min-cell", min_cell, "a whole number >= 1")
    if "alpha" in params:
        alpha = params["alpha"]
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
            raise UsageError("--alpha", alpha, "a number between 0 and 1, e.g. 0.05")
    return params
