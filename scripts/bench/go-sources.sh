# Sourced by the scripts that build Go programs offline against Debian's packaged Go sources
# (build-etcd-benchmark.sh, k8s/build.sh). Installs what is missing: the Go toolchain and etcd's
# Go sources with everything they import (golang-etcd-server-dev), under /usr/share/gocode.
# Needs a log function; exits 1 when not root and something is missing.
bench_need_go_sources() {
  local need=()
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  [ -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3 ] || need+=(golang-etcd-server-dev)
  [ "${#need[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ]; then
    log "installing ${need[*]}"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2
  else
    log "missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}"
    exit 1
  fi
}
