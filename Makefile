# The two set-up commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR := arsnova/web/static/vendor
ASSETS := $(VENDOR)/socket.io.esm.min.js $(VENDOR)/qrcode.mjs

.PHONY: serve test lint audit install assets screenshots bench

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[embedded,test]'
	@touch $@

# Browser libraries from npm (the official socket.io-client, a QR code
# generator), copied into the package: the pages load nothing from a CDN.
# The same node_modules serve the Node.js client of tests/js.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(ASSETS)

$(VENDOR)/socket.io.esm.min.js: $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js $@

$(VENDOR)/qrcode.mjs: $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/qrcode-generator/dist/qrcode.mjs $@

serve: $(STAMP) $(ASSETS)
	$(BIN)/arsnova serve

test: $(STAMP) $(ASSETS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The README's pictures, taken by the browser test of a whole lecture.
screenshots: $(STAMP) $(ASSETS)
	ARSNOVA_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_lecture.py -k whole_lecture

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Known vulnerabilities in the installed dependency set (PyPI's advisory data).
audit: $(STAMP)
	$(BIN)/pip-audit --local --skip-editable --progress-spinner off

# The benchmark suite (bench/README.md): `make bench`, or `BENCH_ARGS=--quick make bench`.
bench: $(STAMP) $(ASSETS)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
