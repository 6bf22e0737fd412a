# kapbot: `make run` serves the assistant, `make test` runs every test.
# Both set up whatever is missing first (venv, spaCy pipeline, training data, model).
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
KAPBOT := $(VENV)/bin/kapbot
STAMP := $(VENV)/.installed
include bot/process.env  # the process environment defaults, shared with bot/__init__.py

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/lock.txt scripts/find-python
	@py=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[test]' 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }
	$(PY) -c 'import rasa, spacy, fastapi' 
	@touch $@

install: $(STAMP) ## Create .venv and install the pinned stack

build: $(STAMP) ## Build the spaCy pipeline and generated Rasa files from content/
	$(KAPBOT) build

train: $(STAMP) ## Train the model if content, data or config changed
	$(KAPBOT) train

validate: $(STAMP) ## Check content, clinic.yml and Rasa data
	$(KAPBOT) validate

run: train ## Serve on http://127.0.0.1:8000
	$(KAPBOT) serve

lint: $(STAMP) ## ruff and mypy, configured in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint train ## Run the whole test suite (lint, slow and browser tests included)
	scripts/ensure-chromium >/dev/null
	scripts/ensure-schemathesis >/dev/null
	scripts/ensure-postgres >/dev/null
	scripts/ensure-redis >/dev/null
	scripts/ensure-web-clients >/dev/null
	$(PY) -m pytest

test-fast: build ## Run the tests that need no model (API, safety, content)
	$(PY) -m pytest -m "not slow"

eval: train ## Score the question sets and the crisis nets, then Rasa NLU cross-validation
	$(KAPBOT) eval tests/eval/calibration.yml tests/eval/dev.yml tests/eval/real_dev.yml
	$(KAPBOT) redteam tests/redteam/crisis.yml tests/redteam/near_misses.yml \
	  tests/redteam/validation/crisis.yml tests/redteam/validation/near_misses.yml \
	  tests/redteam/frozen/crisis.yml tests/redteam/frozen/near_misses.yml \
	  tests/redteam/fresh/stop46_crisis.yml tests/redteam/fresh/stop46_near_misses.yml \
	  tests/redteam/fresh/stop47_crisis.yml tests/redteam/fresh/stop47_near_misses.yml \
	  tests/redteam/fresh/stop47_new_writers_crisis.yml tests/redteam/fresh/stop47_new_writers_near_misses.yml \
	  tests/redteam/fresh/stop48_crisis.yml tests/redteam/fresh/stop48_near_misses.yml \
	  tests/redteam/fresh/stop49_crisis.yml tests/redteam/fresh/stop49_near_misses.yml \
	  tests/redteam/fresh/stop52_crisis.yml tests/redteam/fresh/stop52_near_misses.yml \
	  tests/redteam/fresh/stop53_crisis.yml tests/redteam/fresh/stop53_near_misses.yml
	$(VENV)/bin/rasa test nlu --nlu data --config config.yml --cross-validation --folds 3 --out results/crossval

bench: train ## Print latency, memory and crisis-check cost figures, and kapbot next to rasa run
	$(PY) bench/latency.py
	$(PY) bench/crisis_detection.py
	$(PY) bench/compare.py

sync-shared: $(STAMP) ## Copy what changed in ../shared into the repository (docs/shared-copies.yml)
	$(PY) -m bot.build.shared_copies ../shared

lock: $(STAMP) ## Rewrite requirements/lock.txt from the venv
	@{ echo "# The project's lock: a full pip freeze of the working .venv (Python 3.10.13)."; \
	   echo "# Regenerate with 'make lock' after changing pyproject.toml dependencies."; \
	   $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements/lock.txt

clean: ## Remove build outputs (keeps .venv)
	rm -rf .build models results

.PHONY: help install build train validate lint run test test-fast eval bench sync-shared lock clean
