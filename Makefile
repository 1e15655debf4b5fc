# Quick start: `make demo` runs the checks on the bundled sample cases; `make test` runs the tests.
# Both set up what they need first (system fonts, virtualenv, packages); setup is idempotent.
SHELL := /bin/bash
comma := ,
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
# PaddleOCR lives in a virtualenv of its own: paddlex needs numpy<2.4 and pins opencv-contrib-python,
# which would replace the main venv's numpy and put a second OpenCV over opencv-python-headless.
PADDLE_VENV ?= .venv-paddle
PBIN := $(PADDLE_VENV)/bin
PADDLE_STAMP := $(PADDLE_VENV)/.installed-$(shell cat pyproject.toml requirements-paddle.lock | cksum | cut -d' ' -f1)
EXTRAS := dev,s3,postgres,flows,web
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
FONT2 := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

.PHONY: setup system venv paddle-venv lock demo desk test lint typecheck pytest pytest-paddle bench clean stack stack-down stack-night

setup: system venv

system:
	@if [ ! -f $(FONT) ]; then \
	  echo "installing CJK fonts (fonts-noto-cjk)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	fi
	@if [ ! -f $(FONT2) ]; then \
	  echo "installing a second CJK font family (fonts-wqy-zenhei: the second render family's tests)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium (the desk's browser tests drive it through playwright)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

venv: $(STAMP)

# Installs exactly the locked versions (hashes checked), then the project itself without dependencies.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements.lock  # complete: every dependency is in it
	$(BIN)/python -m pip install -q --no-deps -e '.[$(EXTRAS)]'
	@rm -f $(VENV)/.installed-*; touch $@

# The PaddleOCR virtualenv (INTAKE_OCR_ENGINE=paddle): requirements-paddle.lock is the whole of it
# (the project's own dependencies with paddle's numpy, and opencv-contrib-python as the only OpenCV).
paddle-venv: $(PADDLE_STAMP)

$(PADDLE_STAMP): pyproject.toml requirements-paddle.lock
	@test -x $(PBIN)/python || $(PYTHON) -m venv $(PADDLE_VENV)
	$(PBIN)/python -m pip install -q --upgrade pip
	$(PBIN)/python -m pip install -q --no-deps --require-hashes -r requirements-paddle.lock
	$(PBIN)/python -m pip install -q --no-deps -e '.[paddle]'
	@rm -f $(PADDLE_VENV)/.installed-*; touch $@

# Re-resolve requirements.lock from pyproject.toml (after changing a dependency; `make lock UPGRADE=1`
# moves every package to its newest allowed version, else the locked ones are kept where possible).
lock:
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) \
	  --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	  $(if $(UPGRADE),--upgrade,) -o requirements.lock -q
	$(BIN)/uv pip compile pyproject.toml requirements-paddle.in --extra paddle \
	  --no-emit-package opencv-python-headless \
	  --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	  $(if $(UPGRADE),--upgrade,) -o requirements-paddle.lock -q

demo: setup
	@mkdir -p build
	$(BIN)/intake batch samples/cases --enrollment samples/enrollment.csv --out build/demo.jsonl --table
	@echo "reports: build/demo.jsonl"

# The review desk on the stored reports (or build/demo.jsonl after `make demo`), with a demo account
# printed on the console: open http://127.0.0.1:8000/desk
desk: setup
	@mkdir -p build
	INTAKE_HOME=$${INTAKE_HOME:-$(CURDIR)/build/desk-home} $(BIN)/python -m pipeline.app.cli desk demo \
	  $$( [ -f build/demo.jsonl ] && echo --reports build/demo.jsonl --cases samples/cases ) \
	  --enrollment samples/enrollment.csv

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy pipeline extractors validators flows samples

pytest: setup
	$(BIN)/pytest -q -n 2 --dist loadfile -m "slow or not slow"

# The PaddleOCR engine end to end with real Paddle inference (its own venv; models converted offline
# from the ONNX models inside the rapidocr wheel). INTAKE_PADDLE_REQUIRED=1: a skip would be a failure.
pytest-paddle: system paddle-venv
	INTAKE_PADDLE_REQUIRED=1 $(PBIN)/python -m pytest -q -p no:cacheprovider -m slow tests/test_paddle_engine.py

test: lint typecheck pytest pytest-paddle

bench: setup
	$(BIN)/python bench/ocr_pages.py

# The production layout of deploy/ started natively: Prefect server on the local PostgreSQL, a process
# work pool with STACK_WORKERS workers, intake serve, moto S3 on loopback (docs/operations.md).
stack: setup
	PYTHON=$(abspath $(BIN))/python deploy/stack.sh up

stack-down:
	PYTHON=$(abspath $(BIN))/python deploy/stack.sh down

# a night's batch of sample cases through the running stack, with the figures
stack-night:
	set -a; . $${STACK_DIR:-build/stack}/env; set +a; $(BIN)/python bench/stack_night.py --workers $${STACK_WORKERS:-2}

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
