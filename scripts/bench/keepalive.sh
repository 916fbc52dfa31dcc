#!/usr/bin/env bash
# Lease keep-alive on 3 members, Cairn then real etcd in the same session: etcd's `benchmark
# lease-keepalive` with 1 client over all 3 endpoints (a follower first in the list, so the stream
# lands on a follower, which forwards every renewal to the leader), after a warm-up of the same
# shape. Prints keep-alives/s, p50, CPU µs per keep-alive of each member, and for Cairn the
# busiest member's split by thread.
#   scripts/bench/keepalive.sh [total=20000] [warm-up=30000]
# KA_JFR=SECONDS: after the measured run, record a JFR profile (settings=profile) of the busiest
# Cairn follower during another run and keep it as $BENCH_RESULTS/ka-follower.jfr (KA_JFC: a .jfc
# instead of settings=profile). KA_SIDES: "cairn" or "etcd" alone (default both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"
total="${1:-20000}"
warm="${2:-30000}"
limit="${BENCH_TIMEOUT:-180}"
hz="$(getconf CLK_TCK)"
bench_init
bench_tool >/dev/null
bench_results_dir

# thread name (numbers stripped) -> ticks, for every thread of process $1
# endpoints with the leader last (a follower first)
eps_follower_first() {
  local -a eps; local i out=""
  read -ra eps <<<"${MEMBER_EPS[$1]}"
  for i in "${!eps[@]}"; do [ "$i" = "$LEADER_IDX" ] || out+="${out:+,}${eps[i]}"; done
  echo "$out,${eps[LEADER_IDX]}"
}

for side in ${KA_SIDES:-cairn etcd}; do
  bench_start_members "$side" 3
  eps="$(eps_follower_first "$side")"
  bench_log "$side: warm-up, $warm keep-alives over $eps"
  bench_run "$limit" --endpoints="$eps" --conns=1 --clients=1 lease-keepalive --total "$warm" >/dev/null \
    || bench_log "warm-up failed on $side"
  bench_leader "$side"
  read -ra pids <<<"${MEMBER_PIDS[$side]}"
  for i in 0 1 2; do bench_thread_ticks "${pids[i]}" >"$BENCH_TMP/$side-$i.before"; done
  before="$(bench_member_ticks "$side")"
  out="$(bench_run "$limit" --endpoints="$eps" --conns=1 --clients=1 lease-keepalive --total "$total")"
  after="$(bench_member_ticks "$side")"
  for i in 0 1 2; do bench_thread_ticks "${pids[i]}" >"$BENCH_TMP/$side-$i.after"; done
  echo "$out" >"$BENCH_RESULTS/keepalive-$side.txt"
  rps="$(bench_field rps <<<"$out")"; p50="$(bench_field p50 <<<"$out")"
  echo "$side: $rps keep-alives/s, p50 $p50 ms (endpoints $eps, leader member $((LEADER_IDX + 1)))"
  read -ra b <<<"$before"; read -ra a <<<"$after"
  busiest=0; most=-1
  for i in 0 1 2; do
    d=$((a[i] - b[i]))
    role=F; [ "$i" = "$LEADER_IDX" ] && role=L
    awk -v d="$d" -v hz="$hz" -v n="$total" -v m=$((i + 1)) -v r="$role" \
      'BEGIN {printf "  member %d (%s): %.0f µs CPU per keep-alive\n", m, r, d * 1e6 / hz / n}'
    if [ "$i" != "$LEADER_IDX" ] && (( d > most )); then most=$d; busiest=$i; fi
  done
  echo "  by thread, member $((busiest + 1)) (the follower that received them), µs per keep-alive:"
  join "$BENCH_TMP/$side-$busiest.before" "$BENCH_TMP/$side-$busiest.after" \
    | awk -v hz="$hz" -v n="$total" '$3 > $2 {printf "    %-28s %.0f\n", $1, ($3 - $2) * 1e6 / hz / n}' | sort -k2 -rn
  echo "  by thread, leader, µs per keep-alive:"
  join "$BENCH_TMP/$side-$LEADER_IDX.before" "$BENCH_TMP/$side-$LEADER_IDX.after" \
    | awk -v hz="$hz" -v n="$total" '$3 > $2 {printf "    %-28s %.0f\n", $1, ($3 - $2) * 1e6 / hz / n}' | sort -k2 -rn
  if [ "$side" = cairn ] && [ -n "${KA_JFR:-}" ]; then
    jfr="$BENCH_RESULTS/ka-follower.jfr"
    jcmd "${pids[busiest]}" JFR.start name=ka duration="${KA_JFR}s" filename="$jfr" settings="${KA_JFC:-profile}" >/dev/null
    bench_run "$limit" --endpoints="$eps" --conns=1 --clients=1 lease-keepalive --total $((total * 2)) >/dev/null || true
    sleep 2
    jcmd "${pids[busiest]}" JFR.stop name=ka >/dev/null 2>&1 || true
    sleep 1
    echo "  JFR of member $((busiest + 1)): $jfr"
  fi
  bench_check_members "$side"
  bench_stop_members "$side"
done
for f in "${BENCH_FAILS[@]}"; do echo "finding: $f"; done
