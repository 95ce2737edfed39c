//! AI assist's own cost. Two measurements:
//!
//! * `overhead`: FlowCRM's time per AI request — the checks, reading the conversation,
//!   redaction, prompt assembly, the request and answer through async-openai over loopback, the
//!   log row, restoring placeholders and storing the summary — against an in-process fake
//!   OpenAI-compatible server that answers at once (so the model's time is zero), for a 200- and
//!   a 2,000-message conversation with every message inside the token budget (the worst case).
//! * `rss --bin target/release/flowcrm`: the real server's resident memory while 20 AI requests
//!   are in flight against a fake that takes 3 s to answer.
//!
//! ```sh
//! cargo run --release --example aibench -- overhead --runs 40
//! cargo run --release --example aibench -- rss --bin target/release/flowcrm
//! ```
//! `benches/ai.sh` runs both.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

#[path = "../tests/common/fake_ai.rs"]
mod fake_ai;
#[path = "support/http.rs"]
mod http;

use fake_ai::FakeAi;
use flowcrm::crm::access::Who;
use flowcrm::crm::ai::Request;
use flowcrm::model::{Role, UserId};
use http::{arg, csrf, sign_in};
use std::time::{Duration, Instant};

/// A customer message with identifiers every fifth time, like real conversations.
fn body(i: usize) -> String {
    match i % 5 {
        0 => format!(
            "Oi, sou a Maria Silva, meu número é +55 11 9{:04}-{:04}",
            i % 10_000,
            (i * 7) % 10_000
        ),
        1 => format!("Pedido {i}: camiseta azul tamanho M, entrega no sábado?"),
        2 => format!("Pode mandar a nota para maria.silva{i}@example.com por favor"),
        3 => "Obrigada! Vou pagar com cartão 4111 1111 1111 1111 amanhã cedo".to_string(),
        _ => format!("Mensagem {i} sobre o frete e o prazo de entrega para o interior"),
    }
}

fn median(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[(v.len() - 1) * 9 / 10])
}

async fn overhead(runs: usize) -> anyhow::Result<()> {
    let fake = FakeAi::start(None).await;
    let dir = tempfile::tempdir()?;
    let mut config = flowcrm::config::Config::default();
    config.server.data_dir = dir.path().join("data");
    config.ai.enabled = Some(true);
    config.ai.base_url = Some(fake.base.clone());
    config.ai.model = Some("bench".into());
    config.ai.context_tokens = Some(200_000);
    config.ai.monthly_token_cap = Some(0);
    let state =
        flowcrm::app::AppState::open(config, std::sync::Arc::new(flowcrm::clock::SystemClock))
            .await?;
    let admin = Who::user(UserId(1), Role::Admin);
    for n in [200usize, 2000] {
        let conv = state
            .db
            .write(move |c| {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                c.execute("INSERT INTO contacts (phone, profile_name, name, created_at, updated_at) VALUES (?1, 'Maria Silva', '', ?2, ?2)", rusqlite::params![format!("+551190000{n}"), now])?;
                let contact = c.last_insert_rowid();
                c.execute("INSERT INTO conversations (contact_id, phone_number_id, status, last_inbound_at, last_message_at, created_at, updated_at) VALUES (?1, '200', 'open', ?2, ?2, ?2, ?2)", rusqlite::params![contact, now])?;
                let conv = c.last_insert_rowid();
                let mut stmt = c.prepare("INSERT INTO messages (wamid, conversation_id, direction, kind, body, content, sent_at, received_at) VALUES (?1, ?2, ?3, 'text', ?4, ?5, ?6, ?6)")?;
                for i in 0..n {
                    let b = body(i);
                    let content = serde_json::json!({"type": "text", "body": b}).to_string();
                    let dir = if i % 3 == 2 { "out" } else { "in" };
                    stmt.execute(rusqlite::params![format!("wamid.B{n}.{i}"), conv, dir, b, content, now - 10_000 + i as i64])?;
                }
                Ok::<_, flowcrm::db::Error>(conv)
            })
            .await?;
        let mut times = Vec::new();
        for run in 0..runs + 3 {
            let t = Instant::now();
            let a = state.crm.ai_assist(admin, conv, Request::Summary).await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(a.used == n, "all {n} messages sent (got {})", a.used);
            if run >= 3 {
                times.push(ms);
            }
        }
        let (p50, p90) = median(&mut times);
        let sent = fake
            .prompts()
            .last()
            .map(|p| fake_ai::prompt_text(p).len())
            .unwrap_or_default();
        println!(
            "overhead {n} messages: median {p50:.2} ms, p90 {p90:.2} ms over {runs} runs (prompt {sent} bytes, all messages redacted and sent)"
        );
    }
    Ok(())
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Brings 200 customer messages in one signed webhook, signs the admin in, and returns the
/// session cookie and the conversation page's CSRF token.
async fn seed_and_sign_in(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
) -> anyhow::Result<(String, String)> {
    // 200 customer messages in one signed webhook.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let messages: Vec<serde_json::Value> = (0..200)
        .map(|i| serde_json::json!({"from": "5511988887777", "id": format!("wamid.R{i}"), "timestamp": (now - 500 + i).to_string(), "type": "text", "text": {"body": body(i as usize)}}))
        .collect();
    let payload = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550009999", "phone_number_id": "200"},
        "contacts": [{"profile": {"name": "Maria Silva"}, "wa_id": "5511988887777"}], "messages": messages}}]}]})
    .to_string();
    let sig = format!(
        "sha256={}",
        hex::encode(flowcrm::crypto::hmac_sha256(
            secret.as_bytes(),
            payload.as_bytes()
        ))
    );
    let r = client
        .post(format!("{url}/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sig)
        .body(payload)
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "webhook: {}", r.status());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cookie = sign_in(client, url, "owner@bench.example", "correct horse battery").await?;
    let page = client
        .get(format!("{url}/conversations/1"))
        .header("cookie", &cookie)
        .send()
        .await?;
    anyhow::ensure!(
        page.status().is_success(),
        "conversation: {}",
        page.status()
    );
    let token = csrf(&page.text().await?)?;
    Ok((cookie, token))
}

/// A migrated data directory with an admin.
fn install(bin: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let run = |args: &[&str], stdin: Option<&str>| -> anyhow::Result<()> {
        let mut child = std::process::Command::new(bin)
            .current_dir(dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()?;
        if let Some(s) = stdin {
            std::io::Write::write_all(
                &mut child.stdin.take().ok_or_else(|| anyhow::anyhow!("stdin"))?,
                s.as_bytes(),
            )?;
        }
        anyhow::ensure!(child.wait()?.success(), "{args:?} failed");
        Ok(())
    };
    run(&["migrate"], None)?;
    let admin = [
        "user",
        "add",
        "--email",
        "owner@bench.example",
        "--role",
        "admin",
    ];
    run(&admin, Some("correct horse battery"))
}

async fn rss(bin: &str) -> anyhow::Result<()> {
    let bin = std::fs::canonicalize(bin)?;
    let bin = bin.as_path();
    let fake = FakeAi::start(None).await;
    fake.inner
        .lock()
        .map_err(|_| anyhow::anyhow!("lock"))?
        .delay = Duration::from_secs(3);
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let secret = "bench-app-secret";
    install(bin, dir.path())?;
    let mut server = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("FLOWCRM_WHATSAPP__APP_SECRET", secret)
        .env("FLOWCRM_AI__ENABLED", "true")
        .env("FLOWCRM_AI__BASE_URL", &fake.base)
        .env("FLOWCRM_AI__MODEL", "bench")
        .env("FLOWCRM_AI__TIMEOUT_SECS", "60")
        .env("FLOWCRM_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let pid = server.id();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for _ in 0..100 {
        if client.get(format!("{url}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (cookie, token) = seed_and_sign_in(&client, &url, secret).await?;
    let idle = rss_kib(pid);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, cookie, token) =
            (client.clone(), url.clone(), cookie.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{url}/conversations/1/ai/summary"))
                .header("cookie", cookie)
                .header("origin", &url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf_token={token}"))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut peak = 0;
    let t = Instant::now();
    let mut in_flight_seen = 0;
    while t.elapsed() < Duration::from_secs(6) {
        peak = peak.max(rss_kib(pid));
        in_flight_seen = in_flight_seen.max(fake.requests());
        if tasks.iter().all(tokio::task::JoinHandle::is_finished) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut ok = 0;
    for task in tasks {
        if task.await?? == 200 {
            ok += 1;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "rss: idle {:.1} MiB, peak {:.1} MiB while 20 AI requests were in flight (fake answers after 3 s; {} reached it; {ok}/20 answered 200)",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        fake.requests()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("overhead") => overhead(arg("--runs", "40").parse()?).await,
        Some("rss") => rss(&arg("--bin", "target/release/flowcrm")).await,
        _ => anyhow::bail!("usage: aibench overhead [--runs N] | rss [--bin PATH]"),
    }
}
