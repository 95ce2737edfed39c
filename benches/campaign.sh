#!/usr/bin/env bash
# A broadcast to 100,000 contacts (examples/campaignbench.rs): seeds them with `flowcrm demo
# seed`, opts everyone in and adds a template and a segment of everyone, then times taking the
# audience and queueing every message in-process (on a copy each run), and the real server's
# preview, send, send rate against a fake Graph API (limiter at 10,000/s) with status webhooks
# posted meanwhile, and the campaign page with its funnel.
# Usage: bash benches/campaign.sh [contacts] [queue-runs] [live-runs]
set -euo pipefail
cd "$(dirname "$0")/.."
contacts=${1:-100000}; queue_runs=${2:-3}; live_runs=${3:-1}
cargo build --release --quiet --bin flowcrm --example campaignbench
bin=target/release/flowcrm; bench=target/release/examples/campaignbench
# BENCH_DIR: reuse a seeded and set-up data dir.
dir=${BENCH_DIR:-$(mktemp -d)}
if [ ! -f "$dir/d/flowcrm.db" ]; then
  "$bin" --data-dir "$dir/d" demo seed --contacts "$contacts" --messages $((contacts * 3))
  "$bench" setup --db "$dir/d/flowcrm.db"
fi
"$bench" queue --db "$dir/d/flowcrm.db" --runs "$queue_runs"
for _ in $(seq "$live_runs"); do
  rm -rf "$dir/live" && cp -r "$dir/d" "$dir/live"
  "$bench" live --bin "$bin" --dir "$dir/live" 2>/dev/null
done
rm -rf "$dir/live"
