# Two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DB ?= var/demo.duckdb
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test demo chromium bench clean

run: $(VENV)/.runtime $(DB)
	CROSSCHECK_DB=$(DB) $(PY) -m streamlit run app.py --server.port $(PORT)

demo: $(VENV)/.runtime
	$(PY) -m crosscheck demo --db $(DB) --rebuild

$(DB): | $(VENV)/.runtime
	$(PY) -m crosscheck demo --db $(DB)

# torch is pinned to the CPU build and installed in the same pip command as sentence-transformers.
$(VENV)/.runtime: requirements.txt pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -e .
	touch $@

$(VENV)/.tests: $(VENV)/.runtime requirements-test.txt requirements-cluster.txt
	$(PIP) install -q -r requirements-test.txt
	touch $@

# Debian's chromium drives the browser tests; `playwright install` is never used.
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

test: $(VENV)/.tests chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(VENV)/.tests
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var
