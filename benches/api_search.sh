#!/usr/bin/env bash
# API contact search at 100,000 contacts: imports the benchmark CSV of benches/import.py into a
# fresh data dir, creates an API key, starts the release server and runs examples/apibench.rs.
# Usage: bash benches/api_search.sh [connections] [requests-per-connection]
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-4}
reqs=${2:-1000}
cargo build --release --quiet --example apibench
bin=target/release/flowcrm
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
python3 - "$dir/contacts.csv" <<'PY'
import sys
AREAS = [11, 21, 31, 41, 51, 61, 71, 81, 91]
with open(sys.argv[1], "w") as f:
    f.write("name,phone,email,tags\n")
    for i in range(100_000):
        f.write(f"Customer {i},+55 {AREAS[i % len(AREAS)]} 98{i:07d},c{i}@example.com,{'VIP' if i % 10 == 0 else ''}\n")
PY
"$bin" --data-dir "$dir/d" migrate >/dev/null
(cd "$dir" && "$OLDPWD/$bin" --data-dir "$dir/d" contacts import "$dir/contacts.csv" >/dev/null 2>&1)
key=$("$bin" --data-dir "$dir/d" api-key create --name bench --role agent 2>/dev/null)
FLOWCRM_API__REQUESTS_PER_MINUTE=1000000 FLOWCRM_LOG__LEVEL=warn \
  "$bin" --data-dir "$dir/d" --listen 127.0.0.1:18181 serve >"$dir/server.log" 2>&1 &
pid=$!
sleep 1
target/release/examples/apibench --url http://127.0.0.1:18181 --key "$key" --connections "$conns" --requests "$reqs"
echo "server RSS: $(awk '/VmHWM/ {print $2 " " $3 " peak"}' /proc/$pid/status), $(awk '/VmRSS/ {print $2 " " $3 " now"}' /proc/$pid/status)"
