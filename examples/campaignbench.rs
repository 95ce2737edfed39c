//! A broadcast to 100,000 contacts. `benches/campaign.sh` seeds the contacts with `flowcrm demo
//! seed` and runs this in three steps:
//!
//! - `setup --db PATH`: everyone opted in, an approved marketing template with one variable,
//!   and a segment of every contact (what a sync and the contacts page would leave).
//! - `queue --db PATH --runs N`: on a copy each run, the sender's own functions in-process:
//!   taking the audience (`feed::start`: the rules per contact and one recipient row each) and
//!   queueing every message through the outbox (`feed::round`, as the sender's loop does). Between slices
//!   the campaign's queued messages are marked sent by SQL (not timed), standing in for a
//!   sender with no limit, so the figure is the queueing work alone.
//! - `live --bin BIN --dir DIR`: the real `flowcrm serve` on the seeded data with its sender
//!   pointed at an in-process fake Graph API and the limiter set to 10,000/s. Times the audience
//!   preview (`GET /api/v1/campaigns/{id}/preview`), the send (`POST .../state`), the send rate
//!   at the fake (first to last message), signed status webhooks posted while it sends (each
//!   one's latency), and the campaign page with its funnel once it is done.

// Statistics over counts and durations: float conversions are the point.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "support/http.rs"]
mod http;

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use flowcrm::crm::campaigns::feed;
use flowcrm::db::campaigns::Draft;
use flowcrm::model::campaign::{Binding, CampaignState};
use flowcrm::model::{ContactFilter, Zone};
use http::{arg, sign_in};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "bench-app-secret";
const TOKEN: &str = "bench-token";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn open(path: &str) -> anyhow::Result<flowcrm::db::Db> {
    Ok(flowcrm::db::Db::open(&flowcrm::db::Options {
        path: path.into(),
        readers: 2,
        busy_timeout: Duration::from_secs(30),
    })?
    .0)
}

/// Everyone opted in, the template, the segment.
async fn setup(path: &str) -> anyhow::Result<()> {
    let db = open(path)?;
    let now = time::OffsetDateTime::now_utc();
    let n = db
        .write(move |c| -> flowcrm::db::Result<i64> {
            c.execute("UPDATE contacts SET opt_in = 'in'", [])?;
            flowcrm::db::templates::upsert(
                c,
                &flowcrm::db::templates::Template {
                    meta_id: Some("bench-promo".into()),
                    name: "bench_promo".into(),
                    language: "pt_BR".into(),
                    category: "MARKETING".into(),
                    status: "APPROVED".into(),
                    reason: None,
                    parameter_format: "POSITIONAL".into(),
                    components: json!([{"type": "BODY", "text": "Oi {{1}}, 20% off hoje!"}])
                        .to_string(),
                },
                now,
            )?;
            flowcrm::db::segments::insert(c, "Everyone", &ContactFilter::default(), None, now)?;
            Ok(c.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))?)
        })
        .await?;
    db.close().await;
    println!("setup: {n} contacts opted in, template bench_promo, segment Everyone");
    Ok(())
}

fn bindings() -> Vec<Binding> {
    vec![Binding::Field {
        field: "first_name".into(),
        fallback: "cliente".into(),
    }]
}

/// One queueing run on a copy of `path`: (audience seconds, queueing seconds, recipients).
async fn queue_once(path: &str) -> anyhow::Result<(f64, f64, usize)> {
    let dir = tempfile::tempdir()?;
    let copy = dir.path().join("flowcrm.db");
    std::fs::copy(path, &copy)?;
    let db = open(copy.to_str().unwrap_or_default())?;
    let now = time::OffsetDateTime::now_utc();
    let id = db
        .write(move |c| -> flowcrm::db::Result<i64> {
            let seg: i64 =
                c.query_row("SELECT id FROM segments WHERE name = 'Everyone'", [], |r| {
                    r.get(0)
                })?;
            let variables = bindings();
            let id = flowcrm::db::campaigns::insert(
                c,
                &Draft {
                    name: "Bench",
                    template_name: "bench_promo",
                    template_language: "pt_BR",
                    variables: &variables,
                    header: None,
                    include: &[seg],
                    exclude: &[],
                    allow_unknown: false,
                    scheduled_at: None,
                },
                None,
                now,
            )?;
            flowcrm::db::campaigns::set_state(
                c,
                id,
                &[CampaignState::Draft],
                CampaignState::Sending,
                now,
            )?;
            Ok(id)
        })
        .await?;
    let t = Instant::now();
    let members = db
        .write(move |c| -> flowcrm::crm::Result<usize> {
            let k = flowcrm::db::campaigns::get(c, id)?
                .ok_or(flowcrm::crm::Error::NotFound("campaign"))?;
            Ok(feed::start(c, &k, &Zone::utc(), now)?.members.len())
        })
        .await?;
    let audience = t.elapsed().as_secs_f64();
    let file = flowcrm::crm::connection::FileValues {
        phone_number_id: Some("200".into()),
        token_in_file: true,
        ..Default::default()
    };
    let mut queueing = 0.0;
    loop {
        let t = Instant::now();
        let fed = feed::round(&db, &file, &Zone::utc(), now).await?;
        queueing += t.elapsed().as_secs_f64();
        if fed.done > 0 {
            break;
        }
        anyhow::ensure!(fed.queued > 0, "nothing queued: {fed:?}");
        db.write(move |c| -> flowcrm::db::Result<usize> {
            Ok(c.execute(
                "UPDATE outbox SET state = 'sent' WHERE campaign_id = ?1 AND state = 'queued'",
                [id],
            )?)
        })
        .await?;
    }
    db.close().await;
    Ok((audience, queueing, members))
}

async fn queue(path: &str, runs: usize) -> anyhow::Result<()> {
    let (mut a, mut q) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let (audience, queueing, members) = queue_once(path).await?;
        println!(
            "queue run {}: audience of {members} taken in {audience:.2} s, every message queued in {queueing:.2} s more; {:.2} s in all",
            run + 1,
            audience + queueing
        );
        a.push(audience);
        q.push(queueing);
    }
    let total: Vec<f64> = a.iter().zip(&q).map(|(x, y)| x + y).collect();
    let (a, q, total) = (sorted(a), sorted(q), sorted(total));
    println!(
        "queue: median of {runs}: audience {:.2} s, queueing {:.2} s, together {:.2} s (range {:.2}–{:.2})",
        percentile(&a, 0.5),
        percentile(&q, 0.5),
        percentile(&total, 0.5),
        total[0],
        total[total.len() - 1]
    );
    Ok(())
}

/// What the fake Graph API saw: when each message came and its (wamid, recipient).
#[derive(Default)]
struct Seen {
    at: Vec<Instant>,
    sent: Vec<(String, String)>,
}

async fn fake_send(State(seen): State<Arc<Mutex<Seen>>>, Json(body): Json<Value>) -> Json<Value> {
    let mut s = seen.lock().expect("lock");
    let id = format!("wamid.CAMPAIGN.{}", s.sent.len());
    let to = body["to"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('+')
        .to_string();
    s.at.push(Instant::now());
    s.sent.push((id.clone(), to.clone()));
    Json(
        json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": id}]}),
    )
}

async fn start_fake(seen: Arc<Mutex<Seen>>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new()
        .route("/{version}/{pnid}/messages", post(fake_send))
        .with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

fn status_body(wamid: &str, to: &str) -> String {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550009999", "phone_number_id": "200"},
        "statuses": [{"id": wamid, "status": "delivered", "timestamp": ts.to_string(), "recipient_id": to,
                      "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"}}]}}]}]})
    .to_string()
}

/// Posts a signed `delivered` status for the messages the fake has seen, one after another,
/// until `stop`; each request's latency in ms.
async fn post_statuses(
    client: reqwest::Client,
    url: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<f64> {
    let mut lat = Vec::new();
    let mut next = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let item = seen.lock().expect("lock").sent.get(next).cloned();
        let Some((wamid, to)) = item else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        next += 1;
        let body = status_body(&wamid, &to);
        let sig = format!(
            "sha256={}",
            hex::encode(flowcrm::crypto::hmac_sha256(
                SECRET.as_bytes(),
                body.as_bytes()
            ))
        );
        let t = Instant::now();
        let ok = client
            .post(format!("{url}/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        // About 300 status webhooks a second.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    lat
}

fn cli(bin: &str, data: &str, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    let mut child = std::process::Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    if let Some(s) = stdin {
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), s.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "{args:?} failed");
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

async fn timed(req: reqwest::RequestBuilder) -> anyhow::Result<(f64, Value)> {
    let t = Instant::now();
    let r = req.send().await?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(status.is_success(), "{status}: {body}");
    Ok((ms, body))
}

#[allow(clippy::too_many_lines)]
async fn live(bin: &str, data: &str) -> anyhow::Result<()> {
    let key = cli(
        bin,
        data,
        &["api-key", "create", "--name", "bench", "--role", "admin"],
        None,
    )?;
    let key = key
        .split_whitespace()
        .find(|w| w.len() > 30)
        .ok_or_else(|| anyhow::anyhow!("no key in: {key}"))?
        .to_string();
    let _ = cli(
        bin,
        data,
        &[
            "user",
            "add",
            "--email",
            "bench-owner@example.com",
            "--role",
            "admin",
        ],
        Some("correct horse battery"),
    );
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let base = start_fake(Arc::clone(&seen)).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(bin)
        .args([
            "--data-dir",
            data,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "serve",
        ])
        .env("FLOWCRM_WHATSAPP__APP_SECRET", SECRET)
        .env("FLOWCRM_WHATSAPP__ACCESS_TOKEN", TOKEN)
        .env("FLOWCRM_WHATSAPP__PHONE_NUMBER_ID", "200")
        .env("FLOWCRM_WHATSAPP__GRAPH_BASE_URL", &base)
        .env("FLOWCRM_WHATSAPP__MAX_MESSAGES_PER_SECOND", "10000")
        .env("FLOWCRM_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for _ in 0..200 {
        if client.get(format!("{url}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let api = format!("{url}/api/v1");
    let auth = format!("Bearer {key}");
    let seg: i64 = rusqlite::Connection::open(format!("{data}/flowcrm.db"))?.query_row(
        "SELECT id FROM segments WHERE name = 'Everyone'",
        [],
        |r| r.get(0),
    )?;
    let (_, created) = timed(
        client
            .post(format!("{api}/campaigns"))
            .header("authorization", &auth)
            .json(&json!({"name": "Bench live", "template_name": "bench_promo", "template_language": "pt_BR",
                          "variables": [{"field": "first_name", "fallback": "cliente"}], "include_segments": [seg]})),
    )
    .await?;
    let id = created["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("no id: {created}"))?;
    let mut previews = Vec::new();
    let mut reach = 0;
    for _ in 0..5 {
        let (ms, p) = timed(
            client
                .get(format!("{api}/campaigns/{id}/preview"))
                .header("authorization", &auth),
        )
        .await?;
        previews.push(ms);
        reach = p["recipients"].as_i64().unwrap_or(0);
    }
    let previews = sorted(previews);
    println!(
        "preview: {reach} recipients; median {:.0} ms of 5 (min {:.0}, max {:.0})",
        percentile(&previews, 0.5),
        previews[0],
        previews[previews.len() - 1]
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poster = tokio::spawn(post_statuses(
        client.clone(),
        url.clone(),
        Arc::clone(&seen),
        Arc::clone(&stop),
    ));
    let (send_ms, _) = timed(
        client
            .post(format!("{api}/campaigns/{id}/state"))
            .header("authorization", &auth)
            .json(&json!({"action": "send"})),
    )
    .await?;
    let sent_at = Instant::now();
    println!("send: audience taken and {reach} recipients recorded in {send_ms:.0} ms");
    let want = usize::try_from(reach)?;
    let deadline = Instant::now() + Duration::from_mins(10);
    while seen.lock().expect("lock").at.len() < want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let latencies = sorted(poster.await?);
    let (n, first_at, last_at) = {
        let s = seen.lock().expect("lock");
        (s.at.len(), s.at.first().copied(), s.at.last().copied())
    };
    let (Some(first), Some(last)) = (first_at, last_at) else {
        anyhow::bail!("nothing reached the fake");
    };
    let span = last.duration_since(first).as_secs_f64();
    println!(
        "sending: {n} messages at the fake; {:.0} messages/s from first to last ({span:.1} s; {:.1} s after the send); {} status webhooks meanwhile: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        n as f64 / span,
        last.duration_since(sent_at).as_secs_f64(),
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    // Let the last answers settle, then the campaign's page with its funnel.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cookie = sign_in(
        &client,
        &url,
        "bench-owner@example.com",
        "correct horse battery",
    )
    .await?;
    let mut pages = Vec::new();
    let mut size = 0;
    for i in 0..220 {
        let t = Instant::now();
        let r = client
            .get(format!("{url}/campaigns/{id}"))
            .header("cookie", &cookie)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "campaign page: {}", r.status());
        let body = r.text().await?;
        if i >= 20 {
            pages.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        size = body.len();
    }
    let pages = sorted(pages);
    let (_, detail) = timed(
        client
            .get(format!("{api}/campaigns/{id}"))
            .header("authorization", &auth),
    )
    .await?;
    println!(
        "funnel page ({} KB): 200 requests after 20 warm-up: p50 {:.1} ms, p99 {:.1} ms; state {}, funnel {}",
        size / 1024,
        percentile(&pages, 0.5),
        percentile(&pages, 0.99),
        detail["state"],
        detail["funnel"]
    );
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("setup") => setup(&arg("--db", "flowcrm.db")).await,
        Some("queue") => queue(&arg("--db", "flowcrm.db"), arg("--runs", "3").parse()?).await,
        Some("live") => live(&arg("--bin", "target/release/flowcrm"), &arg("--dir", "d")).await,
        _ => anyhow::bail!(
            "usage: campaignbench setup --db PATH | queue --db PATH [--runs N] | live --bin BIN --dir DATA_DIR"
        ),
    }
}
