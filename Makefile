# The two commands: `make up` runs the platform, `make test` runs the whole suite.
# Both create the virtual environment on first use; nothing else needs installing by hand.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: up test bench lint install services-stop clean chromium

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
