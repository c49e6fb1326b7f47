//! The current time, injectable so that tests reach expiry boundaries exactly instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

const NOT_FIXED: i64 = i64::MIN;

/// A clock: the system time plus an offset, or a fixed instant that tests set and move.
#[derive(Clone, Debug)]
pub struct Clock {
    offset_us: Arc<AtomicI64>,
    fixed_us: Arc<AtomicI64>,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            offset_us: Arc::new(AtomicI64::new(0)),
            fixed_us: Arc::new(AtomicI64::new(NOT_FIXED)),
        }
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands still at `at` until it is moved.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// Now, in UTC, truncated to microseconds (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        let fixed = self.fixed_us.load(Ordering::SeqCst);
        let micros = if fixed == NOT_FIXED {
            Utc::now().timestamp_micros() + self.offset_us.load(Ordering::SeqCst)
        } else {
            fixed
        };
        DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now)
    }

    /// Stops this clock (and every clone of it) at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.fixed_us.store(at.timestamp_micros(), Ordering::SeqCst);
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by_us = by.num_microseconds().unwrap_or(i64::MAX / 4);
        if self.fixed_us.load(Ordering::SeqCst) == NOT_FIXED {
            self.offset_us.fetch_add(by_us, Ordering::SeqCst);
        } else {
            self.fixed_us.fetch_add(by_us, Ordering::SeqCst);
        }
    }
}
