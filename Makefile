# Two commands set everything up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The address to open this machine's server at. A wildcard HOST (0.0.0.0, ::, [::]: every interface) is where the
# server listens, not an address a browser can follow from an email: the loopback of the same family stands for it.
LOCAL_HOST := $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(if $(filter :: [::],$(HOST)),[::1],$(HOST)))
LOCAL_URL := http://$(LOCAL_HOST):$(PORT)
# The address the app tells people (links in emails): the one `make run` serves, unless SITE_URL is given.
SITE_URL ?= $(LOCAL_URL)
DEV := DEBUG=true SITE_URL=$(SITE_URL)

.PHONY: install run serve test lint check clean browser-deps test-browser worker

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
	@echo "Serving at $(LOCAL_URL)/ (admin at $(LOCAL_URL)/admin/)"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The background jobs on this machine: a Celery worker (emails, with retries) and the scheduler of the daily jobs
# (-B), with the settings of `make run`. It needs the broker the web processes use:
#   CELERY_BROKER_URL=redis://127.0.0.1:6379/2 make worker   (and the same variable for `make run`)
# On several machines run `celery -A config worker` on each and `celery -A config beat` on one (docs/deploy.md).
worker: install
	@if [ -z "$$CELERY_BROKER_URL" ] && ! grep -qs '^CELERY_BROKER_URL=.' .env; then \
		echo "make worker needs a broker: set CELERY_BROKER_URL, e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/2 make worker"; \
		echo "(without one nothing is queued: emails leave from the web process and the daily jobs run as commands)"; \
		exit 2; \
	fi
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/celery -A config worker -B --loglevel INFO

# The production settings on loopback, as a deployment runs them: gunicorn (config/gunicorn.py), whitenoise's hashed
# and compressed static files, the JSON request log. Plain HTTP on loopback, so no redirect to HTTPS. A secret is
# generated once into the git-ignored .serve-secret unless SECRET_KEY is given. Without CACHE_URL the cache is per
# process, so one worker (production refuses more); with CACHE_URL=redis://... WEB_CONCURRENCY workers (default 2).
SERVE_SECRET := .serve-secret
SERVE_WORKERS := $(or $(WEB_CONCURRENCY),$(if $(CACHE_URL),2,1))
SERVE := DJANGO_SETTINGS_MODULE=config.settings.production SITE_URL=$(SITE_URL) SECURE_SSL_REDIRECT=false \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost,127.0.0.1,[::1]}" SECRET_KEY="$${SECRET_KEY:-$$(cat $(SERVE_SECRET))}" \
	WEB_CONCURRENCY=$(SERVE_WORKERS) HOST=$(HOST) PORT=$(PORT)

serve: install
	@test -n "$$SECRET_KEY" || test -s $(SERVE_SECRET) || (umask 077 && \
		$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SERVE_SECRET))
	$(SERVE) $(BIN)/python manage.py migrate --noinput
	$(SERVE) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving the production settings at $(LOCAL_URL)/ with $(SERVE_WORKERS) worker(s)"
	$(SERVE) exec $(BIN)/gunicorn --config config/gunicorn.py config.wsgi

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
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media private_media staticfiles var celerybeat-schedule*
