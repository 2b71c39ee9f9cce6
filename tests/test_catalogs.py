"""The message catalogs: every message in both languages, with the same placeholders, and every
message the code asks for present."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from aar._errors import ReferenceDataError
from aar._messages import LANGUAGES, Messages, catalog

SRC = Path(__file__).parents[1] / "src" / "aar"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_translations_with_the_same_placeholders() -> None:
    id_, en = catalog("id"), catalog("en")
    assert set(id_) == set(en)
    assert len(id_) > 150
    for key in id_:
        assert id_[key].strip(), f"{key}: empty in id"
        assert en[key].strip(), f"{key}: empty in en"
        assert _fields(id_[key]) == _fields(en[key]), key


def test_every_message_the_code_asks_for_is_in_the_catalog() -> None:
    used = set()
    pattern = re.compile(r"""\bt(?:\.text)?\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
    for path in [*SRC.glob("**/*.py"), *SRC.glob("**/templates/*.html")]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 60
    missing = sorted(used - set(catalog("id")))
    assert missing == []


def test_a_missing_message_is_a_clear_error() -> None:
    with pytest.raises(ReferenceDataError, match=r"'no\.such' is missing from the 'en' catalog"):
        Messages("en")("no.such")


def test_values_from_data_are_escaped_and_markup_is_kept() -> None:
    from markupsafe import Markup

    text = Messages("en")("findings.plan", capability="<b>x</b>", observation=Markup("<i>kept</i>"))
    assert str(text) == "&lt;b&gt;x&lt;/b&gt;: <i>kept</i>"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_words_of_the_crime_clock(lang: str) -> None:
    from aar._reporting.formatting import clock_change, crime_clock

    assert (
        crime_clock(9_000, lang)
        == {"id": "1 kasus setiap 2 jam 30 menit", "en": "one case every 2 hours 30 minutes"}[lang]
    )
    # one case every 1 h 46 min against every 2 h 27 min before: 41 minutes more often, never a negative duration
    before, after = 2 * 3600 + 27 * 60, 1 * 3600 + 46 * 60
    assert clock_change(before, after, lang) == {"id": "41 menit lebih sering", "en": "41 minutes more often"}[lang]
    assert clock_change(after, before, lang) == {"id": "41 menit lebih jarang", "en": "41 minutes less often"}[lang]
    assert (
        clock_change(3 * 86_400, 86_400 + 3_600, lang)
        == {"id": "1 hari 23 jam lebih sering", "en": "1 day 23 hours more often"}[lang]
    )
    assert "-" not in clock_change(8_000, 123_456, lang)


def test_p_values_are_never_written_as_zero() -> None:
    from aar._reporting.formatting import p_text

    assert p_text(1e-12, "id") == "p < 0,0001"
    assert p_text(0.04567, "en") == "p = 0.0457"
