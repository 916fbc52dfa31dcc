#!/usr/bin/env bash
# Builds the Kubernetes-shaped load driver (scripts/bench/k8s/k8sload, our own Go program) offline,
# GOPATH-style, against etcd 3.4's Go client as Debian packages it under /usr/share/gocode (no
# module proxy, no etcd code in this repository), into a cache directory outside the repository,
# and prints the path of the binary on stdout. Rebuilds only when main.go is newer than the binary.
# Env: CAIRN_BENCH_DIR (default ~/.cache/cairn-bench); the binary is $CAIRN_BENCH_DIR/k8sload.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${CAIRN_BENCH_DIR:-$HOME/.cache/cairn-bench}"
bin="$cache/k8sload"
src="$here/k8sload/main.go"
log() { echo "k8s/build.sh: $*" >&2; }

if [ -x "$bin" ] && [ "$bin" -nt "$src" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
# shellcheck source=scripts/bench/go-sources.sh
source "$here/../go-sources.sh"
bench_need_go_sources
# A throw-away GOPATH holding only our package; its imports resolve to /usr/share/gocode.
gp="$(mktemp -d "$cache/gopath.XXXXXX")"
trap 'rm -rf "$gp"' EXIT
mkdir -p "$gp/src/cairn/k8sload"
cp "$src" "$gp/src/cairn/k8sload/"
log "building k8sload"
(cd "$gp/src/cairn/k8sload" && GO111MODULE=off GOFLAGS="" GOPATH="$gp:/usr/share/gocode" \
   GOCACHE="$cache/go-build" go build -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
log "built $bin"
echo "$bin"
