"""Typed surface of aar: every public name and the module it lives in (read by lazy_loader at import)."""

from ._analytics.comparison import Comparison, compare
from ._analytics.deployment import personnel, required_personnel, required_vs_deployed, voting_day
from ._analytics.disclosure import suppress
from ._analytics.findings import findings
from ._analytics.metrics import (
    count_cube,
    counts,
    covered_provinces,
    crime_clock_change,
    cube,
    direction,
    duration_parts,
    exposures,
    percent_change,
    percentage_points,
    rates,
)
from ._analytics.published import PublishedComparison, PublishedOverview, publish_comparison, publish_overview
from ._analytics.statistics import (
    RateRatio,
    RegressionResult,
    SegmentedResult,
    adjust_p_values,
    count_regression,
    day_dispersion,
    fit_segments,
    headline_statistics,
    overall_ratio,
    quasi_rate_ratio,
    rate_ratio,
    ratio_table,
    regress_counts,
    segmented_regression,
)
from ._batch import BatchResult, plan_jobs, run_batch
from ._data.dataset import Dataset, DatasetInfo, Validation, load, save_prepared, validate
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
from ._reporting.comparative import ComparativeReport, comparative_report
from ._reporting.display import show
from ._reporting.figures import (
    caption,
    category_chart,
    deployment_chart,
    forest_plot,
    operation_names,
    phase_timeline,
    province_map,
    regency_map,
    region_phase_heatmap,
    relative_day_chart,
)
from ._reporting.formatting import crime_clock_text, relative_label
from ._reporting.overview import OverviewReport, overview_report
from ._reporting.runner import ReportFiles, run_report
from ._reporting.sections import Section
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
    "PublishedComparison",
    "PublishedOverview",
    "RateRatio",
    "ReferenceDataError",
    "RegressionResult",
    "ReportError",
    "ReportFiles",
    "ReportTimeout",
    "Section",
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
    "crime_clock_change",
    "crime_clock_text",
    "cube",
    "data_dictionary",
    "day_dispersion",
    "deployment_chart",
    "direction",
    "duration_parts",
    "exposures",
    "findings",
    "fit_segments",
    "forest_plot",
    "headline_statistics",
    "incidents_by_group",
    "licence_notice",
    "load",
    "operation_names",
    "operations_overview",
    "overall_ratio",
    "overview_report",
    "percent_change",
    "percentage_points",
    "personnel",
    "phase_timeline",
    "phases_overview",
    "plan_jobs",
    "province_geojson",
    "province_map",
    "publish_comparison",
    "publish_overview",
    "quasi_rate_ratio",
    "rate_ratio",
    "rates",
    "ratio_table",
    "reference",
    "regency_map",
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
