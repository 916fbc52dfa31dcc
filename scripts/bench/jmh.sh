#!/usr/bin/env bash
# JMH micro-benchmarks of one module's hot paths (the @Benchmark classes in <module>/src/test, compiled
# with JMH's annotation processor; they are never part of a jar).
#
#   scripts/bench/jmh.sh <module> [benchmark regex] [JMH options]
#
#   scripts/bench/jmh.sh storage                    # MvccBench, ListBench and WalBench, short settings
#   scripts/bench/jmh.sh storage WalBench           # one class, short settings
#   scripts/bench/jmh.sh server -wi 5 -i 10 -r 5s   # given options replace those short settings
#   scripts/bench/jmh.sh gateway -rf json -rff /tmp/gateway.json   # JMH's JSON results too
#   scripts/bench/jmh.sh raft -h                    # JMH's own help
#
# Modules with benchmarks: raft (RaftHotPathBench), storage (MvccBench, ListBench, WalBench),
# server (PeerMessageBench), gateway (JsonBench).
# Short settings (-f 1 -wi 2 -w 2s -i 3 -r 2s -foe true, each unless that option is given): one fork,
# 2 warm-up iterations of 2 s, 3 measured iterations of 2 s, stop at the first error; about 10 s per
# benchmark and parameter combination, plus its set-up. Results are indicative only on a shared machine.
#
# The module and the modules it needs are compiled in one Maven reactor (nothing is installed into
# ~/.m2); MVN_OPTS is passed to Maven (e.g. MVN_OPTS=-o for offline).
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
module="$1"
shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ ! -f "$module/pom.xml" ]; then
  echo "jmh.sh: no module '$module' (one of: raft storage server gateway)" >&2
  exit 2
fi

# each short setting stays unless the same option is given
defaults=()
for pair in "-f 1" "-wi 2" "-w 2s" "-i 3" "-r 2s" "-foe true"; do
  flag="${pair%% *}"
  given=no
  for a in "$@"; do
    [ "$a" = "$flag" ] && given=yes
  done
  [ "$given" = no ] && defaults+=($pair)
done

# test-compile in the reactor resolves sibling modules to their target/classes, and build-classpath
# writes each module's test classpath to <module>/target/cp.txt
mvn -B -q ${MVN_OPTS:-} -pl "$module" -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/cp.txt")"
exec java -cp "$cp" org.openjdk.jmh.Main "${defaults[@]}" "$@"
