# egov: two commands do all the set-up on a fresh Debian 12 machine with Python 3.11.
#   make run    the demo at http://127.0.0.1:8000/ (PORT=8080 make run for another port)
#   make test   everything the tests need, lint, then the suite on SQLite and on PostgreSQL
# The work is done by the scripts in scripts/, which can also be run on their own.

SHELL := /bin/bash
PORT ?= 8000

.PHONY: help run test lint test-deps test-sqlite test-postgres venv clean

help:
	@echo "make run            set up and serve the demo on http://127.0.0.1:$(PORT)/"
	@echo "make test           set up and run lint and the whole suite on SQLite and PostgreSQL"
	@echo "make lint           ruff check and ruff format --check"
	@echo "make test-sqlite    the suite on SQLite only"
	@echo "make test-postgres  the suite on PostgreSQL only"
	@echo "make test-deps      install and start what the tests need, run nothing"
	@echo "make clean          remove .venv, node_modules and caches (keeps ./var, the demo data)"

run:
	@PORT=$(PORT) bash scripts/run-demo.sh

test:
	@bash scripts/run-tests.sh

test-sqlite:
	@EGOV_TEST_DATABASES=sqlite bash scripts/run-tests.sh

test-postgres:
	@EGOV_TEST_DATABASES=postgres bash scripts/run-tests.sh

test-deps:
	@bash scripts/ensure-venv.sh test && bash scripts/test-system.sh

lint:
	@bash scripts/ensure-venv.sh test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

venv:
	@bash scripts/ensure-venv.sh test

clean:
	rm -rf .venv node_modules .pytest_cache .ruff_cache staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
