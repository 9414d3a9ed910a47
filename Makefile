# The two commands of README.md: `make serve` and `make test`.
# The interpreter of the venv: the distribution's CPython when it is 3.11 or newer and has
# venv (Debian's is built with profile-guided and link-time optimisation; pyenv's default
# build has neither and took 11-17% more CPU per intake here, README "Benchmarks"), else
# the first python3 on PATH. `make PYTHON=...` picks another; it takes effect in a new venv.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; exit; }; done; echo python3)
VENV ?= .venv
BIN = $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: setup system-packages serve test test-sqlite test-postgres lint translations

VENDOR = app/static/vendor/socket.io.min.js app/static/vendor/echarts.min.js
NODE_MODULES = frontend/node_modules/.package-lock.json

setup: $(VENV)/.installed $(VENDOR) app/translations/zh/LC_MESSAGES/messages.mo

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Front-end packages come from npm at setup, never from a CDN at run time.
$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --silent
	touch $@

app/static/vendor/socket.io.min.js: $(NODE_MODULES)
	mkdir -p app/static/vendor
	cp frontend/node_modules/socket.io-client/dist/socket.io.min.js $@

app/static/vendor/echarts.min.js: $(NODE_MODULES)
	mkdir -p app/static/vendor
	cp frontend/node_modules/echarts/dist/echarts.min.js $@

app/translations/zh/LC_MESSAGES/messages.mo: app/translations/zh/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k Message -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

serve: setup
	$(BIN)/hotline init --demo
	$(BIN)/hotline serve

# Debian packages the tests need (chromium, faketime, CJK fonts), when missing.
system-packages:
	bash scripts/system-packages.sh

test: system-packages test-sqlite test-postgres

test-sqlite: setup
	HOTLINE_TEST_DATABASE_URL= HOTLINE_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

test-postgres: setup
	HOTLINE_TEST_DATABASE_URL=$(PG_TEST_URL) HOTLINE_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
