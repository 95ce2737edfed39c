//! Waiting for something that happens in the background, instead of sleeping a fixed time.
#![allow(dead_code)] // each test crate uses part of it

use std::time::{Duration, Instant};

/// Polls `check` every 20 ms until it is true; fails the test naming `what` after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
