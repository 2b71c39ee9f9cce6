"""aar: after-action analytics of Indonesian election-security operations.

Load incident, deployment and phase data of Operasi Mantap Brata 2023-2024 (Pemilu 2024) and
Operasi Mantap Praja 2024 (Pilkada 2024), validate it, and compare the operations.

>>> import aar
>>> ds = aar.load("data/sample")  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from ._dataset import Dataset, DatasetInfo, Validation, load, validate
from ._derive import relative_label
from ._errors import AarError, DatasetError, DataValidationError, Problem, ReferenceDataError, UsageError
from ._reference import licence_notice, province_geojson, reference
from ._schema import CATEGORY, SITREP, TABLES, VOCABULARIES, Field, Table, data_dictionary
from ._summary import incidents_by_group, operations_overview, phases_overview

try:
    __version__ = version("aar")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "CATEGORY",
    "SITREP",
    "TABLES",
    "VOCABULARIES",
    "AarError",
    "DataValidationError",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "Field",
    "Problem",
    "ReferenceDataError",
    "Table",
    "UsageError",
    "Validation",
    "__version__",
    "data_dictionary",
    "incidents_by_group",
    "licence_notice",
    "load",
    "operations_overview",
    "phases_overview",
    "province_geojson",
    "reference",
    "relative_label",
    "validate",
]
