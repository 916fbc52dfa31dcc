#!/usr/bin/env bash
# Builds etcd 3.4.23's own `benchmark` tool offline, from Debian packages only, into a cache
# directory outside the repository, and prints the path of the binary on stdout.
#
# Why this way: the tool is in no binary package, but Debian's *source* package `etcd`
# (3.4.23-4) contains tools/benchmark, and everything it imports is packaged as Go source in
# golang-etcd-server-dev and its dependencies. So we build it GOPATH-style against
# /usr/share/gocode, with no module proxy and no etcd code committed to Cairn.
# See /work/shared/reference/etcd-anchor.md (or docs/benchmarks.md) for the recipe.
#
# Idempotent: if the binary is already there it only prints its path.
# Env: CAIRN_BENCH_DIR (default ~/.cache/cairn-bench): the cache; the binary is $CAIRN_BENCH_DIR/benchmark.
set -euo pipefail

cache="${CAIRN_BENCH_DIR:-$HOME/.cache/cairn-bench}"
bin="$cache/benchmark"
etcd_version=3.4.23
deb_version=3.4.23-4

log() { echo "build-etcd-benchmark: $*" >&2; }

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"

# 1. The Go toolchain and the Go sources benchmark imports (etcd's client, grpc, cobra, ...).
# shellcheck source=scripts/bench/go-sources.sh
source "$(dirname "$0")/go-sources.sh"
bench_need_go_sources

# 2. Download etcd's source package with a private apt configuration, so the machine's own
# sources and package lists are left untouched. The deb-src line copies the mirror (URIs) and
# first suite from the machine's deb822 sources, so it matches whatever mirror/snapshot apt uses.
work="$cache/src"
orig="$work/etcd_${etcd_version}.orig.tar.gz"
if [ ! -f "$orig" ]; then
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  sources=/etc/apt/sources.list.d/debian.sources
  uri="" suite=""
  if [ -f "$sources" ]; then
    # First stanza's URIs and Suites (the main Debian archive, not -security).
    uri="$(awk '/^URIs:/{print $2; exit}' "$sources")"
    suite="$(awk '/^Suites:/{print $2; exit}' "$sources")"
  elif [ -f /etc/apt/sources.list ]; then
    read -r uri suite < <(awk '$1=="deb"{ for(i=2;i<=NF;i++) if ($i !~ /^\[/) { print $i, $(i+1); exit } }' /etc/apt/sources.list)
  fi
  if [ -z "$uri" ] || [ -z "$suite" ]; then
    log "could not find the Debian mirror in /etc/apt; cannot fetch the etcd source package"
    exit 1
  fi
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$work/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
            -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives")
  log "fetching the etcd=$deb_version source package from $uri $suite"
  apt-get "${apt_opts[@]}" update >&2
  (cd "$work" && apt-get "${apt_opts[@]}" source --download-only "etcd=$deb_version" >&2)
fi

# 3. Lay tools/benchmark out in a fresh GOPATH at its import path, so its imports of
# go.etcd.io/etcd/... resolve to the packaged sources under /usr/share/gocode.
gp="$(mktemp -d "$cache/gopath.XXXXXX")"
trap 'rm -rf "$gp"' EXIT
dest="$gp/src/go.etcd.io/etcd/tools"
mkdir -p "$dest"
tar -xzf "$orig" -C "$dest" --strip-components=2 "etcd-$etcd_version/tools/benchmark"

# 4. Build without modules (the packaged sources are a GOPATH tree); GOFLAGS cleared so a
# user's -mod=... cannot interfere. Build caches go in the cache dir, not in $HOME/.cache/go-build
# (so reruns are fast and $HOME stays clean).
log "building benchmark (about 30 s)"
(cd "$dest/benchmark" && GO111MODULE=off GOFLAGS="" GOPATH="$gp:/usr/share/gocode" \
   GOCACHE="$cache/go-build" go build -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
log "built $bin"
echo "$bin"
