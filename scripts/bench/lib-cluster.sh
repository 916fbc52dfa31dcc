#!/usr/bin/env bash
# Cluster helpers for the benchmark scripts, on top of lib.sh: start and stop an N-member Cairn
# or etcd cluster (N = 1 or 3) on free loopback ports, each member with its own temp data dir,
# find its leader, and read its members' CPU time. Source lib.sh first, then this file.
#
#   bench_start_members cairn 3   # sets MEMBER_EPS[cairn]="h:p h:p h:p", MEMBER_PIDS[cairn]="..."
#   bench_leader cairn            # sets LEADER_EP (host:port) and LEADER_IDX (0-based)
#   bench_stop_members cairn      # stops exactly those PIDs
#
# Same flags for both servers (Cairn takes etcd's): --name, --data-dir, --listen-client-urls,
# --advertise-client-urls, --listen-peer-urls, --initial-advertise-peer-urls, --initial-cluster,
# --initial-cluster-state new. Nothing that trades durability for speed is passed: fsync on,
# default --snapshot-count and quota.

declare -A MEMBER_EPS MEMBER_PIDS MEMBER_LOGS

# bench_start_members KIND N: KIND is cairn or etcd. Starts all N members, then waits until every
# one answers `endpoint health` (which needs a quorum, so a leader) and a leader is known.
bench_start_members() {
  local kind="$1" n="$2" i c p cluster="" prefix dir
  local -a cports pports
  [ "$kind" = cairn ] && bench_ensure_cairn_jar
  prefix="${kind:0:1}"
  for ((i = 1; i <= n; i++)); do
    bench_free_port; cports+=("$BENCH_PORT")
    bench_free_port; pports+=("$BENCH_PORT")
    cluster+="${cluster:+,}$prefix$i=http://127.0.0.1:${pports[i-1]}"
  done
  MEMBER_EPS[$kind]=""; MEMBER_PIDS[$kind]=""; MEMBER_LOGS[$kind]=""
  for ((i = 1; i <= n; i++)); do
    c="${cports[i-1]}"; p="${pports[i-1]}"
    dir="$BENCH_TMP/$kind-$n-$i"
    mkdir -p "$dir"
    local -a flags=(--name "$prefix$i" --data-dir "$dir/data"
      --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c"
      --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p"
      --initial-cluster "$cluster" --initial-cluster-state new)
    if [ "$kind" = cairn ]; then
      "$BENCH_ROOT/scripts/cairn-java.sh" "$BENCH_JAR_COPY" "${flags[@]}" >"$dir/log" 2>&1 &
    else
      "$ETCD_BIN" "${flags[@]}" >"$dir/log" 2>&1 &
    fi
    BENCH_PIDS+=("$!")
    MEMBER_PIDS[$kind]+="${MEMBER_PIDS[$kind]:+ }$!"
    MEMBER_EPS[$kind]+="${MEMBER_EPS[$kind]:+ }127.0.0.1:$c"
    MEMBER_LOGS[$kind]+="${MEMBER_LOGS[$kind]:+ }$dir/log"
    bench_log "$kind member $prefix$i: pid $! on 127.0.0.1:$c (log $dir/log)"
  done
  local -a eps pids logs
  read -ra eps <<<"${MEMBER_EPS[$kind]}"
  read -ra pids <<<"${MEMBER_PIDS[$kind]}"
  read -ra logs <<<"${MEMBER_LOGS[$kind]}"
  for ((i = 0; i < n; i++)); do
    bench_wait_healthy "${eps[i]}" "${pids[i]}" "${logs[i]}" 90 || return 1
  done
  bench_leader "$kind" || return 1
  bench_log "$kind: $n member(s) up, leader ${LEADER_EP}"
}

# The members' client addresses joined with commas, for --endpoints.
bench_endpoints() { tr ' ' ',' <<<"${MEMBER_EPS[$1]}"; }

# The first member's address that is not the leader's (needs LEADER_EP from bench_leader).
bench_follower() {
  local ep
  for ep in ${MEMBER_EPS[$1]}; do
    if [ "$ep" != "$LEADER_EP" ]; then echo "$ep"; return 0; fi
  done
  echo "$LEADER_EP" # one member: it is its own leader
}

# bench_leader KIND: sets LEADER_EP and LEADER_IDX from `etcdctl endpoint status -w json` (the
# member whose own id equals the leader id it reports). Retries for up to 20 s (an election may
# be under way).
bench_leader() {
  local kind="$1" start=$SECONDS json idx
  local -a eps
  read -ra eps <<<"${MEMBER_EPS[$kind]}"
  while :; do
    json="$("$ETCDCTL_BIN" --endpoints="$(bench_endpoints "$kind")" --dial-timeout=2s \
      --command-timeout=3s endpoint status -w json 2>/dev/null || true)"
    LEADER_EP="$(jq -r '[.[] | select(.Status.header.member_id == .Status.leader)][0].Endpoint // empty' \
      <<<"$json" 2>/dev/null || true)"
    LEADER_EP="${LEADER_EP#http://}"
    for idx in "${!eps[@]}"; do
      if [ "${eps[idx]}" = "$LEADER_EP" ]; then LEADER_IDX="$idx"; return 0; fi
    done
    if (( SECONDS - start >= 20 )); then
      bench_log "$kind: no leader found in 20 s; endpoint status said: $json"
      return 1
    fi
    sleep 0.5
  done
}

# CPU time (user + system, clock ticks) of each member of KIND, space-separated, in member order.
bench_member_ticks() {
  local pid out=""
  for pid in ${MEMBER_PIDS[$1]}; do
    out+="${out:+ }$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
  done
  echo "$out"
}

# bench_stop_members KIND: SIGTERM to exactly the PIDs we started for KIND, up to 10 s grace
# each, then SIGKILL; they are also dropped from BENCH_PIDS.
bench_stop_members() {
  local kind="$1" pid _ keep=()
  for pid in ${MEMBER_PIDS[$kind]}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${MEMBER_PIDS[$kind]}; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      bench_log "$kind pid $pid did not stop within 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    [[ " ${MEMBER_PIDS[$kind]} " == *" $pid "* ]] || keep+=("$pid")
  done
  BENCH_PIDS=("${keep[@]}")
  MEMBER_PIDS[$kind]=""
}

# bench_check_members KIND: a member that died during the run is a finding; so are WARN/ERROR
# lines and exceptions in Cairn's logs (first few, de-duplicated; logs copied to the results).
bench_check_members() {
  local kind="$1" i=0 pid n logf
  local -a logs
  read -ra logs <<<"${MEMBER_LOGS[$kind]}"
  for pid in ${MEMBER_PIDS[$kind]}; do
    logf="${logs[i]}"; i=$((i + 1))
    if ! kill -0 "$pid" 2>/dev/null; then
      BENCH_FAILS+=("$kind member $i (pid $pid) was no longer running at the end; last log line: $(tail -n1 "$logf")")
    fi
    [ "$kind" = cairn ] || continue
    n="$(grep -cE 'ERROR|WARN|Exception' "$logf" || true)"
    if [ "$n" -gt 0 ]; then
      cp "$logf" "$BENCH_RESULTS/$(basename "$(dirname "$logf")").log"
      BENCH_FAILS+=("Cairn member $i's log has $n WARN/ERROR/exception lines, e.g.: $(grep -E 'ERROR|WARN|Exception' "$logf" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | paste -sd ';' -)")
    fi
  done
}
