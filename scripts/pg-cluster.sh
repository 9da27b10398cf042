#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benches and developers (docs/ARCHITECTURE.md).
#
#   scripts/pg-cluster.sh start [--no-fsync]   initdb + pg_ctl start in a new temp directory,
#                                              listening on a unix socket only (no port to clash);
#                                              prints the cluster's directory, then its URL
#                                              (database tlock, user tlock, trust authentication)
#   scripts/pg-cluster.sh stop DIR             stops that cluster and removes DIR
#
# initdb refuses to run as root: as root, the cluster runs as $TLOCK_PG_USER (default postgres),
# which owns the directory. PostgreSQL's binaries are found with pg_config, else in
# /usr/lib/postgresql/*/bin (Debian's postgresql package: apt-get install -y postgresql).
set -euo pipefail

MARKER=tlock-pg-cluster

die() {
  echo "pg-cluster: $*" >&2
  exit 1
}

bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null || true)
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [[ -n "$dir" && -x "$dir/initdb" ]] ||
    die "PostgreSQL's initdb was not found (pg_config --bindir, /usr/lib/postgresql/*/bin); install it: apt-get install -y postgresql"
  echo "$dir"
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

owner() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
    return
  fi
  local user=${TLOCK_PG_USER:-postgres}
  id "$user" >/dev/null 2>&1 ||
    die "running as root, and initdb refuses root: create the user '$user' (apt-get install -y postgresql does) or set TLOCK_PG_USER"
  echo "$user"
}

start() {
  local fsync=on
  [[ "${1:-}" == "--no-fsync" ]] && fsync=off
  local bin dir
  bin=$(bindir)
  OWNER=$(owner)
  # A short path: a unix socket's path is limited to ~100 bytes.
  dir=$(mktemp -d /tmp/tlock-pg-XXXXXX)
  touch "$dir/$MARKER"
  if [[ $(id -u) -eq 0 ]]; then chown -R "$OWNER" "$dir"; fi
  chmod 0700 "$dir"
  if ! as_owner "$bin/initdb" -D "$dir/data" -U tlock --auth=trust --encoding=UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed (log above)"
  fi
  local options="-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=$fsync"
  options+=" -c max_connections=300 -c shared_buffers=32MB -c log_min_messages=warning"
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null; then
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    die "the PostgreSQL server did not start (log above)"
  fi
  if ! as_owner "$bin/createdb" -h "$dir" -U tlock tlock; then
    stop "$dir"
    die "createdb failed"
  fi
  local url="postgres://tlock@localhost/tlock?host=$dir"
  echo "$dir"
  echo "$url"
  if [[ -t 2 ]]; then
    echo "PostgreSQL is running in $dir (unix socket only). Use it with:" >&2
    echo "  export TLOCK_DATABASE_URL='$url'" >&2
    echo "Stop it (and remove $dir) with: npm run pg:stop -- $dir" >&2
  fi
}

stop() {
  local dir=${1:-}
  [[ -n "$dir" && -f "$dir/$MARKER" ]] || die "stop: '$dir' is not a cluster this script started"
  local bin
  bin=$(bindir)
  OWNER=$(stat -c %U "$dir")
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) die "usage: $0 start [--no-fsync] | stop DIR" ;;
esac
