//! API contact search latency. Sends `GET /api/v1/contacts?q=...` (and filtered variants) to a
//! running FlowCRM with N concurrent connections for a fixed number of requests each, and
//! prints p50 / p90 / p99 / max latency per query kind and overall, measured at the client on
//! loopback (so they include HTTP, auth, rate limiting and JSON).
//!
//! ```sh
//! cargo run --release --example apibench -- --url http://127.0.0.1:8080 --key fck_... \
//!     --connections 4 --requests 2000
//! ```
//! `benches/api_search.sh` seeds 100,000 contacts, starts the server and runs this.

// Percentiles over durations: float conversions are the point.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "support/http.rs"]
mod http;

use http::arg;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Query kinds: (label, query string). `{i}` is replaced by a number that varies per request.
const QUERIES: &[(&str, &str)] = &[
    ("name, one match", "q=Customer%20{i}7&limit=50"),
    ("phone digits", "q=98{i}&limit=50"),
    ("email, one match", "q=c{i}3%40example.com&limit=50"),
    ("no match", "q=zz{i}qq&limit=50"),
    ("common word", "q=Customer&limit=50"),
    ("tag + search", "q=Customer%201&tag=1&limit=50"),
    ("list, no filter", "limit=50"),
];

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = arg("--url", "http://127.0.0.1:8080");
    let key = arg("--key", "");
    let connections: usize = arg("--connections", "4").parse()?;
    let requests: usize = arg("--requests", "2000").parse()?;
    anyhow::ensure!(!key.is_empty(), "pass --key fck_...");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let base = Arc::new(format!("{url}/api/v1/contacts"));
    let auth = Arc::new(format!("Bearer {key}"));
    // Warm-up: one of each.
    for (_, q) in QUERIES {
        let u = format!("{base}?{}", q.replace("{i}", "1"));
        let r = client
            .get(&u)
            .header("authorization", auth.as_str())
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "{u}: {}", r.status());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, base, auth) = (client.clone(), Arc::clone(&base), Arc::clone(&auth));
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(usize, Duration)> = Vec::with_capacity(requests);
            for n in 0..requests {
                let kind = (n + c) % QUERIES.len();
                let i = (n * 7919 + c * 104_729) % 9_973;
                let u = format!("{base}?{}", QUERIES[kind].1.replace("{i}", &i.to_string()));
                let t = Instant::now();
                let r = client
                    .get(&u)
                    .header("authorization", auth.as_str())
                    .send()
                    .await;
                let ok = match r {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                assert!(ok, "request failed: {u}");
                out.push((kind, t.elapsed()));
            }
            out
        }));
    }
    let mut all: Vec<(usize, Duration)> = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let wall = started.elapsed();
    println!(
        "{} requests, {connections} connections, {:.0} req/s",
        all.len(),
        all.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "{:18} {:>8} {:>8} {:>8} {:>8}",
        "query", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (k, (label, _)) in QUERIES.iter().enumerate() {
        let mut xs: Vec<Duration> = all
            .iter()
            .filter(|(q, _)| *q == k)
            .map(|(_, d)| *d)
            .collect();
        xs.sort_unstable();
        println!(
            "{label:18} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            pct(&xs, 0.5),
            pct(&xs, 0.9),
            pct(&xs, 0.99),
            pct(&xs, 1.0)
        );
    }
    let mut xs: Vec<Duration> = all.iter().map(|(_, d)| *d).collect();
    xs.sort_unstable();
    println!(
        "{:18} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        "all",
        pct(&xs, 0.5),
        pct(&xs, 0.9),
        pct(&xs, 0.99),
        pct(&xs, 1.0)
    );
    Ok(())
}
