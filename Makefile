# One Makefile: `make demo` and `make test` are the two commands a newcomer runs first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PEEL_DATA_DIR ?= $(abspath ../shared/data)
PEEL_HOME ?= $(abspath .peel)
export PEEL_DATA_DIR PEEL_HOME

# GOV.UK Frontend major version matching govuk-frontend-jinja 4.x (see its README's compatibility table).
GOVUK_FRONTEND ?= 6
GOVUK_DIST := build/npm/node_modules/govuk-frontend/dist/govuk
WEB_STATIC := src/peelkit/web/static/govuk
WEB_ASSETS := $(WEB_STATIC)/govuk-frontend.min.css
# Swagger UI for the interactive API documentation (/api/v1/docs), served from the app itself, never a CDN.
SWAGGER_UI ?= 5
SWAGGER_DIST := build/npm/node_modules/swagger-ui-dist
SWAGGER_STATIC := src/peelkit/web/static/swagger-ui
SWAGGER_ASSETS := $(SWAGGER_STATIC)/swagger-ui-bundle.js
DEMO_PASSWORD ?= peelkit-demo
PORT ?= 8000

.PHONY: help install web-assets demo serve test lint typecheck pytest bench clean

help:
	@echo "make demo   - set up, import the official data, the synthetic demo returns (and check them) and"
	@echo "              the public grades, load synthetic demo ledger records (file review, surveys, and labelled"
	@echo "              synthetic narrative and areas for improvement for Warwickshire and Kent), show Warwickshire's 2017"
	@echo "              judgments and Force in numbers"
	@echo "              and publishes the 2017 reports, adds demo users, publishes the 2017 publication and"
	@echo "              runs the web app on http://127.0.0.1:8000/ (PORT=8080 make demo for another port)"
	@echo "make test   - set up, then ruff, mypy and the whole pytest suite"
	@echo "make serve  - run the web app again (peel serve)"
	@echo "make web-assets - fetch GOV.UK Frontend $(GOVUK_FRONTEND).x and Swagger UI $(SWAGGER_UI).x from npm into"
	@echo "              $(WEB_STATIC) and $(SWAGGER_STATIC)"
	@echo "make bench  - run the benchmark scripts in benchmarks/"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed web-assets

web-assets: $(WEB_ASSETS) $(SWAGGER_ASSETS)

# The compiled CSS asks for /assets/...; we serve GOV.UK's assets under /static/govuk/assets/.
$(WEB_ASSETS):
	@command -v npm >/dev/null || { echo "need npm (Node.js) to fetch GOV.UK Frontend"; exit 1; }
	npm install --no-audit --no-fund --prefix build/npm govuk-frontend@$(GOVUK_FRONTEND)
	rm -rf $(WEB_STATIC) && mkdir -p $(WEB_STATIC)
	cp -R $(GOVUK_DIST)/assets $(WEB_STATIC)/assets
	cp $(GOVUK_DIST)/govuk-frontend.min.js $(GOVUK_DIST)/govuk-frontend.min.js.map $(WEB_STATIC)/
	sed 's#url(/assets/#url(/static/govuk/assets/#g' $(GOVUK_DIST)/govuk-frontend.min.css > $@.tmp
	mv $@.tmp $@

# Only the bundle and its stylesheet (and their licence): the page's own start-up script is ours
# (static/api-docs.js), since the Content-Security-Policy allows no inline script.
$(SWAGGER_ASSETS):
	@command -v npm >/dev/null || { echo "need npm (Node.js) to fetch Swagger UI"; exit 1; }
	npm install --no-audit --no-fund --ignore-scripts --prefix build/npm swagger-ui-dist@$(SWAGGER_UI)
	rm -rf $(SWAGGER_STATIC) && mkdir -p $(SWAGGER_STATIC)
	cp $(SWAGGER_DIST)/swagger-ui.css $(SWAGGER_DIST)/LICENSE $(SWAGGER_STATIC)/
	cp $(SWAGGER_DIST)/swagger-ui-bundle.js $@.tmp
	mv $@.tmp $@

demo: install
	$(BIN)/peel data import "$(PEEL_DATA_DIR)"
	$(BIN)/peel data status
	$(BIN)/peel returns demo --publication peel-effectiveness-2017 --seed 1
	$(BIN)/peel checks run --publication peel-effectiveness-2017
	$(BIN)/peel ledger import-grades "$(PEEL_DATA_DIR)/hmicfrs/peel_effectiveness_grades_2015_2018.csv"
	$(BIN)/peel ledger file-review demo --seed 2017 --force Warwickshire
	$(BIN)/peel ledger surveys demo --seed 2017 --out "$(PEEL_HOME)/survey-demo" --load
	@if $(BIN)/peel publication status peel-effectiveness-2017 | grep -q ': published'; then \
	  echo "peel-effectiveness-2017 is published: its records change only as corrections; no demo narrative added"; \
	else $(BIN)/peel ledger demo --force Warwickshire --force Kent --year 2017; fi
	$(BIN)/peel ledger judgments --force Warwickshire --year 2017
	$(BIN)/peel indicators --publication peel-effectiveness-2017 --force Warwickshire
	@if $(BIN)/peel publication status peel-effectiveness-2017 | grep -q ': published'; then \
	  echo "peel-effectiveness-2017 is already published"; \
	else $(BIN)/peel publication set peel-effectiveness-2017 --state published --by "make demo" \
	  --override "demonstration release: the synthetic returns' planted anomalies are left open, no force has signed off and the imported public grades are not moderated in peelkit"; fi
	$(BIN)/peel publish --publication peel-effectiveness-2017 --jobs 2
	@for user in "analyst --role analyst" "inspector --role inspector" \
	             "warwickshire --role force --force Warwickshire"; do \
	  name=$${user%% *}; \
	  if $(BIN)/peel users list --format csv | cut -d, -f1 | grep -qx "$$name"; then echo "user $$name exists"; \
	  else echo "$(DEMO_PASSWORD)" | $(BIN)/peel users add $$user --password-stdin --by "make demo" || exit 1; fi; \
	done
	@echo "Warehouse and ledger are in $(PEEL_HOME); the published site is $${PEEL_SITE_DIR:-$(PEEL_HOME)/site}"
	@echo "Demo accounts (for this demo only; never use these on a real server): analyst, inspector and"
	@echo "warwickshire (the Warwickshire force user), all with the password $(DEMO_PASSWORD)"
	@echo "Serving the web app on http://127.0.0.1:$(PORT)/ (Ctrl-C stops); try also: $(BIN)/peel --help"
	$(MAKE) --no-print-directory serve

serve: install
	$(BIN)/peel serve --host 127.0.0.1 --port $(PORT)

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
	rm -rf $(VENV) .peel .pytest_cache .mypy_cache .ruff_cache benchmarks/_work build/npm $(WEB_STATIC) $(SWAGGER_STATIC)
