#!/usr/bin/env bash
# Starts Cairn's jar in the JVM settings it is meant to run with. scripts/cairn.sh, cluster.sh,
# failover.sh and the benchmarks all start members through it, so every one runs the same way:
#
#   scripts/cairn-java.sh server/target/cairn.jar [etcd flags...]
#
# It execs java, so the PID it was started as is the member's. JVM flags in CAIRN_JAVA_OPTS come
# after these and override them (e.g. CAIRN_JAVA_OPTS="-Xmx4g"). CAIRN_JAVA names the java binary
# (default: the one on the PATH).
#
# Why these settings (docs/operations.md, "Memory"; measured in docs/benchmarks.md):
#   -Xms32m               Java's default initial heap is 1/64 of the machine's memory (384 MiB on
#                         24 GiB), and the collector lets young objects fill whatever heap it has
#                         before it collects. A member's live heap under load is 10-45 MiB; started
#                         small, the heap grows only as far as the load makes it.
#   -Xmx1g                a bound set on purpose rather than a quarter of whatever machine it runs
#                         on. Requests, responses and gRPC's buffers are the heap's only tenants (the
#                         data lives in RocksDB), and a Range response is capped at an eighth of it
#                         (--max-response-bytes, 128 MiB); set a larger -Xmx for larger responses.
#   -XX:+UseSerialGC      the heap is small (40-80 MiB committed under load) and most of what it holds
#                         dies young. G1, Java's choice on 2 cores, spent about 40 MiB of native memory
#                         per member on its own bookkeeping (remembered sets, card table, marking
#                         bitmaps) and 80 MiB of heap; the serial collector needs well under 1 MiB and
#                         kept the heap at 40-45 MiB at the same or a higher request rate; its pauses
#                         stop the member (young 1-5 ms, old generation 30-133 ms about every 20 s
#                         under the Kubernetes-shaped load, 40-232 ms every ~8 s under a 200-client
#                         write load; docs/benchmarks.md, 2026-12-07). For a
#                         much larger heap, G1 as before: CAIRN_JAVA_OPTS="-XX:+UseG1GC -XX:GCTimeRatio=1
#                         -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=30".
#   MALLOC_ARENA_MAX=2    glibc gives each thread that allocates (RocksDB's flush, compaction and
#                         reader threads) an arena of its own, up to 8 per core, each holding on to
#                         freed memory; two arenas hold RocksDB's native memory to what it uses.
#   class-data archive    scripts/cds.sh: the jar's classes mapped in ready-made halve a start's CPU.
set -euo pipefail
jar="${1:?usage: cairn-java.sh JAR [flags...]}"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# shellcheck disable=SC2046,SC2086  # cds.sh prints one flag or nothing; CAIRN_JAVA_OPTS is a list of flags
exec "${CAIRN_JAVA:-java}" -Xms32m -Xmx1g -XX:+UseSerialGC $("$root/scripts/cds.sh" "$jar") ${CAIRN_JAVA_OPTS:-} -jar "$jar" "$@"
