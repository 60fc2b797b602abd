#!/usr/bin/env bash
# Builds, once, the server roots the tests run besides the machine's MariaDB 10.11:
#   MySQL 9.7    (Debian sid:    mysql-server-core, mysql-client-core)
#   MariaDB 11.8 (Debian trixie: mariadb-server-core, mariadb-client-core)
# Both need a newer libc than the machine's, so each lives in its own debootstrap root under
# $CDC_SERVER_ROOTS (default /var/cache/cdc/roots), reused when present. Beside each root,
# NAME.bin/ holds wrappers (mysqld, mariadbd, mariadb-install-db, mysqlbinlog, ...) that run
# the root's binary through chroot with /tmp (and the home directories) bind-mounted at the
# same paths, so a data directory under /tmp means the same inside and outside the root.
# The test harness and `cdc sandbox up --server` run those wrappers like any local server.
set -euo pipefail

roots=${CDC_SERVER_ROOTS:-/var/cache/cdc/roots}

if [ "$(id -u)" -ne 0 ]; then
  echo "server-roots: building and running the MySQL 9.7 / MariaDB 11.8 roots needs root (debootstrap, chroot, mount)" >&2
  exit 2
fi

# The Debian archive this machine's apt already uses (deb822 or one-line sources).
mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | grep '/debian/\?$' | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | grep '/debian/\?$' | head -n 1 || true)
  fi
  if [ -z "$uri" ]; then
    echo "server-roots: no Debian archive found in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2
    exit 2
  fi
  echo "$uri"
}

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "server-roots: installing debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# A root's bind mounts are the machine's own /tmp and home directories: they must be gone
# before anything under the root is removed.
unmount_binds() {
  local d
  for d in tmp root home; do
    if mountpoint -q "$1/$d" 2>/dev/null; then
      umount "$1/$d"
    fi
  done
  if grep -qs " $1/" /proc/mounts; then
    echo "server-roots: $1 still has mounts; not removing it" >&2
    exit 2
  fi
}

# build_root NAME SUITE PROBE PACKAGES: PROBE is a file the finished root must hold.
build_root() {
  local name=$1 suite=$2 probe=$3 packages=$4
  local dir="$roots/$name"
  if [ -e "$dir/$probe" ]; then
    return
  fi
  echo "server-roots: building $name (debootstrap $suite: $packages)" >&2
  mkdir -p "$roots"
  rm -rf "$dir.partial"
  # A root half-built by an interrupted run is never mistaken for a finished one.
  if ! debootstrap --variant=minbase --include="$packages" "$suite" "$dir.partial" "${DEBIAN_MIRROR:-$(mirror)}" \
      >"$roots/$name.log" 2>&1; then
    echo "server-roots: debootstrap of $name failed; end of $roots/$name.log:" >&2
    tail -n 20 "$roots/$name.log" >&2
    exit 2
  fi
  unmount_binds "$dir"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
}

# wrapper NAME TOOL PATH_IN_ROOT
wrapper() {
  local name=$1 tool=$2 inner=$3
  local bin="$roots/$name.bin"
  mkdir -p "$bin"
  cat >"$bin/$tool.tmp" <<EOF
#!/bin/sh
# $tool from the $name root ($roots/$name), run through chroot; written by scripts/server-roots.sh.
root='$roots/$name'
if ! mountpoint -q "\$root/tmp"; then
  (
    flock 9
    for d in /tmp /root /home; do
      [ -d "\$d" ] || continue
      mkdir -p "\$root\$d"
      mountpoint -q "\$root\$d" || mount --bind "\$d" "\$root\$d"
    done
  ) 9>"\$root.lock"
fi
exec chroot "\$root" $inner "\$@"
EOF
  chmod 755 "$bin/$tool.tmp"
  if cmp -s "$bin/$tool.tmp" "$bin/$tool"; then
    rm "$bin/$tool.tmp"
  else
    mv "$bin/$tool.tmp" "$bin/$tool"
  fi
}

build_root mysql-9.7 sid usr/sbin/mysqld mysql-server-core,mysql-client-core
wrapper mysql-9.7 mysqld /usr/sbin/mysqld
wrapper mysql-9.7 mysql /usr/bin/mysql
wrapper mysql-9.7 mysqlbinlog /usr/bin/mysqlbinlog

build_root mariadb-11.8 trixie usr/sbin/mariadbd mariadb-server-core,mariadb-client-core
wrapper mariadb-11.8 mariadbd /usr/sbin/mariadbd
wrapper mariadb-11.8 mariadb-install-db /usr/bin/mariadb-install-db
wrapper mariadb-11.8 mariadb /usr/bin/mariadb

"$roots/mysql-9.7.bin/mysqld" --version >/dev/null
"$roots/mariadb-11.8.bin/mariadbd" --version >/dev/null
