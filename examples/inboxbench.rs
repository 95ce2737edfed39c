//! Team inbox latency at scale. Signs in to a running FlowCRM (seeded with `flowcrm demo seed`)
//! and measures, over keep-alive connections, the server round trip of: the conversation list,
//! opening a conversation, contact search and message search. Prints p50 / p90 / p99 / max per
//! kind and the inbox page weight (HTML + CSS + JS).
//!
//! ```sh
//! cargo run --release --example inboxbench -- --url http://127.0.0.1:8080 \
//!     --email owner@example.com --password '...' --connections 2 --requests 500
//! ```
//! `benches/inbox.sh` seeds 100,000 contacts and 1,000,000 messages and runs this.

// Percentiles over durations: float conversions are the point.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "support/http.rs"]
mod http;

use http::{arg, sign_in};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "camiseta", "entrega", "pedido", "frete", "tamanho", "pix", "sábado", "dress", "address",
    "envío", "nota", "cancelar", "trocar", "desconto",
];
const NAMES: &[&str] = &[
    "Ana",
    "Silva",
    "Bruno Costa",
    "María",
    "Okafor",
    "9100",
    "cliente12",
    "Lima",
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
    let connections: usize = arg("--connections", "2").parse()?;
    let requests: usize = arg("--requests", "500").parse()?;
    let conversations: usize = arg("--conversations", "100000").parse()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .build()?;
    let cookie =
        Arc::new(sign_in(&client, &url, &arg("--email", ""), &arg("--password", "")).await?);
    // Page weight of the inbox: HTML plus the stylesheet and script it links.
    let inbox = client
        .get(format!("{url}/inbox"))
        .header("cookie", cookie.as_str())
        .send()
        .await?;
    anyhow::ensure!(inbox.status().is_success(), "inbox: {}", inbox.status());
    let html = inbox.text().await?;
    let mut weight = html.len();
    for attr in ["href=\"/static/app.", "src=\"/static/app."] {
        if let Some(path) = html.split(attr).nth(1).and_then(|s| s.split('"').next()) {
            let asset = client
                .get(format!("{url}/static/app.{path}"))
                .send()
                .await?
                .bytes()
                .await?;
            weight += asset.len();
        }
    }
    let kinds = [
        "conversation list",
        "open conversation",
        "contact search",
        "message search",
    ];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, url, cookie) = (client.clone(), url.clone(), Arc::clone(&cookie));
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(usize, Duration)> = Vec::with_capacity(requests);
            for n in 0..requests {
                let kind = (n + c) % 4;
                let i = (n * 7919 + c * 104_729) % 1_000_003;
                let path = match kind {
                    0 => "/inbox?view=all".to_string(),
                    1 => format!("/conversations/{}", 1 + i % conversations),
                    2 => format!("/contacts?q={}", NAMES[i % NAMES.len()]),
                    _ => format!("/search?q={}", WORDS[i % WORDS.len()]),
                };
                let t = Instant::now();
                let r = client
                    .get(format!("{url}{path}"))
                    .header("cookie", cookie.as_str())
                    .send()
                    .await;
                let ok = match r {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                assert!(ok, "request failed: {path}");
                out.push((kind, t.elapsed()));
            }
            out
        }));
    }
    let mut all = Vec::new();
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
        "page", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (k, label) in kinds.iter().enumerate() {
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
    println!(
        "inbox page weight: {weight} bytes (HTML {} + CSS + JS), uncompressed",
        html.len()
    );
    Ok(())
}
