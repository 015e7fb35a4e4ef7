# Guichet — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit test-api test-deploy test-contracts test-integration test-e2e check lint bench token clean asyncapi services audit

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	@test -x $(PY) || $(PYTHON) -m uv venv --quiet --python $(PYTHON) $(VENV)
	$(PYTHON) -m uv pip install --quiet --python $(PY) -r requirements.lock
	$(PYTHON) -m uv pip install --quiet --python $(PY) --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

run: $(STAMP) ## Start the five services on the embedded default (SQLite in ./data, in-process bus)
	$(PY) -m events.service.serve

# The test tiers are directories of tests/ (README, "Tests"); `make test` runs them all.
PYTEST := $(PY) -m pytest -p no:cacheprovider -q -ra
test: $(STAMP) ## Install everything and run every tier, with a real PostgreSQL and Kafka
	$(PYTEST) --durations=10

test-unit: $(STAMP) ## tests/unit: domain and handlers with fakes; no database, network or process (seconds)
	$(PYTEST) tests/unit

test-api: $(STAMP) ## tests/api: each service's app in-process over HTTP, on SQLite in a temporary dir
	$(PYTEST) tests/api

test-deploy: $(STAMP) ## tests/deploy: scripts, manifests, generated deploy files checked against the declaration
	$(PYTEST) tests/deploy

test-contracts: $(STAMP) ## tests/contracts: AsyncAPI through its official parser (Node), OpenAPI through schemathesis
	$(PYTEST) tests/contracts

test-integration: $(STAMP) ## tests/integration: real PostgreSQL and Kafka (started if needed)
	$(PYTEST) tests/integration

test-e2e: $(STAMP) ## tests/e2e: the five services started as processes, reached over HTTP
	$(PYTEST) tests/e2e

# The guardrails: each runs even when an earlier one failed, and the last lines give one verdict
# per tool. mypy and lint-imports take their scope from pyproject.toml; .pre-commit-config.yaml
# runs the same commands.
CHECKED := libs services tests bench
check: $(STAMP) ## Guardrails CI runs before the tests: ruff lint and format, mypy, import contracts
	@failed=0; verdicts=(); \
	guard() { local name=$$1; shift; echo "== $$name: $$*"; \
	  if "$$@"; then verdicts+=("check: $$name passed"); \
	  else verdicts+=("check: $$name FAILED"); failed=1; fi; }; \
	guard "ruff lint" $(VENV)/bin/ruff check $(CHECKED); \
	guard "ruff format" $(VENV)/bin/ruff format --check $(CHECKED); \
	guard "mypy" $(VENV)/bin/mypy; \
	guard "import contracts" $(VENV)/bin/lint-imports --no-logo --no-cache; \
	echo; printf '%s\n' "$${verdicts[@]}"; exit $$failed

lint: check ## Same as make check

# OSV by default; AUDIT_SERVICE=pypi asks PyPI's JSON API instead. Exit 2 and "NOT CHECKED" when
# the service cannot be reached: never a clean verdict for packages it did not look up.
AUDIT_SERVICE ?= osv
audit: $(STAMP) ## Check requirements.lock against a vulnerability database (pip-audit; says plainly when it could not)
	$(PY) tools/audit_lock.py --lock requirements.lock --service $(AUDIT_SERVICE)

bench: $(STAMP) ## Benchmarks on real PostgreSQL/Kafka: figures and ratios printed (see bench/README.md)
	$(PY) -m bench

asyncapi: $(STAMP) ## Regenerate docs/asyncapi.json from the event catalogue
	$(PY) -m events.asyncapi > docs/asyncapi.json

services: $(STAMP) ## Regenerate compose, Dockerfile, k8s manifests, database init and pyproject.toml's service lists from services.toml
	$(PY) -m events.service.deployment render

token: $(STAMP) ## Print a development bearer token (embedded default only): make token LEVEL=2 ROLES=agent,manager TEAMS=support,billing
	@$(PY) -m events.service.devtoken --sub $${SUB:-dev-agent} --team $${TEAM:-support} --teams "$${TEAMS:-}" --roles "$${ROLES:-agent}" --level $${LEVEL:-1}

clean: ## Remove the virtualenv, local data and test servers
	rm -rf $(VENV) data .servers .pytest_cache
