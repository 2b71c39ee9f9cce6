"""aar: after-action analytics of Indonesian election-security operations.

Load incident, deployment and phase data of Operasi Mantap Brata 2023-2024 (Pemilu 2024) and
Operasi Mantap Praja 2024 (Pilkada 2024), validate it, and compare the operations.

>>> import aar
>>> ds = aar.load("data/sample")  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from ._batch import BatchResult, plan_jobs, run_batch
from ._comparison import Comparison, compare
from ._dataset import Dataset, DatasetInfo, Validation, load, save_prepared, validate
from ._deployment import personnel, required_personnel, required_vs_deployed, voting_day
from ._derive import relative_label
from ._disclosure import suppress
from ._errors import AarError, DatasetError, DataValidationError, Problem, ReferenceDataError, UsageError
from ._figures import (
    caption,
    category_chart,
    deployment_chart,
    forest_plot,
    operation_names,
    phase_timeline,
    province_map,
    region_phase_heatmap,
    relative_day_chart,
)
from ._findings import findings
from ._metrics import (
    count_cube,
    counts,
    covered_provinces,
    crime_clock_text,
    cube,
    direction,
    exposures,
    percent_change,
    rates,
)
from ._reference import licence_notice, province_geojson, reference
from ._report_content import ComparativeReport, OverviewReport, comparative_report, overview_report, show
from ._reports import ReportError, ReportFiles, ReportTimeout, run_report
from ._schema import CATEGORY, SITREP, TABLES, VOCABULARIES, Field, Table, data_dictionary
from ._statistics import (
    RateRatio,
    RegressionResult,
    SegmentedResult,
    adjust_p_values,
    count_regression,
    fit_segments,
    rate_ratio,
    ratio_table,
    regress_counts,
    segmented_regression,
)
from ._summary import incidents_by_group, operations_overview, phases_overview
from ._synthetic import synthesize
from ._writing import write_dataset

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
    "BatchResult",
    "ComparativeReport",
    "Comparison",
    "DataValidationError",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "Field",
    "OverviewReport",
    "Problem",
    "RateRatio",
    "ReferenceDataError",
    "RegressionResult",
    "ReportError",
    "ReportFiles",
    "ReportTimeout",
    "SegmentedResult",
    "Table",
    "UsageError",
    "Validation",
    "__version__",
    "adjust_p_values",
    "caption",
    "category_chart",
    "comparative_report",
    "compare",
    "count_cube",
    "count_regression",
    "counts",
    "covered_provinces",
    "crime_clock_text",
    "cube",
    "data_dictionary",
    "deployment_chart",
    "direction",
    "exposures",
    "findings",
    "fit_segments",
    "forest_plot",
    "incidents_by_group",
    "licence_notice",
    "load",
    "operation_names",
    "operations_overview",
    "overview_report",
    "percent_change",
    "personnel",
    "phase_timeline",
    "phases_overview",
    "plan_jobs",
    "province_geojson",
    "province_map",
    "rate_ratio",
    "rates",
    "ratio_table",
    "reference",
    "region_phase_heatmap",
    "regress_counts",
    "relative_day_chart",
    "relative_label",
    "required_personnel",
    "required_vs_deployed",
    "run_batch",
    "run_report",
    "save_prepared",
    "segmented_regression",
    "show",
    "suppress",
    "synthesize",
    "validate",
    "voting_day",
    "write_dataset",
]
