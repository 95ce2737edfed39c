//! Webhook load generator. Posts signed, unique WhatsApp webhook payloads (one text message
//! each, from 1,000 different customers) to a running FlowCRM with N concurrent connections and
//! prints events/s and acknowledgement latency. Then, in the same run, measures the raw ceiling:
//! the same events recorded by FlowCRM's own ingest code straight into a fresh SQLite file in
//! batches, without HTTP.
//!
//! ```sh
//! FLOWCRM_WHATSAPP__APP_SECRET=bench target/release/flowcrm serve --data-dir /tmp/bench &
//! cargo run --release --example loadgen -- --url http://127.0.0.1:8080 --secret bench \
//!     --connections 64 --seconds 10
//! ```
//! `benches/ingest.sh` does all of that and also reports the server's peak RSS.

// Statistics over counts and durations: float conversions are the point.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use flowcrm::db::{Db, Options};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    secret: String,
    connections: usize,
    seconds: u64,
    ceiling_events: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        secret: "bench".into(),
        connections: 64,
        seconds: 10,
        ceiling_events: 200_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--url" => a.url = value,
            "--secret" => a.secret = value,
            "--connections" => a.connections = value.parse().expect("--connections N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--ceiling-events" => a.ceiling_events = value.parse().expect("--ceiling-events N"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn payload(worker: usize, i: usize) -> String {
    let phone = 5_511_900_000_000u64 + ((worker * 7919 + i) % 1000) as u64;
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"100000000000001","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550009999","phone_number_id":"200000000000002"}},"contacts":[{{"profile":{{"name":"Customer {phone}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"wamid.LOAD.{worker}.{i}","timestamp":"1767225600","type":"text","text":{{"body":"Olá, quero saber do pedido {i}"}}}}]}}}}]}}]}}"#
    )
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

async fn http_phase(a: &Args) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.connections)
        .build()
        .expect("client");
    let url = format!("{}/webhooks/whatsapp", a.url.trim_end_matches('/'));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..a.connections {
        let (client, url, stop, secret) = (
            client.clone(),
            url.clone(),
            Arc::clone(&stop),
            a.secret.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = payload(worker, i);
                i += 1;
                let sig = format!(
                    "sha256={}",
                    hex::encode(flowcrm::crypto::hmac_sha256(
                        secret.as_bytes(),
                        body.as_bytes()
                    ))
                );
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status() == 200 => {
                        latencies.push(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("worker");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    println!(
        "http: {} connections, {:.1} s: {} events acknowledged, {} errors, {:.0} events/s, ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        a.connections,
        elapsed,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        percentile(&all, 1.0),
    );
}

/// Events per transaction in the ceiling phase.
const BATCH: usize = 1000;

async fn ceiling_phase(a: &Args) {
    let dir = tempfile::tempdir().expect("tmp");
    let (db, _) = Db::open(&Options {
        path: dir.path().join("ceiling.db"),
        readers: 1,
        busy_timeout: Duration::from_secs(5),
    })
    .expect("open");
    let started = Instant::now();
    let mut done = 0;
    while done < a.ceiling_events {
        let bodies: Vec<String> = (done..done + BATCH)
            .map(|i| payload(usize::MAX / 2, i))
            .collect();
        db.write(move |c| {
            let now = time::OffsetDateTime::now_utc();
            for body in &bodies {
                let events = flowcrm::whatsapp::webhook::parse(body.as_bytes()).expect("parse");
                flowcrm::crm::inbound::record(c, &events, Some(body.as_bytes()), now)?;
            }
            Ok(())
        })
        .await
        .expect("write");
        done += BATCH;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "ceiling: {done} events parsed and recorded by the same ingest code in {BATCH}-event transactions, no HTTP: {:.0} events/s",
        done as f64 / elapsed
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    let a = parse_args();
    http_phase(&a).await;
    ceiling_phase(&a).await;
}
