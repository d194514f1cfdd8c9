# One Makefile: `make demo` and `make test` are the two commands a newcomer runs first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PEEL_DATA_DIR ?= $(abspath ../shared/data)
PEEL_HOME ?= $(abspath .peel)
export PEEL_DATA_DIR PEEL_HOME

.PHONY: help install demo serve test lint typecheck pytest bench clean

help:
	@echo "make demo   - set up, import the official data, the synthetic demo returns (and check them) and"
	@echo "              the public grades, load synthetic demo ledger records, show Warwickshire's 2017"
	@echo "              judgments and Force in numbers"
	@echo "              and publishes the 2017 reports, then serves the site on http://127.0.0.1:8000/"
	@echo "make test   - set up, then ruff, mypy and the whole pytest suite"
	@echo "make serve  - serve the published site again"
	@echo "make bench  - run the benchmark scripts in benchmarks/"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/peel data import "$(PEEL_DATA_DIR)"
	$(BIN)/peel data status
	$(BIN)/peel returns demo --publication peel-effectiveness-2017 --seed 1
	$(BIN)/peel checks run --publication peel-effectiveness-2017
	$(BIN)/peel ledger import-grades "$(PEEL_DATA_DIR)/hmicfrs/peel_effectiveness_grades_2015_2018.csv"
	$(BIN)/peel ledger file-review demo --seed 2017 --force Warwickshire
	$(BIN)/peel ledger surveys demo --seed 2017 --out "$(PEEL_HOME)/survey-demo" --load
	$(BIN)/peel ledger judgments --force Warwickshire --year 2017
	$(BIN)/peel indicators --publication peel-effectiveness-2017 --force Warwickshire
	$(BIN)/peel publish --publication peel-effectiveness-2017 --out "$(PEEL_HOME)/site" --jobs 2
	@echo "Warehouse and ledger are in $(PEEL_HOME); the published site is $(PEEL_HOME)/site"
	@echo "Serving it on http://127.0.0.1:8000/ (Ctrl-C stops); try also: $(BIN)/peel --help"
	$(MAKE) --no-print-directory serve

serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory "$(PEEL_HOME)/site"

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/import_street.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/publish.py

clean:
	rm -rf $(VENV) .peel .pytest_cache .mypy_cache .ruff_cache benchmarks/_work
