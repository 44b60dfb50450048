# Everyday commands. The two that matter on a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Touched after a successful install: pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.stagegate-installed
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
# The demo's local MLflow tracking server (data in var/mlflow/), started and stopped by `make demo`.
MLFLOW_PORT ?= 5055
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="tests/lifecycle -x"`.
PYTEST_ARGS ?=
# Days `make test-clock` moves the clock ahead (STAGEGATE_TEST_CLOCK_SHIFT_DAYS in tests/conftest.py).
CLOCK_SHIFT_DAYS ?= 365
# With DATABASE_URL set (PostgreSQL), build the test database afresh: migrations may have changed.
PYTEST_DB := $(if $(DATABASE_URL),--create-db,)
# Test processes (pytest-xdist). Each has its own test database, MLflow server and Redis dbs (at most 4, see
# tests/redis_process.py); the tests sharing a seeded world stay on one process (xdist_group in tests/conftest.py).
# PYTEST_WORKERS=0 runs in this process, for pdb.
PYTEST_WORKERS ?= 2
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadscope

.PHONY: help venv demo test test-clock lint format check migrate worker beat stack bench clean

help:
	@echo "make demo     run the portal with demo data at http://127.0.0.1:$(PORT)/ (PORT=... to change)"
	@echo "make test     ruff, mypy, layer contracts, Django checks, migrations check, then the whole test suite"
	@echo "make test-clock  the date-sensitive tests (marker clock) with the clock $(CLOCK_SHIFT_DAYS) days ahead"
	@echo "make lint     ruff check, ruff format --check and mypy"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make migrate  apply database migrations"
	@echo "make worker   run a Celery worker (needs REDIS_URL)"
	@echo "make beat     run the one Celery beat scheduler (needs REDIS_URL)"
	@echo "make stack    the production stack without Docker: migrate, collectstatic, then gunicorn, worker and beat"
	@echo "make bench    run the benchmarks under benchmarks/"
	@echo "make clean    remove the virtualenv, local database, uploads and caches"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: export DJANGO_SETTINGS_MODULE := portal.settings.local
demo: export DJANGO_DEBUG := true
demo: $(STAMP)
	@mkdir -p var
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) demo_mlflow start --port $(MLFLOW_PORT)
	$(MANAGE) seed_demo --mlflow-uri http://127.0.0.1:$(MLFLOW_PORT)
	@echo
	@echo "Stagegate demo: http://127.0.0.1:$(PORT)/  (log in as pm, exec, ds or admin; password demo)"
	@echo "MLflow UI of the demo runs: http://127.0.0.1:$(MLFLOW_PORT)/"
	@echo
	@# The MLflow server stops with the portal (Ctrl-C), whatever way runserver ends.
	trap '$(MANAGE) demo_mlflow stop' EXIT; $(MANAGE) runserver 127.0.0.1:$(PORT)

test: export DJANGO_SETTINGS_MODULE := portal.settings.test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	@# The layer contracts of pyproject.toml: an upward import or a cycle fails here.
	$(BIN)/lint-imports
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	@# pytest exits 5 when it collects nothing: that fails here too, never a silent pass.
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_XDIST) $(PYTEST_DB) $(PYTEST_ARGS)

# The suite must pass whatever the date: run the tests whose results depend on "today" (marker `clock`) with
# the whole session's clock a year ahead. A test that reads today's date without pinning it fails here now,
# not on the day the calendar passes its fixed dates. Browser tests are left out: Chromium keeps the real clock.
test-clock: export DJANGO_SETTINGS_MODULE := portal.settings.test
test-clock: export STAGEGATE_TEST_CLOCK_SHIFT_DAYS := $(CLOCK_SHIFT_DAYS)
test-clock: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_XDIST) $(PYTEST_DB) -m "clock and not e2e" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(MANAGE) migrate

worker: $(STAMP)
	$(BIN)/celery -A portal worker --loglevel INFO

beat: $(STAMP)
	@# Exactly one beat process may run: two would send every scheduled task twice.
	$(BIN)/celery -A portal beat --loglevel INFO --schedule var/celerybeat-schedule

# The production stack without Docker: production settings, PostgreSQL and Redis from DATABASE_URL and REDIS_URL
# (and DJANGO_SECRET_KEY). Migrations and static files first, then the Procfile's web, worker and beat under
# honcho; Ctrl-C stops all three (gunicorn and the worker finish their requests and tasks first).
stack: export DJANGO_SETTINGS_MODULE := portal.settings.production
stack: $(STAMP)
	@test -n "$${DATABASE_URL:-}" || { echo "make stack: set DATABASE_URL (PostgreSQL)" >&2; exit 2; }
	@test -n "$${REDIS_URL:-}" || { echo "make stack: set REDIS_URL" >&2; exit 2; }
	@mkdir -p var
	$(MANAGE) migrate --noinput -v 1
	$(MANAGE) collectstatic --noinput -v 0
	PATH="$(abspath $(BIN)):$$PATH" exec $(BIN)/honcho start -f Procfile

bench: $(STAMP)
	@scripts=$$(find benchmarks -maxdepth 1 -name '*.py' ! -name '_*' 2>/dev/null | sort); \
	if [ -z "$$scripts" ]; then \
		echo "No benchmarks yet: every benchmarks/<name>.py script (not _*.py) is run by 'make bench'."; \
	else \
		for script in $$scripts; do echo "== $$script"; $(BIN)/python "$$script"; done; \
	fi

clean:
	rm -rf $(VENV) var/stagegate.sqlite3 var/mlflow var/uploads var/test-uploads var/staticfiles var/ci var/celerybeat-schedule* \
		.pytest_cache .ruff_cache .mypy_cache .hypothesis test-results *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
