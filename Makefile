# make install — prepare .venv/ with everything the project needs
# make run     — install and start the embedded default (NATS + the services, SQLite, ./var)
# make test    — install, run the static checks (make check), then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e shared -e services/referrals -e services/scheduling -e services/notifications \
            -e services/audits -e services/reporting -e services/workspace -e cli
STAMP := $(VENV)/.installed

.PHONY: install run test check clean api-docs audit

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt shared/pyproject.toml cli/pyproject.toml $(wildcard services/*/pyproject.toml) \
          scripts/fetch_govuk_frontend.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# --no-compile: Python compiles a module when it is first imported. Compiling every installed file up
	# front made this install take 98 s here instead of 68 s.
	$(BIN)/python -m pip install --quiet --no-compile -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps $(PACKAGES)
	# The workspace's GOV.UK Frontend styles, fonts and scripts: the pinned release, integrity checked (needs npm).
	$(BIN)/python scripts/fetch_govuk_frontend.py
	touch $(STAMP)

run: install
	$(BIN)/safeguard up $(ARGS)

# The suite runs in PYTEST_WORKERS processes (pytest-xdist). Most of a test's time is spent waiting on
# services, NATS and Chromium, not computing, so three workers on two cores took the whole suite from
# about 25 minutes to 8 (every test has its own bus namespace, databases and ports; 15 to 17 minutes on a
# machine half as fast, where four workers were no faster than three). PYTEST_WORKERS=0
# runs it in this process alone, as a debugger wants.
# A worker that runs out of tests takes some of another's (worksteal) instead of waiting while one
# worker works through a long tail of slow tests alone; pyproject.toml's testpaths list the tiers with
# the slowest tests (browsers, the fuzzer, the chaos and supervisor tests) first for the same reason.
PYTEST_WORKERS ?= 3

test: check
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The static checks alone: lint, types, and the layers every service keeps (.importlinter).
check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --config .importlinter

clean:
	rm -rf $(VENV) var .pytest_cache

api-docs: install
	$(BIN)/python scripts/export_api.py

# Known vulnerabilities in the pinned requirements (pip-audit, in a venv of its own so it pins nothing of
# ours). --strict fails when a package could not be checked, so a closed network cannot pass it silently:
# it needs PyPI's per-release JSON API or api.osv.dev, which a CI with internet access has.
audit:
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit==2.10.1)
	.venv-audit/bin/pip-audit --strict --disable-pip --no-deps -r requirements.txt -r requirements-dev.txt
