//! Login throttling per client IP and per account: after a few free failures each further
//! failure doubles the wait, up to a cap. No hard lockout, so an attacker cannot lock the owner
//! out for good; the right password works once the wait is over.
//!
//! An attempt is reserved (counted as a failure) before the password is checked, under one lock,
//! so concurrent guesses cannot all slip past the check: a success only takes back its own
//! reservation. A success clears the account's record but never the IP's earlier failures, so an
//! attacker signing in to their own account does not reset the count for their address.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use time::{Duration, OffsetDateTime};

/// Entries kept before old ones are pruned.
const MAX_ENTRIES: usize = 10_000;
/// A record with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: OffsetDateTime,
    blocked_until: OffsetDateTime,
}

/// Tracks failed logins in memory.
#[derive(Debug)]
pub struct Throttle {
    free_attempts: u32,
    max_backoff: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

/// A reserved attempt: counted as a failure unless [`Throttle::succeeded`] takes it back.
#[derive(Debug)]
#[must_use = "an attempt is a failure unless succeeded() is called"]
pub struct Attempt {
    ip_key: String,
    account_key: String,
}

impl Throttle {
    /// A throttle allowing `free_attempts` failures before waits start, capped at `max_backoff`.
    #[must_use]
    pub fn new(free_attempts: u32, max_backoff: Duration) -> Self {
        Self {
            free_attempts,
            max_backoff,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// A new, empty throttle with the same limits.
    #[must_use]
    pub fn like(&self) -> Self {
        Self::new(self.free_attempts, self.max_backoff)
    }

    /// Reserves an attempt, or says how many seconds to wait before one is allowed.
    pub fn begin(&self, ip: &str, account: &str, now: OffsetDateTime) -> Result<Attempt, u64> {
        let attempt = Attempt {
            ip_key: format!("ip:{ip}"),
            account_key: format!("acct:{}", account.to_lowercase()),
        };
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = [&attempt.ip_key, &attempt.account_key]
            .iter()
            .filter_map(|k| entries.get(*k))
            .map(|e| e.blocked_until - now)
            .filter(|d| d.is_positive())
            .map(|d| u64::try_from(d.whole_seconds()).unwrap_or(0) + 1)
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| now - e.last_failure < FORGET_AFTER || e.blocked_until > now);
        }
        for key in [&attempt.ip_key, &attempt.account_key] {
            let e = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last_failure: now,
                blocked_until: now,
            });
            if now - e.last_failure >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures += 1;
            e.last_failure = now;
            if e.failures > self.free_attempts {
                let exp = (e.failures - self.free_attempts - 1).min(30);
                let wait = Duration::seconds(1i64 << exp).min(self.max_backoff);
                e.blocked_until = now + wait;
            }
        }
        Ok(attempt)
    }

    /// The attempt signed in: the account's record is cleared and the IP's count loses only this
    /// attempt's reservation.
    // By value: a settled attempt cannot be settled again.
    #[allow(clippy::needless_pass_by_value)]
    pub fn succeeded(&self, attempt: Attempt) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(&attempt.account_key);
        if let Some(e) = entries.get_mut(&attempt.ip_key) {
            e.failures = e.failures.saturating_sub(1);
            if e.failures <= self.free_attempts {
                e.blocked_until = e.blocked_until.min(e.last_failure);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_attempts_then_doubling_waits_capped() {
        let t = Throttle::new(3, Duration::seconds(10));
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        for _ in 0..3 {
            assert!(
                t.begin("1.2.3.4", "a@x.io", now).is_ok(),
                "three free failures"
            );
        }
        let _fourth = t
            .begin("1.2.3.4", "a@x.io", now)
            .expect("fourth is evaluated");
        assert_eq!(
            t.begin("1.2.3.4", "a@x.io", now).map(drop),
            Err(2),
            "then a 1 s wait (+1 rounding)"
        );
        let later = now + Duration::seconds(2);
        let _fifth = t.begin("1.2.3.4", "a@x.io", later).expect("after the wait");
        assert_eq!(t.begin("1.2.3.4", "a@x.io", later).map(drop), Err(3));
        let mut at = later;
        for _ in 0..10 {
            at += Duration::seconds(11);
            let _ = t.begin("1.2.3.4", "a@x.io", at).expect("after each wait");
        }
        assert_eq!(
            t.begin("1.2.3.4", "a@x.io", at).map(drop),
            Err(11),
            "capped at 10 s"
        );
        assert!(
            t.begin("1.2.3.4", "a@x.io", at + Duration::seconds(11))
                .is_ok()
        );
    }

    #[test]
    fn attempts_in_flight_count_before_the_password_is_checked() {
        let t = Throttle::new(5, Duration::seconds(60));
        let now = OffsetDateTime::UNIX_EPOCH;
        let reserved: Vec<_> = (0..40)
            .flat_map(|_| t.begin("1.2.3.4", "a@x.io", now))
            .collect();
        assert_eq!(
            reserved.len(),
            6,
            "five free attempts and the one that starts the wait"
        );
    }

    #[test]
    fn signing_in_to_another_account_does_not_reset_the_ip() {
        let t = Throttle::new(2, Duration::seconds(60));
        let now = OffsetDateTime::UNIX_EPOCH;
        for victim in ["v1@x.io", "v2@x.io"] {
            let _ = t.begin("ip1", victim, now).expect("free");
        }
        let own = t
            .begin("ip1", "attacker@x.io", now)
            .expect("third is evaluated");
        t.succeeded(own);
        let _ = t
            .begin("ip1", "v3@x.io", now)
            .expect("the success only took back itself");
        assert!(
            t.begin("ip1", "v4@x.io", now).is_err(),
            "two failures plus one more: the IP waits"
        );
    }

    #[test]
    fn account_and_ip_are_throttled_separately() {
        let t = Throttle::new(1, Duration::seconds(60));
        let now = OffsetDateTime::UNIX_EPOCH;
        let _ = t.begin("ip1", "victim@x.io", now).expect("free");
        let _ = t
            .begin("ip2", "victim@x.io", now)
            .expect("second, starts the wait");
        assert!(
            t.begin("ip3", "victim@x.io", now).is_err(),
            "account throttled from any IP"
        );
        let ok = t
            .begin("ip4", "owner@x.io", now)
            .expect("another account, another IP");
        t.succeeded(ok);
        let _ = t
            .begin("ip1", "other@x.io", now)
            .expect("ip1: its second attempt");
        assert!(
            t.begin("ip1", "third@x.io", now).is_err(),
            "ip throttled for any account"
        );
    }
}
