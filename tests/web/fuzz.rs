//! Fuzzing as a habit: random mutations of the recorded webhook payloads (cut short, wrong
//! types, huge numbers, deep nesting, invalid UTF-8 and escapes, missing, extra and duplicated
//! keys), signed and posted. Never a panic, never a 5xx, and the valid message beside the
//! mutated changes of a batch is always stored. A bounded number of cases here
//! (`FLOWCRM_FUZZ_CASES`, `FLOWCRM_FUZZ_SEED` to change them); `examples/fuzz_webhook.rs` runs
//! a million on demand.

use crate::helpers::TestApp;
use crate::mutate::{self, Rng};
use axum::http::StatusCode;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test]
async fn mutated_webhooks_never_panic_never_fail_and_keep_every_valid_message() {
    let cases = env_or("FLOWCRM_FUZZ_CASES", 2000);
    let seed = env_or("FLOWCRM_FUZZ_SEED", 1);
    let mut app = TestApp::spawn().await;
    let fixtures = mutate::fixtures();
    let mut rng = Rng::new(seed);
    let mut valid = 0;
    for n in 0..cases {
        let (body, wamid) = mutate::case(&mut rng, &fixtures, n);
        let r = app.post_webhook(&body).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "case {n} of seed {seed}: {}",
            String::from_utf8_lossy(&body[..body.len().min(2000)])
        );
        valid += usize::from(wamid.is_some());
    }
    let stored = app
        .count("SELECT COUNT(*) FROM messages WHERE wamid LIKE 'wamid.FUZZ.VALID.%'")
        .await;
    assert_eq!(
        usize::try_from(stored).expect("count"),
        valid,
        "every valid message of a mixed batch is stored"
    );
    assert!(valid > 500, "{valid} mixed batches");
    let panics = app
        .count("SELECT COUNT(*) FROM webhook_dead_letters WHERE error LIKE '%panicked%'")
        .await;
    assert_eq!(panics, 0, "no event made the ingest code panic");
}
