#!/usr/bin/env bash
# Installs, once, Prometheus and promtool (Debian's `prometheus` package) for the `cdc monitor`
# tests: they scrape a real `cdc monitor` and check the alert rules with promtool. The tests
# start their own prometheus (own --storage.tsdb.path, a free port), so the package's own
# service is kept from starting, or stopped if it did.
set -euo pipefail

if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "prometheus: please install prometheus and promtool (no apt-get on this machine)" >&2
  exit 2
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "prometheus: installing the prometheus package (prometheus, promtool)" >&2

# policy-rc.d answering 101 forbids maintainer scripts to start services; keep one that is
# already there, else put ours for the install and take it away after.
ours=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  ours=1
fi
cleanup() { [ -z "$ours" ] || $sudo rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null

# Where systemd runs, the unit may still have been started: stop and disable it (the tests
# never use it, and it would hold port 9090).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
