//! A backup taken while webhooks keep arriving, with the real binary: no webhook fails or
//! waits long meanwhile, and the archive, restored elsewhere, passes `integrity_check` and
//! holds, for every sender, exactly a prefix of what the server acknowledged, at least all
//! that was acknowledged before the backup started. SIGUSR1 takes one too.

mod common;

use common::{flowcrm, free_port, start_with, wait_healthy};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "backup-ingest-secret";
const WORKERS: usize = 4;

fn payload(worker: usize, i: usize) -> String {
    let from = format!("55119000000{worker:02}");
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"phone_number_id":"200"}},"contacts":[{{"profile":{{"name":"Load {worker}"}},"wa_id":"{from}"}}],"messages":[{{"from":"{from}","id":"wamid.BK.{worker}.{i}","timestamp":"1767225600","type":"text","text":{{"body":"backup under load {i}"}}}}]}}}}]}}]}}"#
    )
}

fn archives(data: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("backups"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "fcb"))
        .collect();
    v.sort();
    v
}

type Acked = Arc<Vec<Mutex<Vec<usize>>>>;

fn lengths(acked: &Acked) -> Vec<usize> {
    acked
        .iter()
        .map(|a| a.lock().expect("lock").len())
        .collect()
}

/// Senders posting signed webhooks one after another until stopped.
struct Load {
    acked: Acked,
    failures: Arc<Mutex<Vec<String>>>,
    slowest: Arc<Mutex<Duration>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> Result<u16, String> {
    let sig = hex::encode(flowcrm::crypto::hmac_sha256(
        SECRET.as_bytes(),
        body.as_bytes(),
    ));
    client
        .post(url)
        .header("x-hub-signature-256", format!("sha256={sig}"))
        .header("content-type", "application/json")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

impl Load {
    fn start(listen: &str) -> Self {
        let mut load = Load {
            acked: Arc::new((0..WORKERS).map(|_| Mutex::new(Vec::new())).collect()),
            failures: Arc::default(),
            slowest: Arc::default(),
            stop: Arc::default(),
            tasks: Vec::new(),
        };
        let client = reqwest::Client::new();
        let url = format!("http://{listen}/webhooks/whatsapp");
        for worker in 0..WORKERS {
            let (client, url) = (client.clone(), url.clone());
            let (acked, failures, slowest, stop) = (
                load.acked.clone(),
                load.failures.clone(),
                load.slowest.clone(),
                load.stop.clone(),
            );
            load.tasks.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    match post(&client, &url, payload(worker, i)).await {
                        Ok(200) => acked[worker].lock().expect("lock").push(i),
                        Ok(s) => failures.lock().expect("lock").push(format!("status {s}")),
                        Err(e) => failures.lock().expect("lock").push(e),
                    }
                    let mut s = slowest.lock().expect("lock");
                    *s = (*s).max(started.elapsed());
                    i += 1;
                }
            }));
        }
        load
    }

    async fn stop(self) -> (Vec<String>, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("worker");
        }
        let failures = self.failures.lock().expect("lock").clone();
        let slowest = *self.slowest.lock().expect("lock");
        (failures, slowest)
    }
}

fn output(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Restores `archive` into `d/fresh` (the install's keys) and returns the load's wamids there.
fn restore_elsewhere(d: &Path, archive: &str) -> Vec<String> {
    let fresh = d.join("fresh");
    std::fs::create_dir_all(&fresh).expect("fresh");
    std::fs::copy(d.join("data/master.key"), fresh.join("master.key")).expect("key");
    let out = flowcrm(d)
        .args([
            "--data-dir",
            "fresh",
            "restore",
            archive,
            "--key-file",
            "data/backup.key",
        ])
        .output()
        .expect("restore");
    let text = output(&out);
    assert!(
        out.status.success() && text.contains("integrity_check: ok"),
        "{text}"
    );
    let db = rusqlite::Connection::open(fresh.join("flowcrm.db")).expect("open");
    let mut stmt = db
        .prepare("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.BK.%'")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Each sender's messages in the backup are its first n acknowledged ones, n at least what
/// was acknowledged before the backup began and at most what was when it ended (plus the one
/// in flight).
fn assert_prefixes(stored: &[String], before: &[usize], after: &[usize]) {
    for worker in 0..WORKERS {
        let mut got: Vec<usize> = stored
            .iter()
            .filter_map(|w| w.strip_prefix(&format!("wamid.BK.{worker}.")))
            .map(|i| i.parse().expect("index"))
            .collect();
        got.sort_unstable();
        let n = got.len();
        eprintln!(
            "worker {worker}: {} acknowledged before, {n} in the backup, {} after",
            before[worker], after[worker]
        );
        assert_eq!(
            got,
            (0..n).collect::<Vec<_>>(),
            "worker {worker}: not a prefix"
        );
        assert!(
            before[worker] <= n && n <= after[worker] + 1,
            "worker {worker}: {n} in the backup, {} acknowledged before it began, {} when it ended",
            before[worker],
            after[worker]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_ingest_holds_a_prefix_of_what_was_acknowledged() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().to_path_buf();
    let listen = format!("127.0.0.1:{}", free_port());
    let env = [
        ("FLOWCRM_WHATSAPP__APP_SECRET", SECRET),
        ("FLOWCRM_SERVER__DATA_DIR", "data"),
    ];
    let mut server = start_with(&d, &listen, &env);
    wait_healthy(&d, &listen, &mut server);
    let load = Load::start(&listen);
    let deadline = Instant::now() + Duration::from_secs(30);
    while lengths(&load.acked).iter().sum::<usize>() < 200 {
        assert!(Instant::now() < deadline, "too few acknowledgements");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = lengths(&load.acked);
    let bd = d.clone();
    let out = tokio::task::spawn_blocking(move || {
        flowcrm(&bd)
            .args(["--data-dir", "data", "backup"])
            .output()
            .expect("backup")
    })
    .await
    .expect("join");
    let after = lengths(&load.acked);
    assert!(out.status.success(), "{}", output(&out));
    let archive = String::from_utf8_lossy(&out.stdout).trim().to_string();

    // SIGUSR1 takes another while the load goes on (a second later: names are per second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pid = server.child.id().to_string();
    let usr1 = std::process::Command::new("kill")
        .args(["-USR1", &pid])
        .status();
    assert!(usr1.expect("kill").success());
    let data = d.join("data");
    let deadline = Instant::now() + Duration::from_secs(30);
    while archives(&data).len() < 2 {
        assert!(Instant::now() < deadline, "SIGUSR1 wrote no archive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (failures, slowest) = load.stop().await;
    assert!(
        failures.is_empty(),
        "webhooks failed during the backup: {failures:?}"
    );
    assert!(
        slowest < Duration::from_secs(5),
        "a webhook waited {slowest:?}"
    );
    let (_, health) = flowcrm::cli::http_get(&listen, "/healthz?detail")
        .await
        .expect("health");
    assert!(health.contains("\"last_attempt_failed\":false"), "{health}");
    drop(server);
    assert_prefixes(&restore_elsewhere(&d, &archive), &before, &after);
}
