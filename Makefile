# Two commands set everything up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The address the app tells people (links in emails): the one `make run` serves, unless SITE_URL is given.
SITE_URL ?= http://$(HOST):$(PORT)
DEV := DEBUG=true SITE_URL=$(SITE_URL)

.PHONY: install run test lint check clean browser-deps test-browser

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py load_places --if-empty
	$(DEV) $(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving at http://$(HOST):$(PORT)/ (admin at http://$(HOST):$(PORT)/admin/)"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

# Chromium for the browser tests: Debian's package, installed when missing (needs root; CI runs as root).
# Playwright uses it as it is: `playwright install` (a browser download) is never run.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		echo "Chromium for the browser tests: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Chromium for the browser tests (Debian package)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "No Chromium at /usr/bin/chromium: run 'sudo make browser-deps'; until then the browser tests skip."; \
	fi

# The browser tests alone: every journey, the axe-core checks, screenshots in tests/browser/screenshots/.
test-browser: install browser-deps
	$(BIN)/python -m pytest -m browser tests/browser

lint: install
	$(BIN)/ruff check .

check: install
	$(DEV) $(BIN)/python manage.py check
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media private_media staticfiles
