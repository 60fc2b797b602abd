#!/usr/bin/env bash
# Sets up what is missing (with the MySQL 9.7 and MariaDB 11.8 roots), then runs every test:
# unit tests and the integration tests that start their own MariaDB, MySQL and PostgreSQL
# servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cargo test --locked "$@"
