# labportal: `make run` serves the seeded demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test coverage setup system-deps assets var migrate seed worker beat bench messages check clean securitycheck

# E-mail links and calendar feeds point at the address the demo is served on.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: setup var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "labportal: http://$(HOST):$(PORT)  (demo accounts: see README.md)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The embedded default keeps its SQLite database and uploaded files here (git-ignored).
var:
	mkdir -p var/media var/static

# Tests use the real services, like CI (override with DATABASE_URL / REDIS_URL).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/labportal
# Redis database 0 is the broker, 1 the cache (settings: REDIS_BROKER_DB, REDIS_CACHE_DB).
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

# WITH_BROWSER: system-deps.sh also installs Debian's headless Chromium, which the browser tests drive.
# Three workers on two cores: a browser test waits on Chromium and Chromium on the server, so two workers left a
# third of the CPU idle (measured: 8 min 32 s with -n 2, 7 min 02 s with -n 3, 8 min 13 s with -n 4).
test: export WITH_BROWSER := 1
test: setup
	@bash scripts/test-services.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=labportal.settings.test $(PY) manage.py makemigrations --check --dry-run >/dev/null
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest -n 3 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

setup: system-deps $(VENV)/.installed assets

system-deps:
	@bash scripts/system-deps.sh

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	touch $@

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js static/vendor/
	touch $@

migrate: setup var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# A real worker with an embedded beat against the local Redis (production runs one beat process).
worker: setup
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(VENV)/bin/celery -A labportal worker -B -l info

beat: setup
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(VENV)/bin/celery -A labportal beat -l info

# WITH_BENCH: system-deps.sh also installs Debian's wrk, the load tool of bench/pages.py. The key pages are measured
# on a scale database of their own (labportal_scale beside DATABASE_URL's; built once, then reused).
bench: export WITH_BENCH := 1
bench: setup
	@bash scripts/test-services.sh
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest bench -p no:xdist -s -q
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) bench/pages.py

# Django's deployment checks and a bounded schemathesis run on the API as staff and as an applicant (README).
securitycheck: setup
	$(PIP) install -q -c constraints.txt -e '.[dev,security]'
	@bash scripts/securitycheck.sh

# English is the source language of every msgid: only the Chinese catalogue is kept.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --add-location=file --ignore=.venv --ignore=node_modules --ignore=var --ignore=test-artifacts
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# The production settings require signing keys that are not the demo's: a throwaway set of another name.
check: setup
	$(PY) manage.py make_signing_keys --dir var/check-signing --ca-name "labportal check CA" >/dev/null
	DJANGO_SETTINGS_MODULE=labportal.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) AUDIT_HMAC_KEY=$$(head -c 48 /dev/urandom | base64) \
	  PII_ENCRYPTION_KEY=$$(head -c 48 /dev/urandom | base64) DOCUMENT_SIGNING_DIR=$(CURDIR)/var/check-signing \
	  ALLOWED_HOSTS=portal.example.cn SITE_URL=https://portal.example.cn $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static/vendor var

# The suite with coverage (pytest-cov, configured in pyproject.toml): slower on Python 3.11, so not in `make test`.
coverage:
	$(MAKE) test PYTEST_ARGS="--cov --cov-report=term:skip-covered $(PYTEST_ARGS)"
