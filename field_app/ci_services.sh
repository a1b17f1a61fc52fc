#!/usr/bin/env bash
# Services for the field-app tests, as root, idempotent:
#   - Debian's chromium for the end-to-end tests (playwright drives /usr/bin/chromium);
#   - a PostgreSQL cluster on loopback with a test database, exported as DATABASE_URL;
#   - a Redis server on loopback (no persistence) for the planning-job queue, as REDIS_TEST_URL.
# Use:  source field_app/ci_services.sh   (exports DATABASE_URL into the calling shell)
#  or:  eval "$(bash field_app/ci_services.sh --print-env)"

_dyn_ci_services() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  if [ "${#need[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi

  local version port
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
  fi
  pg_ctlcluster "$version" main status >/dev/null 2>&1 || pg_ctlcluster "$version" main start
  port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"

  runuser -u postgres -- psql -p "$port" -qtAc \
    "SELECT 1 FROM pg_roles WHERE rolname = 'dynamobile'" | grep -q 1 \
    || runuser -u postgres -- psql -p "$port" -qc "CREATE ROLE dynamobile LOGIN PASSWORD 'dynamobile'"
  runuser -u postgres -- psql -p "$port" -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'dynamobile_test'" | grep -q 1 \
    || runuser -u postgres -- createdb -p "$port" -O dynamobile dynamobile_test

  redis-cli -p 6379 ping >/dev/null 2>&1 \
    || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_TEST_URL="redis://127.0.0.1:6379/15"
  export REDIS_TEST_URL

  DATABASE_URL="postgresql+psycopg://dynamobile:dynamobile@127.0.0.1:${port}/dynamobile_test"
  export DATABASE_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  _dyn_ci_services >&2
  if [ "${1:-}" = "--print-env" ]; then
    echo "export DATABASE_URL='$DATABASE_URL' REDIS_TEST_URL='$REDIS_TEST_URL'"
  else
    echo "DATABASE_URL=$DATABASE_URL REDIS_TEST_URL=$REDIS_TEST_URL"
  fi
else
  _dyn_ci_services
fi
