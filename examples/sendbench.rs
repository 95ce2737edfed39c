//! Outbox sender throughput. Queues N text messages (to N/10 customers, ten each) in a fresh
//! FlowCRM database (`synchronous=FULL`), then lets the real sender deliver them to an
//! in-process fake of the Graph API messages endpoint with the limiter set high, and prints
//! messages/s from first claim to the last recorded answer.
//!
//! `cargo run --release --example sendbench -- 20000`

// Statistics over counts and durations: float conversions are the point.
#![allow(clippy::cast_precision_loss)]

use axum::Json;
use axum::routing::post;
use flowcrm::clock::SystemClock;
use flowcrm::config::Secret;
use flowcrm::crm::outbound::{QueueRequest, queue};
use flowcrm::db::{Db, Options};
use flowcrm::jobs::outbox::Sender;
use flowcrm::model::Outbound;
use flowcrm::whatsapp::client::GraphClient;
use flowcrm::whatsapp::limiter::Limiter;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static SENT: AtomicU64 = AtomicU64::new(0);

async fn fake_send(Json(_body): Json<Value>) -> Json<Value> {
    let n = SENT.fetch_add(1, Ordering::Relaxed);
    Json(json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.BENCH.{n}")}]}))
}

async fn start_fake() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route("/{version}/{pnid}/messages", post(fake_send));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake") });
    base
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("tmp");
    let (db, _) = Db::open(&Options {
        path: dir.path().join("bench.db"),
        readers: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .expect("open");
    let clock: flowcrm::clock::SharedClock = Arc::new(SystemClock);
    let customers = (n / 10).max(1);
    // Customers who wrote just now (open 24-hour windows).
    let now = clock.now();
    db.write(move |c| -> flowcrm::db::Result<_> {
        for i in 0..customers {
            let body = format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{"metadata":{{"phone_number_id":"200"}},"messages":[{{"from":"55119{i:08}","id":"wamid.IN.{i}","timestamp":"{}","type":"text","text":{{"body":"oi"}}}}]}}}}]}}]}}"#,
                now.unix_timestamp()
            );
            let events = flowcrm::whatsapp::webhook::parse(body.as_bytes()).expect("parse");
            flowcrm::crm::inbound::record(c, &events, None, now, &flowcrm::crm::consent::Keywords::default())?;
        }
        Ok(())
    })
    .await
    .expect("customers");
    let queued_at = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let chunk = chunk.to_vec();
        db.write(move |c| -> flowcrm::crm::Result<()> {
            for i in chunk {
                let msg = Outbound::Text {
                    body: format!("Seu pedido {i} saiu para entrega"),
                    preview_url: false,
                };
                let key = format!("bench-{i}");
                let conversation_id = i64::try_from(i % customers + 1).expect("id");
                let req = QueueRequest {
                    conversation_id,
                    message: &msg,
                    reply_to: None,
                    idempotency_key: &key,
                    author: None,
                    by: None,
                    confirm_consent: false,
                    campaign: None,
                };
                queue(c, &req, now)?;
            }
            Ok(())
        })
        .await
        .expect("queue");
    }
    let queue_secs = queued_at.elapsed().as_secs_f64();
    let base = start_fake().await;
    let sender = Sender {
        db: db.clone(),
        client: GraphClient::new(&base, "v23.0").expect("client"),
        clock,
        limiter: Arc::new(Mutex::new(Limiter::with_pair_burst(100_000, 1_000))),
        whatsapp: std::sync::Arc::new(flowcrm::crm::connection::FileValues {
            phone_number_id: Some("200".into()),
            ..Default::default()
        }),
        events: flowcrm::crm::events::Events::default(),
    };
    let token = Secret::new("bench-token");
    let started = Instant::now();
    let mut total = 0;
    while total < n {
        let o = sender.run_once(Some(&token)).await.expect("run");
        assert_eq!(o.failed + o.retried, 0, "{o:?}");
        total += o.sent;
    }
    let secs = started.elapsed().as_secs_f64();
    let recorded: i64 = db
        .read(|c| -> flowcrm::db::Result<_> {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = 'sent'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("count");
    println!(
        "queued {n} messages for {customers} customers in {queue_secs:.2} s ({:.0}/s); sent {total} in {secs:.2} s: {:.0} messages/s; {recorded} recorded as sent",
        n as f64 / queue_secs,
        total as f64 / secs
    );
    db.close().await;
}
