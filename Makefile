# The two commands of README.md: `make run` and `make test`. Everything else serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings default to production (debug off, a strong DJANGO_SECRET_KEY required); these
# development targets ask for debug explicitly. The production build is bin/build.
export DJANGO_DEBUG ?= 1

.PHONY: lock run test test-fast lint format install assets migrate seed check-migrations messages messages-compiled worker beat clean fuzz-api bench-import bench-dashboard bench-refresh bench-api bench-sync bench-hasher bench-workers bench-load prod-check backup restore restore-drill

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed messages-compiled

messages-compiled: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

assets: node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (admin: /admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on two workers (pytest-xdist; each worker has its own test database and
# Redis db, tests/pytest_env.py). TEST_WORKERS= runs it in one process.
TEST_WORKERS ?= -n 2 --dist loadfile
test: install
	$(PY) -m pytest $(TEST_WORKERS) $(PYTEST_ARGS)

# The quick kinds on SQLite (no browser, fuzz or integration tests; tables built from the
# models, not the migrations, which `make test` runs). Only the two plugins they use are
# loaded: pytest rewrites the assertions of every module of an installed plugin's package
# (Faker's, Hypothesis's, Schemathesis's: hundreds of modules, in each worker, uncached when
# PYTHONDONTWRITEBYTECODE is set), which the quick kinds do not need.
FAST_TESTS := -m "not browser and not fuzz and not integration" --no-migrations \
	-p pytest_django.plugin -p xdist.plugin --ignore=tests/api/test_fuzz.py
test-fast: install
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 DATABASE_URL= REDIS_URL= \
		$(PY) -m pytest $(FAST_TESTS) $(TEST_WORKERS) $(PYTEST_ARGS)

# The schemathesis run of `make test`, longer: FUZZ_EXAMPLES examples per API operation.
fuzz-api: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(PY) -m pytest -q tests/api/test_fuzz.py

# ruff, then the layers (import-linter's contract in pyproject.toml: nothing imports up).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	cd empowerment && ../$(PY) ../manage.py makemessages -l fa --no-obsolete
	for app in centres programs trainees; do (cd $$app && ../$(PY) ../manage.py makemessages -l fa --no-obsolete); done
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# A 10,000-row trainee import through preview and apply (rolled back), on DATABASE_URL.
bench-import: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) bench/import_10k.py $(BENCH_ARGS)

# Dashboards at 10,000 and 1,000,000 synthetic trainees on <DATABASE_URL's name>_bench
# (PostgreSQL; created and dropped): median page time and query count per size.
bench-dashboard: install
	$(PY) bench/dashboard_bench.py $(BENCH_ARGS)

# The incremental summary refresh after one edit against the full rebuild, at a million
# trainees (BENCH_ARGS="--trainees N"); needs DATABASE_URL on PostgreSQL, makes <name>_refresh.
bench-refresh: install
	$(PY) bench/refresh_bench.py $(BENCH_ARGS)

# Needs DATABASE_URL on PostgreSQL; uses (and creates) the database <name>_bench.
bench-api: install
	$(PY) bench/api_bench.py $(BENCH_ARGS)

# A mobile sync after one change among 100,000 rows: 4 queries, a few kilobytes. Needs
# DATABASE_URL on PostgreSQL; uses (and creates) the database <name>_syncbench.
bench-sync: install
	$(PY) bench/sync_bench.py $(BENCH_ARGS)

# Milliseconds per password check for each hasher, in one run (bench/hasher_bench.py), and
# sync against gthread gunicorn workers during a sign-in rush (bench/worker_model_bench.py).
bench-hasher: install
	$(PY) bench/hasher_bench.py $(BENCH_ARGS)

bench-workers: install
	$(PY) bench/worker_model_bench.py $(BENCH_ARGS)

# Many users at once (bench/load_bench.py, scenario bench/locustfile.py): Locust against
# gunicorn with debug off on <DATABASE_URL's name>_loadbench (made and dropped) and REDIS_URL,
# users rising in steps; req/s and p50/p95/p99 per request kind, the saturation point, no
# failure below it. BENCH_ARGS="--soak 600" holds 20 users ten minutes and checks that the
# workers' memory stays flat.
bench-load: install
	$(PY) bench/load_bench.py $(BENCH_ARGS)

# The production path end to end on PostgreSQL and Redis (DATABASE_URL, REDIS_URL): bin/build
# into a fresh venv, gunicorn + worker + beat with debug off, every kind of page, a real
# browser, an import through the worker (bin/prod-check).
prod-check: install
	DJANGO_DEBUG=0 bin/prod-check

# Backups (README, Operations): PostgreSQL dump and media tar into BACKUP_DIR (backups/),
# encrypted with gpg when BACKUP_ENCRYPT_KEY is set; restore into an empty database
# (FORCE=1 drops what it holds first); the drill restores a seeded scratch copy and compares.
backup: install
	$(PY) manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/backup-....dump[.gpg] [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(FORCE),--force)

restore-drill: install
	$(PY) manage.py restore_drill $(DRILL_ARGS)

worker: install
	$(VENV)/bin/celery -A empowerment worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A empowerment beat --loglevel=info

# Re-pin requirements.txt and requirements-dev.txt (with hashes) from the two .in files.
PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock: $(VENV)/.installed
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
