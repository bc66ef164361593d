# openbourse: `make run` installs and starts the exchange, `make test` runs every test.
#
# The virtualenv prefers Debian's /usr/bin/python3 (3.11, built with PGO/LTO: about
# 1.5x faster than a plain source build for the engine) and falls back to python3.

PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser run test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/openbourse serve

# The UI tests drive Debian's Chromium through Playwright (never `playwright install`,
# which downloads a browser).  As root on Debian, install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "the browser tests need chromium: sudo apt-get install chromium"; exit 1; fi; }

test: install browser
	$(BIN)/python -m pytest

bench: install
	$(BIN)/openbourse bench engine

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
