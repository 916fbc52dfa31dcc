#!/usr/bin/env bash
# Steady-state CPU per put on a cluster, Cairn beside real etcd: each side gets the same long warm-up
# (the JVM's C2 compiler needs about 200,000 puts' worth before Cairn is at its steady state), then the
# same measured `benchmark put` at 200 clients over all members. Prints put/s and cluster CPU per put
# (user + system of every member, from /proc) for both, and Cairn's split by thread name across members.
#
#   scripts/bench/steady.sh                   # 3 members, 300,000 warm-up puts, 100,000 measured
#   STEADY_MEMBERS=1 STEADY_WARM=100000 STEADY_TOTAL=50000 scripts/bench/steady.sh
#
# Env: STEADY_MEMBERS (3), STEADY_WARM (300000), STEADY_TOTAL (100000), STEADY_SIDES ("cairn etcd"),
#      BENCH_TIMEOUT (300: wall-clock limit per benchmark call, s), and lib.sh's (CAIRN_JAR, ...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"

members="${STEADY_MEMBERS:-3}"
warm="${STEADY_WARM:-300000}"
total="${STEADY_TOTAL:-100000}"
limit="${BENCH_TIMEOUT:-300}"

bench_init
bench_tool >/dev/null
hz="$(getconf CLK_TCK)"
for side in ${STEADY_SIDES:-cairn etcd}; do
  bench_start_members "$side" "$members"
  eps="$(bench_endpoints "$side")"
  read -ra pids <<<"${MEMBER_PIDS[$side]}"
  bench_log "warm-up on $side: $warm puts"
  bench_run "$limit" --endpoints="$eps" --conns=50 --clients=200 "${BENCH_PUT[@]}" --total "$warm" >/dev/null \
    || bench_log "warm-up failed on $side"
  bench_thread_ticks "${pids[@]}" >"$BENCH_TMP/$side.before"
  out="$(bench_run "$limit" --endpoints="$eps" --conns=50 --clients=200 "${BENCH_PUT[@]}" --total "$total")"
  bench_thread_ticks "${pids[@]}" >"$BENCH_TMP/$side.after"
  rps="$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")"
  cpu="$(join "$BENCH_TMP/$side.before" "$BENCH_TMP/$side.after" \
    | awk -v hz="$hz" -v n="$total" '{ d += $3 - $2 } END { printf "%.1f", d / hz * 1e6 / n }')"
  echo "$side, $members member(s): $rps put/s, cluster CPU $cpu µs per put"
  if [ "$side" = cairn ]; then
    join "$BENCH_TMP/$side.before" "$BENCH_TMP/$side.after" \
      | awk -v hz="$hz" -v n="$total" '$3 > $2 { printf "  %-24s %6.1f µs/put\n", $1, ($3 - $2) / hz * 1e6 / n }' \
      | sort -k2 -gr
  fi
  bench_check_members "$side"
  bench_stop_members "$side"
done
