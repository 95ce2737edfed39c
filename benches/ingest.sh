#!/usr/bin/env bash
# Webhook ingest benchmark: starts the release server on a fresh data dir, runs the load
# generator against it (HTTP phase, then the no-HTTP ceiling), and reports the server's RSS.
# Usage: bash benches/ingest.sh [connections] [seconds]   (defaults 64 and 10)
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-64}; secs=${2:-10}
# BENCH_BIN / BENCH_LOADGEN: run another build (e.g. an older commit's) for an A/B comparison.
cargo build --release --quiet --bin flowcrm --example loadgen
bin=${BENCH_BIN:-target/release/flowcrm}; loadgen=${BENCH_LOADGEN:-target/release/examples/loadgen}
dir=$(mktemp -d); port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FLOWCRM_WHATSAPP__APP_SECRET=bench RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do "$bin" healthcheck --listen "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.05; done
echo "server idle RSS: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" --seconds "$secs"
echo "server RSS after the run: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status), peak: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status)"
echo "rows stored: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])" "$dir/flowcrm.db")"
