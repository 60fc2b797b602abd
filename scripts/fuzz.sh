#!/usr/bin/env bash
# Runs each fuzz target (fuzz/: the binlog decoder, the check-file loader) for SECONDS
# (default 60). Exits non-zero on any finding: a panic, a run over 10 s (a hang), or more
# than 2 GB of memory; libFuzzer writes the input to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
# cargo-fuzz passes nightly-only flags; the stable toolchain takes them with bootstrap on.
# No sanitizer: its runtime ships with nightly only, and a Rust panic is found without it.
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none

status=0
for target in binlog_decode check_file; do
    echo "fuzz: $target for ${seconds}s"
    # The seeds are committed in fuzz/corpus/TARGET; what a run adds there is gitignored.
    # A finding in one target still lets the other run: both are reported.
    cargo fuzz run -s none "$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ||
        status=1
done
exit "$status"
