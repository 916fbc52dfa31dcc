#!/usr/bin/env bash
# Watch benchmarks, the same commands against one Cairn member and one real etcd member:
#  1. `benchmark watch`: 100 gRPC watch streams x 100 watchers per stream = 10,000 watchers on
#     one key, then 100 puts to that key at 100 puts/s, i.e. 1,000,000 events to deliver.
#     Reported: watch creation rate and events delivered per second (the tool's per-event
#     "latency" is only the time to iterate one response, so it is not shown).
#  2. `benchmark watch-latency`: 100 watchers (100 clients over 10 connections) on one key, a
#     put at a steady rate; latency = from the put's reply to each watcher's event.
#
#   scripts/bench/watch.sh                   # about 1 minute
#
# Flag notes for the 3.4 tool: --streams and --watch-per-stream (not --watchers), --put-total,
# --put-rate. --put-rate=0 panics (rate limiter with zero burst), so it is always given.
# `benchmark watch` waits until every expected event has arrived: a server that loses events
# would make it wait forever, hence the wall-clock limit (BENCH_TIMEOUT, default 180 s).
# Env: see lib.sh (CAIRN_JAR, BENCHMARK_BIN, CAIRN_BENCH_DIR, BENCH_RESULTS, BENCH_KEEP_TMP).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"

limit="${BENCH_TIMEOUT:-180}"

bench_init
bench_tool >/dev/null
bench_results_dir
bench_start_cairn
bench_start_etcd

# Warm-up, not measured (lets the JVM compile the watch path): 100 watchers, 200 puts.
for ep in "$CAIRN_EP" "$ETCD_EP"; do
  bench_log "warm-up on $ep"
  bench_run "$limit" --endpoints="$ep" --conns=1 --clients=1 watch --streams=10 --watch-per-stream=10 \
    --put-total=200 --put-rate=200 >/dev/null || bench_log "warm-up watch failed on $ep"
done

# 100 streams need 2 connections: the tool warns that gRPC allows 100 streams per connection.
BENCH_ROW=0 bench_pair "watch 100 streams x 100 watchers" "$limit" --conns=2 --clients=2 \
  watch --streams=100 --watch-per-stream=100 --put-total=100 --put-rate=100
bench_row "watch: create 10,000 watchers (watches/s)" "Watch creation summary:"
bench_row "watch: 1,000,000 events to 10,000 watchers (events/s)" "Watch events received summary:" 1

bench_pair "watch-latency 100 watchers, 100 puts/s (events/s)" "$limit" --conns=10 --clients=100 \
  watch-latency --put-rate=100 --total=500 --key-size=8 --val-size=256
bench_pair "watch-latency 100 watchers, up to 1000 puts/s (events/s)" "$limit" --conns=10 --clients=100 \
  watch-latency --put-rate=1000 --total=3000 --key-size=8 --val-size=256

bench_print_table "Watch benchmark: Cairn vs etcd, 1 member each" "/s"
