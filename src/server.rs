//! The HTTP listener: HTTP/1.1 connections with a header-read timeout and a cap on open
//! connections, so slow, stalled or idle clients cannot exhaust the server's sockets; graceful
//! shutdown. Wiring only: it serves whatever router it is given.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

/// File descriptors kept free for the database, media files and outbound connections.
const FD_RESERVE: u64 = 128;
/// Longest wait for open connections (live pages) after a shutdown request.
const DRAIN: Duration = Duration::from_secs(10);

/// How much the listener lets clients take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's headers; also the idle time allowed between requests.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Limits {
    /// `max_connections` lowered to what the process's open-files limit leaves room for.
    #[must_use]
    pub fn fitted_to_open_files(mut self) -> Self {
        if let Some(soft) = open_files_limit() {
            let room = usize::try_from(soft.saturating_sub(FD_RESERVE).max(16)).unwrap_or(16);
            if room < self.max_connections {
                tracing::warn!(
                    configured = self.max_connections,
                    open_files_limit = soft,
                    using = room,
                    "server.max_connections lowered to fit the open-files limit (raise LimitNOFILE)"
                );
                self.max_connections = room;
            }
        }
        self
    }
}

/// The soft `Max open files` limit of this process (Linux), if it can be read.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and waits (a
/// bounded time) for open connections to finish.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        // At the cap, stop accepting: new clients wait in the kernel's backlog.
        let permit = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(addr));
            router.clone().call(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, client = %addr, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_under_the_open_files_limit() {
        let huge = Limits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: usize::MAX,
        };
        let fitted = huge.fitted_to_open_files();
        if let Some(soft) = open_files_limit() {
            assert!(fitted.max_connections as u64 <= soft.max(16 + FD_RESERVE));
        }
        let small = Limits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10,
        };
        assert_eq!(small.fitted_to_open_files().max_connections, 10);
    }
}
