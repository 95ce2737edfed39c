//! Wall-clock time behind a trait, so tests can move time forward. Imports nothing internal.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

/// A source of the current UTC time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that tests set and advance by hand.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock starting at the real current time, in whole seconds.
    #[must_use]
    pub fn starting_now() -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(
            OffsetDateTime::now_utc().unix_timestamp(),
        )))
    }

    /// The clock's time plus `by`, without moving it.
    #[must_use]
    pub fn now_plus(&self, by: time::Duration) -> OffsetDateTime {
        self.now() + by
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: time::Duration) {
        self.0.fetch_add(by.whole_seconds(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The shared clock handle kept in application state.
pub type SharedClock = Arc<dyn Clock>;
