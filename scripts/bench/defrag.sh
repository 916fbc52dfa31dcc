#!/usr/bin/env bash
# Defragment under load, Cairn beside real etcd (one member each, same run):
#   scripts/bench/defrag.sh [keys=200000] [value-bytes=1024]
# Loads `keys` keys twice (so half the data is history), compacts to the current revision, then
# runs `etcdctl defrag` while a client puts one request at a time through the JSON gateway
# (scripts/bench/put_probe.py). Prints, per server: the defrag's duration, the space before and
# after, and the client's puts during the defrag (count, p50, p99, max, longest gap).
# etcd's defrag holds its backend while it copies the database, so its clients wait for the
# whole defrag; Cairn's runs beside them. Bounded: every step has a time limit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
keys="${1:-200000}"
vsize="${2:-1024}"
limit="${BENCH_TIMEOUT:-600}"

bench_init
bench_tool >/dev/null
bench_start_cairn
bench_start_etcd

db_size() { "$ETCDCTL_BIN" --endpoints="$1" endpoint status -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["dbSize"])'; }
revision() { "$ETCDCTL_BIN" --endpoints="$1" endpoint status -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])'; }

printf '| server | keys | defrag (s) | size before (MiB) | after (MiB) | puts during | p50 ms | p99 ms | max ms | longest gap ms |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for pair in "cairn $CAIRN_EP" "etcd $ETCD_EP"; do
  set -- $pair; name=$1; ep=$2
  bench_log "$name: loading $keys keys of $vsize B, twice"
  for _ in 1 2; do
    bench_run "$limit" --endpoints="$ep" --conns=10 --clients=50 put --total "$keys" --key-size 16 \
      --val-size "$vsize" --sequential-keys --key-space-size "$keys" >/dev/null
  done
  "$ETCDCTL_BIN" --endpoints="$ep" --command-timeout="${limit}s" compact "$(revision "$ep")" --physical >/dev/null
  sleep 2
  before=$(db_size "$ep")
  out="$BENCH_TMP/$name.probe"; stop="$BENCH_TMP/$name.stop"
  timeout "$limit" python3 "$here/put_probe.py" "$ep" "$out" "$stop" "$limit" &
  probe=$!
  sleep 3   # the probe's own warm-up
  t0=$(date +%s.%N)
  timeout "$limit" "$ETCDCTL_BIN" --endpoints="$ep" --command-timeout="${limit}s" defrag >/dev/null
  t1=$(date +%s.%N)
  sleep 1
  touch "$stop"; wait "$probe" || true
  after=$(db_size "$ep")
  stats=$(python3 "$here/put_probe.py" --window "$out" "$t0" "$t1")
  python3 - "$name" "$keys" "$t0" "$t1" "$before" "$after" "$stats" <<'PY'
import json, sys
name, keys, t0, t1, before, after, stats = sys.argv[1:]
s = json.loads(stats)
print(f"| {name} | {keys} | {float(t1) - float(t0):.2f} | {int(before) / 2**20:.0f} | {int(after) / 2**20:.0f} | "
      f"{s['puts']} | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} | {s['longest_gap_ms']} |")
PY
done
echo
echo "commit: ${BENCH_JAR_COMMIT:-unknown}; $(nproc) cores; command: scripts/bench/defrag.sh $keys $vsize"
