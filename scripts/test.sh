#!/usr/bin/env bash
# Runs every test: unit, property, simulation, and the compatibility tests that drive the real
# etcdctl and jetcd against a running Cairn and compare with real etcd 3.4.
# Installs etcd-server and etcd-client from Debian when missing (needs root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server etcd-client
  else
    echo "test.sh: etcd and etcdctl are needed; run as root or: sudo apt-get install -y etcd-server etcd-client" >&2
    exit 1
  fi
fi
cd "$root"
exec mvn -B verify "$@"
