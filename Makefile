# The one entry point (STYLE rule 13): make run, make test, make lint, make bench.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run init test test-training test-fast lint format bench models messages assets browser clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Create the database, load the default sources, serve on http://127.0.0.1:8000
run: install
	$(VENV)/bin/dcc init
	$(VENV)/bin/dcc run

init: install
	$(VENV)/bin/dcc init

## The whole suite (PostgreSQL/NATS parts run when DCC_TEST_POSTGRES_URL / DCC_TEST_NATS_URL are set)
test: install
	$(VENV)/bin/pytest

test-training: install
	$(VENV)/bin/pytest -m training

test-fast: install
	$(VENV)/bin/pytest -m "not slow and not browser"

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: install
	$(PY) bench/ingest.py

## Train the enrichment models from ../shared/data (they are committed under src/dcc/enrich/models)
models: install
	$(VENV)/bin/dcc train

## Extract the strings marked for translation and merge them into the catalogs (then translate
## the new entries in src/dcc/web/locale/id/LC_MESSAGES/messages.po; tests/web/test_i18n.py checks)
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
		--sort-output -o $(VENV)/messages.pot .
	$(VENV)/bin/pybabel update -i $(VENV)/messages.pot -d src/dcc/web/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete --width 100

## Re-vendor the front-end packages from the npm registry (pinned in frontend/package-lock.json)
## into src/dcc/web/static/vendor; the copies are committed, so running DCC needs no npm
VENDOR := src/dcc/web/static/vendor
assets:
	cd frontend && npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp frontend/node_modules/htmx.org/LICENSE $(VENDOR)/htmx.LICENSE
	cp frontend/node_modules/uplot/dist/uPlot.iife.min.js frontend/node_modules/uplot/dist/uPlot.min.css $(VENDOR)/
	cp frontend/node_modules/uplot/LICENSE $(VENDOR)/uPlot.LICENSE
	cp frontend/node_modules/world-atlas/countries-110m.json $(VENDOR)/countries-110m.json
	cp frontend/node_modules/world-atlas/LICENSE $(VENDOR)/world-atlas.LICENSE

## Debian's chromium for the browser tests (needs root; CI runs this)
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
