#!/usr/bin/env bash
# The Reports page at 100,000 contacts and 1,000,000 messages (the demo data): seeds them with
# `flowcrm demo seed` once (BENCH_DIR keeps it), times the page and the API for the last 30 and
# 365 days against the real server (examples/reportbench.rs), then the back-fill of every
# conversation's reporting events from its messages and audit entries (`flowcrm reports
# backfill`, the work the schema upgrade does once on a wave-1 database), `runs` times.
# Usage: bash benches/reports.sh [contacts] [messages] [requests] [backfill-runs]
set -euo pipefail
cd "$(dirname "$0")/.."
contacts=${1:-100000}; messages=${2:-1000000}; requests=${3:-100}; runs=${4:-3}
cargo build --release --quiet --bin flowcrm --example reportbench
bin=target/release/flowcrm
dir=${BENCH_DIR:-$(mktemp -d)}
if [ ! -f "$dir/d/flowcrm.db" ]; then
  /usr/bin/time -f "seeded in %e s, max RSS %M KB" \
    "$bin" --data-dir "$dir/d" demo seed --contacts "$contacts" --messages "$messages"
fi
sqlite3 "$dir/d/flowcrm.db" "SELECT 'messages', COUNT(*) FROM messages; SELECT 'events', COUNT(*) FROM report_events;"
target/release/examples/reportbench --bin "$bin" --dir "$dir/d" --requests "$requests"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "back-fill command: %e s, max RSS %M KB" "$bin" --data-dir "$dir/d" reports backfill
done
