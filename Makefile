# aar: `make help` lists the targets. Every target sets up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup browser bench bench-batch bench-cli bench-report coverage test test-fast lint format typecheck docs lab report notebooks sample clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with aar (editable) and its dev extras

test: $(STAMP) ## Set up if needed, then run lint, import layers, type check and the whole test suite
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Run the tests not marked slow
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP) ## ruff lint and format check, and the import-layer contract (lint-imports)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format src tests benchmarks tools
	$(BIN)/ruff check --fix src tests benchmarks tools

typecheck: $(STAMP) ## mypy over the package
	$(BIN)/mypy

docs: $(STAMP) ## Regenerate docs/data-dictionary.md from the schema
	$(BIN)/python -c "import aar; open('docs/data-dictionary.md', 'w', encoding='utf-8').write(aar.data_dictionary())"

browser: ## Install Debian's chromium and poppler-utils (report PDFs and the browser tests need them; needs root)
	command -v chromium >/dev/null && command -v pdftotext >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium poppler-utils)

bench: $(STAMP) ## Data layer at national scale against pandas and the polars floor (5M incidents, generated once); writes benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_data.py --write benchmarks/RESULTS.md

bench-report: $(STAMP) ## One comparative report against papermill on an empty and on an import-only notebook (ratios)
	$(BIN)/python benchmarks/bench_report.py

bench-cli: $(STAMP) ## How long `aar --version` takes against `import polars` (ratio, same run)
	$(BIN)/python benchmarks/bench_cli.py

bench-batch: $(STAMP) ## Batch benchmark: naive papermill + nbconvert commands against aar batch, same reports
	$(BIN)/python benchmarks/bench_batch.py

coverage: $(STAMP) ## Coverage study of the headline rate-ratio interval against the Poisson score interval (seeded, 400 replicates per scenario)
	$(BIN)/python benchmarks/coverage_study.py --reps 400 --seed 11

lab: $(STAMP) ## Start JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

report: $(STAMP) ## Produce the sample comparative report (Lampung, Indonesian) and print the path of its HTML
	$(BIN)/aar report comparative --dataset data/sample --region 18 --lang id --out reports

notebooks: $(STAMP) ## Regenerate the notebooks of notebooks/ from tools/make_notebooks.py
	$(BIN)/python tools/make_notebooks.py

sample: $(STAMP) ## Regenerate data/sample from its recorded seed
	$(BIN)/aar synth --out data/sample --scale sample --seed 7 --force

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
