#!/usr/bin/env bash
# `make bench`: fill a PostgreSQL database with national-scale registrations (once) and measure.
#
# Without DATABASE_URL it starts the local PostgreSQL cluster the way .ci/run does, creates the role ido_bench
# (password ido_bench, CREATEDB) and uses the database ido_bench, which the benchmark creates when missing.
# With DATABASE_URL set it uses that database as it is (the role needs CREATEDB if the database does not exist).
# Arguments are passed on: bench/run.sh --questions 50000 (see `uv run python -m bench --help`).
# `bench/run.sh appointments [...]` runs the consultation-hour benchmark instead, in a database of its own.
# `bench/run.sh finder [...]` runs the public finder benchmark, in a database of its own too.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

if [ -z "${DATABASE_URL:-}" ]; then
  if ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  pg_isready -h 127.0.0.1 -p 5432 -t 30 >/dev/null
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ido_bench'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"CREATE ROLE ido_bench LOGIN PASSWORD 'ido_bench' CREATEDB\""
  export DATABASE_URL=postgres://ido_bench:ido_bench@127.0.0.1:5432/ido_bench
fi

exec "$(bin/ensure-uv)" run python -m bench "$@"
