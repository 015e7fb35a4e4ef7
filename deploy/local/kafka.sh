#!/usr/bin/env bash
# Throwaway single-node Apache Kafka (KRaft, combined broker+controller), without Docker.
#
#   deploy/local/kafka.sh start DIR       start (or reuse) a broker in DIR, print host:port
#   deploy/local/kafka.sh stop DIR        TERM, wait up to 20 s, then KILL; safe when not running
#   deploy/local/kafka.sh bootstrap DIR   print the bootstrap address of a running broker
#
# The broker jars come from Maven Central through deploy/local/kafka/pom.xml and are cached
# in ${GUICHET_CACHE:-$HOME/.cache/guichet}/kafka-<version>/lib (Maven also caches in ~/.m2).
# Every start on a stopped DIR wipes DIR/data: the broker is throwaway.
# Layout of DIR: server.properties, log4j.properties, data/, kafka.log (WARN and up),
# kafka.out (JVM stdout/stderr), kafka.pid, bootstrap.
#
# Environment:
#   GUICHET_CACHE                    cache root (default $HOME/.cache/guichet)
#   GUICHET_KAFKA_JVM_OPTS           JVM options (default: small heap, SerialGC, C1 only)
#   GUICHET_KAFKA_START_TIMEOUT      readiness timeout in seconds (default 90)
#   GUICHET_PYTHON                   python with aiokafka for the readiness probe (default:
#                                    the repo's .venv, else python3; else, or when set to
#                                    "none", the Java BrokerApiVersionsCommand probe is used)
#   GUICHET_SERVER_OWNER_PID         if set, a watcher stops the broker once that process is gone
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT="$HERE/$(basename -- "${BASH_SOURCE[0]}")"
POM="$HERE/kafka/pom.xml"
REPO_ROOT="$(cd -- "$HERE/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$HERE/lib.sh"

usage() { echo "usage: $0 {start|stop|bootstrap} DIR" >&2; exit 2; }

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n 1)"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read kafka.version from $POM"
CACHE="${GUICHET_CACHE:-$HOME/.cache/guichet}"
LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
JVM_OPTS="${GUICHET_KAFKA_JVM_OPTS:--Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
START_TIMEOUT="${GUICHET_KAFKA_START_TIMEOUT:-90}"

# Resolve the broker jars once; a ".complete" marker guards against half-filled folders.
ensure_jars() {
  [[ -f "$LIB/.complete" ]] && return
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION)"
  command -v java >/dev/null || die "java not found"
  mkdir -p "$(dirname "$LIB")"
  local tmp; tmp="$(mktemp -d "$(dirname "$LIB")/lib.tmp.XXXXXX")"
  echo "kafka.sh: resolving Kafka $KAFKA_VERSION jars with Maven into $LIB" >&2
  # mvn prints to stdout; keep our stdout for the bootstrap address only.
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" >&2; then
    rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed"
  fi
  [[ -n "$(ls "$tmp"/kafka_2.13-*.jar 2>/dev/null)" ]] || { rm -rf "$tmp"; die "no kafka jar resolved"; }
  touch "$tmp/.complete"
  if [[ -f "$LIB/.complete" ]]; then
    rm -rf "$tmp"          # someone else finished first
  else
    rm -rf "$LIB"; mv -T "$tmp" "$LIB"
  fi
}

read_pid() { # DIR -> pid of a live broker started from DIR, or failure
  local pid
  [[ -s "$1/kafka.pid" ]] || return 1
  pid="$(cat "$1/kafka.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Guard against a recycled pid: it must be our kafka.Kafka with our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $1/server.properties" || return 1
  echo "$pid"
}

log_tail() { # DIR
  local f
  for f in "$1/kafka.out" "$1/kafka.log"; do
    if [[ -s "$f" ]]; then
      echo "--- last lines of $f ---" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
}

probe_python() {
  local py
  [[ "${GUICHET_PYTHON:-}" != none ]] || return 1
  for py in "${GUICHET_PYTHON:-}" "$REPO_ROOT/.venv/bin/python" python3; do
    [[ -n "$py" ]] || continue
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "import aiokafka" >/dev/null 2>&1; then
      echo "$py"; return
    fi
  done
  return 1
}

# One metadata round trip; succeeds once the broker is registered (listed in metadata).
probe_once() { # bootstrap python-or-empty
  if [[ -n "$2" ]]; then
    timeout 15 "$2" - "$1" <<'PY' >/dev/null 2>&1
import asyncio, sys
from aiokafka.admin import AIOKafkaAdminClient

async def main() -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise SystemExit(1)
    finally:
        await admin.close()

asyncio.run(main())
PY
  else
    # shellcheck disable=SC2086
    timeout 30 java $JVM_OPTS -cp "$LIB/*" kafka.admin.BrokerApiVersionsCommand \
      --bootstrap-server "$1" 2>/dev/null | grep -q "(id: 1 "
  fi
}

cmd_start() {
  local dir="$1"
  mkdir -p "$dir"
  dir="$(cd -- "$dir" && pwd)"
  if read_pid "$dir" >/dev/null && [[ -s "$dir/bootstrap" ]]; then
    cat "$dir/bootstrap"; return
  fi
  command -v java >/dev/null || die "java not found"
  ensure_jars

  rm -rf "$dir/data"
  rm -f "$dir/bootstrap" "$dir/kafka.pid" "$dir/kafka.log" "$dir/kafka.out"
  local port cport
  read -r port cport <<<"$(free_ports 2)"

  cat >"$dir/server.properties" <<EOF
# Generated by deploy/local/kafka.sh: single-node KRaft broker+controller for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF

  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/kafka.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# Keep the "Kafka Server started" line for diagnostics.
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF

  local cluster_id log4j_opt
  cluster_id="$(kafka_cluster_id)"
  log4j_opt="-Dlog4j.configuration=file:$dir/log4j.properties"
  # shellcheck disable=SC2086
  java $JVM_OPTS "$log4j_opt" -cp "$LIB/*" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$dir/server.properties" >"$dir/kafka.out" 2>&1 \
    || { log_tail "$dir"; die "kafka.tools.StorageTool format failed"; }

  # The launcher shell writes its own pid, then execs java (same pid). setsid keeps the
  # broker out of the caller's process group (no stray Ctrl-C), stdio goes to files.
  # shellcheck disable=SC2086
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-launch "$dir/kafka.pid" \
    java $JVM_OPTS "$log4j_opt" -Djava.awt.headless=true -cp "$LIB/*" \
    kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/kafka.out" 2>&1 &

  local bootstrap="127.0.0.1:$port" py deadline pid=""
  py="$(probe_python || true)"
  deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ((SECONDS >= deadline)); then
      log_tail "$dir"
      [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
      die "broker not ready within ${START_TIMEOUT}s"
    fi
    if ! pid="$(read_pid "$dir")"; then
      pid=""
      # Give the launcher a moment to write its pid file, then insist it is alive.
      if ((SECONDS >= deadline - START_TIMEOUT + 5)); then
        log_tail "$dir"; die "broker process exited during startup"
      fi
      sleep 0.2; continue
    fi
    # Cheap check first: the listener is open.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && probe_once "$bootstrap" "$py"; then
      break
    fi
    sleep 0.5
  done

  echo "$bootstrap" >"$dir/bootstrap"
  start_watcher "$dir"
  cat "$dir/bootstrap"
}

cmd_stop() {
  local dir="$1" pid i
  [[ -d "$dir" ]] || return 0
  dir="$(cd -- "$dir" && pwd)"
  stop_watcher "$dir"
  if pid="$(read_pid "$dir")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      proc_alive "$pid" || break
      sleep 0.2
    done
    if proc_alive "$pid"; then
      echo "kafka.sh: broker $pid ignored TERM for 20 s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 25; i++)); do proc_alive "$pid" || break; sleep 0.2; done
    fi
  fi
  rm -f "$dir/kafka.pid" "$dir/bootstrap"
}

cmd_bootstrap() {
  local dir="$1"
  [[ -d "$dir" ]] || die "no running broker in $dir"
  dir="$(cd -- "$dir" && pwd)"
  read_pid "$dir" >/dev/null && [[ -s "$dir/bootstrap" ]] || die "no running broker in $dir"
  cat "$dir/bootstrap"
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  bootstrap) cmd_bootstrap "$2" ;;
  *) usage ;;
esac
