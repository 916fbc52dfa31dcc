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
# a class-data archive of the jar's classes halves the start's CPU; made once per jar (scripts/cds.sh)
# shellcheck disable=SC2046  # cds.sh prints one flag, or nothing
exec java ${CAIRN_JAVA_OPTS:-} $("$root/scripts/cds.sh" "$jar") -jar "$jar" "$@"
