#!/usr/bin/env bash
# Installs what cdc's sandbox and tests need on a fresh Debian/Ubuntu machine, and nothing
# that is already there: a MariaDB server (mariadbd + mariadb-install-db), the mariadb client
# tools, openssl (test certificates), and PostgreSQL (the `cdc validate` target tests expect a
# server on 127.0.0.1:5432, user postgres with trust auth, database `test`).
#
# `setup.sh --test` also builds, once, the MySQL 9.7 and MariaDB 11.8 server roots the tests
# run (scripts/server-roots.sh; about two minutes and 1 GB the first time, then reused).
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
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ]; then
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 0.2
    done
  fi
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # Local trust for the tests (a throwaway CI/dev machine): first in pg_hba.conf.
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | tail -1)
    if [ -n "$hba" ]; then
      sudo=""
      [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
      $sudo pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload >/dev/null 2>&1 || true
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
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 2
fi
