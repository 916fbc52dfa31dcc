#!/usr/bin/env bash
# Starts or stops a local Cairn cluster on loopback ports, for operators and tests.
#   scripts/cluster.sh start [members=3] [base-port=12379] [data-root=./cluster.cairn]
#   scripts/cluster.sh stop  [data-root=./cluster.cairn]
# Member i (1-based) serves clients on base+(i-1)*10 and peers on base+(i-1)*10+1; each member's
# PID is kept in <data-root>/m<i>.pid and its log in <data-root>/m<i>.log. Stops only those PIDs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-}"
case "$cmd" in
  start)
    n="${2:-3}"; base="${3:-12379}"; data="${4:-$PWD/cluster.cairn}"
    jar="$root/server/target/cairn.jar"
    [ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
    mkdir -p "$data"
    "$root/scripts/cds.sh" "$jar" >/dev/null   # the class-data archive, made once per jar before the members start
    cluster=""
    for i in $(seq 1 "$n"); do
      cluster+="${cluster:+,}m$i=http://127.0.0.1:$((base + (i - 1) * 10 + 1))"
    done
    for i in $(seq 1 "$n"); do
      c=$((base + (i - 1) * 10)); p=$((c + 1))
      "$root/scripts/cairn-java.sh" "$jar" --name "m$i" --data-dir "$data/m$i" \
        --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
        --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
        --initial-cluster "$cluster" --initial-cluster-state new \
        --initial-cluster-token "${CAIRN_CLUSTER_TOKEN:-cairn-local}" >"$data/m$i.log" 2>&1 &
      echo $! >"$data/m$i.pid"
      echo "m$i: clients http://127.0.0.1:$c peers http://127.0.0.1:$p pid $!"
    done
    ;;
  stop)
    data="${2:-$PWD/cluster.cairn}"
    for f in "$data"/m*.pid; do
      [ -f "$f" ] || continue
      pid="$(cat "$f")"
      kill "$pid" 2>/dev/null && echo "stopped $(basename "$f" .pid) (pid $pid)" || true
      rm -f "$f"
    done
    ;;
  *)
    echo "usage: $0 start [members] [base-port] [data-root] | stop [data-root]" >&2
    exit 2
    ;;
esac
