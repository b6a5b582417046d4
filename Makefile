# Two commands matter: `make run` (set up and run the app) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test corpus reliability prod-check bench ci lint format compose-check requirements backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.base

## Set up everything and run the app on SQLite with an embedded broker, worker and beat.
run: $(VENV)/.base
	mkdir -p var
	./scripts/dev.sh

## Install what the tests need (Python packages, Debian's chromium) and run the whole suite.
test: $(VENV)/.dev
	./scripts/ensure-test-services.sh
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## The exhaustive corpora (about two minutes; CI runs it after `make test`): the public XSS
## corpus through every field, axe's accessibility check of every interviews page and of the
## main course, grading and notification pages in Chromium, and extreme values through every form.
corpus: $(VENV)/.dev
	./scripts/ensure-test-services.sh
	$(BIN)/python -m pytest -n 2 -m corpus $(PYTEST_ARGS)

## The reminder engine under failure: real workers killed, Redis restarted, the database cut
## off (about 2½ minutes; CI runs it after `make test`). Figures: test-artifacts/reliability.json.
reliability: $(VENV)/.dev
	./scripts/ensure-test-services.sh
	LOG_LEVEL=WARNING $(BIN)/python -m pytest -m reliability tests/reliability -s -q $(PYTEST_ARGS)

## The production processes of the Procfile (gunicorn, worker, beat) with production settings on
## this machine's PostgreSQL (a scratch database) and Redis (db 13) and an SMTP sink, driven
## through journey 6 over HTTP (about 4 minutes; CI runs it last). Stops all it started.
prod-check: $(VENV)/.dev
	./scripts/ensure-test-services.sh
	$(BIN)/python scripts/prod_check.py

## Benchmarks on PostgreSQL (scratch databases, created and dropped): the reminder tick and
## delivery, then the gradebook at 1,000 students × 10 assignments against a one-query view,
## then the Insights page and its export at 1,000 and 10,000 students, then the course's big
## pages at 10, 1,000 and 10,000 students × 10 assignments (bench_pages: one table, FAIL lines
## for goals missed; test-artifacts/bench-pages.json).
bench: $(VENV)/.dev
	./scripts/ensure-test-services.sh
	LOG_LEVEL=WARNING $(BIN)/python bench/bench_notifications.py
	LOG_LEVEL=WARNING $(BIN)/python bench/bench_gradebook.py
	LOG_LEVEL=WARNING $(BIN)/python bench/bench_insights.py
	LOG_LEVEL=WARNING $(BIN)/python bench/bench_pages.py

## Back up the database (pg_dump) and the uploaded files of DATABASE_URL and MEDIA_ROOT into
## BACKUP_DIR (default backups/<UTC time>); `make restore BACKUP_DIR=...` puts them back
## (docs/operations.md, "Backups").
backup:
	./scripts/backup.sh $(or $(BACKUP_DIR),backups/$(shell date -u +%Y%m%dT%H%M%SZ))

restore:
	@test -n "$(BACKUP_DIR)" || { echo "make restore BACKUP_DIR=<a folder made by make backup>"; exit 2; }
	./scripts/restore.sh $(BACKUP_DIR)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

compose-check: $(VENV)/.dev
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

## Re-pin requirements after editing pyproject.toml (no index URLs are written).
requirements:
	uv pip compile pyproject.toml -o requirements/base.txt --no-header
	uv pip compile pyproject.toml --extra dev -o requirements/dev.txt --no-header

clean:
	rm -rf var/broker var/cache var/celerybeat-schedule*
