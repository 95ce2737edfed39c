//! Runs the real binary with no config file in an empty directory: it must come up on the
//! defaults, pass `flowcrm healthcheck`, serve the login page and the setup link it logs, and
//! exit cleanly on SIGTERM.

mod common;

use common::{flowcrm, free_port, start, wait_healthy};
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn binary_runs_with_no_config_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listen = format!("127.0.0.1:{}", free_port());
    // Before the server runs, healthcheck fails.
    let down = flowcrm(dir.path())
        .args(["healthcheck", "--listen", &listen])
        .output()
        .expect("run");
    assert!(!down.status.success());

    let mut server = start(dir.path(), &listen);
    wait_healthy(dir.path(), &listen, &mut server);

    let (status, body) = flowcrm::cli::http_get(&listen, "/login")
        .await
        .expect("GET /login");
    assert_eq!(status, 200);
    assert!(body.contains("Sign in"));

    let setup_path = {
        let log = server.log.lock().expect("log");
        let line = log
            .iter()
            .find(|l| l.contains("/setup/"))
            .expect("setup link logged");
        let start = line.find("/setup/").expect("path");
        line[start..start + 7 + 64].to_string()
    };
    let (status, body) = flowcrm::cli::http_get(&listen, &setup_path)
        .await
        .expect("GET setup");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Create the first admin"));

    for file in ["data/flowcrm.db", "data/master.key", "data/media"] {
        assert!(
            dir.path().join(file).exists(),
            "{file} created under ./data"
        );
    }

    let pid = server.child.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log.lock().expect("log");
    assert!(
        log.iter().any(|l| l.contains("database flushed")),
        "{log:#?}"
    );
    assert!(
        !dir.path().join("data/flowcrm.db-wal").exists()
            || std::fs::metadata(dir.path().join("data/flowcrm.db-wal"))
                .expect("wal")
                .len()
                == 0,
        "WAL checkpointed"
    );
}
