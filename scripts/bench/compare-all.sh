#!/usr/bin/env bash
# The whole comparison, Cairn against real etcd, on 1-member AND 3-member clusters: the same etcd
# `benchmark` commands (plus the JSON gateway) against both, in several alternating rounds, and a
# markdown table per cluster size with the MEDIANS over the rounds of req/s, p50 and p99, the
# ratio Cairn/etcd, and the CPU each server process spent per request (leader and followers apart).
#
#   scripts/bench/compare-all.sh > /tmp/compare-all.md          # defaults: about 25-30 minutes
#   BENCH_QUICK=1 scripts/bench/compare-all.sh                  # smoke test: small counts, 1 round
#   BENCH_MEMBERS=3 BENCH_ROUNDS=5 scripts/bench/compare-all.sh
#
# Env: BENCH_ROUNDS (3; 1 when quick), BENCH_MEMBERS (1, 3 or both; both), BENCH_QUICK (0),
#      BENCH_WARM_PUTS (100000: puts of the warm-up, both sides alike), BENCH_WARM_GW (30000: JSON
#      gateway puts and as many ranges in the warm-up, 8 connections over all members),
#      BENCH_WARM_ROUND (1; 0 when quick: before round 1, every workload runs once on both sides and
#      is not counted, so each code path the JIT compiles is compiled before it is measured; etcd's Go
#      needs none, and gets the same round), BENCH_TIMEOUT (120: wall-clock limit per benchmark call, s), BENCH_BUDGET (1800: after this
#      many seconds no new run starts; the rest show as skipped), and lib.sh's (CAIRN_JAR, ...).
# For each cluster size: start a Cairn and an etcd cluster (both stay up, idle while the other is
# measured), warm both up identically, then per round run every workload on one side then the
# other (which side goes first alternates), and stop the clusters (by PID) before the next size.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"

quick="${BENCH_QUICK:-0}"
if [ "$quick" = 1 ]; then rounds="${BENCH_ROUNDS:-1}"; else rounds="${BENCH_ROUNDS:-3}"; fi
if [ "${BENCH_WARM_ROUND:-$((1 - quick))}" = 1 ]; then first_round=0; else first_round=1; fi
case "${BENCH_MEMBERS:-both}" in 1) sizes=(1) ;; 3) sizes=(3) ;; *) sizes=(1 3) ;; esac
limit="${BENCH_TIMEOUT:-120}"
budget="${BENCH_BUDGET:-1800}"
range_key=rangekey
hz="$(getconf CLK_TCK)"

# Request counts: [quick]=smoke test, otherwise the counts of compare.sh / watch.sh / gateway.sh.
if [ "$quick" = 1 ]; then
  n_1x1=200 n_range1=300 n_big=2000 n_lease=300 warm_put=5000 warm_range=1000 warm_gw=500
  w_streams=10 w_per=10 w_puts=20 wl_total=100 n_gw=200
else
  # BENCH_WARM_PUTS: the JVM's C2 compiler still works through the first ~200k puts on a 3-member cluster
  # (measured: 71 µs/put of the leader's CPU in the 2nd 30k batch after a 100k warm-up, 8 in the 5th), so a
  # steady-state comparison warms both sides with more; the same count on both sides either way
  n_1x1=3000 n_range1=5000 n_big=30000 n_lease=3000 warm_put="${BENCH_WARM_PUTS:-100000}" warm_range=30000
  # the gateway's own code (HTTP codec, JSON, the in-process call) is compiled only once it serves requests:
  # without its own warm-up, C1/C2 took 58-65% of the server's CPU during the 2000 measured gateway requests
  warm_gw="${BENCH_WARM_GW:-30000}"
  w_streams=100 w_per=100 w_puts=100 wl_total=500 n_gw=2000
fi
kv=(--key-size 8 --val-size 256 --key-space-size 100000)

# ---- the workloads: W_* per run, R_* per table row (a watch run gives two rows) ----
W_ID=(); W_TARGET=(); W_ARGS=()
R_ID=(); R_LABEL=(); R_SECTION=(); R_NOLAT=(); R_CPUN=(); R_TARGET=()
# workload ID TARGET(all|leader) ARGS... : one benchmark call (ARGS after --endpoints), or
# "gw put|range THREADS" for the JSON gateway, or "reset" (the small write before reads).
workload() { W_ID+=("$1"); W_TARGET+=("$2"); shift 2; W_ARGS+=("$(printf '%q ' "$@")"); }
# row ID LABEL SECTION NOLAT CPU_DENOMINATOR(requests the CPU is divided by; 0 = no CPU column)
row() { R_ID+=("$1"); R_LABEL+=("$2"); R_SECTION+=("$3"); R_NOLAT+=("$4"); R_CPUN+=("$5"); }

define_workloads() {
  local m="$1" t
  W_ID=(); W_TARGET=(); W_ARGS=(); R_ID=(); R_LABEL=(); R_SECTION=(); R_NOLAT=(); R_CPUN=()
  # One connection goes to the first endpoint listed, so on 3 members "all" would compare whichever role each
  # server's first member happened to have; the 1-client rows name the role instead: a follower, and the leader.
  local targets=(all) targets1=(all); [ "$m" = 3 ] && targets=(all leader) targets1=(follower leader)
  for t in "${targets1[@]}"; do
    workload "put1-$t" "$t" --conns=1 --clients=1 put --total "$n_1x1" --sequential-keys "${kv[@]}"
    row "put1-$t" "put 1x1" "" 0 "$n_1x1"
  done
  for t in "${targets[@]}"; do
    workload "put200-$t" "$t" --conns=50 --clients=200 put --total "$n_big" --sequential-keys "${kv[@]}"
    row "put200-$t" "put 50x200" "" 0 "$n_big"
  done
  workload reset all reset
  for t in "${targets1[@]}"; do
    workload "range1-$t" "$t" --conns=1 --clients=1 range "$range_key" --consistency=l --total "$n_range1"
    row "range1-$t" "range 1x1 linearizable" "" 0 "$n_range1"
  done
  for t in "${targets[@]}"; do
    workload "range200l-$t" "$t" --conns=50 --clients=200 range "$range_key" --consistency=l --total "$n_big"
    row "range200l-$t" "range 50x200 linearizable" "" 0 "$n_big"
  done
  workload range200s-all all --conns=50 --clients=200 range "$range_key" --consistency=s --total "$n_big"
  row range200s-all "range 50x200 serializable" "" 0 "$n_big"
  workload txn200-all all --conns=50 --clients=200 txn-put --total "$n_big" "${kv[@]}"
  row txn200-all "txn-put 50x200" "" 0 "$n_big"
  for t in "${targets1[@]}"; do
    workload "lease-$t" "$t" --conns=1 --clients=1 lease-keepalive --total "$n_lease"
    row "lease-$t" "lease-keepalive 1x1" "" 0 "$n_lease"
  done
  # watch.sh's workloads; 100 streams need 2 connections (gRPC: 100 streams per connection).
  workload watch-all all --conns=2 --clients=2 watch --streams="$w_streams" --watch-per-stream="$w_per" \
    --put-total="$w_puts" --put-rate=100
  row watch-all "watch: create $((w_streams * w_per)) watchers (watches/s)" "Watch creation summary:" 0 0
  row watch-all "watch: $((w_streams * w_per * w_puts)) events (events/s; CPU per event, creation included)" \
    "Watch events received summary:" 1 $((w_streams * w_per * w_puts))
  workload wlat100-all all --conns=10 --clients=100 watch-latency --put-rate=100 --total="$wl_total" --key-size=8 --val-size=256
  row wlat100-all "watch-latency 100 watchers, 100 puts/s (events/s)" "" 0 $((wl_total * 100))
  if [ "$quick" != 1 ]; then
    workload wlat1000-all all --conns=10 --clients=100 watch-latency --put-rate=1000 --total=3000 --key-size=8 --val-size=256
    row wlat1000-all "watch-latency 100 watchers, up to 1000 puts/s (events/s)" "" 0 300000
  fi
  workload gwput1-leader leader gw put 1
  row gwput1-leader "JSON gateway put, 1 connection" "" 0 "$n_gw"
  workload gwput8-all all gw put 8
  row gwput8-all "JSON gateway put, 8 connections" "" 0 "$n_gw"
  workload gwrange8-all all gw range 8
  row gwrange8-all "JSON gateway range, 8 connections" "" 0 "$n_gw"
  local i; for i in "${!R_ID[@]}"; do R_TARGET[i]="${R_ID[i]##*-}"; done
}

# ---- running ----

# run_one M ID SIDE ROUND TARGET ARGS: one run on one side, its report to a file and a line to
# runs.tsv with the exit status, the leader's index and every member's CPU ticks before/after.
run_one() {
  local m="$1" id="$2" side="$3" round="$4" target="$5" args="$6" eps rc=0 before after f
  local -a a
  eval "a=($args)"
  f="$BENCH_RESULTS/m$m/r$round-$id-$side.txt"
  if (( SECONDS > budget )); then
    echo "skipped: time budget of $budget s used up" >"$f"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$id" "$side" "$round" "$f" skipped 0 "" "" >>"$RUNS"
    return 0
  fi
  if ! bench_leader "$side"; then LEADER_IDX=0; LEADER_EP="${MEMBER_EPS[$side]%% *}"; fi
  case "$target" in
    leader)   eps="$LEADER_EP" ;;
    follower) eps="$(bench_follower "$side")" ;;
    *)        eps="$(bench_endpoints "$side")" ;;
  esac
  bench_log "m$m round $round: $id on $side ($eps)"
  before="$(bench_member_ticks "$side")"
  if [ "${a[0]}" = gw ]; then
    timeout --kill-after=5 "$limit" python3 "$here/gateway.py" --one "$eps" "${a[1]}" "$n_gw" "${a[2]}" >"$f" 2>&1 || rc=$?
  else
    bench_run "$limit" --endpoints="$eps" "${a[@]}" >"$f" || rc=$?
  fi
  after="$(bench_member_ticks "$side")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$id" "$side" "$round" "$f" "$rc" "$LEADER_IDX" "$before" "$after" >>"$RUNS"
}

reset_reads() {
  local side
  for side in cairn etcd; do
    "$ETCDCTL_BIN" --endpoints="$(bench_endpoints "$side")" put "$range_key" "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null \
      || bench_log "could not write $range_key on $side"
  done
}

# Same unmeasured warm-up on both sides, over all members: 100k puts, 30k linearizable reads, a
# small watch run and 30k JSON gateway puts and ranges, so Cairn's figures are not those of a cold JVM.
warm_up() {
  local side eps
  for side in cairn etcd; do
    eps="$(bench_endpoints "$side")"
    bench_log "warm-up on $side ($eps)"
    bench_run $((limit * 3)) --endpoints="$eps" --conns=10 --clients=50 put --total "$warm_put" --sequential-keys "${kv[@]}" >/dev/null \
      || bench_log "warm-up put failed on $side"
    "$ETCDCTL_BIN" --endpoints="$eps" put "$range_key" "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null
    bench_run "$limit" --endpoints="$eps" --conns=10 --clients=50 range "$range_key" --total "$warm_range" >/dev/null \
      || bench_log "warm-up range failed on $side"
    bench_run "$limit" --endpoints="$eps" --conns=1 --clients=1 watch --streams=10 --watch-per-stream=10 \
      --put-total=20 --put-rate=100 >/dev/null || bench_log "warm-up watch failed on $side"
    timeout --kill-after=5 $((limit * 3)) python3 "$here/gateway.py" --one "$eps" put "$warm_gw" 8 >/dev/null \
      || bench_log "warm-up gateway put failed on $side"
    timeout --kill-after=5 $((limit * 3)) python3 "$here/gateway.py" --one "$eps" range "$warm_gw" 8 >/dev/null \
      || bench_log "warm-up gateway range failed on $side"
  done
}

run_size() {
  local m="$1" round i side order
  mkdir -p "$BENCH_RESULTS/m$m"
  define_workloads "$m"
  if ! bench_start_members cairn "$m" || ! bench_start_members etcd "$m"; then
    # Reported, and the other size still runs: a cluster that will not start is a finding.
    BENCH_FAILS+=("$m member(s): a cluster did not start (see the log lines above); no figures for this size")
    bench_stop_members cairn; bench_stop_members etcd
    return 0
  fi
  warm_up
  for ((round = first_round; round <= rounds; round++)); do
    # round 0 is the warm round: run and kept in the raw reports, never counted
    [ "$round" -gt 0 ] && LOADS[$m]+="${LOADS[$m]:+, }$(cut -d' ' -f1 /proc/loadavg)"
    for i in "${!W_ID[@]}"; do
      if [ "${W_ID[i]}" = reset ]; then reset_reads; continue; fi
      # which side goes first flips from workload to workload and from round to round
      if (( (i + round) % 2 )); then order="cairn etcd"; else order="etcd cairn"; fi
      for side in $order; do run_one "$m" "${W_ID[i]}" "$side" "$round" "${W_TARGET[i]}" "${W_ARGS[i]}"; done
    done
  done
  bench_check_members cairn
  bench_check_members etcd
  print_table "$m" >>"$BENCH_RESULTS/tables.md"
  bench_stop_members cairn
  bench_stop_members etcd
}

# ---- the table ----

# Median of the numbers among the arguments ("-" when there is none); $1 = printf format.
median() {
  local fmt="$1"; shift
  printf '%s\n' "$@" | awk '/^[0-9.]+$/' | sort -g \
    | awk -v fmt="$fmt" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf fmt "\n", m }'
}

# Figures of one row on one side: sets S_RPS S_P50 S_P99 S_CPU (medians) and S_RATIO_RPS (the
# per-round req/s, space-separated, "-" for a failed round); failures go to BENCH_FAILS.
side_figures() {
  local m="$1" id="$2" label="$3" section="$4" nolat="$5" cpun="$6" side="$7"
  local line f rc lidx before after rps p50 p99 err sec="$BENCH_TMP/section.txt" fails=0 ok=0 errs=0
  local -a rpss=() p50s=() p99s=() lead=() fol1=() fol2=() b a
  while IFS=$'\t' read -r _ _ _ round f rc lidx before after; do
    if [ "$rc" = skipped ]; then rpss+=("-"); fails=$((fails + 1)); continue; fi
    bench_section "$f" "$section" >"$sec"
    rps="$(bench_field rps <"$sec")"; p50="$(bench_field p50 <"$sec")"; p99="$(bench_field p99 <"$sec")"
    err="$(bench_error_text "$f" "$rc" "$limit")"
    if [ -n "$section" ] && [ -n "$err" ] && [ "$rps" != "-" ] && ! grep -q '^Error distribution:' "$sec"; then err=""; fi
    if [ -n "$err" ]; then
      BENCH_FAILS+=("$m member(s), $label ($id), round $round, $side: $err")
      if [ "$rc" != 0 ] || [ "$rps" = "-" ]; then
        rpss+=("-"); fails=$((fails + 1)); S_LASTERR="$err"; continue
      fi
      errs=$((errs + 1))
    fi
    ok=$((ok + 1))
    rpss+=("$rps"); p50s+=("$p50"); p99s+=("$p99")
    if [ "$cpun" != 0 ]; then
      read -ra b <<<"$before"; read -ra a <<<"$after"
      local k seen=0 us
      for k in "${!a[@]}"; do
        us="$(awk -v d=$((a[k] - b[k])) -v hz="$hz" -v n="$cpun" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }')"
        if [ "$k" = "$lidx" ]; then lead+=("$us"); elif [ "$seen" = 0 ]; then fol1+=("$us"); seen=1; else fol2+=("$us"); fi
      done
    fi
  done < <(awk -F'\t' -v m="$m" -v id="$id" -v s="$side" '$1 == m && $2 == id && $3 == s && $4 > 0' "$RUNS")
  S_RATIO_RPS="${rpss[*]}"
  if [ "$ok" = 0 ]; then
    case "${S_LASTERR:-}" in
      *"code = Unimplemented"*) S_RPS="FAILED (Unimplemented)" ;;
      *"time limit"*)           S_RPS="FAILED (timeout)" ;;
      "")                       S_RPS="skipped" ;;
      *)                        S_RPS="FAILED" ;;
    esac
    S_P50="-"; S_P99="-"; S_CPU="-"; return
  fi
  S_RPS="$(median '%.0f' "${rpss[@]}")"
  if [ "$nolat" = 1 ]; then S_P50="-"; S_P99="-"; else S_P50="$(median '%.3f' "${p50s[@]}")"; S_P99="$(median '%.3f' "${p99s[@]}")"; fi
  [ "$fails" -gt 0 ] && S_RPS+=" ($ok of $((ok + fails)) rounds)"
  [ "$errs" -gt 0 ] && S_RPS+=" (some errors)"
  if [ "$cpun" = 0 ]; then S_CPU="-"
  elif [ "${#fol1[@]}" = 0 ]; then S_CPU="$(median '%.0f' "${lead[@]}")"
  else S_CPU="L $(median '%.0f' "${lead[@]}") · F $(median '%.0f' "${fol1[@]}"), $(median '%.0f' "${fol2[@]}")"
  fi
}

print_table() {
  local m="$1" i crps erps cr er ratio rr who
  echo "### $m member(s) each: Cairn vs etcd, median of $rounds round(s)"
  echo
  echo "$(date -u '+%F %H:%M UTC'); Cairn jar built ${BENCH_JAR_DATE:-?} (checkout at ${BENCH_JAR_COMMIT:-?}); $("$ETCD_BIN" --version 2>/dev/null | head -n1); $(nproc) cores; 1-minute load at the start of each round: ${LOADS[$m]}."
  echo
  echo "| workload | to | Cairn req/s | Cairn p50 ms | Cairn p99 ms | etcd req/s | etcd p50 ms | etcd p99 ms | Cairn/etcd | per round | Cairn CPU µs/req | etcd CPU µs/req |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for i in "${!R_ID[@]}"; do
    local -A F=()
    for side in cairn etcd; do
      S_LASTERR=""
      side_figures "$m" "${R_ID[i]}" "${R_LABEL[i]}" "${R_SECTION[i]}" "${R_NOLAT[i]}" "${R_CPUN[i]}" "$side"
      F[$side.rps]="$S_RPS"; F[$side.p50]="$S_P50"; F[$side.p99]="$S_P99"; F[$side.cpu]="$S_CPU"; F[$side.rounds]="$S_RATIO_RPS"
    done
    crps="${F[cairn.rps]%% *}"; erps="${F[etcd.rps]%% *}"; ratio="-"
    [[ "$crps" =~ ^[0-9]+$ && "$erps" =~ ^[1-9][0-9]*$ ]] && ratio="$(awk -v a="$crps" -v b="$erps" 'BEGIN { printf "%.2f", a / b }')"
    # per-round ratios, round by round, to show the spread behind the median
    rr="$(paste -d' ' <(tr ' ' '\n' <<<"${F[cairn.rounds]}") <(tr ' ' '\n' <<<"${F[etcd.rounds]}") \
      | awk '{ if ($1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0) printf "%s%.2f", sep, $1 / $2; else printf "%s-", sep; sep = " " }')"
    if [ "$m" = 1 ]; then who=1; elif [ "${R_TARGET[i]}" = all ]; then who="all 3"; else who="${R_TARGET[i]}"; fi
    echo "| ${R_LABEL[i]} | $who | ${F[cairn.rps]} | ${F[cairn.p50]} | ${F[cairn.p99]} | ${F[etcd.rps]} | ${F[etcd.p50]} | ${F[etcd.p99]} | $ratio | $rr | ${F[cairn.cpu]} | ${F[etcd.cpu]} |"
  done
  echo
  echo "Commands (EP = the member addresses the row went to, comma-separated):"
  echo
  for i in "${!W_ID[@]}"; do
    local -a a; eval "a=(${W_ARGS[i]})"
    case "${a[0]}" in
      reset) ;;
      gw) echo "- ${W_ID[i]}: \`scripts/bench/gateway.py --one EP ${a[1]} $n_gw ${a[2]}\`" ;;
      *)  echo "- ${W_ID[i]}: \`benchmark --precise --endpoints=EP ${a[*]}\`" ;;
    esac
  done
  echo
}

bench_init
bench_tool >/dev/null            # build etcd's benchmark first, so its build is not timed
bench_results_dir
RUNS="$BENCH_RESULTS/runs.tsv"
: >"$RUNS"
declare -A LOADS=()
bench_log "rounds $rounds (warm round: $((1 - first_round))), sizes ${sizes[*]}, quick $quick, limit $limit s per call, budget $budget s; results $BENCH_RESULTS"
for m in "${sizes[@]}"; do run_size "$m"; done

cat "$BENCH_RESULTS/tables.md"
echo "\"to\": the endpoints the load went to (\`--endpoints=a,b,c\` for all 3, or the leader found with"
echo "\`etcdctl endpoint status\`, or the first member that is not the leader). Figures are medians over the rounds; \"per round\" lists each round's"
echo "Cairn/etcd req/s. CPU µs/req = each server process's user+system CPU during the run (/proc/PID/stat)"
echo "divided by the requests (events for watch rows); L = leader, F = each follower (CPU is counted in ticks of 1/$hz s)."
echo
if [ "${#BENCH_FAILS[@]}" -gt 0 ]; then
  echo "Failures and errors:"; echo
  for r in "${BENCH_FAILS[@]}"; do echo "- $r"; done
else
  echo "No failures."
fi
echo
echo "Raw reports: $BENCH_RESULTS"
