#!/usr/bin/env bash
# JMH benchmark of the Raft core's hot path (3-node leader, propose -> step/ready/advance -> applied
# everywhere, in memory). Extra arguments go to JMH, e.g. scripts/raft-bench.sh -f 1 -wi 1 -i 2
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -q ${MVN_OPTS:-} -pl proto,raft install -DskipTests
mvn -B -q ${MVN_OPTS:-} -pl raft test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
exec java -cp "raft/target/test-classes:raft/target/classes:$(cat raft/target/cp.txt)" org.openjdk.jmh.Main RaftHotPathBench "$@"
