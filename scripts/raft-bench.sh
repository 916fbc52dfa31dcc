#!/usr/bin/env bash
# JMH benchmark of the Raft core's hot path (3-node leader, propose -> step/ready/advance -> applied
# everywhere, in memory). Extra arguments go to JMH, e.g. scripts/raft-bench.sh -f 1 -wi 1 -i 2
# (options not given take the short settings of scripts/bench/jmh.sh, which builds and runs it).
set -euo pipefail
exec "$(cd "$(dirname "$0")" && pwd)/bench/jmh.sh" raft RaftHotPathBench "$@"
