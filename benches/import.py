#!/usr/bin/env python3
"""Contacts CSV import throughput: writes a 100,000-row CSV (valid Brazilian mobiles, emails,
a tag on every tenth row), then times `flowcrm contacts import` into a fresh data dir (whole
process: start, migrations, CSV read, validation with libphonenumber, one transaction with
synchronous=FULL), a second import of the same file (all updates) and a dry run.

Usage: python3 benches/import.py [--runs 5] [--rows 100000] [--bin target/release/flowcrm]
"""
import argparse, os, statistics, subprocess, tempfile, time

AREAS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42,
         43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74,
         75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99]

def timed(cmd, cwd):
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if not k.startswith("FLOWCRM_")})
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return time.perf_counter() - t, out.stdout.splitlines()[0]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--bin", default="target/release/flowcrm")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "contacts.csv")
        with open(csv, "w") as f:
            f.write("name,phone,email,tags\n")
            for i in range(a.rows):
                area = AREAS[i % len(AREAS)]
                f.write(f"Customer {i},+55 {area} 98{i:07d},c{i}@example.com,{'VIP' if i % 10 == 0 else ''}\n")
        fresh, again, dry = [], [], []
        for r in range(a.runs):
            work = os.path.join(d, f"run{r}")
            os.mkdir(work)
            t, first = timed([binary, "contacts", "import", csv], work)
            fresh.append(t)
            again.append(timed([binary, "contacts", "import", csv], work)[0])
            dry.append(timed([binary, "contacts", "import", csv, "--dry-run"], work)[0])
        med = statistics.median
        print(f"{a.rows} rows, {a.runs} runs; first run said: {first}")
        for name, xs in (("fresh import", fresh), ("re-import (updates)", again), ("dry run", dry)):
            print(f"  {name:20} median {med(xs):.2f} s  ({a.rows / med(xs):,.0f} rows/s; min {min(xs):.2f}, max {max(xs):.2f})")

if __name__ == "__main__":
    main()
