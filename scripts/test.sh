#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit tests and the integration tests that
# start their own MariaDB servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --locked "$@"
