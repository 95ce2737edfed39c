//! Crash safety: the real binary ingests a stream of signed webhooks from several connections,
//! is killed with SIGKILL in the middle, and restarted. Every event that got a 200 must be in
//! the database. Bounded: about two seconds of load.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_flowcrm");
const SECRET: &str = "crash-test-app-secret";

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn start(dir: &std::path::Path, listen: &str) -> Child {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLOWCRM_") {
            c.env_remove(k);
        }
    }
    c.current_dir(dir)
        .args(["serve", "--listen", listen])
        .env("FLOWCRM_WHATSAPP__APP_SECRET", SECRET)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

async fn wait_healthy(listen: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(
        flowcrm::cli::http_get(listen, "/healthz").await,
        Ok((200, _))
    ) {
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn payload(wamid: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"phone_number_id":"200"}},"contacts":[{{"profile":{{"name":"Load"}},"wa_id":"5511900000001"}}],"messages":[{{"from":"5511900000001","id":"{wamid}","timestamp":"1767225600","type":"text","text":{{"body":"crash test {wamid}"}}}}]}}}}]}}]}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_webhook_survives_kill_9() {
    let dir = tempfile::tempdir().expect("tmp");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = start(dir.path(), &listen);
    wait_healthy(&listen).await;

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let client = reqwest::Client::new();
    let url = format!("http://{listen}/webhooks/whatsapp");
    let stop_at = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (client, url, acked) = (client.clone(), url.clone(), Arc::clone(&acked));
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                if Instant::now() > stop_at {
                    break;
                }
                let wamid = format!("wamid.CRASH.{worker}.{i}");
                let body = payload(&wamid);
                let sig = format!(
                    "sha256={}",
                    hex::encode(flowcrm::crypto::hmac_sha256(
                        SECRET.as_bytes(),
                        body.as_bytes()
                    ))
                );
                let sent = client
                    .post(&url)
                    .header("x-hub-signature-256", sig)
                    .header("content-type", "application/json")
                    .body(body)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => acked.lock().expect("lock").push(wamid),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let some load through, then pull the plug mid-stream.
    let deadline = Instant::now() + Duration::from_secs(10);
    while acked.lock().expect("lock").len() < 200 {
        assert!(
            Instant::now() < deadline,
            "too few acknowledgements before the kill"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reap");
    for t in tasks {
        t.await.expect("worker");
    }
    let acked = acked.lock().expect("lock").clone();

    // Restart on the same data: the database recovers and everything acknowledged is there.
    let mut again = start(dir.path(), &listen);
    wait_healthy(&listen).await;
    let db = rusqlite::Connection::open(dir.path().join("data/flowcrm.db")).expect("open db");
    let mut stmt = db
        .prepare("SELECT 1 FROM messages WHERE wamid = ?1")
        .expect("prepare");
    let missing: Vec<_> = acked
        .iter()
        .filter(|w| !stmt.exists([w.as_str()]).expect("query"))
        .collect();
    let stored: i64 = db
        .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
        .expect("count");
    let _ = again.kill();
    let _ = again.wait();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged events lost: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        stored >= i64::try_from(acked.len()).expect("len"),
        "stored {stored} < acked {}",
        acked.len()
    );
    eprintln!(
        "kill -9 test: {} acknowledged, {stored} stored, 0 lost",
        acked.len()
    );
}
