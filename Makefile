# Casebook: `make run` to try it, `make test` to check it. Only Python 3.11, make and git needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check setup migrate demo clean bench bench-email load screenshots

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## On PostgreSQL the database named by DATABASE_URL is created first if missing (SQLite makes its file).
migrate: setup
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

## Set up everything, then serve http://127.0.0.1:8000 with a Celery worker and beat.
run: demo
	@echo "Casebook on http://127.0.0.1:$${PORT:-8000} - log in as agent, manager or admin, password casebook-demo"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start --port $${PORT:-8000}

## The whole suite (unit, integration with a real worker and SMTP server, browser).
test: setup
	$(BIN)/python -m pytest --create-db $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check: setup
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache

## Benchmarks at realistic size on PostgreSQL (not part of `make test`): the pages under
## load (needs wrk), then 10,000 due follow-up emails through one worker vs plain smtplib
## (bench/email_dispatch.py, run by bench/run.py; BENCH_EMAIL=0 skips it), and 200 live chats
## through one daphne against a bare echo consumer (bench/chat_load.py; BENCH_CHAT=0 skips it). Seeds if needed.
## Each page alternates the work tree's code with BENCH_BASELINE's (a git ref, default 03f318e,
## checked out under var/bench-baseline/; "none" skips it) and prints current/baseline
## (BENCH_ROUNDS rounds of BENCH_SECONDS s each, default 3 x 5; BENCH_CASES sizes a first seed).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/casebook_bench} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python bench/run.py

## 20,000 contact-logging POSTs from 16 clients (needs wrk, PostgreSQL): no 5xx, nothing lost or doubled.
load: setup
	DATABASE_URL=$${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/casebook_load} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python bench/load.py

bench-email: setup
	$(BIN)/python bench/email_dispatch.py

## The README's pictures: the main-pages browser test on the demo data, in Chromium, saves a
## screenshot of each page under var/screenshots/; the README's few are copied to docs/screenshots/.
SCREENSHOTS := dashboard case_detail escalation_queue my_day case_detail_phone
screenshots: setup
	rm -rf var/screenshots
	CASEBOOK_SCREENSHOT_DIR=$(CURDIR)/var/screenshots $(BIN)/python -m pytest --create-db -q -p no:cacheprovider \
		casebook/tests/test_main_pages_browser.py
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp var/screenshots/$$name.png docs/screenshots/$$name.png; done
	if command -v optipng >/dev/null; then optipng -quiet -o2 docs/screenshots/*.png; fi
	ls -l docs/screenshots
