# The README's two commands: `make demo` runs the main job on the embedded default, `make test` runs
# the tests. Both install what they need on a fresh Debian machine with Python 3.11 and Node 20.
SHELL := /bin/bash
# The first interpreter that really runs and is 3.11 or 3.12 (a pyenv shim may exist and still fail).
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
  if $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then \
    command -v $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= examples/scenarios/checkout-bad-deploy

.PHONY: demo test lint pytest bench components bwrap chromium azurite clean lock upgrade

# Installs exactly the lock (every package pinned with hashes), then this project without resolving
# anything: the same set on every machine until someone runs `make upgrade` and reviews the diff.
$(STAMP): requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: need Python 3.11 or 3.12 (python3.11, python3.12 or python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve the locks from pyproject.toml, keeping current pins where still allowed (after a
# pyproject change), or taking the newest allowed versions (upgrade, then the whole test suite).
lock: $(STAMP)
	./scripts/lock.sh
upgrade: $(STAMP)
	./scripts/lock.sh --upgrade
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(MAKE) test

demo: $(STAMP)
	$(VENV)/bin/sre-agent investigate --scenario $(SCENARIO)

# Test components: Azurite from npm into this repo, bubblewrap and chromium from apt when missing and we
# are root.
azurite: node_modules/.bin/azurite-blob
node_modules/.bin/azurite-blob: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error  # exactly package-lock.json, never a newer Azurite
	touch $@

bwrap:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null; \
	  else echo "bubblewrap is missing and we are not root: sandbox tests will skip (fail under CI)"; fi; \
	fi

# Headless Chromium for the review app's browser tests (driven by Playwright's Python package, never
# `playwright install`: the Debian package is the browser).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "chromium is missing and we are not root: browser tests will skip (fail under CI)"; fi; \
	fi

components: azurite bwrap chromium

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

pytest: $(STAMP) components
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint pytest

bench: $(STAMP) components
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules .sre-agent .pytest_cache .mypy_cache .ruff_cache
