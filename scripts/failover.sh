#!/usr/bin/env bash
# Failover time, Cairn beside real etcd with the same default timeouts (heartbeat 100 ms,
# election 1000 ms), 3 members each on loopback: kill -9 the leader, then time until the first
# put through a survivor succeeds (etcdctl, --command-timeout 300ms, retried at once).
#   scripts/failover.sh [trials=5]
# Prints each trial and the medians. Stops only the processes it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
trials="${1:-5}"
export ETCDCTL_API=3
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
jar="$root/server/target/cairn.jar"
[ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
"$root/scripts/cds.sh" "$jar" >/dev/null   # the class-data archive, made once before the members start

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_member KIND I -> sets pid in member_pid[I]
declare -A cport pport member_pid
start_member() {
  local kind=$1 i=$2
  local bin
  if [ "$kind" = etcd ]; then bin=(/usr/bin/etcd); else bin=("$root/scripts/cairn-java.sh" "$jar"); fi
  "${bin[@]}" --name "m$i" --data-dir "$work/$kind-m$i" \
    --listen-client-urls "http://127.0.0.1:${cport[$i]}" --advertise-client-urls "http://127.0.0.1:${cport[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${pport[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${pport[$i]}" \
    --initial-cluster "$initial" --initial-cluster-token "failover-$kind" >>"$work/$kind-m$i.log" 2>&1 &
  member_pid[$i]=$!
  pids+=("$!")
}

leader_index() {
  for i in 1 2 3; do
    if etcdctl --endpoints="127.0.0.1:${cport[$i]}" endpoint status -w table 2>/dev/null | grep -q '|      true |'; then
      echo "$i"; return
    fi
  done
  echo 0
}

run_kind() {
  local kind=$1
  initial=""
  for i in 1 2 3; do
    cport[$i]=$(free_port); pport[$i]=$(free_port)
    initial+="${initial:+,}m$i=http://127.0.0.1:${pport[$i]}"
  done
  for i in 1 2 3; do start_member "$kind" "$i"; done
  local times=()
  for t in $(seq 1 "$trials"); do
    local l=0
    for _ in $(seq 1 300); do l=$(leader_index); [ "$l" != 0 ] && break; sleep 0.1; done
    [ "$l" != 0 ] || { echo "$kind: no leader" >&2; return 1; }
    local s=$(( l % 3 + 1 ))
    # make sure every member is caught up and healthy before the kill
    for i in 1 2 3; do
      for _ in $(seq 1 300); do
        etcdctl --endpoints="127.0.0.1:${cport[$i]}" --command-timeout=1s put warm "$t" >/dev/null 2>&1 && break; sleep 0.1
      done
    done
    local t0 t1
    t0=$(date +%s%N)
    kill -9 "${member_pid[$l]}"
    wait "${member_pid[$l]}" 2>/dev/null || true
    until etcdctl --endpoints="127.0.0.1:${cport[$s]}" --command-timeout=300ms put failover "$t" >/dev/null 2>&1; do :; done
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    times+=("$ms")
    echo "$kind trial $t: leader m$l killed, first write through m$s after ${ms} ms"
    start_member "$kind" "$l"
  done
  for i in 1 2 3; do kill "${member_pid[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2==1)? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}')
  echo "$kind median: ${median} ms over $trials trials"
  eval "${kind}_median=$median"
}

run_kind etcd
run_kind cairn
echo
echo "| | etcd 3.4.23 | Cairn | Cairn / etcd |"
echo "|---|---|---|---|"
echo "| kill -9 leader → first write (median of $trials) | ${etcd_median} ms | ${cairn_median} ms | $(python3 -c "print(round($cairn_median/$etcd_median, 2))") |"
