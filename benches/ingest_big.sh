#!/usr/bin/env bash
# Ordinary webhooks while a huge one arrives every second: starts the release server on a fresh
# data dir, runs the load generator with C connections of one-message webhooks for S seconds plus
# one client posting a 1,000-message webhook (3,000 characters each, ~3 MB) every second, and
# prints the ordinary acknowledgement latency (p50/p99/max) and the huge POSTs' own latency.
# Usage: bash benches/ingest_big.sh [connections] [seconds]   (defaults 8 and 20)
# BIG_MESSAGES and BIG_CHARS change the huge POST (e.g. 3 messages of 1,000,000 characters).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-8}; secs=${2:-20}
# BENCH_BIN / BENCH_LOADGEN: run another build (e.g. an older commit's) for an A/B comparison.
cargo build --release --quiet --bin flowcrm --example loadgen
bin=${BENCH_BIN:-target/release/flowcrm}; loadgen=${BENCH_LOADGEN:-target/release/examples/loadgen}
dir=$(mktemp -d); port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FLOWCRM_WHATSAPP__APP_SECRET=bench RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do "$bin" healthcheck --listen "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.05; done
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" \
  --seconds "$secs" --ceiling-events 0 --big-every-ms 1000 --big-messages "${BIG_MESSAGES:-1000}" --big-chars "${BIG_CHARS:-3000}"
echo "server RSS peak: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status)"
echo "rows stored: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])" "$dir/flowcrm.db")"
