#!/usr/bin/env bash
# Installs, once, the Kafka-protocol broker the tests keep a Kafka Connect offsets topic on:
# tansu from crates.io, built with `dynostore` because only that feature gives it a storage
# engine that works offline (memory://). About 11 minutes on 2 cores the first time; skipped
# when the binary is already in ${CDC_TANSU_ROOT:-/var/cache/cdc/tansu}/bin. The tests'
# harness (tests/it/common/kafka.rs) runs that binary; the sandbox demo does not need it.
set -euo pipefail

root=${CDC_TANSU_ROOT:-/var/cache/cdc/tansu}
# Pinned: the tests depend on its command line and its answers.
version=0.6.0

if [ -x "$root/bin/tansu" ]; then
  exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "tansu: cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 2
fi
echo "tansu: installing tansu $version into $root (about 11 minutes the first time)" >&2
mkdir -p "$root"
cargo install --locked --quiet tansu --version "=$version" --features dynostore --root "$root"
