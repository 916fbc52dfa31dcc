#!/usr/bin/env bash
# Prints the JVM flag that starts Cairn's jar with a class-data-sharing archive of its own classes,
# making the archive first when it is missing or older than the jar:
#
#   java $(scripts/cds.sh server/target/cairn.jar) -jar server/target/cairn.jar ...
#
# Why: a member's start is mostly the JVM loading and verifying some 6,000 classes of gRPC, Netty,
# protobuf, RocksDB and Cairn from the jar; an archive maps them in ready-made, which halves the
# CPU of a start (docs/operations.md, "Start-up"). The archive is made once per jar by a training
# start: one member on free loopback ports in a temporary directory, started, given a put and a
# get, then stopped with SIGTERM, on which the JVM writes the classes it loaded
# (-XX:ArchiveClassesAtExit). The archive sits beside the jar as <jar>.jsa. The JVM checks it
# against the jar's path, size and time on every start and ignores it (starting as without it) if
# they differ, so a stale archive costs speed, never correctness.
#
# Prints nothing (start without an archive) when CAIRN_CDS=0, when the training start fails, or
# when this JVM cannot make dynamic archives; the reason goes to stderr.
set -euo pipefail
jar="${1:?usage: cds.sh JAR}"
jsa="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar").jsa"   # absolute: the flag works from any directory
[ "${CAIRN_CDS:-1}" = 0 ] && exit 0
if [ -f "$jsa" ] && [ "$jsa" -nt "$jar" ]; then
  echo "-XX:SharedArchiveFile=$jsa"
  exit 0
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

work="$(mktemp -d "$(dirname "$jar")/.cds.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
c="$(free_port)"
p="$(free_port)"
# -Xshare:auto: never refuse to start because of the archive
"${CAIRN_JAVA:-java}" -Xshare:auto -XX:ArchiveClassesAtExit="$work/cairn.jsa" -jar "$jar" --name cds --data-dir "$work/data" \
  --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
  --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
  --initial-cluster "cds=http://127.0.0.1:$p" >"$work/log" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 300); do   # up to 60 s
  kill -0 "$pid" 2>/dev/null || break
  if curl -sf -m 2 "http://127.0.0.1:$c/v3/kv/put" -d '{"key":"Y2Rz","value":"Y2Rz"}' >/dev/null 2>&1; then
    curl -sf -m 2 "http://127.0.0.1:$c/v3/kv/range" -d '{"key":"Y2Rz"}' >/dev/null 2>&1 && ok=1
    break
  fi
  sleep 0.2
done
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 150); do   # the archive is written while the JVM exits: up to 30 s
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if kill -0 "$pid" 2>/dev/null || [ -z "$ok" ] || [ ! -s "$work/cairn.jsa" ]; then
  echo "cds.sh: no class-data archive made for $jar (starting without one); training log:" >&2
  tail -n 5 "$work/log" >&2
  exit 0
fi
mv -f "$work/cairn.jsa" "$jsa"   # atomic: concurrent starts see the old archive or the new one
echo "-XX:SharedArchiveFile=$jsa"
