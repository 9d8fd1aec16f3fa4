# Tocsin: the two commands a new user needs are `make demo` and `make test`.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo keeps its state here, never in the user's real ~/.tocsin.
DEMO_HOME ?= $(CURDIR)/.demo-home

.PHONY: install demo test test-fast bench lint system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[test,spark]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (Java for Spark, Chromium for browser tests,
# PostgreSQL, poppler for looking at PDFs); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

demo: install
	TOCSIN_HOME=$(DEMO_HOME) $(BIN)/tocsin demo --host $(HOST) --port $(PORT)

test: install system-deps lint
	$(BIN)/python -m pytest -q
	# The site's database tests once more, on a throwaway PostgreSQL cluster.
	bash scripts/postgres-test.sh $(BIN)/python -m pytest -q tests/web -m "not browser"

# The inner loop: everything but the slow, browser and Spark tests, on SQLite only.
# `make test` (what CI runs) stays the whole suite.
test-fast: install lint
	$(BIN)/python -m pytest -q -m "not slow and not browser and not spark"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .ruff_cache
