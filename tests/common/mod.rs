//! Starting the real binary for tests: a free port, a clean environment, the server's log
//! collected, `flowcrm healthcheck` polled until it answers.
#![allow(dead_code)] // each test crate uses part of it

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_flowcrm");

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub fn flowcrm(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLOWCRM_") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    c
}

pub struct Server {
    pub child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Starts `flowcrm serve` on `listen` in `dir` with extra environment variables.
pub fn start_with(dir: &std::path::Path, listen: &str, env: &[(&str, &str)]) -> Server {
    let mut child = flowcrm(dir)
        .args(["serve", "--listen", listen])
        .envs(env.iter().copied())
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

pub fn wait_healthy(dir: &std::path::Path, listen: &str, server: &mut Server) {
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

/// Starts `flowcrm serve` on `listen` in `dir` on the defaults.
pub fn start(dir: &std::path::Path, listen: &str) -> Server {
    start_with(dir, listen, &[])
}
