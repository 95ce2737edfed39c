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
        .filter(|n| n.ends_with(".fcb"))
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

    let acked: Acked = Arc::new((0..WORKERS).map(|_| Mutex::new(Vec::new())).collect());
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::new();
    let url = format!("http://{listen}/webhooks/whatsapp");
    let mut tasks = Vec::new();
    for worker in 0..WORKERS {
        let (client, url) = (client.clone(), url.clone());
        let (acked, failures, slowest, stop) = (
            acked.clone(),
            failures.clone(),
            slowest.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = payload(worker, i);
                let sig = hex::encode(flowcrm::crypto::hmac_sha256(
                    SECRET.as_bytes(),
                    body.as_bytes(),
                ));
                let started = Instant::now();
                let sent = client
                    .post(&url)
                    .header("x-hub-signature-256", format!("sha256={sig}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                let took = started.elapsed();
                match sent {
                    Ok(r) if r.status() == 200 => acked[worker].lock().expect("lock").push(i),
                    Ok(r) => failures
                        .lock()
                        .expect("lock")
                        .push(format!("status {}", r.status())),
                    Err(e) => failures.lock().expect("lock").push(e.to_string()),
                }
                let mut s = slowest.lock().expect("lock");
                *s = (*s).max(took);
                i += 1;
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while lengths(&acked).iter().sum::<usize>() < 200 {
        assert!(Instant::now() < deadline, "too few acknowledgements");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = lengths(&acked);
    let bd = d.clone();
    let out = tokio::task::spawn_blocking(move || {
        flowcrm(&bd)
            .args(["--data-dir", "data", "backup"])
            .output()
            .expect("backup")
    })
    .await
    .expect("join");
    let after = lengths(&acked);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    let archive = String::from_utf8_lossy(&out.stdout).trim().to_string();

    // SIGUSR1 takes another while the load goes on (a second later: archive names are per second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pid = server.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-USR1", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let data = d.join("data");
    let deadline = Instant::now() + Duration::from_secs(30);
    while archives(&data).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "SIGUSR1 wrote no archive: {:?}",
            server.log.lock().expect("log")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("worker");
    }
    let failures = failures.lock().expect("lock").clone();
    assert!(
        failures.is_empty(),
        "webhooks failed during the backup: {failures:?}"
    );
    let slowest = *slowest.lock().expect("lock");
    assert!(
        slowest < Duration::from_secs(5),
        "a webhook waited {slowest:?}"
    );
    let (_, health) = flowcrm::cli::http_get(&listen, "/healthz?detail")
        .await
        .expect("health");
    assert!(health.contains("\"last_attempt_failed\":false"), "{health}");
    drop(server);

    // Restore the first archive elsewhere and compare with what was acknowledged.
    let fresh = d.join("fresh");
    std::fs::create_dir_all(&fresh).expect("fresh");
    std::fs::copy(data.join("master.key"), fresh.join("master.key")).expect("key");
    let out = flowcrm(&d)
        .args([
            "--data-dir",
            "fresh",
            "restore",
            &archive,
            "--key-file",
            "data/backup.key",
        ])
        .output()
        .expect("restore");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("integrity_check: ok"),
        "{text}"
    );
    let db = rusqlite::Connection::open(fresh.join("flowcrm.db")).expect("open");
    let mut stmt = db
        .prepare("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.BK.%'")
        .expect("prepare");
    let stored: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
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
