//! Send pacing, so the outbox never trips Meta's limits by design: a global rate (messages per
//! second per business number) and the per-recipient pair rate (1 message / 6 s, with a small
//! burst). Both are GCRA schedulers: `reserve` returns how long to wait before sending. Pure:
//! the caller passes the time.

use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Meta's pair rate: one message per 6 seconds to the same user.
pub const PAIR_INTERVAL: Duration = Duration::from_secs(6);
/// Messages allowed back to back to one user before pacing starts (Meta tolerates up to 45).
pub const PAIR_BURST: u32 = 5;
/// Recipients remembered before idle ones are dropped.
const MAX_PAIRS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Gcra {
    interval: Duration,
    tolerance: Duration,
    tat: Option<Instant>,
}

impl Gcra {
    fn new(interval: Duration, burst: u32) -> Self {
        Self {
            interval,
            tolerance: interval * burst.saturating_sub(1),
            tat: None,
        }
    }

    /// Earliest time a send may happen, given `now`; does not reserve.
    fn earliest(&self, now: Instant) -> Instant {
        match self.tat {
            Some(tat) if tat > now + self.tolerance => tat - self.tolerance,
            _ => now,
        }
    }

    /// Reserves a slot at `at` (which must be ≥ `earliest`).
    fn take(&mut self, at: Instant) {
        let base = self.tat.map_or(at, |t| t.max(at));
        self.tat = Some(base + self.interval);
    }
}

/// The outbox's pacer.
#[derive(Debug)]
pub struct Limiter {
    global: Gcra,
    pairs: HashMap<String, Gcra>,
    pair_burst: u32,
}

impl Limiter {
    /// A limiter for `per_second` messages per second overall.
    #[must_use]
    pub fn new(per_second: u32) -> Self {
        Self::with_pair_burst(per_second, PAIR_BURST)
    }

    /// A limiter with a different per-recipient burst (tests, bulk tools).
    #[must_use]
    pub fn with_pair_burst(per_second: u32, pair_burst: u32) -> Self {
        let interval = Duration::from_secs(1) / per_second.max(1);
        Self {
            global: Gcra::new(interval, 1),
            pairs: HashMap::new(),
            pair_burst,
        }
    }

    /// Reserves a send to `recipient` and returns when it may go (`now` or a few milliseconds
    /// later, at the global pace). When the recipient's pair rate does not allow a message yet,
    /// nothing is reserved and `Err(ready_at)` says when to ask again.
    pub fn reserve(&mut self, recipient: &str, now: Instant) -> Result<Instant, Instant> {
        if self.pairs.len() >= MAX_PAIRS {
            self.pairs.retain(|_, g| g.tat.is_some_and(|t| t > now));
        }
        let burst = self.pair_burst;
        let pair = self
            .pairs
            .entry(recipient.to_string())
            .or_insert_with(|| Gcra::new(PAIR_INTERVAL, burst));
        let at = self.global.earliest(now);
        let ready = pair.earliest(at);
        if ready > at {
            return Err(ready);
        }
        pair.take(at);
        self.global.take(at);
        Ok(at)
    }

    /// Makes `recipient` wait at least `until` (after Meta's 131056 pair-rate error).
    pub fn back_off(&mut self, recipient: &str, until: Instant) {
        let burst = self.pair_burst;
        let pair = self
            .pairs
            .entry(recipient.to_string())
            .or_insert_with(|| Gcra::new(PAIR_INTERVAL, burst));
        let tat = until + pair.tolerance;
        pair.tat = Some(pair.tat.map_or(tat, |t| t.max(tat)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest number of times inside any window of `len` starting at one of the times.
    fn max_in_window(times: &[Instant], len: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + len)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Schedules `recipients` in order like the sender does: a message whose recipient is not
    /// ready waits (here: its own clock jumps to the ready time).
    fn schedule(l: &mut Limiter, recipients: &[String], now: Instant) -> Vec<Instant> {
        recipients
            .iter()
            .map(|r| {
                let mut t = now;
                loop {
                    match l.reserve(r, t) {
                        Ok(at) => break at,
                        Err(ready) => t = ready,
                    }
                }
            })
            .collect()
    }

    #[test]
    fn global_rate_is_never_exceeded() {
        let mut l = Limiter::new(80);
        let now = Instant::now();
        // 1,000 messages to 1,000 recipients, all asked for at the same instant.
        let rs: Vec<_> = (0..1000).map(|i| format!("+55119{i:08}")).collect();
        let times = schedule(&mut l, &rs, now);
        assert!(max_in_window(&times, Duration::from_secs(1)) <= 80);
        let span = *times.last().expect("times") - now;
        assert!(
            span >= Duration::from_millis(12_400) && span < Duration::from_millis(12_600),
            "{span:?}"
        );
    }

    #[test]
    fn pair_rate_allows_a_small_burst_then_one_per_six_seconds() {
        let mut l = Limiter::new(1000);
        let now = Instant::now();
        let rs = vec!["+5511988887777".to_string(); 20];
        let times = schedule(&mut l, &rs, now);
        let burst = times
            .iter()
            .filter(|t| **t < now + Duration::from_secs(1))
            .count();
        assert_eq!(burst, PAIR_BURST as usize);
        for w in times[PAIR_BURST as usize..].windows(2) {
            assert!(
                w[1] - w[0] >= PAIR_INTERVAL.saturating_sub(Duration::from_millis(1)),
                "{:?}",
                w[1] - w[0]
            );
        }
        // In any 60 s, no more than the burst plus ten.
        assert!(max_in_window(&times, Duration::from_mins(1)) <= PAIR_BURST as usize + 10);
        // Meanwhile other recipients are not held up by this one.
        let mut fresh = Limiter::new(1000);
        for _ in 0..PAIR_BURST + 3 {
            let _ = fresh.reserve("+5511988887777", now);
        }
        assert!(
            fresh
                .reserve("+5511900000000", now)
                .is_ok_and(|t| t < now + Duration::from_millis(20))
        );
    }

    #[test]
    fn back_off_delays_only_that_recipient() {
        let mut l = Limiter::new(1000);
        let now = Instant::now();
        l.back_off("+5511988887777", now + Duration::from_secs(16));
        assert_eq!(
            l.reserve("+5511988887777", now),
            Err(now + Duration::from_secs(16))
        );
        assert!(
            l.reserve("+5511900000000", now)
                .is_ok_and(|t| t < now + Duration::from_millis(10))
        );
    }
}
