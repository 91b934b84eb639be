# The two set-up commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
NODE_STAMP := node_modules/.installed
VENDOR := arsnova/web/static/vendor
ASSETS := $(VENDOR)/socket.io.esm.min.js $(VENDOR)/qrcode.mjs
comma := ,

# One stamp per extra of setup.cfg: each target installs what it needs and no more
# (`make serve` the server and the embedded database, not the test, lint and audit tools).
EMBEDDED := $(VENV)/.installed-embedded
TESTING := $(VENV)/.installed-test
LINTING := $(VENV)/.installed-lint
AUDITING := $(VENV)/.installed-audit

# CI installs the exact set of the lock (`make ci-install`); `make lock` refreshes it.
LOCK := requirements/ci.lock
# `make lowest`: the floors of setup.cfg, in a venv of their own, on a fast subset.
LOWEST := requirements/lowest.txt
LOWEST_VENV ?= .venv-lowest
LOWEST_TESTS ?= tests/api/test_sessions.py tests/api/test_auth.py tests/api/test_rate_limits.py \
	tests/realtime/test_binding.py tests/events/test_protocol.py tests/store

.PHONY: serve test lint audit install assets screenshots bench ci-install lock lowest

define pip_install
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[$(1)]'
	@touch $@
endef

install: $(EMBEDDED)

$(EMBEDDED): setup.cfg pyproject.toml
	$(call pip_install,embedded)

$(TESTING): setup.cfg pyproject.toml
	$(call pip_install,embedded$(comma)test)
	@touch $(EMBEDDED)

$(LINTING): setup.cfg pyproject.toml
	$(call pip_install,lint)

$(AUDITING): setup.cfg pyproject.toml
	$(call pip_install,audit)

# The exact set CI tests, from the lock, then the package itself without resolving
# anything; the stamps then say every extra is installed.
ci-install:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r $(LOCK)
	$(PIP) --no-deps -e .
	$(BIN)/python .ci/locked.py embedded test lint audit
	@touch $(EMBEDDED) $(TESTING) $(LINTING) $(AUDITING)

# Refreshes the lock: the newest set setup.cfg allows with every extra, from a fresh venv.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --disable-pip-version-check -e '.[embedded,test,lint,audit]'
	{ echo "# The exact set CI tests (Python 3.11, Linux x86-64), made by \`make lock\`."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .venv-lock

# The lowest versions setup.cfg allows: each direct dependency at its floor.
lowest: $(ASSETS)
	$(PYTHON) .ci/floors.py --check $(LOWEST)
	@test -x $(LOWEST_VENV)/bin/python || $(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-c $(LOWEST) -e '.[embedded,test]'
	$(LOWEST_VENV)/bin/python .ci/locked.py embedded test
	$(LOWEST_VENV)/bin/python -m pytest -p no:cacheprovider $(LOWEST_TESTS)

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

serve: $(EMBEDDED) $(ASSETS)
	$(BIN)/arsnova serve

test: $(TESTING) $(ASSETS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The README's pictures, taken by the browser tests of a whole lecture, of the presenter page
# and of a student's phone (a countdown and the correct answer).
screenshots: $(TESTING) $(ASSETS)
	ARSNOVA_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_lecture.py -k whole_lecture
	ARSNOVA_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_presenter.py
	ARSNOVA_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_labels.py -k student_phone
	ARSNOVA_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_qa.py -k students_ask

lint: $(LINTING)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Known vulnerabilities in the installed dependency set (PyPI's advisory data).
audit: $(AUDITING)
	$(BIN)/pip-audit --local --skip-editable --progress-spinner off

# The benchmark suite (bench/README.md): `make bench`, or `BENCH_ARGS=--quick make bench`.
bench: $(EMBEDDED) $(ASSETS)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
