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
//!
//! With `--big-every-ms N`, one more client posts a huge webhook every N ms while the others
//! run: `--big-messages` text messages (default 1,000) of `--big-chars` characters each
//! (default 3,000, about 3 MB in all), to measure what a huge POST does to ordinary ones.
//! `benches/ingest_big.sh` runs that.

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

#[derive(Clone)]
struct Args {
    url: String,
    secret: String,
    connections: usize,
    seconds: u64,
    ceiling_events: usize,
    big_every_ms: u64,
    big_messages: usize,
    big_chars: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        secret: "bench".into(),
        connections: 64,
        seconds: 10,
        ceiling_events: 200_000,
        big_every_ms: 0,
        big_messages: 1000,
        big_chars: 3000,
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
            "--big-every-ms" => a.big_every_ms = value.parse().expect("--big-every-ms N"),
            "--big-messages" => a.big_messages = value.parse().expect("--big-messages N"),
            "--big-chars" => a.big_chars = value.parse().expect("--big-chars N"),
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

/// One webhook with `n` long text messages (words, so the search index has work to do).
fn big_payload(round: usize, n: usize, chars: usize) -> String {
    let words = "pedido entrega amanhã endereço pagamento camiseta tamanho cor ";
    let text: String = words.chars().cycle().take(chars).collect();
    let messages: Vec<String> = (0..n)
        .map(|i| {
            let phone = 5_511_800_000_000u64 + (i % 1000) as u64;
            format!(
                r#"{{"from":"{phone}","id":"wamid.BIG.{round}.{i}","timestamp":"1767225600","type":"text","text":{{"body":"{text}"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"100000000000001","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550009999","phone_number_id":"200000000000002"}},"messages":[{}]}}}}]}}]}}"#,
        messages.join(",")
    )
}

fn sign(secret: &str, body: &str) -> String {
    format!(
        "sha256={}",
        hex::encode(flowcrm::crypto::hmac_sha256(
            secret.as_bytes(),
            body.as_bytes()
        ))
    )
}

/// Posts a huge webhook every `a.big_every_ms` until `stop`; returns (latencies in µs, errors).
async fn big_poster(
    a: &Args,
    client: reqwest::Client,
    url: String,
    stop: Arc<AtomicBool>,
) -> (Vec<u64>, usize, usize) {
    let mut tick = tokio::time::interval(Duration::from_millis(a.big_every_ms));
    let (mut latencies, mut errors, mut size) = (Vec::new(), 0, 0);
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let body = big_payload(round, a.big_messages, a.big_chars);
        size = body.len();
        round += 1;
        let sig = sign(&a.secret, &body);
        let t = Instant::now();
        let r = client
            .post(&url)
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await;
        match r {
            Ok(resp) if resp.status() == 200 => latencies.push(t.elapsed().as_micros() as u64),
            _ => errors += 1,
        }
    }
    (latencies, errors, size)
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
    let big = (a.big_every_ms > 0).then(|| {
        let (client, url, stop) = (client.clone(), url.clone(), Arc::clone(&stop));
        let args = a.clone();
        tokio::spawn(async move { big_poster(&args, client, url, stop).await })
    });
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
                let sig = sign(&secret, &body);
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
    if let Some(big) = big {
        let (mut l, errors, size) = big.await.expect("big poster");
        l.sort_unstable();
        println!(
            "big: {} POSTs of {} messages ({:.1} MB each) acknowledged, {} errors, ack p50 {:.0} ms, max {:.0} ms",
            l.len(),
            a.big_messages,
            size as f64 / 1e6,
            errors,
            percentile(&l, 0.50),
            percentile(&l, 1.0),
        );
    }
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
        db.write(move |c| -> flowcrm::db::Result<_> {
            let now = time::OffsetDateTime::now_utc();
            for body in &bodies {
                let events = flowcrm::whatsapp::webhook::parse(body.as_bytes()).expect("parse");
                flowcrm::crm::inbound::record(
                    c,
                    &events,
                    Some(body.as_bytes()),
                    now,
                    &flowcrm::crm::consent::Keywords::default(),
                )?;
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
