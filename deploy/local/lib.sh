# shellcheck shell=bash
# Shared by postgres.sh and kafka.sh (sourced, not run): errors, free ports, process checks
# and the watcher that stops a server once its owner is gone.
# The sourcing script sets SCRIPT to its own absolute path before sourcing.

LIB_SH="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/$(basename -- "${BASH_SOURCE[0]}")"

die() { echo "$(basename -- "$SCRIPT"): $*" >&2; exit 1; }

# N distinct TCP ports on 127.0.0.1 that nothing uses right now (below the ephemeral range).
free_ports() { # N
  local n="$1" used port i out=()
  used="$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u || true)"
  for ((i = 0; i < 500 && ${#out[@]} < n; i++)); do
    port=$((15000 + RANDOM % 17000))
    grep -qx "$port" <<<"$used" && continue
    [[ " ${out[*]-} " == *" $port "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    out+=("$port")
  done
  [[ ${#out[@]} -eq $n ]] || die "no free ports found"
  echo "${out[@]}"
}

# A new KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as
# `kafka-storage random-uuid` prints. One starting with "-" (1 draw in 64) would be read as an
# option by the storage tool's argument parser ("--cluster-id: expected one argument"): draw again.
kafka_cluster_id() {
  local id=-
  while [[ $id == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  echo "$id"
}

# Alive and not a zombie (a container's PID 1 may not reap orphans promptly).
proc_alive() { # pid
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# With GUICHET_SERVER_OWNER_PID set, run "$SCRIPT stop DIR" once that process is gone.
start_watcher() { # DIR
  local owner="${GUICHET_SERVER_OWNER_PID:-}" name
  [[ -n "$owner" ]] || return 0
  kill -0 "$owner" 2>/dev/null || die "GUICHET_SERVER_OWNER_PID=$owner is not running"
  name="$(basename -- "$SCRIPT" .sh)-watcher"
  # Detached, no inherited stdio: callers capturing our output must not hang.
  # shellcheck disable=SC2016  # expanded by the watcher's shell, not this one
  setsid bash -c '
    source "$1"
    while proc_alive "$2"; do sleep 2; done
    "$3" stop "$4"
  ' "$name" "$LIB_SH" "$owner" "$SCRIPT" "$1" </dev/null >/dev/null 2>&1 &
  echo $! >"$1/watcher.pid"
}

# Stop DIR's watcher, unless the watcher is the one calling stop.
stop_watcher() { # DIR
  local w
  [[ -f "$1/watcher.pid" ]] || return 0
  w="$(cat "$1/watcher.pid")"
  if [[ "$w" != "$PPID" && "$w" != "$$" ]]; then kill "$w" 2>/dev/null || true; fi
  rm -f "$1/watcher.pid"
}
