#!/usr/bin/env bash
# CPU cost per request, Cairn beside real etcd: after the same warm-up on both, runs the same
# `benchmark put` (50 connections, 200 clients, N requests) against each and reads the server
# process's CPU time (user + system, from /proc) before and after. Prints CPU ms per 1000 requests
# for each, the ratio, and Cairn's split by thread (gRPC I/O, handlers, raft, apply, RocksDB).
#   scripts/bench/cpu.sh [requests=30000]
# On a shared 2-core machine req/s is bounded by CPU, so this is the figure that explains it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
total="${1:-30000}"
limit="${BENCH_TIMEOUT:-120}"
bench_init
bench_tool >/dev/null
bench_start_cairn
bench_start_etcd

put=(put --total "$total" --key-size 8 --val-size 256 --sequential-keys --key-space-size 100000)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A per_k
for side in cairn etcd; do
  if [ "$side" = cairn ]; then ep=$CAIRN_EP; pid=$CAIRN_PID; else ep=$ETCD_EP; pid=$ETCD_PID; fi
  # warm-up: the measured command four times, so the JIT has compiled this shape of load (its compiler
  # threads show in the per-thread split if it has not)
  bench_log "warm-up on $side"
  for _ in 1 2 3 4; do
    bench_run "$limit" --endpoints="$ep" --conns=50 --clients=200 "${put[@]}" >/dev/null || bench_log "warm-up failed on $side"
  done
  [ "$side" = cairn ] && bench_thread_ticks "$pid" > "$BENCH_TMP/threads.before"
  before=$(cpu_ticks "$pid")
  out=$(bench_run "$limit" --endpoints="$ep" --conns=50 --clients=200 "${put[@]}")
  after=$(cpu_ticks "$pid")
  [ "$side" = cairn ] && bench_thread_ticks "$pid" > "$BENCH_TMP/threads.after"
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  hz=$(getconf CLK_TCK)
  per_k[$side]=$(awk -v d=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.1f", d * 1000 / hz / n * 1000}')
  echo "$side: ${rps} req/s, ${per_k[$side]} ms CPU per 1000 requests"
done
awk -v c="${per_k[cairn]}" -v e="${per_k[etcd]}" 'BEGIN {printf "CPU per request, Cairn/etcd: %.2f\n", c / e}'
echo "Cairn by thread (ticks of 1/$(getconf CLK_TCK) s during the measured run):"
join "$BENCH_TMP/threads.before" "$BENCH_TMP/threads.after" | awk '$3 > $2 {printf "  %-28s %d\n", $1, $3 - $2}'
