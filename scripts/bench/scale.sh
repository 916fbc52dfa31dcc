#!/usr/bin/env bash
# Scale beyond etcd: load N keys of 256 B (default 10,000,000, about 2.5 GB of values: past etcd's
# 2 GiB default quota and near its 8 GiB recommended maximum) into a 1-member and a 3-member
# cluster of Cairn and of real etcd (its quota raised to 8 GiB), and record per cluster:
#   - each member's peak resident memory during the load (VmHWM) and after a restart,
#   - data on disk per member,
#   - restart (all members, SIGTERM then start) to the first linearizable read,
#   - put and linearizable range throughput at that size against the same on the empty store.
#
#   scripts/bench/scale.sh [keys=10000000]
# Env: SCALE_MEMBERS ("1 3"), SCALE_KINDS ("cairn etcd"), SCALE_PROBE (requests per throughput
# probe, 20000), SCALE_LOAD_BUDGET (seconds allowed per load, 5400), CAIRN_JAVA_OPTS.
# Time: a load runs at the cluster's write rate (here roughly 5-15k puts/s), so 10M keys take
# 15-35 min per cluster and the whole run 1-2.5 hours. Nothing trades durability: fsync on,
# default --snapshot-count. Stops only the processes it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
keys="${1:-10000000}"
probe="${SCALE_PROBE:-20000}"
budget="${SCALE_LOAD_BUDGET:-5400}"
bench_init
BENCHMARK_BIN="$(bench_tool)"
bench_results_dir
results="$BENCH_RESULTS"

declare -a PIDS CMDS EPS DIRS

# start_cluster KIND N: fresh data dirs and ports; the command lines are kept for restarts.
start_cluster() {
  local kind=$1 n=$2 i cluster="" prefix=${1:0:1}
  local -a cports pports
  PIDS=(); CMDS=(); EPS=(); DIRS=()
  [ "$kind" = cairn ] && bench_ensure_cairn_jar
  for ((i = 0; i < n; i++)); do
    bench_free_port; cports+=("$BENCH_PORT")
    bench_free_port; pports+=("$BENCH_PORT")
    cluster+="${cluster:+,}$prefix$i=http://127.0.0.1:${pports[i]}"
  done
  for ((i = 0; i < n; i++)); do
    local dir="$BENCH_TMP/$kind-$n-$i" cmd
    mkdir -p "$dir"
    if [ "$kind" = cairn ]; then
      cmd="$BENCH_ROOT/scripts/cairn-java.sh $BENCH_JAR_COPY"
    else
      cmd="$ETCD_BIN --quota-backend-bytes=8589934592"
    fi
    cmd+=" --name $prefix$i --data-dir $dir/data"
    cmd+=" --listen-client-urls http://127.0.0.1:${cports[i]} --advertise-client-urls http://127.0.0.1:${cports[i]}"
    cmd+=" --listen-peer-urls http://127.0.0.1:${pports[i]} --initial-advertise-peer-urls http://127.0.0.1:${pports[i]}"
    cmd+=" --initial-cluster $cluster --initial-cluster-state new"
    CMDS+=("$cmd"); EPS+=("127.0.0.1:${cports[i]}"); DIRS+=("$dir")
  done
  launch_all
  for ((i = 0; i < n; i++)); do bench_wait_healthy "${EPS[i]}" "${PIDS[i]}" "${DIRS[i]}/log" 120; done
}

launch_all() {
  local i
  PIDS=()
  for i in "${!CMDS[@]}"; do
    # shellcheck disable=SC2086  # a command line we built ourselves
    ${CMDS[i]} >>"${DIRS[i]}/log" 2>&1 &
    PIDS+=("$!"); BENCH_PIDS+=("$!")
  done
}

stop_all() {
  local pid _
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

endpoints() { local IFS=,; echo "${EPS[*]}"; }
mib_field() { awk -v f="$2:" '$1 == f { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
per_member() { local pid out=""; for pid in "${PIDS[@]}"; do out+="${out:+/}$(mib_field "$pid" "$1")"; done; echo "$out"; }

# probe LABEL: put and linearizable range throughput over every member.
probe() {
  local label=$1 eps; eps="$(endpoints)"
  "$ETCDCTL_BIN" --endpoints="$eps" put scale-probe v >/dev/null
  bench_run 600 --endpoints="$eps" --conns=50 --clients=200 put --key-size=16 --val-size=256 \
    --sequential-keys --key-space-size="$keys" --total="$probe" >"$results/$RUN-$label-put.txt" || true
  bench_run 600 --endpoints="$eps" --conns=50 --clients=200 range scale-probe --consistency=l \
    --total="$probe" >"$results/$RUN-$label-range.txt" || true
  eval "${label}_put=$(bench_field rps <"$results/$RUN-$label-put.txt")"
  eval "${label}_range=$(bench_field rps <"$results/$RUN-$label-range.txt")"
}

measure() {
  local kind=$1 n=$2 t0 load_rps count peak sizes="" restart_ms i
  RUN="$kind-$n"
  bench_log "$RUN: starting"
  start_cluster "$kind" "$n"
  # warm-up alike on both servers (the JVM compiles as it goes): one key written and read many times,
  # so the store stays empty for the first probe
  bench_run 600 --endpoints="$(endpoints)" --conns=50 --clients=200 put --key-size=16 --val-size=256 \
    --total=$((probe * 3)) >/dev/null || true
  bench_run 600 --endpoints="$(endpoints)" --conns=50 --clients=200 range scale-warm --consistency=l \
    --total=$((probe * 3)) >/dev/null || true
  probe empty
  bench_log "$RUN: loading $keys keys"
  t0=$SECONDS
  bench_run "$budget" --endpoints="$(endpoints)" --conns=50 --clients=200 put --key-size=16 --val-size=256 \
    --sequential-keys --key-space-size="$keys" --total="$keys" >"$results/$RUN-load.txt" \
    || bench_log "$RUN: the load did not finish: $(tail -n 3 "$results/$RUN-load.txt" | paste -sd ' ' -)"
  load_rps="$(bench_field rps <"$results/$RUN-load.txt")"
  count="$("$ETCDCTL_BIN" --endpoints="$(endpoints)" --command-timeout=120s get "" --prefix --limit 1 -w json \
    2>/dev/null | grep -o '"count":[0-9]*' | cut -d: -f2 || echo "?")"
  peak="$(per_member VmHWM)"
  probe full
  for i in "${!DIRS[@]}"; do sizes+="${sizes:+/}$(du -sm "${DIRS[i]}/data" | cut -f1)"; done
  stop_all
  launch_all
  local s0; s0=$(date +%s%N)
  until "$ETCDCTL_BIN" --endpoints="$(endpoints)" --dial-timeout=1s --command-timeout=2s get scale-probe \
      >/dev/null 2>&1; do
    for i in "${!PIDS[@]}"; do kill -0 "${PIDS[i]}" 2>/dev/null || { tail -20 "${DIRS[i]}/log"; return 1; }; done
    (( ($(date +%s%N) - s0) / 1000000000 < 600 )) || { bench_log "$RUN: no read within 600 s of restart"; break; }
    sleep 0.05
  done
  restart_ms=$(( ($(date +%s%N) - s0) / 1000000 ))
  local after; after="$(per_member VmRSS)"
  stop_all
  local line="| $kind | $n | ${count:-?} | ${load_rps}/s | $peak | $after | $sizes | $restart_ms | ${empty_put}/s → ${full_put}/s ($(ratio "$full_put" "$empty_put")) | ${empty_range}/s → ${full_range}/s ($(ratio "$full_range" "$empty_range")) |"
  echo "$line" | tee -a "$results/table.md"
}

ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print(round(float(a)/float(b),2) if a not in ('-','') and b not in ('-','','0') else '-')" "$1" "$2"; }

{
  echo "scripts/bench/scale.sh $keys (probe $probe) at $(git -C "$BENCH_ROOT" rev-parse --short HEAD), $(date -u +%F)"
  echo
  echo "| server | members | keys stored | load rate | peak RSS per member (MiB) | RSS after restart (MiB) | data per member (MiB) | restart to first linearizable read (ms) | put 50x200: empty → full | linearizable range 50x200: empty → full |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} | tee "$results/table.md"
for n in ${SCALE_MEMBERS:-1 3}; do
  for kind in ${SCALE_KINDS:-cairn etcd}; do
    measure "$kind" "$n" || bench_log "$kind $n: failed"
  done
done
bench_log "table: $results/table.md"
