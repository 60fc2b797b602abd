#!/usr/bin/env bash
# Installs what cdc's sandbox and tests need on a fresh Debian/Ubuntu machine, and nothing
# that is already there: a MariaDB server (mariadbd + mariadb-install-db), the mariadb client
# tools, and openssl (test certificates).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have mariadbd || have mysqld || missing+=(mariadb-server)
have mariadb-install-db || have mysql_install_db || missing+=(mariadb-server)
have mariadb-binlog || missing+=(mariadb-client)
have openssl || missing+=(openssl)

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

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 2
fi
