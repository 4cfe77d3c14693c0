# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed

.PHONY: install system-deps demo test lint typecheck unit bench clean

# PostgreSQL server binaries for the tests that run loopguard on a real PostgreSQL.
PG_INITDB := $(wildcard /usr/lib/postgresql/*/bin/initdb)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing loopguard with test tools (about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/pip install --quiet --progress-bar off -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(DEMO_STAMP): $(STAMP)
	@echo "==> installing the local demo model (llama-cpp-python builds from source once: ~6 minutes on 2 cores)"
	$(BIN)/pip install --progress-bar off -e '.[dev,demo]'
	@touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/loopguard demo

lint: install
	$(BIN)/ruff check checks proxy review_ui tests bench

typecheck: install
	$(BIN)/mypy

# Debian's packages the tests need and pip cannot bring: PostgreSQL's server (the PostgreSQL
# tests) and Chromium (the review UI's browser tests drive /usr/bin/chromium with Playwright;
# never `playwright install`, which downloads a browser build).
SYSTEM_PACKAGES := $(if $(PG_INITDB),,postgresql) $(if $(wildcard /usr/bin/chromium),,chromium)

system-deps:
ifneq ($(strip $(SYSTEM_PACKAGES)),)
	@echo "==> installing $(strip $(SYSTEM_PACKAGES)) from Debian's packages (for the PostgreSQL and browser tests)"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null
endif

# The tests run on PYTEST_WORKERS xdist workers (2: one per core; tests/conftest.py); the slowest tests are
# listed so a new slow one shows.
PYTEST_WORKERS ?= 2
unit: install system-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=20

test: lint typecheck unit

# Benchmarks (not tests): each prints a table with its ratios measured side by side in one run.
# The first run installs LiteLLM's proxy into ~/.cache/loopguard-bench/ (a few minutes, once).
# `make test` runs each in a smoke mode (tests/test_bench_smoke.py).
bench: install
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/streaming.py
	$(BIN)/python bench/check_cost.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/pii_accuracy.py --eval tests/data/eval/pii_wild_dev.jsonl
	$(BIN)/python bench/review_ui.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
