#!/usr/bin/env bash
# Restart time with a large store, Cairn beside real etcd: load N keys (16 B keys, 256 B values)
# with etcd's benchmark tool, stop the server with SIGTERM, start it again on the same data and
# time from process start to the first successful read; also RSS after load and after restart.
#   scripts/bench/restart.sh [keys=1000000]
# etcd rebuilds its in-memory key index at every start; Cairn opens RocksDB and reads a few
# meta values, so its restart time should not grow with N.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
keys="${1:-1000000}"
bench_init
BENCHMARK_BIN="$(bench_tool)"

rss_mib() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }

# start KIND DIR CLIENTPORT PEERPORT -> sets SRV_PID
start_server() {
  local kind=$1 dir=$2 c=$3 p=$4
  local -a bin
  if [ "$kind" = etcd ]; then bin=("$ETCD_BIN"); else bench_ensure_cairn_jar; bin=("$BENCH_ROOT/scripts/cairn-java.sh" "$BENCH_JAR_COPY"); fi
  "${bin[@]}" --name r1 --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "r1=http://127.0.0.1:$p" >>"$dir/log" 2>&1 &
  SRV_PID=$!
  BENCH_PIDS+=("$SRV_PID")
}

stop_server() {
  kill -TERM "$1"
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null || true
}

measure() {
  local kind=$1 dir="$BENCH_TMP/restart-$1" c p
  mkdir -p "$dir"
  bench_free_port; c=$BENCH_PORT
  bench_free_port; p=$BENCH_PORT
  start_server "$kind" "$dir" "$c" "$p"
  bench_wait_healthy "127.0.0.1:$c" "$SRV_PID" "$dir/log" 90
  bench_log "$kind: loading $keys keys"
  local t0=$SECONDS
  bench_run 1800 --endpoints="127.0.0.1:$c" --conns=50 --clients=200 put --key-size=16 --val-size=256 \
    --sequential-keys --key-space-size="$keys" --total="$keys" >"$dir/load.txt" || { cat "$dir/load.txt"; return 1; }
  local load_s=$((SECONDS - t0)) load_rps
  load_rps=$(grep -m1 'Requests/sec' "$dir/load.txt" | awk '{print $2}')
  local count
  count=$("$ETCDCTL_BIN" --endpoints="127.0.0.1:$c" --command-timeout=60s get "" --prefix --limit 1 -w json 2>/dev/null \
    | grep -o '"count":[0-9]*' | cut -d: -f2 || echo "?")
  local rss_load; rss_load=$(rss_mib "$SRV_PID")
  local size; size=$(du -sm "$dir/data" | cut -f1)
  stop_server "$SRV_PID"
  start_server "$kind" "$dir" "$c" "$p"
  local s0; s0=$(date +%s%N)
  until "$ETCDCTL_BIN" --endpoints="127.0.0.1:$c" --dial-timeout=1s --command-timeout=2s get key >/dev/null 2>&1; do
    kill -0 "$SRV_PID" 2>/dev/null || { tail -20 "$dir/log"; return 1; }
    sleep 0.02
  done
  local restart_ms=$(( ($(date +%s%N) - s0) / 1000000 ))
  local rss_restart; rss_restart=$(rss_mib "$SRV_PID")
  stop_server "$SRV_PID"
  echo "$kind keys=$keys load=${load_s}s (${load_rps}/s) count=$count data=${size}MiB rss_after_load=${rss_load}MiB restart=${restart_ms}ms rss_after_restart=${rss_restart}MiB"
  eval "${kind}_restart=$restart_ms ${kind}_rss=$rss_restart ${kind}_load=$load_rps ${kind}_size=$size"
}

measure etcd
measure cairn
echo
echo "| $keys keys | etcd 3.4.23 | Cairn | Cairn / etcd |"
echo "|---|---|---|---|"
echo "| restart to first read | ${etcd_restart} ms | ${cairn_restart} ms | $(python3 -c "print(round($cairn_restart/$etcd_restart, 2))") |"
echo "| RSS after restart | ${etcd_rss} MiB | ${cairn_rss} MiB | $(python3 -c "print(round($cairn_rss/$etcd_rss, 2))") |"
echo "| data on disk | ${etcd_size} MiB | ${cairn_size} MiB | $(python3 -c "print(round($cairn_size/$etcd_size, 2))") |"
echo "| load rate (50x200 put) | ${etcd_load}/s | ${cairn_load}/s | $(python3 -c "print(round($cairn_load/$etcd_load, 2))") |"
