#!/usr/bin/env bash
# Shared helpers for the benchmark scripts: start and stop ONE Cairn member and ONE real etcd
# member on free loopback ports with throw-away data dirs, and run etcd's `benchmark` tool with
# a hard time limit. Source it; do not run it.
#
#   source "$(dirname "$0")/lib.sh"
#   bench_init                 # temp dir + trap that stops everything we started
#   bench_start_cairn          # sets CAIRN_EP (host:port) and CAIRN_PID
#   bench_start_etcd           # sets ETCD_EP and ETCD_PID
#
# Only processes started here are stopped, by their recorded PID (never by name), so other
# people's etcd or Cairn on the same machine are left alone.
# Env: CAIRN_JAR (default server/target/cairn.jar, built with mvn if missing), ETCD_BIN (etcd),
#      ETCDCTL_BIN (etcdctl), CAIRN_JAVA_OPTS, BENCH_KEEP_TMP=1 keeps the data dirs and logs.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CAIRN_JAR="${CAIRN_JAR:-$BENCH_ROOT/server/target/cairn.jar}"
ETCD_BIN="${ETCD_BIN:-etcd}"
ETCDCTL_BIN="${ETCDCTL_BIN:-etcdctl}"
export ETCDCTL_API=3

BENCH_PIDS=()        # every server we started, stopped in bench_cleanup
BENCH_PORTS=()       # ports handed out in this run, so two servers never get the same one
BENCH_TMP=""

bench_log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# The put the cluster benchmarks send (add --total): etcd's published shape, 8 B keys, 256 B values,
# over a space of 100,000 keys.
BENCH_PUT=(put --key-size 8 --val-size 256 --sequential-keys --key-space-size 100000)

# bench_thread_ticks PID...: CPU ticks (user + system) per thread name over every thread of the given processes,
# digits in names folded to N ("cairn-read-3" -> "cairn-read-N"): sorted "name ticks" lines, for `join`ing a file
# taken before a run with one taken after. The stat fields are read after the last ")", since thread names hold
# spaces ("C2 CompilerThread0").
bench_thread_ticks() {
  local pid t
  for pid in "$@"; do
    for t in /proc/"$pid"/task/*; do
      printf '%s %s\n' "$(tr ' ' _ <"$t/comm" 2>/dev/null)" \
        "$(sed 's/.*)//' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done
  done | awk '$2 != "" { n = $1; gsub(/[0-9]+/, "N", n); s[n] += $2 } END { for (k in s) print k, s[k] }' | sort
}

# Creates the temp dir and installs the cleanup trap. Call once, before starting servers.
bench_init() {
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
  trap bench_cleanup EXIT
  # INT/TERM: clean up via the EXIT trap, with the conventional exit status.
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Stops what we started: SIGTERM, up to 10 s grace, then SIGKILL. Runs from the EXIT trap.
bench_cleanup() {
  local pid _
  for pid in "${BENCH_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      bench_log "pid $pid did not stop within 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
  if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
      bench_log "kept data dirs and logs in $BENCH_TMP"
    else
      rm -rf "$BENCH_TMP"
    fi
  fi
}

# Sets BENCH_PORT to a loopback TCP port that no socket uses and that this run has not handed
# out yet (a server we just started may not have bound its ports yet). Not called in $(...),
# so that the list of handed-out ports survives. Picked below the kernel's ephemeral range
# (32768+) so outgoing connections will not take it meanwhile.
bench_free_port() {
  local p u used _
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    used=0
    for u in "${BENCH_PORTS[@]}"; do [ "$u" = "$p" ] && used=1; done
    [ "$used" = 1 ] && continue
    if [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then
      BENCH_PORTS+=("$p")
      BENCH_PORT="$p"
      return 0
    fi
  done
  bench_log "no free port found"
  return 1
}

# Waits (up to $4 seconds, default 60) until `etcdctl endpoint health` succeeds on $1 (host:port).
# Fails early, with the tail of the server's log, if the process $2 has exited.
bench_wait_healthy() {
  local ep="$1" pid="$2" logf="$3" limit="${4:-60}" start=$SECONDS
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      bench_log "server pid $pid exited before it became healthy; last log lines:"
      tail -n 30 "$logf" >&2
      return 1
    fi
    if "$ETCDCTL_BIN" --endpoints="$ep" --dial-timeout=1s --command-timeout=2s endpoint health >/dev/null 2>&1; then
      bench_log "$ep healthy after $((SECONDS - start)) s"
      return 0
    fi
    if (( SECONDS - start >= limit )); then
      bench_log "$ep not healthy after $limit s; last log lines:"
      tail -n 30 "$logf" >&2
      return 1
    fi
    sleep 0.3
  done
}

# Makes a private copy of the Cairn jar for this run. Builds it only when it is missing (the
# scripts benchmark whatever jar is there; rebuild it yourself with
# `mvn -B -q -o -DskipTests package -pl server -am`). Why a copy: other people may rebuild
# server/target/cairn.jar while we run, and a jar caught half-written has no Main-Class.
bench_ensure_cairn_jar() {
  [ -n "${BENCH_JAR_COPY:-}" ] && return 0
  if [ ! -f "$CAIRN_JAR" ]; then
    bench_log "building $CAIRN_JAR"
    (cd "$BENCH_ROOT" && mvn -B -q -o -DskipTests package -pl server -am) >&2
  fi
  local _
  for _ in $(seq 1 60); do
    if cp "$CAIRN_JAR" "$BENCH_TMP/cairn.jar" 2>/dev/null \
       && unzip -p "$BENCH_TMP/cairn.jar" META-INF/MANIFEST.MF 2>/dev/null | grep -q '^Main-Class:'; then
      BENCH_JAR_COPY="$BENCH_TMP/cairn.jar"
      BENCH_JAR_DATE="$(date -r "$CAIRN_JAR" '+%F %T')"
      # The checkout's state when we took the jar (the jar may be older than HEAD; see its date).
      BENCH_JAR_COMMIT="$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
      git -C "$BENCH_ROOT" diff --quiet HEAD 2>/dev/null || BENCH_JAR_COMMIT+="+uncommitted changes"
      bench_log "using a copy of $CAIRN_JAR ($(date -r "$CAIRN_JAR" '+%F %T'))"
      # made now, once, for every start of the copy (scripts/cairn-java.sh uses it; CAIRN_CDS=0: none)
      local cds
      cds="$("$BENCH_ROOT/scripts/cds.sh" "$BENCH_JAR_COPY")"
      bench_log "class-data archive: ${cds:-none}"
      return 0
    fi
    sleep 1   # probably being rebuilt right now; try again
  done
  bench_log "$CAIRN_JAR is not a runnable jar (no Main-Class after 60 s)"
  return 1
}

# Starts one Cairn member (a single-member cluster) with etcd's flags. Sets CAIRN_EP, CAIRN_PID.
bench_start_cairn() {
  bench_ensure_cairn_jar
  local c p dir="$BENCH_TMP/cairn"
  bench_free_port; c="$BENCH_PORT"
  bench_free_port; p="$BENCH_PORT"
  mkdir -p "$dir"
  "$BENCH_ROOT/scripts/cairn-java.sh" "$BENCH_JAR_COPY" --name c1 --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "c1=http://127.0.0.1:$p" >"$dir/log" 2>&1 &
  CAIRN_PID=$!
  BENCH_PIDS+=("$CAIRN_PID")
  CAIRN_EP="127.0.0.1:$c"
  CAIRN_LOG="$dir/log"
  bench_log "cairn pid $CAIRN_PID on $CAIRN_EP (log $CAIRN_LOG)"
  bench_wait_healthy "$CAIRN_EP" "$CAIRN_PID" "$CAIRN_LOG" 90
}

# Starts one real etcd member with the same shape of flags. Sets ETCD_EP, ETCD_PID.
bench_start_etcd() {
  local c p dir="$BENCH_TMP/etcd"
  bench_free_port; c="$BENCH_PORT"
  bench_free_port; p="$BENCH_PORT"
  mkdir -p "$dir"
  "$ETCD_BIN" --name e1 --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "e1=http://127.0.0.1:$p" >"$dir/log" 2>&1 &
  ETCD_PID=$!
  BENCH_PIDS+=("$ETCD_PID")
  ETCD_EP="127.0.0.1:$c"
  ETCD_LOG="$dir/log"
  bench_log "etcd pid $ETCD_PID on $ETCD_EP (log $ETCD_LOG)"
  bench_wait_healthy "$ETCD_EP" "$ETCD_PID" "$ETCD_LOG" 60
}

# The benchmark binary: $BENCHMARK_BIN if set, else built (once) by build-etcd-benchmark.sh.
bench_tool() {
  if [ -z "${BENCHMARK_BIN:-}" ]; then
    BENCHMARK_BIN="$("$BENCH_ROOT/scripts/bench/build-etcd-benchmark.sh")"
  fi
  echo "$BENCHMARK_BIN"
}

# Runs `benchmark` with a hard wall-clock limit ($1 seconds), the rest as its arguments.
# Output (stdout+stderr, without the progress bar's carriage-return noise) goes to stdout.
# Returns benchmark's status; 124 means it was killed by the time limit (e.g. events that
# never arrive make `benchmark watch` wait forever).
bench_run() {
  local limit="$1"; shift
  local rc=0 raw="$BENCH_TMP/run.raw"
  timeout --kill-after=5 "$limit" "$BENCHMARK_BIN" --precise "$@" >"$raw" 2>&1 || rc=$?
  # The progress bar redraws itself with carriage returns, and gRPC logs its connection
  # changes at INFO; drop both and keep the report (and any warnings, errors and panics).
  tr '\r' '\n' <"$raw" | grep -Ev -e '^ *[0-9]+ / [0-9]+ ' -e '^INFO: ' || true
  if [ "$rc" != 0 ]; then
    # How far it got is the useful part of a run that was killed or crashed.
    echo "progress at exit: $(tr '\r' '\n' <"$raw" | grep -E '^ *[0-9]+ / [0-9]+ ' | tail -n 1 | awk '{print $1, "/", $3}')"
  fi
  return "$rc"
}

# Pulls figures out of a benchmark report (the text on stdin):
#   bench_field rps   -> Requests/sec
#   bench_field p50   -> 50th percentile latency in ms (p99 etc. likewise)
# Prints "-" when the figure is absent (e.g. every request failed).
bench_field() {
  awk -v want="$1" '
    /Requests\/sec:/ { rps = $2 }
    /% in / { pct = $1; sub("%", "", pct); lat["p" pct] = $3 * 1000 }
    END {
      if (want == "rps") { if (rps != "") printf "%.0f\n", rps; else print "-" }
      else if (want in lat) printf "%.3f\n", lat[want]; else print "-"
    }'
}

# ---- running the same workload on both servers and collecting a markdown table ----

BENCH_ROWS=()        # markdown table rows, one per workload
BENCH_FAILS=()       # "workload / server: error text" lines
BENCH_CMDS=()        # the exact benchmark command of each workload
BENCH_PAIR_N=0       # workloads run so far; its parity decides which server goes first

# Where raw reports are kept (outside the repo, survives the run).
bench_results_dir() {
  if [ -z "${BENCH_RESULTS:-}" ]; then
    BENCH_RESULTS="${CAIRN_BENCH_DIR:-$HOME/.cache/cairn-bench}/results/$(date +%Y%m%dT%H%M%S)"
  fi
  mkdir -p "$BENCH_RESULTS"
}

# Decides from a raw report ($1) and the exit status ($2) whether the run failed, and if so
# prints a one-line reason with the server's own error text. Prints nothing on success.
bench_error_text() {
  local f="$1" rc="$2" limit="$3" text=""
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    text="killed by the ${limit} s time limit (benchmark did not finish; $(grep -m1 '^progress at exit:' "$f"))"
  elif grep -q '^panic: ' "$f"; then
    text="$(grep -m1 '^panic: ' "$f")"
  elif grep -q '^Error distribution:' "$f"; then
    # Requests that failed while others succeeded: report how many and why.
    text="errors: $(sed -n '/^Error distribution:/,$p' "$f" | sed 1d | grep -m3 '\[' | tr -s '\t ' ' ' | paste -sd ';' -)"
  elif [ "$rc" != 0 ]; then
    text="exit status $rc: $(grep -v -e '^INFO:' -e '^[[:space:]]*$' "$f" | tail -n 2 | paste -sd ' ' -)"
  elif ! grep -q 'Requests/sec:' "$f"; then
    text="no report printed: $(tail -n 2 "$f" | paste -sd ' ' -)"
  fi
  printf '%s' "$text"
}

# Prints the part of report $1 that starts at the line $2 (e.g. "Watch events received summary:")
# and runs to the next "... summary:" heading; the whole report when $2 is empty.
bench_section() {
  if [ -z "$2" ]; then cat "$1"; return; fi
  awk -v head="$2" '$0 == head { on = 1; print; next } on && /summary:$/ { on = 0 } on' "$1"
}

# bench_pair LABEL LIMIT_SECONDS ARGS...
# Runs `benchmark --endpoints=EP ARGS...` against Cairn and against etcd, one after the other
# (alternating which goes first, so slow drift in machine load does not favour one side), and
# appends a row: req/s, p50 and p99 (ms) for each, and the Cairn/etcd ratio of req/s.
# Set BENCH_ROW=0 to only run (the reports stay in BENCH_FILE[cairn|etcd] for bench_row).
declare -A BENCH_FILE BENCH_RC
bench_pair() {
  local label="$1" limit="$2"; shift 2
  local order side ep f
  BENCH_PAIR_N=$((BENCH_PAIR_N + 1))
  if (( BENCH_PAIR_N % 2 )); then order="cairn etcd"; else order="etcd cairn"; fi
  BENCH_LOAD="$(cut -d' ' -f1 /proc/loadavg)"
  BENCH_LIMIT="$limit"
  BENCH_CMDS+=("$label: \`benchmark --endpoints=EP $*\`")
  for side in $order; do
    if [ "$side" = cairn ]; then ep="$CAIRN_EP"; else ep="$ETCD_EP"; fi
    f="$BENCH_RESULTS/$(printf '%02d' "$BENCH_PAIR_N")-${label//[^A-Za-z0-9]/_}-$side.txt"
    bench_log "$label on $side ($ep)"
    BENCH_RC[$side]=0
    bench_run "$limit" --endpoints="$ep" "$@" >"$f" || BENCH_RC[$side]=$?
    BENCH_FILE[$side]="$f"
  done
  if [ "${BENCH_ROW:-1}" = 1 ]; then bench_row "$label"; fi
}

# bench_row LABEL [SECTION] [NOLAT]
# Adds a table row from the last bench_pair's reports, reading the figures from SECTION (see
# bench_section). NOLAT=1 prints "-" for latencies that mean nothing (watch event "latency" is
# the time to iterate over one response's events). Failures go to BENCH_FAILS with their text.
bench_row() {
  local label="$1" section="${2:-}" nolat="${3:-0}" side f rc err sec
  local -A rps p50 p99 note
  sec="$BENCH_TMP/section.txt"
  for side in cairn etcd; do
    f="${BENCH_FILE[$side]}"; rc="${BENCH_RC[$side]}"
    bench_section "$f" "$section" >"$sec"
    rps[$side]="$(bench_field rps <"$sec")"
    p50[$side]="$(bench_field p50 <"$sec")"
    p99[$side]="$(bench_field p99 <"$sec")"
    if [ "$nolat" = 1 ]; then p50[$side]="-"; p99[$side]="-"; fi
    note[$side]=""
    err="$(bench_error_text "$f" "$rc" "$BENCH_LIMIT")"
    # A run that failed after the section it is asked about had finished (e.g. watch creation
    # done, event delivery timed out) keeps that section's figures.
    if [ -n "$section" ] && [ -n "$err" ] && [ "${rps[$side]}" != "-" ] \
       && ! grep -q '^Error distribution:' "$sec"; then
      err=""
    fi
    if [ -n "$err" ]; then
      BENCH_FAILS+=("$label on $side: $err")
      if [ "$rc" != 0 ] || [ "${rps[$side]}" = "-" ]; then
        # A failed run's partial figures are not comparable: show why it failed instead.
        case "$err" in
          *"code = Unimplemented"*) rps[$side]="FAILED (Unimplemented)" ;;
          *"time limit"*)           rps[$side]="FAILED (timeout)" ;;
          *)                        rps[$side]="FAILED" ;;
        esac
        p50[$side]="-"; p99[$side]="-"
      else
        note[$side]=" (some errors)"
      fi
      bench_log "$label on $side: $err"
    else
      bench_log "$label on $side: ${rps[$side]}/s, p50 ${p50[$side]} ms, p99 ${p99[$side]} ms"
    fi
  done
  local ratio="-"
  if [[ "${rps[cairn]}" =~ ^[0-9]+$ && "${rps[etcd]}" =~ ^[0-9]+$ && "${rps[etcd]}" != 0 ]]; then
    ratio="$(awk -v a="${rps[cairn]}" -v b="${rps[etcd]}" 'BEGIN { printf "%.2f", a / b }')"
  fi
  BENCH_ROWS+=("| $label | ${rps[cairn]}${note[cairn]} | ${p50[cairn]} | ${p99[cairn]} | ${rps[etcd]}${note[etcd]} | ${p50[etcd]} | ${p99[etcd]} | $ratio | $BENCH_LOAD |")
}

# Both servers must still be running after the workloads; a crash is a finding, not noise.
# Also lists WARN/ERROR lines and exceptions from Cairn's log (first few, de-duplicated).
bench_check_servers() {
  local side pid logf n
  for side in cairn etcd; do
    if [ "$side" = cairn ]; then pid="$CAIRN_PID"; logf="$CAIRN_LOG"; else pid="$ETCD_PID"; logf="$ETCD_LOG"; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      BENCH_FAILS+=("$side (pid $pid) was no longer running at the end; last log line: $(tail -n1 "$logf")")
    fi
  done
  n="$(grep -cE 'ERROR|WARN|Exception' "$CAIRN_LOG" || true)"
  if [ "$n" -gt 0 ]; then
    BENCH_FAILS+=("Cairn's log has $n WARN/ERROR/exception lines, e.g.: $(grep -E 'ERROR|WARN|Exception' "$CAIRN_LOG" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | paste -sd ';' -)")
    cp "$CAIRN_LOG" "$BENCH_RESULTS/cairn.log"
  fi
}

# Prints the collected table, the commands and the failures as markdown on stdout.
bench_print_table() {
  local title="$1" unit="${2:-req/s}" r
  echo "### $title"
  echo
  echo "$(date -u '+%F %H:%M UTC'); Cairn jar built ${BENCH_JAR_DATE:-?} (checkout at ${BENCH_JAR_COMMIT:-?}); $("$ETCD_BIN" --version 2>/dev/null | head -n1); $(nproc) cores. One run each; \"load\" is the 1-minute load average when the pair started."
  echo
  bench_check_servers
  echo "| workload | Cairn $unit | Cairn p50 ms | Cairn p99 ms | etcd $unit | etcd p50 ms | etcd p99 ms | Cairn/etcd | load |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for r in "${BENCH_ROWS[@]}"; do echo "$r"; done
  echo
  echo "Commands (EP = the server's client address, host:port):"
  echo
  for r in "${BENCH_CMDS[@]}"; do echo "- $r"; done
  echo
  if [ "${#BENCH_FAILS[@]}" -gt 0 ]; then
    echo "Failures and errors:"
    echo
    for r in "${BENCH_FAILS[@]}"; do echo "- $r"; done
  else
    echo "No failures."
  fi
  echo
  echo "Raw reports: $BENCH_RESULTS"
}
