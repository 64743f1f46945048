# The two commands: `make up` runs the platform, `make test` runs the whole suite.
# Both create the virtual environment on first use; nothing else needs installing by hand.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: up test test-clocks bench lint install services-stop clean chromium

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/allot up

test: $(STAMP) chromium
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pytest

# The suite with the clock moved (tests/clock.py) to instants that break code and tests that guess at "now":
# just after and before midnight UTC, midday, both sides of Budapest's spring-forward and both passes of its
# fall-back hour, New Year's Eve in Budapest, 29 February. One full run per instant (not part of `make test`);
# narrow it with e.g. `make test-clocks CLOCK_TESTS="tests/booking_core tests/public_site"` or
# `CLOCKS="2028-02-29T10:00:00+01:00"`. Lists the instants that failed and exits non-zero if any did.
CLOCKS ?= 2026-12-07T00:05:00Z 2026-12-06T23:55:00Z 2026-12-04T12:20:00Z \
	2027-03-28T01:30:00+01:00 2027-03-28T03:30:00+02:00 2026-10-25T02:30:00+02:00 2026-10-25T02:30:00+01:00 \
	2026-12-31T23:50:00+01:00 2028-02-29T10:00:00+01:00
CLOCK_TESTS ?=

test-clocks: $(STAMP) chromium
	@failed=""; for instant in $(CLOCKS); do \
		echo "make test-clocks: ALLOT_TEST_CLOCK=$$instant"; \
		ALLOT_TEST_CLOCK=$$instant PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pytest $(CLOCK_TESTS) \
			|| failed="$$failed $$instant"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test-clocks: failed at$$failed"; exit 1; fi; \
	echo "make test-clocks: passed at every instant"

# The browser tests drive Debian's Chromium (Playwright never downloads its own). Install it when it is
# missing and this machine allows it (apt-get, as root or with password-less sudo); otherwise the browser
# tests are skipped and say why.
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: no apt-get on this machine: the browser tests will be skipped"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
		echo "make: installing chromium needs root: the browser tests will be skipped"; exit 0; fi; \
	echo "make: installing chromium for the browser tests"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
		|| echo "make: installing chromium failed: the browser tests will be skipped"

bench: $(STAMP)
	$(BIN)/python -m tests.bench

lint: $(STAMP)
	$(BIN)/ruff check .

services-stop: $(STAMP)
	$(BIN)/allot services stop

clean:
	-$(BIN)/allot services stop 2>/dev/null
	rm -rf $(VENV) .data staticfiles
