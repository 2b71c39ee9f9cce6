"""Typed surface of aar: every public name and the module it lives in (read by lazy_loader at import)."""

from ._analytics.comparison import Comparison, compare
from ._analytics.deployment import personnel, required_personnel, required_vs_deployed, voting_day
from ._analytics.disclosure import suppress
from ._analytics.findings import findings
from ._analytics.metrics import (
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
from ._analytics.statistics import (
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
from ._batch import BatchResult, plan_jobs, run_batch
from ._data.dataset import Dataset, DatasetInfo, Validation, load, save_prepared, validate
from ._data.derive import relative_label
from ._data.reference import licence_notice, province_geojson, reference
from ._data.schema import CATEGORY, SITREP, TABLES, VOCABULARIES, Field, Table, data_dictionary
from ._data.summary import incidents_by_group, operations_overview, phases_overview
from ._data.template import write_template
from ._data.writing import write_dataset
from ._errors import (
    AarError,
    DatasetError,
    DataValidationError,
    Problem,
    ReferenceDataError,
    ReportError,
    ReportTimeout,
    UsageError,
)
from ._reporting.content import ComparativeReport, OverviewReport, comparative_report, overview_report, show
from ._reporting.figures import (
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
from ._reporting.runner import ReportFiles, run_report
from ._synthetic import synthesize
from ._version import __version__

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
    "write_template",
]
