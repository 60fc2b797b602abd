#!/usr/bin/env bash
# Sets up what is missing, starts the local sandbox source (MariaDB with the retail_db sample
# and a cdc_user) and runs `cdc doctor` against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -q
cdc=target/release/cdc
url=$("$cdc" sandbox up)
echo "sandbox: $("$cdc" sandbox status | head -n 1)" >&2
"$cdc" doctor --source "$url"
