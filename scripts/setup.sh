#!/usr/bin/env bash
# Installs what cdc's sandbox and tests need on a fresh Debian/Ubuntu machine, and nothing
# that is already there: a MariaDB server (mariadbd + mariadb-install-db), the mariadb client
# tools, openssl (test certificates), and PostgreSQL (the `cdc validate` target tests expect a
# server on 127.0.0.1:5432, user postgres with trust auth, database `test`).
#
# `setup.sh --test` also builds, once, the MySQL 9.7 and MariaDB 11.8 server roots the tests
# run (scripts/server-roots.sh; about two minutes and 1 GB the first time, then reused), the
# Python tools (scripts/python-tools.sh) and the tansu Kafka-protocol broker
# (scripts/tansu.sh; about 11 minutes the first time), and Prometheus with promtool for the
# `cdc monitor` tests (scripts/prometheus.sh).
set -euo pipefail

with_roots=false
for arg in "$@"; do
  case "$arg" in
    --test) with_roots=true ;;
    *) echo "setup: unknown option $arg (usage: setup.sh [--test])" >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have mariadbd || have mysqld || missing+=(mariadb-server)
have mariadb-install-db || have mysql_install_db || missing+=(mariadb-server)
have mariadb-binlog || missing+=(mariadb-client)
have openssl || missing+=(openssl)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -gt 0 ]; then
  if ! have apt-get; then
    echo "setup: please install: ${missing[*]} (no apt-get on this machine)" >&2
    exit 2
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  # The package's own service is not needed: cdc starts its servers itself.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

# PostgreSQL: a running cluster that lets the tests in as postgres without a password.
started_pg=""
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ]; then
    echo "setup: starting the PostgreSQL $version cluster" >&2
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 && started_pg="$version"
    for _ in $(seq 1 50); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 0.2
    done
  fi
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # Local trust for the tests, first in pg_hba.conf: only in a cluster this script started
    # (someone else's server's authentication is not ours to change), and said out loud.
    hba=""
    [ -n "$started_pg" ] && hba="/etc/postgresql/$started_pg/main/pg_hba.conf"
    if [ -n "$hba" ] && [ -f "$hba" ]; then
      sudo=""
      [ "$(id -u)" -eq 0 ] || sudo="sudo"
      echo "setup: adding 'host all postgres 127.0.0.1/32 trust' at the top of $hba (the tests log in as postgres without a password)" >&2
      $sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
      $sudo pg_ctlcluster --skip-systemctl-redirect "$started_pg" main reload >/dev/null 2>&1 || true
    else
      echo "setup: PostgreSQL on 127.0.0.1:5432 refuses postgres without a password; the PostgreSQL tests need it (trust for postgres@127.0.0.1). Not changing a cluster this script did not start." >&2
    fi
  fi
  if [ -z "$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null)" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test' >/dev/null 2>&1 || true
  fi
else
  echo "setup: PostgreSQL is not running on 127.0.0.1:5432: the validate target tests will fail" >&2
fi

if $with_roots; then
  bash "$(dirname "$0")/server-roots.sh"
  bash "$(dirname "$0")/python-tools.sh"
  bash "$(dirname "$0")/tansu.sh"
  bash "$(dirname "$0")/prometheus.sh"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 2
fi
