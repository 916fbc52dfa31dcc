#!/usr/bin/env bash
# JSON gateway throughput, Cairn beside real etcd (single members), via scripts/bench/gateway.py.
#   scripts/bench/gateway.sh [requests=2000] [threads=8] [warm-up requests=20000]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init
bench_start_etcd
bench_start_cairn
python3 "$(dirname "$0")/gateway.py" "$CAIRN_EP" "$ETCD_EP" "${1:-2000}" "${2:-8}" "${3:-20000}"
