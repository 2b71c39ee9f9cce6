"""The public surface: what `import aar` exports, and that the package is typed."""

from __future__ import annotations

from importlib import resources

import aar

EXPECTED = {
    "CATEGORY", "SITREP", "TABLES", "VOCABULARIES", "AarError", "DataValidationError", "Dataset",
    "DatasetError", "DatasetInfo", "Field", "Problem", "ReferenceDataError", "Table", "UsageError",
    "Validation", "__version__", "data_dictionary", "incidents_by_group", "licence_notice", "load",
    "operations_overview", "phases_overview", "province_geojson", "reference", "relative_label", "validate",
    "Comparison", "compare", "personnel", "required_personnel", "required_vs_deployed", "voting_day", "suppress",
    "findings", "count_cube", "counts", "covered_provinces", "crime_clock_text", "cube", "direction", "exposures",
    "percent_change", "rates", "RateRatio", "RegressionResult", "SegmentedResult", "adjust_p_values",
    "count_regression", "rate_ratio", "ratio_table", "regress_counts", "segmented_regression", "fit_segments", "synthesize",
    "write_dataset", "ComparativeReport", "ReportError", "ReportFiles", "ReportTimeout", "comparative_report",
    "run_report", "show", "OverviewReport", "overview_report", "caption", "category_chart", "deployment_chart",
    "forest_plot", "operation_names", "phase_timeline", "province_map", "region_phase_heatmap", "relative_day_chart",
    "BatchResult", "plan_jobs", "run_batch", "save_prepared", "Section", "PublishedComparison", "PublishedOverview",
    "publish_comparison", "publish_overview",
    "day_dispersion", "overall_ratio", "quasi_rate_ratio", "headline_statistics", "crime_clock_change",
    "duration_parts", "percentage_points",
    "write_template", "regency_map",
}  # fmt: skip


def test_exported_names_are_exactly_the_curated_list() -> None:
    assert set(aar.__all__) == EXPECTED
    for name in aar.__all__:
        assert hasattr(aar, name), name


def test_private_modules_are_not_exported() -> None:
    assert not [name for name in aar.__all__ if name.startswith("_") and name != "__version__"]


def test_package_is_typed() -> None:
    assert resources.files("aar").joinpath("py.typed").is_file()


def test_error_tree_has_one_root() -> None:
    for error in (aar.UsageError, aar.DatasetError, aar.DataValidationError, aar.ReferenceDataError):
        assert issubclass(error, aar.AarError)
    assert issubclass(aar.DataValidationError, aar.DatasetError)


def test_usage_error_names_argument_allowed_and_received() -> None:
    error = aar.UsageError("lang", "fr", ["id", "en"])
    assert str(error) == "lang: got 'fr'; allowed: id, en"
