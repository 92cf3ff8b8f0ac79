# The two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.txt | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: run test test-dates smoke browser lint format messages clean

run: $(RUNTIME_STAMP)
	@$(PY) -m nanhai_portal.devservices run

test: $(DEV_STAMP) browser
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports
	@$(PY) -m nanhai_portal.devservices test -- $(PYTEST_ARGS)

# The suite on days that month arithmetic gets wrong (tests/clock.py travels the clock,
# workers and the browser test's server included), TEST_DATES_JOBS days side by side
# (tests/dates.py; each day's log in .var/test-dates/). The tests marked slow (the browsers,
# the walks of every route as every role, the real workers) run in `make test` only:
# TEST_DATES_MARKS= runs them on every day too.
TEST_DATES ?= 2027-01-31 2027-02-28 2028-02-28 2028-02-29 2026-11-30 2026-12-31
TEST_DATES_JOBS ?= 2
TEST_DATES_MARKS ?= not slow
test-dates: $(DEV_STAMP) browser
	@$(PY) tests/dates.py --jobs $(TEST_DATES_JOBS) $(TEST_DATES) -- -q -m "$(TEST_DATES_MARKS)" $(PYTEST_ARGS)

# The first command as a new user meets it: a fresh clone of HEAD, a runtime-only venv, make run
# twice, health, sign-ins, a page of every role, a clean log (tests/smoke.py). Stdlib only.
smoke:
	@$(PYTHON) tests/smoke.py

# The browser test (tests/e2e) drives Debian's Chromium; Chinese text needs a CJK font. Installed
# as root when missing; elsewhere say so (E2E_OPTIONAL=1 skips that test instead).
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "[browser] installing $(BROWSER_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	  elif [ "$(E2E_OPTIONAL)" != 1 ]; then \
	    echo "[browser] tests/e2e needs $(BROWSER_PACKAGES): run 'make browser' as root, or set E2E_OPTIONAL=1"; exit 1; \
	  fi; \
	fi

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-extract and compile the translations (needs GNU gettext).
messages: $(DEV_STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=.var
	$(PY) manage.py compilemessages --ignore=.venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.runtime-* && touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.dev-* $(VENV)/.runtime-* && touch $@ $(RUNTIME_STAMP)

clean:
	rm -rf $(VENV) .var .pytest_cache .mypy_cache .ruff_cache
