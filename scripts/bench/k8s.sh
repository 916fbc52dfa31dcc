#!/usr/bin/env bash
# A Kubernetes-shaped benchmark (issue 16): a 3-member Cairn and a 3-member etcd 3.4.23, one after
# the other in the same run, each loaded like the kube-apiserver loads etcd by our own driver
# (scripts/bench/k8s/k8sload: pods under /registry/pods/<ns>/<name>, ~90% reads with Range
# limit=1 GETs and paginated namespace LISTs, CAS updates with retry, creates, events on shared
# TTL leases, watches from RV+1 with prev_kv and progress_notify plus RequestProgress, the
# apiserver's compaction txn + Compact). Prints a markdown table of Cairn ÷ etcd: throughput, p99
# per kind of operation, and each member's peak resident memory (VmHWM from /proc/PID/status,
# and the highest VmRSS polled every 0.5 s during the measured phase).
#
#   scripts/bench/k8s.sh                                  # defaults: about 4 minutes
#   K8S_DURATION=5 K8S_WARMUP=5 K8S_PODS=200 scripts/bench/k8s.sh   # smoke test
#
# Each side: start 3 members (fresh data dirs, fsync on, default snapshot count and quota),
# populate the pods, warm up for K8S_WARMUP s with the same mix and seed, measure for
# K8S_DURATION s (seed + 1), read memory, stop exactly the PIDs started. Identical on both sides.
# Env: K8S_DURATION (30 s), K8S_WARMUP (30 s), K8S_CLIENTS (32), K8S_CONNS (4), K8S_PODS (2000),
#      K8S_NAMESPACES (10), K8S_POD_SIZE (4096), K8S_PAGE (100), K8S_WATCHERS (4),
#      K8S_MIX (get=85,list=5,update=6,event=3,delete=1), K8S_COMPACT_EVERY (10s),
#      K8S_EVENT_TTL (30s), K8S_LEASE_REUSE (2s), K8S_TIMEOUT (5s), K8S_SEED (1),
#      K8S_ORDER ("cairn etcd"; one side alone also works), K8S_EXTRA (more k8sload flags),
#      K8S_JVM_DIAG=1 (jstack, GC.heap_info and VM.native_memory of each Cairn member after its
#      measured run, into the results dir), lib.sh's (CAIRN_JAR,
#      CAIRN_JAVA_OPTS, BENCH_KEEP_TMP, CAIRN_BENCH_DIR).
# Output: the markdown on stdout and in $CAIRN_BENCH_DIR/results/<time>/k8s.md, with the raw
# driver reports beside it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/bench/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/bench/lib-cluster.sh
source "$here/lib-cluster.sh"

dur="${K8S_DURATION:-30}"
warm="${K8S_WARMUP:-30}"
seed="${K8S_SEED:-1}"
order="${K8S_ORDER:-cairn etcd}"
common=(-clients "${K8S_CLIENTS:-32}" -conns "${K8S_CONNS:-4}" -pods "${K8S_PODS:-2000}"
  -namespaces "${K8S_NAMESPACES:-10}" -pod-size "${K8S_POD_SIZE:-4096}" -page "${K8S_PAGE:-100}"
  -watchers "${K8S_WATCHERS:-4}" -mix "${K8S_MIX:-get=85,list=5,update=6,event=3,delete=1}"
  -compact-every "${K8S_COMPACT_EVERY:-10s}" -event-ttl "${K8S_EVENT_TTL:-30s}"
  -lease-reuse "${K8S_LEASE_REUSE:-2s}" -timeout "${K8S_TIMEOUT:-5s}")
# shellcheck disable=SC2206  # K8S_EXTRA is a list of flags
extra=(${K8S_EXTRA:-})

bench_init
bench_results_dir
driver="$("$here/k8s/build.sh")"
bench_log "driver $driver; results in $BENCH_RESULTS"

# k8sload with a hard wall-clock limit; its report goes to $1.
drive() {
  local outf="$1" limit="$2"; shift 2
  timeout --kill-after=5 "$limit" "$driver" "$@" -out "$outf" >/dev/null 2>>"$outf.stderr"
}

# Polls VmRSS of the given PIDs every 0.5 s into $1 (max per PID, kB) until $1.stop exists or
# 30 minutes pass. Runs in the background; its PID is in POLL_PID.
poll_rss() {
  local f="$1"; shift
  (
    declare -A mx
    for p in "$@"; do mx[$p]=0; done
    for _ in $(seq 1 3600); do
      [ -e "$f.stop" ] && break
      for p in "$@"; do
        v="$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"
        [ -n "$v" ] && (( v > mx[$p] )) && mx[$p]=$v
      done
      : >"$f.tmp"; for p in "$@"; do echo "$p ${mx[$p]}" >>"$f.tmp"; done; mv "$f.tmp" "$f"
      sleep 0.5
    done
  ) &
  POLL_PID=$!
}

# "name seconds" of the busiest thread groups between two bench_thread_ticks files, top 8.
thread_split() {
  awk -v hz="$hz" 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) printf "%s %.1f\n", $1, d / hz }' "$1" "$2" \
    | sort -k2 -rn | head -n 8 | awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $1, $2 }'
}

declare -A HWM RSSMAX LEADER CPU
hz="$(getconf CLK_TCK)"
for side in $order; do
  bench_log "=== $side: 3 members"
  bench_start_members "$side" 3
  LEADER[$side]="$LEADER_IDX"
  eps="$(bench_endpoints "$side")"
  r="$BENCH_RESULTS/$side"
  bench_log "$side: populate"
  drive "$r-populate.txt" 300 -phase populate -endpoints "$eps" -seed "$seed" "${common[@]}" "${extra[@]}" \
    || bench_log "$side: populate exited with $?"
  bench_log "$side: warm-up ${warm} s"
  drive "$r-warmup.txt" $((warm + 120)) -phase run -duration "${warm}s" -endpoints "$eps" -seed "$seed" \
    -label "$side-warmup" "${common[@]}" "${extra[@]}" || bench_log "$side: warm-up exited with $?"
  # shellcheck disable=SC2086
  poll_rss "$r-rss.txt" ${MEMBER_PIDS[$side]}
  t_before="$(bench_member_ticks "$side")"
  # shellcheck disable=SC2086
  bench_thread_ticks ${MEMBER_PIDS[$side]} >"$r-threads-before.txt"
  bench_log "$side: measured run ${dur} s"
  drive "$r-run.txt" $((dur + 120)) -phase run -duration "${dur}s" -endpoints "$eps" -seed $((seed + 1)) \
    -label "$side" "${common[@]}" "${extra[@]}" || bench_log "$side: run exited with $?"
  touch "$r-rss.txt.stop"; wait "$POLL_PID" 2>/dev/null || true
  # shellcheck disable=SC2086
  bench_thread_ticks ${MEMBER_PIDS[$side]} >"$r-threads-after.txt"
  CPU[$side]="$(paste -d' ' <(tr ' ' '\n' <<<"$t_before") <(tr ' ' '\n' <<<"$(bench_member_ticks "$side")") \
    | awk -v hz="$hz" '{ printf "%s%.1f", (NR > 1 ? " " : ""), ($2 - $1) / hz }')"
  HWM[$side]=""; RSSMAX[$side]=""
  for pid in ${MEMBER_PIDS[$side]}; do
    HWM[$side]+="${HWM[$side]:+ }$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    RSSMAX[$side]+="${RSSMAX[$side]:+ }$(awk -v p="$pid" '$1 == p {print $2}' "$r-rss.txt" 2>/dev/null || echo 0)"
  done
  printf 'hwm_kb %s\nrss_max_kb %s\ncpu_s %s\nleader_idx %s\n' "${HWM[$side]}" "${RSSMAX[$side]}" "${CPU[$side]}" "${LEADER[$side]}" >"$r-members.txt"
  bench_check_members "$side"
  if [ "$side" = cairn ] && [ "${K8S_JVM_DIAG:-0}" = 1 ]; then
    # thread dumps, heap and (if started with -XX:NativeMemoryTracking=summary) native memory
    for pid in ${MEMBER_PIDS[$side]}; do
      jstack "$pid" >"$r-jstack-$pid.txt" 2>&1 || true
      { jcmd "$pid" GC.heap_info; jcmd "$pid" VM.native_memory summary; } >"$r-jvm-memory-$pid.txt" 2>&1 || true
    done
  fi
  bench_stop_members "$side"
done

# ---- the table ----
kv() { awk -F'\t' -v k="$2" -v col="$3" '$1 == "KIND" && $2 == k { print $col; exit }' "$BENCH_RESULTS/$1-run.txt" 2>/dev/null || true; }
total() { awk -F'\t' '$1 == "TOTAL" { sub("ops_per_s ", "", $5); print $5 }' "$BENCH_RESULTS/$1-run.txt" 2>/dev/null | tail -n1 || true; }
watchline() { grep '^WATCH' "$BENCH_RESULTS/$1-run.txt" 2>/dev/null | tr '\t' ' ' | cut -d' ' -f2- || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
sum() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' <<<"$1"; }

md="$BENCH_RESULTS/k8s.md"
{
  echo "### Kubernetes-shaped load, 3 members each"
  echo
  echo "$(date -u '+%F %H:%M UTC'); Cairn jar built ${BENCH_JAR_DATE:-?} (checkout at ${BENCH_JAR_COMMIT:-?}); $("$ETCD_BIN" --version 2>/dev/null | head -n1); $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg). Order: $order. Warm-up ${warm} s (seed $seed), measured ${dur} s (seed $((seed + 1)))."
  echo
  echo "Driver flags: \`${common[*]} ${extra[*]:-}\`"
  echo
  ca="$(total cairn)"; et="$(total etcd)"
  echo "| | Cairn | etcd | Cairn ÷ etcd |"
  echo "|---|---|---|---|"
  echo "| throughput, apiserver requests/s (a paginated LIST counts once) | ${ca:--} | ${et:--} | $(ratio "${ca:-x}" "${et:-x}") |"
  pc="$(awk -F'\t' '$1 == "TOTAL" { sub("ops_per_s ", "", $5); print $5 }' "$BENCH_RESULTS/cairn-populate.txt" 2>/dev/null | tail -n1 || true)"
  pe="$(awk -F'\t' '$1 == "TOTAL" { sub("ops_per_s ", "", $5); print $5 }' "$BENCH_RESULTS/etcd-populate.txt" 2>/dev/null | tail -n1 || true)"
  echo "| populate: pod creates/s (cold; before the warm-up) | ${pc:--} | ${pe:--} | $(ratio "${pc:-x}" "${pe:-x}") |"
  hc="$(sum "${HWM[cairn]:-0}")"; he="$(sum "${HWM[etcd]:-0}")"
  echo "| peak RSS (VmHWM), sum of 3 members, MiB | $(mib "$hc") | $(mib "$he") | $(ratio "$hc" "$he") |"
  rc="$(sum "${RSSMAX[cairn]:-0}")"; re="$(sum "${RSSMAX[etcd]:-0}")"
  echo "| highest VmRSS polled during the measured run, sum, MiB | $(mib "$rc") | $(mib "$re") | $(ratio "$rc" "$re") |"
  for i in 0 1 2; do
    read -ra hcs <<<"${HWM[cairn]:-0 0 0}"; read -ra hes <<<"${HWM[etcd]:-0 0 0}"
    lc=""; le=""; [ "${LEADER[cairn]:-x}" = "$i" ] && lc=" (leader)"; [ "${LEADER[etcd]:-x}" = "$i" ] && le=" (leader)"
    echo "| member $((i + 1)) peak RSS (VmHWM), MiB | $(mib "${hcs[i]:-0}")$lc | $(mib "${hes[i]:-0}")$le | $(ratio "${hcs[i]:-0}" "${hes[i]:-0}") |"
  done
  cc="$(awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' <<<"${CPU[cairn]:-0}")"
  ce="$(awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' <<<"${CPU[etcd]:-0}")"
  echo "| CPU seconds of the 3 members during the measured run (per member) | $cc (${CPU[cairn]:-}) | $ce (${CPU[etcd]:-}) | $(ratio "$cc" "$ce") |"
  nc="$(awk -F'\t' '$1 == "TOTAL" { sub("ops ", "", $2); print $2 }' "$BENCH_RESULTS/cairn-run.txt" 2>/dev/null | tail -n1 || true)"
  ne="$(awk -F'\t' '$1 == "TOTAL" { sub("ops ", "", $2); print $2 }' "$BENCH_RESULTS/etcd-run.txt" 2>/dev/null | tail -n1 || true)"
  uc="$(awk -v c="$cc" -v n="${nc:-0}" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "-" }')"
  ue="$(awk -v c="$ce" -v n="${ne:-0}" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "-" }')"
  echo "| cluster CPU µs per apiserver request | $uc | $ue | $(ratio "$uc" "$ue") |"
  echo
  echo "| operation | Cairn count (errors) | Cairn p50 ms | Cairn p99 ms | etcd count (errors) | etcd p50 ms | etcd p99 ms | p99 Cairn ÷ etcd |"
  echo "|---|---|---|---|---|---|---|---|"
  for k in get list list_page listall listall_page update update_conflict create_event lease_grant delete create_pod watch_event request_progress compact_txn compact count; do
    nc="$(kv cairn "$k" 3)"; ne="$(kv etcd "$k" 3)"
    [ -z "$nc$ne" ] && continue
    ec="$(kv cairn "$k" 4)"; ee="$(kv etcd "$k" 4)"
    if [ "$k" = update_conflict ]; then
      echo "| update conflicts (retries) | ${nc:-0} | - | - | ${ne:-0} | - | - | - |"; continue
    fi
    p99c="$(kv cairn "$k" 6)"; p99e="$(kv etcd "$k" 6)"
    echo "| $k | ${nc:-0} (${ec:-0}) | $(kv cairn "$k" 5) | $p99c | ${ne:-0} (${ee:-0}) | $(kv etcd "$k" 5) | $p99e | $(ratio "${p99c:-x}" "${p99e:-x}") |"
  done
  echo
  echo "Watch: Cairn: $(watchline cairn); etcd: $(watchline etcd)."
  echo
  for side in cairn etcd; do
    [ -f "$BENCH_RESULTS/$side-threads-after.txt" ] || continue
    echo "- $side CPU by thread (3 members, measured run): $(thread_split "$BENCH_RESULTS/$side-threads-before.txt" "$BENCH_RESULTS/$side-threads-after.txt")"
  done
  echo
  for side in cairn etcd; do
    errs="$(awk -F'\t' '$1 == "KIND" && $2 != "kind" && $4 + 0 > 0 { printf "%s: %s errors, first: %s; ", $2, $4, $8 }' "$BENCH_RESULTS/$side-run.txt" 2>/dev/null || true)"
    [ -n "$errs" ] && echo "- $side errors: $errs"
    if grep -q 'unexpected EOF' "$BENCH_RESULTS/$side-run.txt" 2>/dev/null; then
      # k8sload links Debian's grpc-go 1.33, whose client can open a stream with a smaller receive window than the
      # one it just announced to the server while it grows its windows (in the first seconds of a connection): a
      # response over 64 KiB on that stream then fails on the client as Internal "unexpected EOF"
      # (grpc/grpc-go#5358, fixed in 1.49; the apiserver's grpc-go is far newer).
      echo "- $side: \"unexpected EOF\" is the driver's grpc-go 1.33 flow-control race (grpc/grpc-go#5358), a client bug"
    fi
  done
  if [ "${#BENCH_FAILS[@]}" -gt 0 ]; then for f in "${BENCH_FAILS[@]}"; do echo "- $f"; done; fi
  echo
  echo "Raw reports: $BENCH_RESULTS"
} | tee "$md"
