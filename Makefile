# Quick start: `make demo` runs the checks on the bundled sample cases; `make test` runs the tests.
# Both set up what they need first (system fonts, virtualenv, packages); setup is idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: setup system venv demo test lint typecheck pytest bench clean

setup: system venv

system:
	@if [ ! -f $(FONT) ]; then \
	  echo "installing CJK fonts (fonts-noto-cjk)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,s3,postgres,flows,web]'
	@rm -f $(VENV)/.installed-*; touch $@

demo: setup
	@mkdir -p build
	$(BIN)/intake batch samples/cases --out build/demo.jsonl --table
	@echo "reports: build/demo.jsonl"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy pipeline extractors validators flows samples

pytest: setup
	$(BIN)/pytest -q -n 2 --dist loadfile -m "slow or not slow"

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/ocr_pages.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
