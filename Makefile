# Two commands for a fresh machine:  make run  (the main job)  and  make test  (the whole suite).
# Both create .venv with pip and install the package when needed; both are safe to repeat.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTHON ?= $(shell command -v python3.11 || command -v python3)

# No model hub, no telemetry: everything runs offline.
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test lint system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## run: build the index if it is missing and serve the demo page, widget, console (and Telegram with a token)
run: $(STAMP)
	$(VENV)/bin/ouderwijzer serve

## test: the whole test suite (the same command CI runs)
test: $(STAMP) system-deps
	$(PY) -m pytest

## system-deps: Debian packages the tests need (Chromium for the widget tests), when we may install them
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "note: chromium is not installed; browser tests will be skipped"; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/garbage.py

clean:
	rm -rf data .pytest_cache
