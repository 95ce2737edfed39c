#!/usr/bin/env bash
# Retention under load: on a copy of a seeded data dir (default: 1,000,000 demo messages over
# 60 days, seeded on first use), measures webhook ingest latency without retention, then again
# while the server's retention job deletes everything older than 30 days (about half), and
# prints the job's own log line (rows removed, elapsed).
# Usage: bash benches/retention.sh [connections] [seconds]   (defaults 16 and 20)
# BENCH_SEED_DIR: a seeded data dir to copy (it is not modified).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-16}; secs=${2:-20}
cargo build --release --quiet --bin flowcrm --example loadgen
bin=target/release/flowcrm; loadgen=target/release/examples/loadgen
seed=${BENCH_SEED_DIR:-/tmp/flowcrm-seed-1m}
if [ ! -f "$seed/flowcrm.db" ]; then
  /usr/bin/time -f "seed: %e s, peak RSS %M KB" "$bin" --data-dir "$seed" demo seed --contacts 100000 --messages 1000000
fi
work=$(mktemp -d); port=18397
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cp -a "$seed/." "$work/"
"$bin" --data-dir "$work" migrate >/dev/null
echo "messages before: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])" "$work/flowcrm.db")"
start() {
  FLOWCRM_WHATSAPP__APP_SECRET=bench FLOWCRM_LOG__LEVEL=info "$@" "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do "$bin" healthcheck --listen "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.05; done
}
echo "== ingest without retention"
start env
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" --seconds "$secs" --ceiling-events 1000 | grep -v ceiling
kill $pid; wait $pid 2>/dev/null || true
echo "== ingest while retention deletes messages older than 30 days"
start env FLOWCRM_RETENTION__MESSAGES_DAYS=30
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" --seconds "$secs" --ceiling-events 1000 | grep -v ceiling
for _ in $(seq 600); do grep -q "retention removed" "$work/server.log" && break; sleep 1; done
grep "retention removed" "$work/server.log" | sed 's/\x1b\[[0-9;]*m//g'
echo "messages after: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])" "$work/flowcrm.db")"
