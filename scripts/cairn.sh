#!/usr/bin/env bash
# Builds Cairn if needed, then starts one member with etcd's defaults:
# clients on http://localhost:2379 (127.0.0.1), peers on :2380, member "default", data in default.cairn.
# Any etcd flag may follow, e.g. scripts/cairn.sh --name infra1 --data-dir /var/lib/cairn
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/server/target/cairn.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -path '*/src/*' -newer "$jar" -print -quit 2>/dev/null)" ] \
   || [ "$root/pom.xml" -nt "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package)
fi
# the JVM's memory settings and class-data archive, with the reasons: scripts/cairn-java.sh
exec "$root/scripts/cairn-java.sh" "$jar" "$@"
