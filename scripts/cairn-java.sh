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
#                         24 GiB), and G1 lets young objects fill whatever heap it has before it
#                         collects. A member's live heap under load is 25-45 MiB; started small, the
#                         heap grows only as far as the load makes G1 grow it (160-200 MiB under a
#                         3-member load at 200 clients, against 468 MiB from the default start).
#   -Xmx1g                a bound set on purpose rather than a quarter of whatever machine it runs
#                         on. Requests, responses and gRPC's buffers are the heap's only tenants (the
#                         data lives in RocksDB), and a Range response is capped at an eighth of it
#                         (--max-response-bytes, 128 MiB); set a larger -Xmx for larger responses.
#   -XX:GCTimeRatio=1     G1 grows the heap while collections take more than 1/(1+ratio) of the time;
#                         at Java's 12 (8%), two cores shared by three members and the load made every
#                         pause look long, and the heap grew to 150-270 MiB for 25-45 MiB of live objects.
#   -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=30
#                         what fills the old generation is short-lived: proposals' deadlines (and,
#                         before Raft's log kept only its newest 4 MiB, raft entries until the next
#                         snapshot). G1's adaptive start of marking let it pile up
#                         (heap after a young collection 18 -> 93 MiB in 70 s) and grew the heap for it;
#                         marking once the old generation holds 30% keeps it at 80-90 MiB. Together,
#                         a 1,000,000-key load on 3 members peaked at 307-357 MiB per member in two
#                         runs instead of 405-522, at the same load rate (docs/benchmarks.md).
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
exec "${CAIRN_JAVA:-java}" -Xms32m -Xmx1g -XX:GCTimeRatio=1 -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=30 $("$root/scripts/cds.sh" "$jar") ${CAIRN_JAVA_OPTS:-} -jar "$jar" "$@"
