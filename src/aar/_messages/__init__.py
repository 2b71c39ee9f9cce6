"""Every word aar prints, from a gettext message catalog per language (`locales/<lang>/LC_MESSAGES/aar.po`).

The lowest layer but errors and version, so the data layer (the data-entry template), the reports
and the command line all word their output from the same catalogs.

Message ids are stable keys ("summary.title"), each with its Indonesian and English text in the
two `.po` files; texts use `{name}` placeholders. `Messages(lang)(key, **values)` returns the text
as escaped markup: values from data are escaped, values that are already markup (a key number's
span) are kept. The catalogs are read with babel's `.po` reader once per process, so a maintainer
edits wording in the `.po` files only (Poedit or any text editor), never in Python.

>>> Messages("en")("direction.naik")
Markup('up')
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup

from .._errors import ReferenceDataError, UsageError

LANGUAGES = ("id", "en")
DOMAIN = "aar"


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> text of one language, read from its `.po` file."""
    from babel.messages.pofile import read_po

    if lang not in LANGUAGES:
        raise UsageError("lang", lang, LANGUAGES)
    source = resources.files("aar").joinpath("_messages", "locales", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as handle:
        parsed = read_po(handle, locale=lang, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in parsed if m.id}


class Messages:
    """The catalog of one language as a callable: `t("key", n=3)`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._texts = catalog(lang)

    def __call__(self, key: str, **values: Any) -> Markup:
        try:
            text = self._texts[key]
        except KeyError:
            raise ReferenceDataError(f"message {key!r} is missing from the {self.lang!r} catalog") from None
        return Markup.escape(text) if not values else Markup.escape(text).format(**values)

    def text(self, key: str, **values: Any) -> str:
        """The message as plain text (for plotly labels and the sidecar), placeholders filled unescaped."""
        try:
            text = self._texts[key]
        except KeyError:
            raise ReferenceDataError(f"message {key!r} is missing from the {self.lang!r} catalog") from None
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts
