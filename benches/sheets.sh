#!/usr/bin/env bash
# Google Sheets sync against the fake Sheets API (examples/fake_sheets_server.rs, a separate
# process, so FlowCRM's peak RSS is its own): the first sync of N contacts (requests, wall time,
# peak RSS of `flowcrm sheets sync`), then 10 contacts edited (a CSV import) and an incremental
# sync (requests, and which rows its batchUpdate carried).
# Usage: benches/sheets.sh [CONTACTS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
cargo build --release --quiet --bin flowcrm --example fake_sheets_server
BIN=$PWD/target/release/flowcrm
DIR=$(mktemp -d /tmp/flowcrm-sheets-bench.XXXX)
trap 'kill $FAKE 2>/dev/null || true; rm -rf "$DIR"' EXIT
target/release/examples/fake_sheets_server "$DIR/key.json" >"$DIR/fake.out" &
FAKE=$!
for _ in $(seq 50); do [ -s "$DIR/fake.out" ] && break; sleep 0.1; done
BASE=$(head -1 "$DIR/fake.out")
ID=$(sed -n 's/^spreadsheet //p' "$DIR/fake.out")
export FLOWCRM_SHEETS__API_BASE=$BASE FLOWCRM_SHEETS__SPREADSHEET=$ID FLOWCRM_SHEETS__SCHEDULE=""
export FLOWCRM_SHEETS__CONTACTS_COLUMNS="name; phone; email; whatsapp_name; tags; marketing; created"
export FLOWCRM_LOG__LEVEL=warn
D=(--data-dir "$DIR/data")
# The seeded directory is kept between runs (seeding 100,000 contacts takes minutes).
CACHE=/tmp/flowcrm-sheets-seed-$N
if [ ! -d "$CACHE" ]; then
  "$BIN" --data-dir "$CACHE.tmp" demo seed --contacts "$N" --messages "$N" >/dev/null
  mv "$CACHE.tmp" "$CACHE"
fi
cp -a "$CACHE" "$DIR/data"
"$BIN" "${D[@]}" secret set sheets.service_account <"$DIR/key.json" >/dev/null
stats() { curl -s "${BASE}_stats" | python3 -c "
import json,sys
s=json.load(sys.stdin); r=s['requests']
print(f\"  {len(r)} Sheets API requests: \" + ', '.join(f\"{x['method']} {x['path'].split('/')[-1] or 'metadata'} ({x['bytes']} B)\" for x in r))
for x in r:
    if x['path'].endswith('values:batchUpdate') and x['body']:
        d=json.loads(x['body'])['data']; rows=sorted({int(''.join(c for c in v['range'].split('!')[1].split(':')[0] if c.isdigit())) for v in d})
        print(f'  batchUpdate ranges: {len(d)}, rows: {rows}')
print('  tabs:', s['tabs'])"; }
echo "first sync of $N contacts:"
/usr/bin/time -f "  wall %e s, peak RSS %M KB" "$BIN" "${D[@]}" sheets sync 2>&1 | grep -v "^syncing"
stats
curl -s -X POST "${BASE}_reset" >/dev/null
python3 - "$DIR/data/flowcrm.db" "$DIR/edit.csv" <<'PY'
import csv, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT phone FROM contacts WHERE phone IS NOT NULL ORDER BY id LIMIT 10 OFFSET 100").fetchall()
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f); w.writerow(["name", "phone"])
    for i, (p,) in enumerate(rows): w.writerow([f"Edited {i}", p])
PY
"$BIN" "${D[@]}" contacts import "$DIR/edit.csv" >/dev/null
echo "incremental sync after 10 edits:"
/usr/bin/time -f "  wall %e s, peak RSS %M KB" "$BIN" "${D[@]}" sheets sync 2>&1 | grep -v "^syncing"
stats
curl -s -X POST "${BASE}_reset" >/dev/null
echo "nothing changed:"
/usr/bin/time -f "  wall %e s, peak RSS %M KB" "$BIN" "${D[@]}" sheets sync 2>&1 | grep -v "^syncing"
stats
