//! Login throttling per client IP and per account: after a few free failures each further
//! failure doubles the wait, up to a cap. No hard lockout, so an attacker cannot lock the owner
//! out for good; the right password works once the wait is over.

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

    fn keys(ip: &str, account: &str) -> [String; 2] {
        [
            format!("ip:{ip}"),
            format!("acct:{}", account.to_lowercase()),
        ]
    }

    /// Seconds to wait before another attempt is allowed, if any.
    pub fn check(&self, ip: &str, account: &str, now: OffsetDateTime) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        Self::keys(ip, account)
            .iter()
            .filter_map(|k| entries.get(k))
            .map(|e| e.blocked_until - now)
            .filter(|d| d.is_positive())
            .map(|d| u64::try_from(d.whole_seconds()).unwrap_or(0) + 1)
            .max()
    }

    /// Records a failed attempt.
    pub fn failed(&self, ip: &str, account: &str, now: OffsetDateTime) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| now - e.last_failure < FORGET_AFTER && e.blocked_until > now);
        }
        for key in Self::keys(ip, account) {
            let e = entries.entry(key).or_insert(Entry {
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
    }

    /// Clears the record of an account (and of the IP) after a successful login.
    pub fn succeeded(&self, ip: &str, account: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        for key in Self::keys(ip, account) {
            entries.remove(&key);
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
            assert_eq!(t.check("1.2.3.4", "a@x.io", now), None);
            t.failed("1.2.3.4", "a@x.io", now);
        }
        assert_eq!(
            t.check("1.2.3.4", "a@x.io", now),
            None,
            "three free failures"
        );
        t.failed("1.2.3.4", "a@x.io", now);
        assert_eq!(
            t.check("1.2.3.4", "a@x.io", now),
            Some(2),
            "1 s wait (+1 rounding)"
        );
        t.failed("1.2.3.4", "a@x.io", now);
        assert_eq!(t.check("1.2.3.4", "a@x.io", now), Some(3));
        for _ in 0..10 {
            t.failed("1.2.3.4", "a@x.io", now);
        }
        assert_eq!(
            t.check("1.2.3.4", "a@x.io", now),
            Some(11),
            "capped at 10 s"
        );
        assert_eq!(
            t.check("1.2.3.4", "a@x.io", now + Duration::seconds(11)),
            None
        );
    }

    #[test]
    fn account_and_ip_are_throttled_separately() {
        let t = Throttle::new(1, Duration::seconds(60));
        let now = OffsetDateTime::UNIX_EPOCH;
        t.failed("ip1", "victim@x.io", now);
        t.failed("ip2", "victim@x.io", now);
        assert!(
            t.check("ip3", "victim@x.io", now).is_some(),
            "account throttled from any IP"
        );
        assert!(
            t.check("ip1", "other@x.io", now).is_none(),
            "ip1 had one free failure only"
        );
        t.failed("ip1", "other@x.io", now);
        assert!(
            t.check("ip1", "third@x.io", now).is_some(),
            "ip throttled for any account"
        );
        t.succeeded("ip1", "other@x.io");
        assert!(t.check("ip1", "third@x.io", now).is_none());
    }
}
