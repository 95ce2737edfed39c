//! Slow clients against the real binary: partial requests are dropped after the header-read
//! timeout, `/healthz` answers while hundreds are held open, and at the connection cap new
//! clients wait for a free slot instead of being refused or starving the server. Loopback only,
//! bounded in count and time.

mod common;

use common::{free_port, start_with, wait_healthy};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Headers that never end: the request line and one header, no blank line.
const PARTIAL: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";

fn hold_partial(listen: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(listen).expect("connect");
            s.write_all(PARTIAL).expect("write");
            s
        })
        .collect()
}

/// A complete `GET` on a new connection: the status code and how long it took.
fn get(listen: &str, path: &str) -> (u16, Duration) {
    let started = Instant::now();
    let mut s = TcpStream::connect(listen).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

/// Whether the server closed `s` (EOF, reset, or an error status and then EOF).
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut buf = Vec::new();
    match s.read_to_end(&mut buf) {
        Ok(_) => true,
        Err(e) => matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
    }
}

#[test]
fn partial_requests_are_dropped_after_the_timeout_and_healthz_answers_meanwhile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = start_with(
        dir.path(),
        &listen,
        &[("FLOWCRM_SERVER__HEADER_READ_TIMEOUT_SECS", "2")],
    );
    wait_healthy(dir.path(), &listen, &mut server);

    let mut slow = hold_partial(&listen, 300);
    let (status, took) = get(&listen, "/healthz");
    assert_eq!(status, 200, "healthz while 300 partial requests are open");
    assert!(
        took < Duration::from_secs(2),
        "answered at once, not after the timeout: {took:?}"
    );

    std::thread::sleep(Duration::from_millis(3500));
    let dropped = slow.iter_mut().map(closed_by_server).filter(|c| *c).count();
    assert_eq!(
        dropped, 300,
        "every stalled client is disconnected after the timeout"
    );
    assert_eq!(get(&listen, "/healthz").0, 200);
}

#[test]
fn at_the_connection_cap_new_clients_wait_for_a_free_slot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = start_with(
        dir.path(),
        &listen,
        &[
            ("FLOWCRM_SERVER__HEADER_READ_TIMEOUT_SECS", "2"),
            ("FLOWCRM_SERVER__MAX_CONNECTIONS", "20"),
        ],
    );
    wait_healthy(dir.path(), &listen, &mut server);
    // Let the last health check's connection close so the 20 slots are free.
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let _slow = hold_partial(&listen, 20);
    std::thread::sleep(Duration::from_millis(300));
    let (status, _) = get(&listen, "/healthz");
    let waited = started.elapsed();
    assert_eq!(status, 200, "served once a slot was free");
    assert!(
        waited >= Duration::from_millis(1500),
        "the 21st connection waited for the stalled ones to time out: {waited:?}"
    );
}
