# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed

.PHONY: install demo test lint typecheck unit bench clean

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

unit: install
	$(BIN)/pytest

test: lint typecheck unit

bench: install
	$(BIN)/python bench/pii_accuracy.py
	$(BIN)/python bench/overhead.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
