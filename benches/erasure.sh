#!/usr/bin/env bash
# Erasure under load: on a copy of a seeded data dir (default: 1,000,000 demo messages, seeded
# on first use), adds one customer with 10,000 messages, 5,000 statuses and 100 media files (200 KB
# each), then
# runs the webhook load generator twice: once alone, once with the customer erased through the
# API three seconds in. Prints the erasure's wall time and receipt counts, and ingest latency of
# both runs.
# Usage: bash benches/erasure.sh [connections] [seconds]   (defaults 16 and 12)
# BENCH_SEED_DIR: a seeded data dir to copy (it is not modified).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-16}; secs=${2:-12}
cargo build --release --quiet --bin flowcrm --example loadgen
bin=target/release/flowcrm; loadgen=target/release/examples/loadgen
seed=${BENCH_SEED_DIR:-/tmp/flowcrm-seed-1m}
if [ ! -f "$seed/flowcrm.db" ]; then
  /usr/bin/time -f "seed: %e s, peak RSS %M KB" "$bin" --data-dir "$seed" demo seed --contacts 100000 --messages 1000000
fi
work=$(mktemp -d); port=18398
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cp -a "$seed/." "$work/"
"$bin" --data-dir "$work" migrate >/dev/null
# The customer to erase: 10,000 messages delivered as Meta would (one webhook body, stored by
# `flowcrm webhook replay`), 100 of them photos then given a stored file as the media job does,
# and 5,000 delivery statuses naming their number.
python3 - "$work/body.json" "$work/statuses.json" <<'PY'
import json, sys, time
now = int(time.time())
msgs = []
for i in range(10000):
    m = {"from": "351919999000", "id": f"wamid.BENCHERASE{i}", "timestamp": str(now - 10000 + i)}
    if i < 100:
        m.update(type="image", image={"id": f"bench-media-{i}", "mime_type": "image/jpeg", "sha256": "x", "caption": f"photo {i}"})
    else:
        m.update(type="text", text={"body": f"bench erase message {i} about the order"})
    msgs.append(m)
meta = {"display_phone_number": "15550009999", "phone_number_id": "200000000000002"}
value = {"messaging_product": "whatsapp", "metadata": meta, "contacts": [{"profile": {"name": "Bench Erase"}, "wa_id": "351919999000"}], "messages": msgs}
json.dump({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}, open(sys.argv[1], "w"))
st = [{"id": f"wamid.BENCHOUT{i}", "status": "delivered", "timestamp": str(now - 5000 + i), "recipient_id": "351919999000"} for i in range(5000)]
value = {"messaging_product": "whatsapp", "metadata": meta, "statuses": st}
json.dump({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}, open(sys.argv[2], "w"))
PY
"$bin" --data-dir "$work" webhook replay --file "$work/body.json"
"$bin" --data-dir "$work" webhook replay --file "$work/statuses.json"
python3 - "$work" <<'PY'
import os, sqlite3, sys
work = sys.argv[1]
db = sqlite3.connect(os.path.join(work, "flowcrm.db"))
media = os.path.join(work, "media"); os.makedirs(media, exist_ok=True)
blob = os.urandom(200 * 1024)
rows = db.execute("SELECT d.id FROM media d JOIN messages m ON m.id = d.message_id WHERE m.wamid LIKE 'wamid.BENCHERASE%'").fetchall()
for n, (mid,) in enumerate(rows):
    name = f"bench-erase-{n}.jpg"
    with open(os.path.join(media, name), "wb") as f: f.write(blob)
    db.execute("UPDATE media SET state = 'stored', stored_name = ?, size = ? WHERE id = ?", (name, len(blob), mid))
db.commit()
print(f"{len(rows)} media files; {db.execute('SELECT COUNT(*) FROM messages').fetchone()[0]} messages in all")
PY
contact=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select id from contacts where phone='+351919999000'\").fetchone()[0])" "$work/flowcrm.db")
key=$("$bin" --data-dir "$work" api-key create --name bench --role admin 2>/dev/null)
FLOWCRM_WHATSAPP__APP_SECRET=bench "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do "$bin" healthcheck --listen "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.05; done
echo "== ingest alone"
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" --seconds "$secs" --ceiling-events 1000 | grep -v ceiling
echo "== ingest while the customer is erased (3 s in)"
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections "$conns" --seconds "$secs" --ceiling-events 1000 | grep -v ceiling &
lg=$!
sleep 3
curl -sS -o "$work/receipt.json" -w "erasure: HTTP %{http_code} in %{time_total} s\n" -X POST \
  -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"confirm":"ERASE","reason":"benchmark"}' "http://127.0.0.1:$port/api/v1/contacts/$contact/erase"
wait $lg
grep "contact erased" "$work/server.log" | sed "s/\x1b\[[0-9;]*m//g"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('receipt', r['code'], {k: v for k, v in r['removed'].items() if v})" "$work/receipt.json"
echo "media files left: $(ls "$work/media" | grep -c bench-erase || true); WAL after: $(stat -c %s "$work/flowcrm.db-wal" 2>/dev/null || echo 0) bytes"
