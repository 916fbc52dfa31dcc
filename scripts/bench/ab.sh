#!/usr/bin/env bash
# Two Cairn jars (a change and its parent, say) and real etcd, on 3-member clusters, in one run:
# each side gets its own cluster, the same warm-up, then the put workloads that a change to the
# replication path moves (1 client to the leader, 200 clients over all members), CPU per put of
# the whole cluster and by thread from /proc. Sides run one after another, and the whole sequence
# is repeated in reverse order, so a drift of the machine's speed falls on both jars alike.
#
#   scripts/bench/ab.sh OLD.jar NEW.jar            # prints one line per side per pass, then medians
#
# Env: AB_OPTS_A, AB_OPTS_B (CAIRN_JAVA_OPTS for that side's members: the same jar twice with two JVM settings),
#      AB_JAVA_A, AB_JAVA_B (the java binary for that side: two JVMs),
#      AB_MEMBERS (3), AB_WARM (150000 puts at 200 clients), AB_ROUNDS (3 per side per pass),
#      AB_PASSES (2), AB_SIDES ("a b etcd"; a = first jar), BENCH_TIMEOUT (300 s per benchmark call).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"

jar_a="$(realpath "${1:?usage: ab.sh OLD.jar NEW.jar}")"
jar_b="$(realpath "${2:?usage: ab.sh OLD.jar NEW.jar}")"
members="${AB_MEMBERS:-3}"
warm="${AB_WARM:-150000}"
rounds="${AB_ROUNDS:-3}"
passes="${AB_PASSES:-2}"
limit="${BENCH_TIMEOUT:-300}"
hz="$(getconf CLK_TCK)"

bench_init
bench_tool >/dev/null
out="$BENCH_TMP/ab.txt"

# one_side SIDE: start its cluster, warm it, measure, stop it; appends "side workload rps p50 p99 cpu" lines.
one_side() {
  local side="$1" kind=cairn eps leader r res rps before after
  case "$side" in
    a) CAIRN_JAR="$jar_a"; export CAIRN_JAVA_OPTS="${AB_OPTS_A:-}" CAIRN_JAVA="${AB_JAVA_A:-java}" ;;
    b) CAIRN_JAR="$jar_b"; export CAIRN_JAVA_OPTS="${AB_OPTS_B:-}" CAIRN_JAVA="${AB_JAVA_B:-java}" ;;
    etcd) kind=etcd ;;
  esac
  unset BENCH_JAR_COPY   # each jar gets its own private copy (and class-data archive)
  bench_start_members "$kind" "$members"
  eps="$(bench_endpoints "$kind")"
  leader="$LEADER_EP"
  read -ra pids <<<"${MEMBER_PIDS[$kind]}"
  bench_log "$side: warm-up, $warm puts"
  bench_run "$limit" --endpoints="$eps" --conns=50 --clients=200 "${BENCH_PUT[@]}" --total "$warm" >/dev/null \
    || bench_log "$side: warm-up failed"
  for ((r = 1; r <= rounds; r++)); do
    for w in "put-1x1-leader 1 1 3000 $leader" "put-50x200-all 50 200 30000 $eps"; do
      read -r name conns clients total target <<<"$w"
      before="$(bench_member_ticks "$kind" | awk '{ for (i = 1; i <= NF; i++) s += $i; print s }')"
      res="$(bench_run "$limit" --endpoints="$target" --conns="$conns" --clients="$clients" "${BENCH_PUT[@]}" --total "$total")"
      after="$(bench_member_ticks "$kind" | awk '{ for (i = 1; i <= NF; i++) s += $i; print s }')"
      rps="$(bench_field rps <<<"$res")"
      printf '%s %s %s %s %s %s\n' "$side" "$name" "$rps" "$(bench_field p50 <<<"$res")" \
        "$(bench_field p99 <<<"$res")" "$(awk -v b="$before" -v a="$after" -v hz="$hz" -v n="$total" \
          'BEGIN { printf "%.0f", (a - b) / hz * 1e6 / n }')" | tee -a "$out"
    done
  done
  local hwm=""
  for pid in "${pids[@]}"; do hwm+=" $(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$pid/status")"; done
  echo "$side peak-rss-MiB$hwm" | tee -a "$BENCH_TMP/rss.txt" >&2
  bench_thread_ticks "${pids[@]}" | sort -k2 -n -r | head -n 12 | sed "s/^/[$side threads, whole run] /" >&2
  bench_stop_members "$kind"
  rm -rf "$BENCH_TMP/$kind-$members-"*/data   # the next cluster of this kind starts from empty data dirs
}

for ((p = 1; p <= passes; p++)); do
  read -ra sides <<<"${AB_SIDES:-a b etcd}"
  if ((p % 2 == 0)); then
    mapfile -t sides < <(printf '%s\n' "${sides[@]}" | tac)
  fi
  for s in "${sides[@]}"; do one_side "$s"; done
done

echo
echo "medians over every round (a = $jar_a ${AB_OPTS_A:-}, b = $jar_b ${AB_OPTS_B:-})"
echo "side workload req/s p50_ms p99_ms cluster_cpu_us_per_put"
sort -k1,1 -k2,2 "$out" | awk '
  function med(s,   n, v, i, j, t) { n = split(s, v, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }; return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  { k = $1 " " $2; r[k] = r[k] " " $3; p5[k] = p5[k] " " $4; p9[k] = p9[k] " " $5; c[k] = c[k] " " $6 }
  END { for (k in r) print k, med(r[k]), med(p5[k]), med(p9[k]), med(c[k]) }' | sort
echo "peak resident memory of each member (MiB), per side and pass:"
cat "$BENCH_TMP/rss.txt"
