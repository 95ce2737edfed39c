#!/usr/bin/env bash
# Erasure under load: on a copy of a seeded data dir (default: 1,000,000 demo messages, seeded
# on first use), adds one customer with 10,000 messages and 100 media files (200 KB each), then
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
# The customer to erase: 10,000 messages (half theirs, half ours, each with a status), 100 of
# them photos with a stored file, as ingest and the media job leave them.
python3 - "$work" <<'PY'
import os, sqlite3, sys, time
work = sys.argv[1]
db = sqlite3.connect(os.path.join(work, "flowcrm.db"))
now = int(time.time())
cur = db.execute("INSERT INTO contacts (phone, profile_name, name, created_at, updated_at) VALUES ('+351919999000', 'Bench Erase', 'Bench Erase', ?, ?)", (now, now))
contact = cur.lastrowid
conv = db.execute("INSERT INTO conversations (contact_id, last_inbound_at, last_message_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", (contact, now, now, now, now)).lastrowid
media = os.path.join(work, "media"); os.makedirs(media, exist_ok=True)
blob = os.urandom(200 * 1024)
for i in range(10000):
    direction = "in" if i % 2 == 0 else "out"
    t = now - 10000 + i
    kind = "image" if i < 100 else "text"
    mid = db.execute("INSERT INTO messages (wamid, conversation_id, direction, kind, body, content, sent_at, received_at) VALUES (?, ?, ?, ?, ?, '{\"type\":\"text\"}', ?, ?)",
                     (f"wamid.BENCHERASE{i}", conv, direction, kind, f"bench erase message {i} about the order", t, t)).lastrowid
    db.execute("INSERT INTO message_statuses (wamid, status, rank, at, recipient_id, received_at) VALUES (?, 'delivered', 2, ?, '351919999000', ?)", (f"wamid.BENCHERASE{i}", t, t))
    if i < 100:
        name = f"bench-erase-{i}.jpg"
        with open(os.path.join(media, name), "wb") as f: f.write(blob)
        db.execute("INSERT INTO media (message_id, media_id, mime_type, state, stored_name, size, next_attempt_at, received_at) VALUES (?, ?, 'image/jpeg', 'stored', ?, ?, ?, ?)",
                   (mid, f"m{i}", name, len(blob), t, t))
db.commit()
print(f"customer {contact}: {db.execute('SELECT COUNT(*) FROM messages WHERE conversation_id = ?', (conv,)).fetchone()[0]} messages, 100 media files; {db.execute('SELECT COUNT(*) FROM messages').fetchone()[0]} messages in all")
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
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('receipt', r['code'], {k: v for k, v in r['removed'].items() if v})" "$work/receipt.json"
echo "media files left: $(ls "$work/media" | grep -c bench-erase || true); WAL after: $(stat -c %s "$work/flowcrm.db-wal" 2>/dev/null || echo 0) bytes"
