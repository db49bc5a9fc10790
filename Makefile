# The two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV := $(shell bin/ensure-uv)

.PHONY: install system-deps run test system-test-deps lint check-migrations check-catalogue check-openapi messages vendor-static ci

install: system-deps
	$(UV) sync --frozen --quiet

# What the app itself needs from Debian: Pango and a font for the PDF documents (WeasyPrint).
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so' || missing="$$missing libpangoft2-1.0-0"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

run: install
	DEBUG=true IDO_ENFORCE_2FA=$${IDO_ENFORCE_2FA:-false} $(UV) run ido migrate --no-input
	DEBUG=true IDO_ENFORCE_2FA=$${IDO_ENFORCE_2FA:-false} $(UV) run ido demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	DEBUG=true IDO_ENFORCE_2FA=$${IDO_ENFORCE_2FA:-false} $(UV) run ido runserver $(HOST):$(PORT)

# Debian's chromium (the browser tests drive it; never a downloaded browser), gettext, Node.js for axe-core.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --silent

test: install system-test-deps
	$(UV) run pytest -q $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

check-migrations: install
	DJANGO_SETTINGS_MODULE=ido.conf.testing $(UV) run ido makemigrations --check --dry-run

check-catalogue: install system-test-deps
	bin/check-catalogue

check-openapi: install
	bin/check-openapi

# Update the Dutch catalogue after changing texts; then translate the new entries and run it again.
messages: install
	cd src/ido && DJANGO_SETTINGS_MODULE=ido.conf.testing $(UV) run ido makemessages -l nl --no-location --no-obsolete
	cd src/ido && DJANGO_SETTINGS_MODULE=ido.conf.testing $(UV) run ido compilemessages -l nl

vendor-static:
	bin/vendor-static

# Benchmarks on PostgreSQL at national scale (5 million questions, generated once and reused); writes
# docs/performance.md. A quick run: make bench BENCH_ARGS='--questions 50000'.
.PHONY: bench
bench: install
	bench/run.sh $(BENCH_ARGS)

# Free-slot search across a region of consultation hours and a burst of concurrent bookings, in a database of its
# own; updates its section of docs/performance.md. A quick run: make bench-appointments BENCH_ARGS='--runs 50'.
.PHONY: bench-appointments
bench-appointments: install
	bench/run.sh appointments $(BENCH_ARGS)

# The public finder: the search for every Dutch 4-digit postcode over 1,000 locations and the result page's bytes
# (PostgreSQL, a database of its own), then Lighthouse on its pages; updates the "Public finder" section of
# docs/performance.md. A quick run: make bench-finder BENCH_ARGS='--runs 500 --page-runs 100'.
.PHONY: bench-finder
bench-finder: install
	bench/run.sh finder $(BENCH_ARGS)
	$(MAKE) bench-lighthouse

# Lighthouse 12.2.3 (bench/lighthouse/package.json) with Debian's chromium on the finder's pages, served by
# gunicorn as in production from a temporary SQLite database; no PostgreSQL needed. LIGHTHOUSE_ARGS='--runs 5'.
.PHONY: bench-lighthouse
bench-lighthouse: install system-test-deps
	$(UV) run python -m bench lighthouse $(LIGHTHOUSE_ARGS)
