# Care Closer to Home: the commands a newcomer needs. Only Python 3.11+ is assumed.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
FHIR_SCHEMA := .cache/fhir/fhir.schema.json
PYTEST := $(UV) run --frozen pytest

.PHONY: browser help setup run stop status test test-unit test-integration test-e2e test-fast lint fmt typecheck docs bench clean token fhir-schema

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock $(wildcard libs/*/pyproject.toml services/*/pyproject.toml) | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced $(FHIR_SCHEMA) ## create the environment (uv) and fetch the FHIR R4 schema

CHROMEDRIVER ?= /usr/bin/chromedriver

$(CHROMEDRIVER): ## headless Chromium and ChromeDriver for the board's browser test (Debian packages)
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null

browser: $(CHROMEDRIVER) ## install headless Chromium for browser tests

$(FHIR_SCHEMA):
	@$(UV) run --frozen python -m cch_fhir.fetch_schema $(FHIR_SCHEMA)

run: setup ## start Postgres, the broker, migrations, every service and a synthetic population
	$(UV) run --frozen cch-stack run

stop: ## stop a running stack
	@$(UV) run --frozen cch-stack stop

status: ## show what is running
	@$(UV) run --frozen cch-stack status

token: ## mint a development token: make token ROLE=case-manager
	@$(UV) run --frozen cch-token --role $(or $(ROLE),ehr-system)

test: setup $(CHROMEDRIVER) ## every tier: unit, integration and end-to-end, against real Postgres and the real broker
	$(PYTEST) -m "not e2e" libs services deploy
	$(PYTEST) tests-e2e

test-unit: setup ## unit tests only (no database, no broker)
	$(PYTEST) -m "not integration and not e2e and not slow" libs services

test-integration: setup
	$(PYTEST) -m integration libs services

test-e2e: setup
	$(PYTEST) tests-e2e

lint: setup ## ruff and mypy
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy libs/*/src services/*/src/*

fmt: setup ## format and fix what ruff can
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

docs: setup ## write docs/asyncapi.yaml from the event contracts
	$(UV) run --frozen cch-asyncapi --out docs/asyncapi.yaml

bench: setup ## benchmarks; results in bench/results/
	$(UV) run --frozen python -m bench

clean: stop ## remove the data folder and caches
	rm -rf .cch .pytest_cache .mypy_cache .ruff_cache
