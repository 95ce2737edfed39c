#!/usr/bin/env bash
# Backup and restore at scale: on a copy of the 1,000,000-message demo data (seeded on first use)
# plus MEDIA_MB one-megabyte media files of random bytes (photos do not compress), measures
#   1. `flowcrm backup --out` (snapshot, integrity_check, SHA-256, AES-256-GCM) against a plain
#      `cp -r` of the same data directory, alternated RUNS times, as MB/s of the data directory;
#   2. `flowcrm restore` of the archive into an empty directory, and `--verify-only`;
#   3. webhook ingest latency (load generator, 16 connections) alone and while a backup runs.
# Usage: bash benches/backup.sh [media_mb] [runs]   (defaults 1024 and 3)
# BENCH_SEED_DIR: a seeded data dir to copy (it is not modified). ONLY_INGEST=1: part 3 only.
set -euo pipefail
cd "$(dirname "$0")/.."
media_mb=${1:-1024}; runs=${2:-3}
cargo build --release --quiet --bin flowcrm --example loadgen
bin=$PWD/target/release/flowcrm; loadgen=$PWD/target/release/examples/loadgen
seed=${BENCH_SEED_DIR:-/tmp/flowcrm-seed-1m}
if [ ! -f "$seed/flowcrm.db" ]; then
  "$bin" --data-dir "$seed" demo seed --contacts 100000 --messages 1000000
fi
work=$(mktemp -d); port=18399
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cp -a "$seed/." "$work/data/" 2>/dev/null || { mkdir -p "$work/data"; cp -a "$seed/." "$work/data/"; }
"$bin" --data-dir "$work/data" migrate >/dev/null
python3 - "$work/data/media/bench" "$media_mb" <<'PY'
import os, sys
os.makedirs(sys.argv[1], exist_ok=True)
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], f"photo-{i:05d}.jpg"), "wb") as f:
        f.write(os.urandom(1 << 20))
PY
"$bin" --data-dir "$work/data" backup key show >/dev/null 2>&1
size=$(du -sb "$work/data" | cut -f1)
echo "data directory: $((size / 1048576)) MB (database $(( $(stat -c %s "$work/data/flowcrm.db") / 1048576 )) MB, media $(du -sm "$work/data/media" | cut -f1) MB)"
now() { date +%s.%N; }
if [ -z "${ONLY_INGEST:-}" ]; then
echo "== 1. backup --out vs cp -r (MB/s of the data directory), alternated"
for r in $(seq "$runs"); do
  t0=$(now); "$bin" --data-dir "$work/data" backup --out "$work/out" >/dev/null 2>&1; t1=$(now)
  archive=$(ls "$work/out"/*.fcb)
  cp -r "$work/data" "$work/copy"; sync; t2=$(now)
  python3 -c "import sys; s=int(sys.argv[1])/1048576; b=float(sys.argv[3])-float(sys.argv[2]); c=float(sys.argv[4])-float(sys.argv[3]); print(f'run $r: backup {b:.1f} s = {s/b:.0f} MB/s; cp -r {c:.1f} s = {s/c:.0f} MB/s; ratio backup/cp speed {c/b:.2f}')" "$size" "$t0" "$t1" "$t2"
  rm -rf "$work/copy"
  [ "$r" = "$runs" ] || rm -rf "$work/out"
done
echo "archive: $(( $(stat -c %s "$archive") / 1048576 )) MB"
echo "== 2. restore into an empty directory, and --verify-only"
mkdir -p "$work/restored"; cp "$work/data/master.key" "$work/restored/"
t0=$(now); "$bin" --data-dir "$work/restored" restore "$archive" --key-file "$work/data/backup.key" >/dev/null 2>&1; t1=$(now)
"$bin" --data-dir "$work/data" restore --verify-only "$archive" >/dev/null 2>&1; t2=$(now)
python3 -c "import sys; print(f'restore {float(sys.argv[2])-float(sys.argv[1]):.1f} s; verify-only {float(sys.argv[3])-float(sys.argv[2]):.1f} s')" "$t0" "$t1" "$t2"
rm -rf "$work/restored" "$work/out"
fi
echo "== 3. webhook ingest alone, then while a backup runs (started 2 s in)"
FLOWCRM_WHATSAPP__APP_SECRET=bench FLOWCRM_BACKUP__SCHEDULE="" "$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do "$bin" healthcheck --listen "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.05; done
secs=$(( ${BACKUP_SECS:-20} ))
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections 16 --seconds "$secs" --ceiling-events 1000 | grep -v ceiling
"$loadgen" --url "http://127.0.0.1:$port" --secret bench --connections 16 --seconds "$secs" --ceiling-events 1000 | grep -v ceiling &
lg=$!
sleep 2
# BACKUP_NICE=10: as systemd/flowcrm-backup.service runs it (Nice=10).
t0=$(now); nice -n "${BACKUP_NICE:-0}" "$bin" --data-dir "$work/data" backup --out "$work/out" >/dev/null 2>&1; t1=$(now)
python3 -c "import sys; print(f'backup during load: {float(sys.argv[2])-float(sys.argv[1]):.1f} s')" "$t0" "$t1"
wait $lg
