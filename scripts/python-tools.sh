#!/usr/bin/env bash
# Builds, once, the Python environment the tests run real pipeline stand-ins from: the
# python-mysql-replication package (PyPI mysql-replication), a real binlog reader that stores
# its position file the way the seed app does, and kafka-python, the producer of the
# Debezium stand-in (tests/fixtures/pipeline/debezium_standin.py), and the reference writers
# of the lakehouse targets: deltalake (delta-rs) and pyiceberg with its SQLite catalog, which
# write the test copies and the lakehouse sink stand-in (tests/fixtures/lakehouse/lake_standin.py). Lives in ${CDC_PYTHON_ENV:-/var/cache/cdc/py};
# reused when its packages are there.
set -euo pipefail

env_dir=${CDC_PYTHON_ENV:-/var/cache/cdc/py}
packages=(mysql-replication==1.0.17 kafka-python==3.0.12 deltalake==1.6.6 'pyiceberg[sql-sqlite,pyarrow]==0.12.0' pyarrow)

if [ -x "$env_dir/bin/python" ] && "$env_dir/bin/python" -c 'import pymysqlreplication, kafka, deltalake, pyiceberg.catalog.sql, pyarrow' 2>/dev/null; then
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "python-tools: installing python3-venv" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
fi
echo "python-tools: creating $env_dir (${packages[*]})" >&2
mkdir -p "$(dirname "$env_dir")"
# An older environment (without the newer packages) gains what it lacks.
[ -x "$env_dir/bin/python" ] || python3 -m venv "$env_dir"
"$env_dir/bin/pip" install -q --disable-pip-version-check "${packages[@]}"
