# Guichet: `make run` serves the demo, `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Test-only JavaScript tools (axe-core for tests/browser), reinstalled when package*.json change.
# Only `make test` installs them: `make run` never needs node.
JS_FILES := $(wildcard package.json package-lock.json)
JS_STAMP := $(if $(JS_FILES),node_modules/.installed-$(shell cat $(JS_FILES) | cksum | cut -d' ' -f1))
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

ifneq ($(JS_STAMP),)
$(JS_STAMP): $(JS_FILES)
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "WARNING: npm not found: axe-core not installed, the browser tests will be skipped" >&2; \
	elif [ -f package-lock.json ]; then \
	  npm ci --no-audit --no-fund && rm -f node_modules/.installed-* && touch $@; \
	else \
	  npm install --no-audit --no-fund && rm -f node_modules/.installed-* && touch $@; \
	fi
endif

run: export GUICHET_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	@# A secret key kept across restarts, so sessions and the signed links of booking e-mails survive them.
	@mkdir -p instance && test -s instance/secret_key || \
	  $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/secret_key
	$(BIN)/guichet db upgrade
	$(BIN)/guichet demo --history 56
	GUICHET_SECRET_KEY="$${GUICHET_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/guichet serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(JS_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check guichet api tests bench kiosk display counters admin scheduler tracking reporting webform printer mailer
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/api_latency.py

clean:
	rm -rf $(VENV) instance node_modules .pytest_cache .ruff_cache .mypy_cache
