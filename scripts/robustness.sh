#!/usr/bin/env bash
# The long robustness campaign: RUNS runs (default 100) of real 3- and 5-member clusters under faults, round-robin over
# every scenario (or one: SCENARIO=NAME), each with a fresh random seed (or SEED=S for a fixed sequence), each checked
# for linearizability, lost acknowledged writes, lease and watch guarantees and convergence. Results, one line a run, go to
# server/target/robustness-runs.tsv (appended) and are printed at the end; a failing run prints its replay command.
# Bounded: every run lasts about 15 s of traffic plus start and checks.
#   scripts/robustness.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-100}"
seed="${SEED:-random}"
cd "$root"
mvn -B -q ${MVN_OPTS:-} package -DskipTests
out="$root/server/target/robustness-runs.tsv"
before=0
[ -f "$out" ] && before=$(wc -l < "$out")
set +e
mvn -B ${MVN_OPTS:-} verify -pl server -am -Dtest=RobustnessCampaignTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcairn.campaign.runs="$runs" -Dcairn.campaign.seed="$seed" ${SCENARIO:+-Dcairn.campaign.scenario=$SCENARIO} \
  -Dcairn.campaign.out="$out" > "$root/server/target/robustness.log" 2>&1
rc=$?
set -e
echo "time	scenario	seed	duration	operations	unknown-writes	watch-events	result"
tail -n +"$((before + 1))" "$out"
ok=$(tail -n +"$((before + 1))" "$out" | awk -F'\t' '$8 == "ok"' | wc -l)
all=$(tail -n +"$((before + 1))" "$out" | wc -l)
echo "$ok of $all runs passed (maven exit $rc; log: server/target/robustness.log)"
exit $rc
