"""The data model: one definition per table, the single source of truth.

Loading (which headers a file may use, how a cell is parsed), validation (types, required
columns, allowed values, ranges, unique keys), the generated data dictionary
(`data_dictionary()`, written to docs/data-dictionary.md) and the sample generator all read the
`TABLES` below; no column list is repeated elsewhere.

>>> TABLES["incidents"].field("killed").headers
('md', 'meninggal', 'meninggal_dunia')
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import polars as pl

from .vocabulary import Vocabulary

Kind = Literal["text", "region", "operation", "int", "float", "date", "time", "bool", "vocab"]


def _refdata_rows(name: str) -> list[dict[str, str]]:
    with resources.files("aar").joinpath("refdata", name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _vocab(name: str, rows: Mapping[str, tuple[str, str, tuple[str, ...]]]) -> Vocabulary:
    labels = {code: (lid, len_) for code, (lid, len_, _) in rows.items()}
    aliases = {alias: code for code, (_, _, al) in rows.items() for alias in al}
    return Vocabulary(name, labels, aliases)


ELECTION = _vocab(
    "election",
    {
        "pemilu": (
            "Pemilu (Pilpres dan Pileg)",
            "General election (presidential and legislative)",
            ("pilpres", "pileg", "pemilihan umum"),
        ),
        "pilkada": ("Pilkada serentak", "Regional head elections", ("pemilihan kepala daerah", "pemilihan")),
    },
)
MODE = _vocab(
    "mode",
    {
        "terpusat": ("Terpusat", "Centralised", ("centralised", "centralized", "nasional")),
        "kewilayahan": ("Kewilayahan", "Regional", ("regional", "mandiri kewilayahan")),
    },
)
PHASE = _vocab(
    "phase",
    {
        "pre_campaign": ("Pra-kampanye", "Pre-campaign", ("prakampanye", "pendaftaran", "pendaftaran dan penetapan")),
        "campaign": ("Kampanye", "Campaign", ("masa kampanye",)),
        "quiet": ("Masa tenang", "Quiet period", ("tenang",)),
        "voting": (
            "Pemungutan dan penghitungan suara",
            "Voting and counting",
            ("pemungutan suara", "pencoblosan", "hari h"),
        ),
        "recapitulation": ("Rekapitulasi", "Recapitulation", ("rekap", "rekapitulasi suara")),
        "disputes": ("Sengketa dan penetapan", "Disputes and certification", ("sengketa", "penetapan")),
        "post_election": (
            "Pasca-pemilihan",
            "Post-election",
            ("pasca", "pasca pemilu", "pasca pilkada", "pascapemilihan"),
        ),
    },
)
AGENCY = _vocab(
    "agency",
    {
        "polri": ("Polri", "Police", ("polisi", "kepolisian", "police")),
        "tni": ("TNI", "Armed forces", ("tentara", "military")),
        "linmas": ("Linmas", "Community protection (Linmas)", ("satlinmas", "perlindungan masyarakat")),
        "other": ("Lainnya", "Other", ("lain", "lain lain", "others")),
    },
)
VULNERABILITY = _vocab(
    "vulnerability",
    {
        "kurang_rawan": ("Kurang rawan", "Less vulnerable", ("tidak rawan", "aman")),
        "rawan": ("Rawan", "Vulnerable", ("rawan i",)),
        "sangat_rawan": ("Sangat rawan", "Very vulnerable", ("rawan ii",)),
        "khusus": ("TPS khusus", "Special polling station", ("tps khusus", "special")),
    },
)
REGION_KIND = _vocab(
    "region kind",
    {
        "provinsi": ("Provinsi", "Province", ("province",)),
        "kabupaten": ("Kabupaten", "Regency", ("regency", "kab")),
        "kota": ("Kota", "City", ("city",)),
        "nasional": ("Nasional", "National", ("national", "negara")),
    },
)
TIME_ZONE = _vocab(
    "time zone",
    {
        "WIB": ("WIB", "Western Indonesia Time (UTC+7)", ("utc+7", "asia/jakarta")),
        "WITA": ("WITA", "Central Indonesia Time (UTC+8)", ("utc+8", "asia/makassar")),
        "WIT": ("WIT", "Eastern Indonesia Time (UTC+9)", ("utc+9", "asia/jayapura")),
    },
)
RATING = _vocab(
    "rating",
    {
        "P": ("Terlaksana tanpa kendala", "Performed without challenges", ()),
        "S": ("Terlaksana dengan sedikit kendala", "Performed with some challenges", ()),
        "M": ("Terlaksana dengan kendala besar", "Performed with major challenges", ()),
        "U": ("Tidak dapat dilaksanakan", "Unable to be performed", ()),
    },
)
CAPABILITY_ELEMENT = _vocab(
    "capability element",
    {
        "planning": ("Perencanaan", "Planning", ("rencana",)),
        "organisation": ("Organisasi", "Organisation", ("organization",)),
        "equipment": ("Peralatan", "Equipment", ("sarpras", "sarana prasarana")),
        "training": ("Pelatihan", "Training", ("latihan",)),
        "exercise": ("Simulasi", "Exercise", ("sispamkota",)),
    },
)

_CATEGORY_ROWS = _refdata_rows("categories.csv")
CATEGORY_GROUP = _vocab(
    "category group",
    {
        "kejahatan": ("Kejahatan", "Crime", ("crime",)),
        "pelanggaran": ("Pelanggaran", "Violation", ("violation",)),
        "gangguan": ("Gangguan", "Disturbance", ("disturbance",)),
        "bencana": ("Bencana", "Disaster", ("disaster",)),
        "lalu_lintas": ("Lalu lintas", "Traffic", ("traffic", "lantas")),
    },
)
_CRIME_TYPE_ROWS = _refdata_rows("polri_crime_types.csv")
CRIME_TYPE = Vocabulary(
    "Polri crime type",
    {r["code"]: (r["label_id"], r["label_en"]) for r in _CRIME_TYPE_ROWS},
    {alias: r["code"] for r in _CRIME_TYPE_ROWS for alias in r["aliases"].split("|") if alias},
)
"""Polri's own crime types (jenis kejahatan of a Polres register: curat, curas, curanmor...)."""
CATEGORY_OF_CRIME_TYPE: Mapping[str, str] = {r["code"]: r["category"] for r in _CRIME_TYPE_ROWS}
"""Polri crime type -> the taxonomy's category it is counted under."""
CATEGORY = Vocabulary(
    "category",
    {r["code"]: (r["label_id"], r["label_en"]) for r in _CATEGORY_ROWS},
    {
        # a Polri crime type, by its code, labels or aliases, stands for the category it maps to
        **{
            spelling: CATEGORY_OF_CRIME_TYPE[r["code"]]
            for r in _CRIME_TYPE_ROWS
            for spelling in (r["code"], r["label_id"], r["label_en"], *r["aliases"].split("|"))
            if spelling
        },
        **{alias: r["code"] for r in _CATEGORY_ROWS for alias in r["aliases"].split("|") if alias},
    },
)
CATEGORY_GROUP_OF: Mapping[str, str] = {r["code"]: r["group"] for r in _CATEGORY_ROWS}

VOCABULARIES: Mapping[str, Vocabulary] = {
    v.name: v
    for v in (
        ELECTION,
        MODE,
        PHASE,
        AGENCY,
        VULNERABILITY,
        REGION_KIND,
        TIME_ZONE,
        RATING,
        CAPABILITY_ELEMENT,
        CATEGORY,
        CATEGORY_GROUP,
        CRIME_TYPE,
    )
}

_PLAIN_DTYPES: Mapping[str, pl.DataType] = {
    "text": pl.String(),
    "region": pl.String(),
    "operation": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.Date(),
    "time": pl.Time(),
    "bool": pl.Boolean(),
}


@dataclass(frozen=True)
class Field:
    """One column: its name, how its cells are read, whether it must be there, what it means.

    `kind` says how text is parsed: "int"/"float" accept decimal commas, thousands separators and
    "-" for zero; "date" accepts day-first and Indonesian month names; "vocab" matches `vocabulary`
    with its aliases; "region" matches codes or names; "operation" matches ids, names and elections.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    vocabulary: Vocabulary | None = None
    unit: str | None = None
    minimum: float | None = None
    nullable: bool = True
    default: int | float | bool | str | None = None
    headers: tuple[str, ...] = ()
    private: bool = False
    """Free text or personal data: kept for the analyst, never written into a report or a prepared copy."""
    plausible: float | None = None
    """The largest value one row can plausibly hold (a count of one incident, one region): a value
    above it loads, with a warning naming the cell, since 1,000,000,000 killed is a typing error.
    Each bound is far above a real figure of DOMAIN.md, named in `plausible_why`."""
    plausible_why: str = ""

    @property
    def dtype(self) -> pl.DataType:
        if self.vocabulary is not None:
            return pl.Enum(list(self.vocabulary.codes))
        return _PLAIN_DTYPES[self.kind]

    @property
    def allowed(self) -> str:
        """Allowed values in words, for error messages and the data dictionary."""
        if self.vocabulary is not None:
            return ", ".join(self.vocabulary.codes)
        return {
            "int": "a whole number" + (" >= 0" if self.minimum == 0 else ""),
            "float": "a number" + (" >= 0" if self.minimum == 0 else ""),
            "date": "a date: 27/11/2024, 2024-11-27 or 27 November 2024 (day first)",
            "time": "a time of day, 14:30",
            "bool": "ya/tidak, true/false, 1/0",
            "region": 'a Kemendagri code ("18", "18.72") or a region name',
            "operation": "an operation id (OMB-2023-2024, OMP-2024), its name, or the election (pemilu, pilkada)",
            "text": "text",
        }[self.kind]


def _f(name: str, kind: Kind, description: str, **kw: object) -> Field:
    return Field(name, kind, description, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Table:
    """One table of a dataset: its fields, its unique key and whether a dataset must have it."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    derived: tuple[Field, ...] = ()
    file_names: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in (*self.fields, *self.derived):
            if f.name == name:
                return f
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def polars_schema(self) -> pl.Schema:
        """The column types of the loaded table, derived columns included."""
        return pl.Schema({f.name: f.dtype for f in (*self.fields, *self.derived)})


_OPERATION = _f(
    "operation_id",
    "operation",
    "Operation: OMB-2023-2024 or OMP-2024 (ids, names or the election are accepted)",
    required=True,
    nullable=False,
    headers=("operasi", "operation", "election", "pemilihan"),
)
_START = _f(
    "start_date",
    "date",
    "First day (inclusive)",
    required=True,
    nullable=False,
    headers=("mulai", "tanggal_mulai", "start", "dari"),
)
_END = _f(
    "end_date",
    "date",
    "Last day (inclusive)",
    required=True,
    nullable=False,
    headers=("selesai", "tanggal_selesai", "end", "sampai"),
)
_PROVINCE = _f(
    "province_code", "region", "Province (Kemendagri code or name)", headers=("provinsi", "kode_provinsi", "polda")
)
_REGION = _f(
    "region_code",
    "region",
    "Region: Kemendagri code (18, 18.72) or name",
    required=True,
    nullable=False,
    headers=("wilayah", "kode_wilayah", "kabupaten_kota", "kab_kota", "kota", "region", "satwil"),
)
_SOURCE = _f("source", "text", "Where the values come from (provenance note)", headers=("sumber", "keterangan"))
_COUNT = {"minimum": 0, "default": 0}

# Plausibility bounds (`Field.plausible`): a value above one loads with a warning, never an error.
# Each is set far above a real figure of DOMAIN.md, so real data does not trip it and a typing
# error (1,000,000,000 killed, a voter count pasted into the TPS column) does:
# - casualties of one incident (or of one region on one day of a situation report): Polri's
#   national OMB bulletin of 26 Nov 2023 counted 18 traffic deaths, 24 seriously and 198 lightly
#   injured for all of Indonesia that day; 1,000 killed and 10,000 injured in one row leave room
#   for a disaster (bencana is a category) while still catching a misplaced thousands separator;
# - material loss of one row: the same bulletin counted Rp 406,650,000 of traffic loss nationally
#   in a day; Rp 1 trillion (1e12) is some 2,500 national days;
# - personnel of one row: the whole joint force of OMP 2024 was 1,433,441 (Polri, TNI and Linmas
#   for all of Indonesia, Kapolri to DPR, 11 Nov 2024); one row cannot hold more than 1,500,000;
# - voters and TPS of one region: Pemilu 2024 had 204,807,222 voters and 820,161 TPS nationally;
#   one region cannot hold more than 210,000,000 voters or 830,000 TPS.
_KILLED, _INJURED, _LOSS, _PERSONNEL, _VOTERS, _TPS = 1_000, 10_000, 1e12, 1_500_000, 210_000_000, 830_000
_KILLED_WHY = "the national bulletin of 26 Nov 2023 counted 18 traffic deaths in all of Indonesia that day"
_INJURED_WHY = "the national bulletin of 26 Nov 2023 counted 222 traffic injured in all of Indonesia that day"
_LOSS_WHY = "the national bulletin of 26 Nov 2023 counted Rp 406,650,000 of traffic loss in all of Indonesia that day"
_PERSONNEL_WHY = "the whole joint force of OMP 2024 was 1,433,441 for all of Indonesia"
_VOTERS_WHY = "Pemilu 2024 had 204,807,222 voters in all of Indonesia"
_TPS_WHY = "Pemilu 2024 had 820,161 TPS in all of Indonesia"

TABLES: Mapping[str, Table] = {
    t.name: t
    for t in (
        Table(
            "operations",
            "Police operations. Shipped for OMB-2023-2024 and OMP-2024; a dataset may override a row or add one.",
            (
                _f(
                    "operation_id",
                    "text",
                    "Short id of the operation, e.g. OMP-2024",
                    required=True,
                    nullable=False,
                    headers=("id", "kode_operasi"),
                ),
                _f(
                    "name",
                    "text",
                    "Full name, e.g. Operasi Mantap Praja 2024",
                    required=True,
                    nullable=False,
                    headers=("nama", "nama_operasi"),
                ),
                _f(
                    "election",
                    "vocab",
                    "Election the operation secures",
                    required=True,
                    nullable=False,
                    vocabulary=ELECTION,
                    headers=("pemilihan",),
                ),
                _f(
                    "mode",
                    "vocab",
                    "How it is run: one national operation, or per Polda",
                    required=True,
                    nullable=False,
                    vocabulary=MODE,
                    headers=("sifat", "jenis"),
                ),
                _f(
                    "voting_date",
                    "date",
                    'Voting day ("hari H")',
                    required=True,
                    nullable=False,
                    headers=("hari_h", "tanggal_pemungutan"),
                ),
                _START,
                _END,
                _SOURCE,
            ),
            key=("operation_id",),
            file_names=("operasi",),
        ),
        Table(
            "operation_windows",
            "One Polda's own dates (and codename) of an operation; provinces without a row use the operation's dates.",
            (
                _OPERATION,
                _f(
                    "province_code",
                    "region",
                    "Province of the Polda (Kemendagri code or name)",
                    required=True,
                    nullable=False,
                    headers=("provinsi", "kode_provinsi", "polda"),
                ),
                _f(
                    "codename",
                    "text",
                    "Polda codename, e.g. Mantap Praja Krakatau",
                    headers=("sandi", "nama_sandi", "nama_operasi"),
                ),
                _START,
                _END,
                _SOURCE,
            ),
            key=("operation_id", "province_code"),
            file_names=("windows", "masa_operasi_polda"),
        ),
        Table(
            "phases",
            "Election phases that tile an operation's window without overlap; a row with a province applies there only.",
            (
                _OPERATION,
                _f(
                    "phase",
                    "vocab",
                    "Phase code",
                    required=True,
                    nullable=False,
                    vocabulary=PHASE,
                    headers=("tahapan", "tahap", "fase"),
                ),
                _START,
                _END,
                _PROVINCE,
            ),
            key=("operation_id", "province_code", "phase"),
            file_names=("tahapan",),
        ),
        Table(
            "regions",
            "Provinces and kabupaten/kota. Shipped (38 and 514, Kemendagri codes); a dataset may add Polda and Polres names.",
            (
                _f(
                    "region_code",
                    "text",
                    'Kemendagri code: "18" (province) or "18.72" (kabupaten/kota)',
                    required=True,
                    nullable=False,
                    headers=("kode", "kode_wilayah", "code"),
                ),
                _f("name", "text", "Official name", required=True, nullable=False, headers=("nama", "nama_wilayah")),
                _f(
                    "kind",
                    "vocab",
                    "provinsi, kabupaten or kota",
                    required=True,
                    nullable=False,
                    vocabulary=REGION_KIND,
                    headers=("jenis", "tingkat"),
                ),
                _f(
                    "parent_code",
                    "text",
                    "Province code of a kabupaten/kota; empty for a province",
                    headers=("kode_induk", "kode_provinsi", "province_code"),
                ),
                _f("polda", "text", "Regional police command (Polda)", headers=()),
                _f("polres", "text", "Resort police command (Polres, Polresta, Polrestabes)", headers=()),
            ),
            key=("region_code",),
            derived=(_f("level", "text", "national (00), province or regency, from the code"),),
            file_names=("wilayah",),
        ),
        Table(
            "electorate",
            "Voters and polling stations of one region in one election.",
            (
                _OPERATION,
                _REGION,
                _f(
                    "voters",
                    "int",
                    "Registered voters (DPT)",
                    required=True,
                    nullable=False,
                    unit="persons",
                    minimum=0,
                    headers=("dpt", "pemilih", "jumlah_dpt", "jumlah_pemilih"),
                    plausible=_VOTERS,
                    plausible_why=_VOTERS_WHY,
                ),
                _f(
                    "tps",
                    "int",
                    "Polling stations (TPS)",
                    required=True,
                    nullable=False,
                    unit="TPS",
                    minimum=0,
                    headers=("jumlah_tps",),
                    plausible=_TPS,
                    plausible_why=_TPS_WHY,
                ),
                _f(
                    "tps_kurang_rawan",
                    "int",
                    "TPS classed kurang rawan (less vulnerable)",
                    unit="TPS",
                    minimum=0,
                    plausible=_TPS,
                    plausible_why=_TPS_WHY,
                ),
                _f(
                    "tps_rawan",
                    "int",
                    "TPS classed rawan (vulnerable)",
                    unit="TPS",
                    minimum=0,
                    plausible=_TPS,
                    plausible_why=_TPS_WHY,
                ),
                _f(
                    "tps_sangat_rawan",
                    "int",
                    "TPS classed sangat rawan (very vulnerable)",
                    unit="TPS",
                    minimum=0,
                    plausible=_TPS,
                    plausible_why=_TPS_WHY,
                ),
                _f(
                    "tps_khusus",
                    "int",
                    "Special TPS (prisons, hospitals)",
                    unit="TPS",
                    minimum=0,
                    plausible=_TPS,
                    plausible_why=_TPS_WHY,
                ),
                _SOURCE,
            ),
            key=("operation_id", "region_code"),
            file_names=("dpt", "pemilih"),
        ),
        Table(
            "deployments",
            "Personnel of one agency in one region over a period.",
            (
                _f(
                    "operation_id",
                    "operation",
                    "Operation; derived from the start date and province when empty",
                    headers=("operasi", "operation", "election", "pemilihan"),
                ),
                _REGION,
                _f(
                    "agency",
                    "vocab",
                    "polri, tni, linmas or other",
                    required=True,
                    nullable=False,
                    vocabulary=AGENCY,
                    headers=("instansi", "unsur", "satuan_asal"),
                ),
                _START,
                _END,
                _f(
                    "personnel",
                    "int",
                    "Number of personnel",
                    required=True,
                    nullable=False,
                    unit="persons",
                    minimum=0,
                    headers=("personel", "jumlah_personel", "jumlah"),
                    plausible=_PERSONNEL,
                    plausible_why=_PERSONNEL_WHY,
                ),
                _f("unit", "text", "Unit (Polres, Satgas, BKO...)", headers=("satuan", "satgas")),
                _f("role", "text", "Role (pengamanan TPS, patroli...)", headers=("peran", "tugas")),
            ),
            derived=(
                _f("days", "int", "Days in the period (end - start + 1)", unit="days"),
                _f("personnel_days", "int", "personnel x days", unit="personnel-days"),
            ),
            file_names=("pengerahan", "personel"),
        ),
        Table(
            "incidents",
            "One incident (gangguan kamtibmas) in one region on one day.",
            (
                _f(
                    "incident_id",
                    "text",
                    "Unique id of the incident",
                    required=True,
                    nullable=False,
                    headers=(
                        "id",
                        "nomor",
                        "no_lp",
                        "nomor_lp",
                        "no_lp_b",
                        "lp",
                        "no_laporan",
                        "nomor_laporan",
                        "laporan_polisi",
                        "no_laporan_polisi",
                        "nomor_laporan_polisi",
                        "kode",
                    ),
                ),
                _f(
                    "occurred_on",
                    "date",
                    "Date of the incident",
                    required=True,
                    nullable=False,
                    headers=("tanggal", "tgl", "date", "tanggal_kejadian", "waktu_kejadian"),
                ),
                _f(
                    "occurred_at",
                    "time",
                    "Time of day (local time)",
                    headers=("jam", "pukul", "time", "jam_kejadian", "waktu"),
                ),
                _f("time_zone", "vocab", "WIB, WITA or WIT", vocabulary=TIME_ZONE, headers=("zona_waktu",)),
                _REGION,
                _f(
                    "category",
                    "vocab",
                    "Incident category (code or alias)",
                    required=True,
                    nullable=False,
                    vocabulary=CATEGORY,
                    headers=(
                        "kategori",
                        "jenis",
                        "jenis_kejadian",
                        "jenis_gangguan",
                        "jenis_kejahatan",
                        "jenis_perkara",
                    ),
                ),
                _f(
                    "subcategory",
                    "vocab",
                    "Polri crime type (curat, curanmor, penipuan...); filled from the category column when it names "
                    "one, so a register's own types can be grouped while counting under the taxonomy",
                    vocabulary=CRIME_TYPE,
                    headers=("sub_kategori", "subkategori", "jenis_tindak_pidana"),
                ),
                _f(
                    "killed",
                    "int",
                    "Persons killed (MD, meninggal dunia)",
                    unit="persons",
                    headers=("md", "meninggal", "meninggal_dunia"),
                    plausible=_KILLED,
                    plausible_why=_KILLED_WHY,
                    **_COUNT,
                ),
                _f(
                    "injured",
                    "int",
                    "Persons injured (LB + LR, luka berat and ringan)",
                    unit="persons",
                    headers=("luka", "luka_luka", "korban_luka"),
                    plausible=_INJURED,
                    plausible_why=_INJURED_WHY,
                    **_COUNT,
                ),
                _f(
                    "loss_idr",
                    "float",
                    "Material loss (kerugian materiil)",
                    unit="rupiah",
                    headers=("kerugian", "kerugian_materiil", "rugi_materiil", "loss"),
                    plausible=_LOSS,
                    plausible_why=_LOSS_WHY,
                    **_COUNT,
                ),
                _f(
                    "cleared",
                    "bool",
                    "Case cleared (crime clearance); empty when not known",
                    headers=("selesai", "clearance", "penyelesaian", "tuntas"),
                ),
                _f(
                    "operation_id",
                    "operation",
                    "Operation; derived from date and province when empty",
                    headers=("operasi", "operation"),
                ),
                _f(
                    "description",
                    "text",
                    "Free text; kept for the analyst, never printed in reports",
                    headers=(
                        "uraian",
                        "uraian_singkat",
                        "uraian_kejadian",
                        "keterangan",
                        "kronologi",
                        "kronologis",
                        "modus",
                    ),
                    private=True,
                ),
            ),
            key=("incident_id",),
            required=True,
            derived=(
                _f("province_code", "text", "Province of the region"),
                _f("category_group", "vocab", "Polri group of the category", vocabulary=CATEGORY_GROUP),
                _f("phase", "vocab", "Phase of the operation on that day in that province", vocabulary=PHASE),
                _f("relative_day", "int", 'Days from voting day: -3 is "H-3", 0 is "hari H"', unit="days"),
            ),
            file_names=("kejadian", "gangguan"),
        ),
        Table(
            "guard_patterns",
            "TPS guard patterns police-TPS-Linmas by vulnerability class; empty operation or region means all.",
            (
                _f(
                    "operation_id", "operation", "Operation the pattern applies to; empty for all", headers=("operasi",)
                ),
                _f(
                    "region_code",
                    "region",
                    "Region the pattern applies to (and its kabupaten/kota); empty for all",
                    headers=("wilayah", "kode_wilayah"),
                ),
                _f(
                    "vulnerability",
                    "vocab",
                    "TPS vulnerability class",
                    required=True,
                    nullable=False,
                    vocabulary=VULNERABILITY,
                    headers=("kerawanan", "tingkat_kerawanan"),
                ),
                _f(
                    "police",
                    "int",
                    "Police officers per group of TPS",
                    required=True,
                    nullable=False,
                    unit="persons",
                    minimum=0,
                    headers=("polri", "personel_polri"),
                ),
                _f(
                    "tps",
                    "int",
                    "TPS guarded by that many officers",
                    required=True,
                    nullable=False,
                    unit="TPS",
                    minimum=1,
                    headers=("jumlah_tps",),
                ),
                _f(
                    "linmas",
                    "int",
                    "Linmas for that group of TPS",
                    required=True,
                    nullable=False,
                    unit="persons",
                    minimum=0,
                ),
                _SOURCE,
            ),
            key=("operation_id", "region_code", "vulnerability"),
            file_names=("pola_pengamanan",),
        ),
        Table(
            "improvement_plan",
            "The evaluator's observations and improvement plan (HSEEP style).",
            (
                _f("capability", "text", "Capability evaluated", required=True, nullable=False, headers=("kemampuan",)),
                _f(
                    "observation",
                    "text",
                    "What was observed",
                    required=True,
                    nullable=False,
                    headers=("observasi", "temuan"),
                ),
                _f(
                    "rating",
                    "vocab",
                    "P, S, M or U (HSEEP)",
                    required=True,
                    nullable=False,
                    vocabulary=RATING,
                    headers=("nilai", "penilaian"),
                ),
                _f("corrective_action", "text", "Corrective action", headers=("tindakan_perbaikan", "rekomendasi")),
                _f(
                    "capability_element",
                    "vocab",
                    "planning, organisation, equipment, training or exercise",
                    vocabulary=CAPABILITY_ELEMENT,
                    headers=("elemen",),
                ),
                _f("responsible_unit", "text", "Unit responsible", headers=("penanggung_jawab", "satuan")),
                _f("due_date", "date", "Completion date", headers=("batas_waktu", "tenggat")),
                _f("operation_id", "operation", "Operation the observation is about", headers=("operasi",)),
                _f("region_code", "region", "Region the observation is about", headers=("wilayah",)),
                _f(
                    "example",
                    "bool",
                    "True for illustrative rows that are not real observations",
                    default=False,
                    headers=("contoh",),
                ),
            ),
            file_names=("rencana_perbaikan", "observations"),
        ),
    )
}

SITREP = Table(
    "sitrep",
    "The wide daily situation report (laporan harian): one row a day and region, a column per category "
    "(kejahatan, pelanggaran, gangguan, bencana, unras, laka, or any category code or alias) holding counts, "
    "with MD, LB and LR the traffic casualties and personel the Polri personnel on duty. Loaded into the same "
    "incidents (one row per counted incident) and deployments (one row a day) as the long form.",
    (
        _f(
            "occurred_on",
            "date",
            "Day of the report",
            required=True,
            nullable=False,
            headers=("tanggal", "tgl", "date", "hari"),
        ),
        _REGION,
        _f("operation_id", "operation", "Operation; derived from date and province when empty", headers=("operasi",)),
        _f(
            "killed",
            "int",
            "Traffic deaths (MD)",
            unit="persons",
            headers=("md", "meninggal", "meninggal_dunia"),
            plausible=_KILLED,
            plausible_why=_KILLED_WHY,
            **_COUNT,
        ),
        _f(
            "injured_serious",
            "int",
            "Seriously injured in traffic (LB)",
            unit="persons",
            headers=("lb", "luka_berat"),
            plausible=_INJURED,
            plausible_why=_INJURED_WHY,
            **_COUNT,
        ),
        _f(
            "injured_light",
            "int",
            "Lightly injured in traffic (LR)",
            unit="persons",
            headers=("lr", "luka_ringan"),
            plausible=_INJURED,
            plausible_why=_INJURED_WHY,
            **_COUNT,
        ),
        _f(
            "loss_idr",
            "float",
            "Material loss in traffic accidents",
            unit="rupiah",
            headers=("rugi_materiil", "kerugian", "rumat"),
            plausible=_LOSS,
            plausible_why=_LOSS_WHY,
            **_COUNT,
        ),
        _f(
            "personnel",
            "int",
            "Polri personnel on duty that day",
            unit="persons",
            minimum=0,
            headers=("personel", "jumlah_personel", "pers"),
            plausible=_PERSONNEL,
            plausible_why=_PERSONNEL_WHY,
        ),
    ),
    key=("occurred_on", "region_code"),
    file_names=("laporan_harian", "situation_reports", "situation_report"),
)
"""The wide daily situation-report form; its category columns are recognised through `CATEGORY`."""


INDONESIAN: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "operations": (
        "Operasi",
        {
            "operation_id": "Kode Operasi",
            "name": "Nama Operasi",
            "election": "Pemilihan",
            "mode": "Sifat",
            "voting_date": "Hari H",
            "start_date": "Mulai",
            "end_date": "Selesai",
            "source": "Sumber",
        },
    ),
    "operation_windows": (
        "Masa Operasi Polda",
        {
            "operation_id": "Operasi",
            "province_code": "Polda",
            "codename": "Nama Sandi",
            "start_date": "Mulai",
            "end_date": "Selesai",
            "source": "Sumber",
        },
    ),
    "phases": (
        "Tahapan",
        {
            "operation_id": "Operasi",
            "phase": "Tahapan",
            "start_date": "Mulai",
            "end_date": "Selesai",
            "province_code": "Provinsi",
        },
    ),
    "regions": (
        "Wilayah",
        {
            "region_code": "Kode Wilayah",
            "name": "Nama Wilayah",
            "kind": "Jenis",
            "parent_code": "Kode Induk",
            "polda": "Polda",
            "polres": "Polres",
        },
    ),
    "electorate": (
        "DPT",
        {
            "operation_id": "Operasi",
            "region_code": "Wilayah",
            "voters": "DPT",
            "tps": "Jumlah TPS",
            "tps_kurang_rawan": "TPS Kurang Rawan",
            "tps_rawan": "TPS Rawan",
            "tps_sangat_rawan": "TPS Sangat Rawan",
            "tps_khusus": "TPS Khusus",
            "source": "Sumber",
        },
    ),
    "deployments": (
        "Personel",
        {
            "operation_id": "Operasi",
            "region_code": "Wilayah",
            "agency": "Unsur",
            "start_date": "Mulai",
            "end_date": "Selesai",
            "personnel": "Jumlah Personel",
            "unit": "Satuan",
            "role": "Tugas",
        },
    ),
    "incidents": (
        "Kejadian",
        {
            "incident_id": "No. LP",
            "occurred_on": "Tanggal",
            "occurred_at": "Jam",
            "time_zone": "Zona Waktu",
            "region_code": "Wilayah",
            "category": "Jenis Kejadian",
            "subcategory": "Sub Kategori",
            "killed": "MD",
            "injured": "Luka",
            "loss_idr": "Kerugian",
            "cleared": "Selesai",
            "operation_id": "Operasi",
            "description": "Uraian",
        },
    ),
    "guard_patterns": (
        "Pola Pengamanan",
        {
            "operation_id": "Operasi",
            "region_code": "Wilayah",
            "vulnerability": "Kerawanan",
            "police": "Personel Polri",
            "tps": "Jumlah TPS",
            "linmas": "Linmas",
            "source": "Sumber",
        },
    ),
    "improvement_plan": (
        "Rencana Perbaikan",
        {
            "capability": "Kemampuan",
            "observation": "Temuan",
            "rating": "Penilaian",
            "corrective_action": "Tindakan Perbaikan",
            "capability_element": "Elemen",
            "responsible_unit": "Penanggung Jawab",
            "due_date": "Batas Waktu",
            "operation_id": "Operasi",
            "region_code": "Wilayah",
            "example": "Contoh",
        },
    ),
    "sitrep": (
        "Laporan Harian",
        {
            "occurred_on": "Tanggal",
            "region_code": "Wilayah",
            "operation_id": "Operasi",
            "killed": "MD",
            "injured_serious": "LB",
            "injured_light": "LR",
            "loss_idr": "Rugi Materiil",
            "personnel": "Personel",
        },
    ),
}
"""Each table's Indonesian sheet name and column headers (the template's and the data dictionary's);
every one is recognised by the loader (a test checks it)."""


def data_dictionary() -> str:
    """The data dictionary as Markdown, generated from `TABLES` (docs/data-dictionary.md)."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `aar._data.schema.TABLES` by `make docs`; do not edit by hand.",
        "",
        "A dataset is a folder of CSV, Parquet or Excel files named after the tables (`incidents.csv`...),",
        "or one Excel workbook with a sheet per table, plus an optional `dataset.toml`. Only `incidents`",
        "(or the wide daily situation report, `sitrep`) is required; the others fall back to the shipped",
        "reference. Headers may be written in Indonesian (the names in brackets). A register's running",
        '"No" column (also "No urut") is a row number and is ignored; the report number "No. LP" is the',
        'incident id (a table with only "No" takes that as its id).',
        "",
        "A table may come in several files: named after it plus a suffix (`sitrep_2024-11-27_metro.xlsx`,",
        "`kejadian_metro.csv`) or in a sub-folder named after it (`kejadian/metro.csv`); they are read as",
        "one table, and each problem names its own file. `aar template OUT.xlsx` writes an empty workbook",
        "with the Indonesian sheet and column names below.",
        "",
    ]
    for table in (*TABLES.values(), SITREP):
        lines += [f"## {table.name}{' (required)' if table.required else ''}", "", table.description, ""]
        names = ", ".join(f"`{n}`" for n in (table.name, *table.file_names))
        sheet_id, headers_id = INDONESIAN[table.name]
        lines += [
            f"File or sheet name: {names} (any case; `.csv`, `.parquet` or `.xlsx`); "
            f'Indonesian sheet in `aar template`: "{sheet_id}".',
            "",
        ]
        if table.key:
            lines += [f"Unique key: {', '.join(table.key)}.", ""]
        lines += [
            "| column | Indonesian | type | required | unit | allowed values | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in table.fields:
            meaning = f.description + (f" [{', '.join(f.headers)}]" if f.headers else "")
            allowed = f.allowed + (f" (above {f.plausible:,.0f} in one row: a warning)" if f.plausible else "")
            lines.append(
                f"| {f.name} | {headers_id.get(f.name, '')} | {f.kind} | {'yes' if f.required else 'no'} | {f.unit or ''} | {allowed} | {meaning} |"
            )
        for f in table.derived:
            lines.append(f"| {f.name} | | {f.kind} | derived | {f.unit or ''} | {f.allowed} | {f.description} |")
        lines.append("")
    lines += [
        "## Incident categories",
        "",
        "| code | group | Indonesian | English | aliases |",
        "|---|---|---|---|---|",
    ]
    for row in _CATEGORY_ROWS:
        lines.append(
            f"| {row['code']} | {row['group']} | {row['label_id']} | {row['label_en']} | {row['aliases'].replace('|', ', ')} |"
        )
    lines += [
        "",
        "## Polri crime types",
        "",
        "The jenis kejahatan of a Polres register, accepted in the category column: each counts under",
        "the category shown and is kept in `subcategory`, so reports can group by it.",
        "",
        "| code | counted as | Indonesian | English | aliases |",
        "|---|---|---|---|---|",
    ]
    for row in _CRIME_TYPE_ROWS:
        lines.append(
            f"| {row['code']} | {row['category']} | {row['label_id']} | {row['label_en']} | {row['aliases'].replace('|', ', ')} |"
        )
    lines.append("")
    return "\n".join(lines)


DATASET_CONFIG: Mapping[str, tuple[type, str]] = {
    "name": (str, 'text, e.g. name = "Polda Lampung, OMB and OMP"'),
    "description": (str, "text"),
    "synthetic": (bool, "true or false, without quotes"),
    "licence": (str, 'text, e.g. licence = "internal"'),
    "license": (str, "text"),
    "decimal": (str, 'the decimal mark of the CSV files: "," or "."'),
    "aliases": (dict, 'tables [aliases.category], [aliases.region] or [aliases.operation] of "alias" = "code"'),
    "guard_patterns": (list, "[[guard_patterns]] tables (region_code, vulnerability, police, tps, linmas)"),
    "national": (
        bool,
        "true or false, without quotes: true when the tables without a region column (a national bulletin) "
        "hold rows for the whole country",
    ),
    "seed": (int, "a whole number (the synthetic generator's seed)"),
    "scale": (str, "text (the synthetic generator's scale)"),
    "generator": (str, "text (the generator and its version)"),
    "real_figures": (str, "text: which figures of the dataset are real"),
    "synthetic_figures": (str, "text: which figures of the dataset are synthetic"),
}
"""The keys of `dataset.toml` with the type each must have and what a user should write.

`aar.load` refuses an unknown key (naming the closest known one: `synthetc` is not `synthetic`)
and a value of the wrong type (`synthetic = "false"` is text, not false), all problems at once.
"""
ALIAS_KINDS = ("category", "region", "operation")
