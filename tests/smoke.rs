//! Runs the real binary with no config file in an empty directory: it must come up on the
//! defaults, pass `flowcrm healthcheck`, serve the login page and the setup link it logs, and
//! exit cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_flowcrm");

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn flowcrm(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLOWCRM_") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    c
}

struct Server {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn start(dir: &std::path::Path, listen: &str) -> Server {
    let mut child = flowcrm(dir)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn flowcrm");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().expect("log").push(line);
        }
    });
    Server { child, log }
}

fn wait_healthy(dir: &std::path::Path, listen: &str, server: &mut Server) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let ok = flowcrm(dir)
            .args(["healthcheck", "--listen", listen])
            .output()
            .expect("run healthcheck");
        if ok.status.success() {
            return;
        }
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            panic!(
                "server exited early ({status}): {:#?}",
                server.log.lock().expect("log")
            );
        }
        assert!(
            Instant::now() < deadline,
            "not healthy in time: {:#?}",
            server.log.lock().expect("log")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

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
