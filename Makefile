# Set-up is part of each target: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint lock bench bench-http bench-setup bench-all

$(STAMP): pyproject.toml requirements/test.lock requirements/runtime.lock clients/typescript/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# The image's dependencies as files, so that a test installs them as the Dockerfile does, offline.
	$(BIN)/python -m pip download --quiet --no-deps --require-hashes -r requirements/runtime.lock -d $(VENV)/wheelhouse
	$(BIN)/python -m pip download --quiet "setuptools>=77" -d $(VENV)/wheelhouse
	# The TypeScript kit's compiler and generator (its tests skip, saying so, without Node.js).
	if command -v npm >/dev/null 2>&1; then cd clients/typescript && npm ci --no-audit --no-fund --silent; fi
	touch $(STAMP)

## serve: serve the guides of content/ on http://127.0.0.1:8000
serve: $(STAMP)
	$(BIN)/content-api serve

## test: lint, type-check and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check content_api tests bench
	$(BIN)/ruff format --check content_api tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

## lock: re-pin the dependencies after changing pyproject.toml (needs uv)
lock:
	uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -o requirements/runtime.lock
	uv pip compile pyproject.toml --extra test --universal --python-version 3.11 -o requirements/test.lock

## bench: parse benchmark (engine vs raw markdown-it-py tokenization)
bench: $(STAMP)
	$(BIN)/python bench/parse.py

## bench-http: wrk against content-api and nginx serving the same bytes (needs wrk and nginx)
bench-http: $(STAMP)
	$(BIN)/python bench/throughput.py

## bench-setup: the peers of the load benchmark (npm ci in bench/peers: markdown-to-jsx, remark)
## and matplotlib for bench/scale.png
bench-setup: $(STAMP)
	cd bench/peers && npm ci --no-audit --no-fund
	$(BIN)/python -m pip install --quiet matplotlib

## bench-all: the whole suite, one table of figures, ratios and targets (about 25 minutes cold)
bench-all: $(STAMP)
	$(BIN)/python bench/run.py
