"""Controlled vocabularies: codes with labels and aliases, and how free spelling is matched to them.

Real spreadsheets write "Unras", "demo" or "Unjuk Rasa" for one code, `unjuk_rasa`. A
`Vocabulary` matches such spellings after normalising case, spaces and punctuation, and for a value
that matches nothing it names the closest codes, so the error message can suggest a fix.

>>> v = Vocabulary("agency", {"polri": ("Polri", "Police")}, {"polisi": "polri"})
>>> v.match("  POLISI ")
'polri'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
CLOSE = 0.75
"""Spelling similarity (difflib ratio) a code or alias needs to be suggested as "closest": a
likely typo ("demo2" for demo: 0.89), not a word sharing a few letters ("curanmor" and "rumor")."""


def normalise(text: str) -> str:
    """Lower case, accents and punctuation folded, words joined by "_": "Money-Politic " -> "money_politic"."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("_", folded.lower()).strip("_")


_LABEL_COLUMN = {"id": 0, "en": 1}
"""Which label of a code a language reads (the labels are the reference table's label_id, label_en)."""


@dataclass(frozen=True)
class Vocabulary:
    """Allowed codes of one column, each with an Indonesian and an English label, plus aliases.

    `labels` maps code -> (label_id, label_en); `aliases` maps an alias (any spelling) -> code.
    Codes and labels match themselves.
    """

    name: str
    labels: Mapping[str, tuple[str, str]]
    aliases: Mapping[str, str] = field(default_factory=dict)
    _index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for code, (label_id, label_en) in self.labels.items():
            for spelling in (label_id, label_en):
                index.setdefault(normalise(spelling), code)
        for alias, code in self.aliases.items():
            if code not in self.labels:
                raise ValueError(f"alias {alias!r} of vocabulary {self.name!r} names unknown code {code!r}")
            index[normalise(alias)] = code
        for code in self.labels:
            index[normalise(code)] = code
        object.__setattr__(self, "_index", index)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str, lang: str = "id") -> str:
        """The label of `code` in "id" (Indonesian) or "en" (English)."""
        return self.labels[code][_LABEL_COLUMN.get(lang, 0)]

    def match(self, value: str) -> str | None:
        """The code `value` stands for, or None when it matches nothing."""
        return self._index.get(normalise(value))

    def closest(self, value: str, n: int = 3) -> list[str]:
        """Up to `n` codes whose code or alias is closest in spelling to `value`."""
        hits = difflib.get_close_matches(normalise(value), list(self._index), n=n * 3, cutoff=CLOSE)
        codes: list[str] = []
        for hit in hits:
            code = self._index[hit]
            if code not in codes:
                codes.append(code)
        return codes[:n]

    def expected(self, value: str | None = None) -> str:
        """What a column of this vocabulary expects, with suggestions for `value`."""
        listed = f": {', '.join(self.codes)}" if len(self.codes) <= 8 else ""
        text = f"a known {self.name} (a code{listed}; or an alias)"
        if value is not None and (near := self.closest(value)):
            text += f"; closest: {', '.join(near)}"
        return text

    def extended(self, aliases: Mapping[str, str]) -> Vocabulary:
        """A copy with more aliases (alias -> code), as a dataset's `dataset.toml` may add."""
        return Vocabulary(self.name, self.labels, {**self.aliases, **aliases})


_REGION_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("provinsi_", "provinsi"),
    ("prov_", "provinsi"),
    ("kabupaten_administrasi_", "kabupaten"),
    ("kota_administrasi_", "kota"),
    ("kabupaten_", "kabupaten"),
    ("kab_", "kabupaten"),
    ("kota_", "kota"),
    ("kodya_", "kota"),
    ("polda_", "provinsi"),
    ("polrestabes_", None),
    ("polresta_", None),
    ("polres_", None),
)
"""Name prefixes and the kind they imply; a Polres is named after its kabupaten or kota ("Polres Metro")."""


NATIONAL_CODE = "00"
"""Region code of rows for the whole country (a national bulletin of Mabes Polri): no Kemendagri
code is 00, and the analytics' national region key is the same."""
NATIONAL_NAMES = frozenset({"indonesia", "nasional", "national", "seluruhindonesia", "nkri", "mabespolri", "mabes"})
"""Name keys (`_region_key`) that a region cell of a national row may hold: "Indonesia", "NASIONAL", "Mabes Polri"."""


_NAME_AND_CODE = re.compile(r"^(.*\S)\s*\((\d{2}(?:\.\d{2})?)\)$")


def _region_key(name: str) -> tuple[str | None, str]:
    """(kind, name key) of a region name: "KOTA PANGKAL PINANG" -> ("kota", "pangkalpinang")."""
    text = normalise(name)
    for prefix, kind in _REGION_PREFIXES:
        if text.startswith(prefix):
            return kind, text[len(prefix) :].replace("_", "")
    return None, text.replace("_", "")


@dataclass(frozen=True)
class RegionMatch:
    """The outcome of matching one region value: a code, or why there is none."""

    code: str | None
    candidates: tuple[str, ...] = ()


class RegionIndex:
    """Matches region codes and names to Kemendagri codes.

    Accepts the dotted code ("18.72"), the undotted form ("1872"), and names with the usual
    variations: "Kota Metro", "KOTA METRO", "Metro", "Pangkal Pinang", "Pangkalpinang". The whole
    country ("Indonesia", "Nasional", "national", "00") is `NATIONAL_CODE`. A name
    shared by several regions ("Bandung": a kabupaten and a kota) is ambiguous and matches nothing;
    `match` then returns the candidates so the error can list them.
    """

    def __init__(self, regions: Iterable[tuple[str, str, str]], aliases: Mapping[str, str] | None = None) -> None:
        """`regions` holds (code, name, kind) with kind provinsi, kabupaten or kota."""
        self.names: dict[str, str] = {}
        self._by_key: dict[str, set[str]] = {}
        self._by_kind_key: dict[tuple[str, str], set[str]] = {}
        for code, name, kind in regions:
            self.names[code] = name
            _, key = _region_key(name)
            self._by_key.setdefault(key, set()).add(code)
            self._by_kind_key.setdefault((kind, key), set()).add(code)
        self._aliases = {normalise(a).replace("_", ""): c for a, c in (aliases or {}).items()}

    def match(self, value: str) -> RegionMatch:
        text = str(value).strip()
        if text in self.names:
            return RegionMatch(text)
        if text == NATIONAL_CODE or _region_key(text)[1] in NATIONAL_NAMES:
            return RegionMatch(NATIONAL_CODE)
        coded = _NAME_AND_CODE.match(text)
        if coded and coded.group(2) == NATIONAL_CODE:  # "Indonesia (00)", as the template's list writes it
            return RegionMatch(NATIONAL_CODE)
        if coded and coded.group(2) in self.names:  # "Kota Metro (18.72)", as the template's lists write it
            return RegionMatch(coded.group(2))
        digits = text.replace(".", "").replace(" ", "")
        if digits.isdigit():
            dotted = digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"
            return RegionMatch(dotted if dotted in self.names else None)
        kind, key = _region_key(text)
        if key in self._aliases:
            return RegionMatch(self._aliases[key])
        codes = self._by_kind_key.get((kind, key), set()) if kind else self._by_key.get(key, set())
        if len(codes) == 1:
            return RegionMatch(next(iter(codes)))
        if len(codes) > 1:
            return RegionMatch(None, tuple(sorted(codes)))
        return RegionMatch(None)

    def closest(self, value: str, n: int = 3) -> list[str]:
        """Names of up to `n` regions closest in spelling to `value`, with their codes."""
        _, key = _region_key(str(value))
        hits = difflib.get_close_matches(key, list(self._by_key), n=n, cutoff=0.6)
        return [f"{self.names[c]} ({c})" for hit in hits for c in sorted(self._by_key[hit])][:n]

    def describe(self, codes: Iterable[str]) -> str:
        return ", ".join(f"{self.names[c]} ({c})" for c in codes)
