#!/usr/bin/env python3
"""Cold start and idle memory of the release binary.

For each run: start `flowcrm serve` in a directory, poll GET /healthz every 2 ms until it
answers 200 (that span is the start time), wait for the process to go idle, read its
resident memory (VmRSS, and VmHWM for the peak), then SIGTERM it and time the clean exit.
"fresh" runs start on an empty directory (migrations and key creation included);
"existing" runs restart on the data dir of the previous run. Prints medians.

Usage: python3 benches/startup.py [--runs 15] [--bin target/release/flowcrm]
"""
import argparse, os, signal, socket, statistics, subprocess, tempfile, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return c.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

def one_run(binary, workdir, idle_s):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWCRM_")}
    env["RUST_LOG"] = "warn"
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}"], cwd=workdir,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not healthy(port):
        if p.poll() is not None:
            raise SystemExit("server exited during start")
        if time.perf_counter() - t0 > 30:
            p.kill(); raise SystemExit("no healthy answer in 30 s")
        time.sleep(0.002)
    start_ms = (time.perf_counter() - t0) * 1000
    time.sleep(idle_s)
    rss, hwm = status_kb(p.pid, "VmRSS"), status_kb(p.pid, "VmHWM")
    t1 = time.perf_counter()
    p.send_signal(signal.SIGTERM)
    code = p.wait(timeout=30)
    stop_ms = (time.perf_counter() - t1) * 1000
    if code != 0:
        raise SystemExit(f"exit code {code} after SIGTERM")
    return start_ms, rss / 1024, hwm / 1024, stop_ms

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--bin", default="target/release/flowcrm")
    ap.add_argument("--idle", type=float, default=2.0)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    results = {"fresh": [], "existing": []}
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory() as d:
            results["fresh"].append(one_run(binary, d, a.idle))
            results["existing"].append(one_run(binary, d, a.idle))
    size_mb = os.path.getsize(binary) / 1e6
    print(f"binary {binary}: {size_mb:.1f} MB; {a.runs} runs each; medians (min-max)")
    for kind, rows in results.items():
        cols = list(zip(*rows))
        fmt = lambda xs, u: f"{statistics.median(xs):.1f} {u} ({min(xs):.1f}-{max(xs):.1f})"
        print(f"  {kind:8}  start-to-healthy {fmt(cols[0], 'ms')}  idle RSS {fmt(cols[1], 'MB')}"
              f"  peak RSS {fmt(cols[2], 'MB')}  SIGTERM-to-exit {fmt(cols[3], 'ms')}")

if __name__ == "__main__":
    main()
