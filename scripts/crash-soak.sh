#!/usr/bin/env bash
# Long version of CrashRecoveryTest: kill -9 cairn under a concurrent put load many times and check
# every acknowledged write survives at its revision (CI runs 20 kills).
#   scripts/crash-soak.sh [kills=200] [seed]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
kills="${1:-200}"
seed="${2:-$(date +%s%N)}"
mvn -B -q ${MVN_OPTS:-} -DskipTests package
exec mvn -B ${MVN_OPTS:-} -pl server surefire:test@process-tests -Dtest=CrashRecoveryTest \
  -Dcairn.crash.cycles="$kills" -Dcairn.crash.seed="$seed"
