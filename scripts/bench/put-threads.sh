#!/usr/bin/env bash
# Where a single client's put goes: a 3-member Cairn, warmed up, then puts from 1 client to the
# leader, and each member's CPU per put split by thread (user + system from /proc, digits in thread
# names folded to N). A write at 1 client is not batched, so this shows the fixed cost of each hop.
#
#   scripts/bench/put-threads.sh                  # 150,000 warm-up puts, then 5,000 measured
#
# Env: PT_WARM (150000), PT_TOTAL (5000), and lib.sh's (CAIRN_JAR, ...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"

warm="${PT_WARM:-150000}"
total="${PT_TOTAL:-5000}"
hz="$(getconf CLK_TCK)"

bench_init
bench_tool >/dev/null
bench_start_members cairn 3
eps="$(bench_endpoints cairn)"
leader="$LEADER_EP"
read -ra pids <<<"${MEMBER_PIDS[cairn]}"
bench_log "warm-up: $warm puts at 200 clients, then 3,000 at 1 client"
bench_run 300 --endpoints="$eps" --conns=50 --clients=200 "${BENCH_PUT[@]}" --total "$warm" >/dev/null
bench_run 300 --endpoints="$leader" --conns=1 --clients=1 "${BENCH_PUT[@]}" --total 3000 >/dev/null
for i in 0 1 2; do bench_thread_ticks "${pids[i]}" >"$BENCH_TMP/before.$i"; done
res="$(bench_run 300 --endpoints="$leader" --conns=1 --clients=1 "${BENCH_PUT[@]}" --total "$total")"
for i in 0 1 2; do bench_thread_ticks "${pids[i]}" >"$BENCH_TMP/after.$i"; done
echo "put 1x1 to the leader (member $LEADER_IDX): $(bench_field rps <<<"$res") puts/s, p50 $(bench_field p50 <<<"$res") ms, p99 $(bench_field p99 <<<"$res") ms"
for i in 0 1 2; do
  role=follower; [ "$i" = "$LEADER_IDX" ] && role=leader
  echo "member $i ($role), µs of CPU per put by thread:"
  join "$BENCH_TMP/before.$i" "$BENCH_TMP/after.$i" \
    | awk -v hz="$hz" -v n="$total" '{ d = ($3 - $2) / hz * 1e6 / n; if (d >= 2) printf "  %-24s %6.0f\n", $1, d }' \
    | sort -k2 -n -r
done
