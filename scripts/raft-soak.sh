#!/usr/bin/env bash
# Soak the raft cluster simulation over many seeds (default 20000), in chunks so that a
# failure is reported early. Each failing seed prints a one-line replay command.
#
#   raft/scripts/raft-soak.sh [SEEDS] [START] [CHUNK]
#
# Environment: MVN_OPTS (extra Maven flags, e.g. -o); SKIP_INSTALL=1 reuses the last build.
set -euo pipefail
SEEDS=${1:-20000}
START=${2:-1}
CHUNK=${3:-5000}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ -z "${SKIP_INSTALL:-}" ]; then
  mvn -B -q ${MVN_OPTS:-} -pl proto,raft install -DskipTests
fi
end=$((START + SEEDS))
seed=$START
while [ "$seed" -lt "$end" ]; do
  n=$CHUNK
  if [ $((seed + n)) -gt "$end" ]; then n=$((end - seed)); fi
  echo "== seeds $seed .. $((seed + n - 1))"
  if ! mvn -B -q ${MVN_OPTS:-} -pl raft surefire:test -Dtest=ClusterSimulationTest \
      -Dsurefire.failIfNoSpecifiedTests=false \
      -Dcairn.raft.seedStart="$seed" -Dcairn.raft.seeds="$n"; then
    grep -h -E "FAILED|replay:" raft/target/surefire-reports/*ClusterSimulationTest-output.txt || true
    exit 1
  fi
  grep -h "simulated" raft/target/surefire-reports/*ClusterSimulationTest-output.txt || true
  seed=$((seed + n))
done
echo "soak passed: $SEEDS seeds from $START"
