#!/usr/bin/env bash
# AI assist's own cost (examples/aibench.rs): FlowCRM's time per AI request for a 200- and a
# 2,000-message conversation against a fake OpenAI-compatible server that answers at once, and
# the real server's RSS while 20 AI requests wait on a fake that takes 3 s.
# Usage: benches/ai.sh [RUNS]   (default 40 timed requests per size)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-40}
cargo build --release --quiet --bin flowcrm --example aibench
target/release/examples/aibench overhead --runs "$RUNS"
target/release/examples/aibench rss --bin target/release/flowcrm 2>/dev/null
