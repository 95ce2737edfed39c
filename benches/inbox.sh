#!/usr/bin/env bash
# Team inbox at scale: seeds 100,000 contacts and 1,000,000 messages with `flowcrm demo seed`,
# starts the release server and runs examples/inboxbench.rs; prints the server's RSS.
# Usage: bash benches/inbox.sh [connections] [requests-per-connection] [contacts] [messages]
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-2}; reqs=${2:-500}; contacts=${3:-100000}; messages=${4:-1000000}
# BENCH_BIN / BENCH_INBOXBENCH: run another build (e.g. an older commit's) for an A/B comparison;
# BENCH_DIR: reuse a seeded data dir (the schema must be one both builds accept).
cargo build --release --quiet --bin flowcrm --example inboxbench
bin=${BENCH_BIN:-target/release/flowcrm}; inboxbench=${BENCH_INBOXBENCH:-target/release/examples/inboxbench}
dir=${BENCH_DIR:-$(mktemp -d)}
trap 'kill $pid 2>/dev/null || true' EXIT
if [ ! -f "$dir/d/flowcrm.db" ]; then
  /usr/bin/time -f "seed: %e s, peak RSS %M KB" "$bin" --data-dir "$dir/d" demo seed --contacts "$contacts" --messages "$messages"
  echo "correct horse battery" | "$bin" --data-dir "$dir/d" user add --email bench@example.com --role admin >/dev/null
fi
du -sh "$dir/d/flowcrm.db"
FLOWCRM_LOG__LEVEL=warn "$bin" --data-dir "$dir/d" --listen 127.0.0.1:18383 serve >"$dir/server.log" 2>&1 &
pid=$!
sleep 1
"$inboxbench" --url http://127.0.0.1:18383 --email bench@example.com \
  --password "correct horse battery" --connections "$conns" --requests "$reqs" --conversations "$contacts"
echo "server RSS: $(awk '/VmHWM/ {print $2 " " $3 " peak"}' /proc/$pid/status), $(awk '/VmRSS/ {print $2 " " $3 " now"}' /proc/$pid/status)"
