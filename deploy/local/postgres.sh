#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests and local runs, without Docker.
#
#   deploy/local/postgres.sh start DIR   start (or reuse) a cluster in DIR, print its URL
#   deploy/local/postgres.sh stop DIR    fast shutdown; safe when nothing runs
#   deploy/local/postgres.sh url DIR     print the URL of a running cluster
#
# Layout of DIR: pgdata/ (cluster), sock/ (unix socket), postgres.log, url.
# The server listens on 127.0.0.1 only, on a free port chosen at each start, and on a unix
# socket in DIR/sock (the URL printed uses the socket), with trust authentication (user
# "postgres", no password) and a database "guichet".
#
# Environment:
#   GUICHET_PG_FSYNC=on       keep fsync on (benchmarks); default off (tests)
#   GUICHET_PG_BINDIR=...     PostgreSQL bin dir; default newest /usr/lib/postgresql/*/bin
#   GUICHET_SERVER_OWNER_PID  if set, a watcher stops the server once that process is gone
#
# As root, initdb/pg_ctl run as the "postgres" system user (initdb refuses root); DIR
# and its parents must then be traversable by that user.
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT="$HERE/$(basename -- "${BASH_SOURCE[0]}")"
DB_NAME=guichet
# shellcheck source=deploy/local/lib.sh
source "$HERE/lib.sh"

usage() { echo "usage: $0 {start|stop|url} DIR" >&2; exit 2; }

find_bindir() {
  if [[ -n "${GUICHET_PG_BINDIR:-}" ]]; then
    [[ -x "$GUICHET_PG_BINDIR/initdb" ]] || die "no initdb in GUICHET_PG_BINDIR=$GUICHET_PG_BINDIR"
    echo "$GUICHET_PG_BINDIR"; return
  fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  return 1
}

ensure_installed() {
  if find_bindir >/dev/null 2>&1; then return; fi
  [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed and we are not root to apt-get install it"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is unavailable"
  echo "postgres.sh: installing PostgreSQL with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
  find_bindir >/dev/null 2>&1 || die "apt-get install postgresql did not provide initdb"
}

# Run a command as the cluster owner ("postgres" when we are root, else ourselves).
as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() { # DIR
  local bindir
  [[ -f "$1/pgdata/PG_VERSION" ]] || return 1
  bindir="$(find_bindir)" || return 1
  as_owner "$bindir/pg_ctl" status -D "$1/pgdata" >/dev/null 2>&1
}

log_tail() { # DIR
  if [[ -f "$1/postgres.log" ]]; then
    echo "--- last lines of $1/postgres.log ---" >&2
    tail -n 40 "$1/postgres.log" >&2 || true
  fi
}

cmd_start() {
  local dir="$1"
  mkdir -p "$dir"
  dir="$(cd -- "$dir" && pwd)"
  if is_running "$dir" && [[ -s "$dir/url" ]]; then
    cat "$dir/url"; return
  fi
  ensure_installed
  local bindir; bindir="$(find_bindir)"

  mkdir -p "$dir/sock"
  touch "$dir/postgres.log"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$dir" "$dir/sock" "$dir/postgres.log"
    runuser -u postgres -- test -w "$dir" \
      || die "user postgres cannot write to $dir (check permissions of its parent directories)"
  fi
  chmod 700 "$dir/sock"

  if [[ ! -f "$dir/pgdata/PG_VERSION" ]]; then
    rm -rf "$dir/pgdata"
    as_owner "$bindir/initdb" -D "$dir/pgdata" -A trust --no-sync -U postgres -E UTF8 \
      --locale=C >>"$dir/postgres.log" 2>&1 \
      || { log_tail "$dir"; die "initdb failed"; }
  fi
  rm -f "$dir/url"

  local fsync="${GUICHET_PG_FSYNC:-off}" port attempt
  for attempt in 1 2 3; do
    port="$(free_ports 1)"
    if as_owner "$bindir/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 start \
        -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=300" \
        >/dev/null 2>&1; then
      break
    fi
    # Most likely a port race with another process: retry on a new port.
    is_running "$dir" && as_owner "$bindir/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null 2>&1 || true
    if [[ $attempt -eq 3 ]]; then log_tail "$dir"; die "pg_ctl start failed"; fi
  done

  local exists
  exists="$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" \
    || { log_tail "$dir"; die "cannot connect to the new server on port $port"; }
  if [[ "$exists" != 1 ]]; then
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" \
      || { log_tail "$dir"; die "createdb $DB_NAME failed"; }
  fi

  # Clients on this machine go through the unix socket: a loopback TCP round trip costs
  # ~4x the CPU (measured 93 vs 23 us with asyncpg), which the event store feels on every
  # append. The TCP URL remains when the socket path is too long for the kernel (108 bytes).
  if [[ -S "$dir/sock/.s.PGSQL.$port" ]]; then
    echo "postgresql://postgres@/$DB_NAME?host=$dir/sock&port=$port" >"$dir/url"
  else
    echo "postgresql://postgres@127.0.0.1:$port/$DB_NAME" >"$dir/url"
  fi
  start_watcher "$dir"
  cat "$dir/url"
}

cmd_stop() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  stop_watcher "$dir"
  if is_running "$dir"; then
    local bindir; bindir="$(find_bindir)"
    as_owner "$bindir/pg_ctl" -D "$dir/pgdata" -m fast -w -t 60 stop >/dev/null \
      || { log_tail "$dir"; die "pg_ctl stop failed"; }
  fi
  rm -f "$dir/url"
}

cmd_url() {
  local dir="$1"
  is_running "$dir" && [[ -s "$dir/url" ]] || die "no running server in $dir"
  cat "$dir/url"
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  url) cmd_url "$2" ;;
  *) usage ;;
esac
