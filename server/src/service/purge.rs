//! Keeps the tables that anyone can grow bounded: rate-limit counters are deleted once outside the
//! longest window (1 hour), Idempotency-Key answers once past their retention.

use super::Deps;
use crate::db::{idempotency, rate_limits};
use crate::error::AppError;

/// The longest rate-limit window, in seconds (code sends are counted per hour).
pub const LONGEST_WINDOW_SECONDS: i64 = 3600;

/// Deletes what has expired; returns how many rows went.
pub async fn run_once(deps: &Deps) -> Result<usize, AppError> {
    let now = deps.clock.now();
    let retention = chrono::Duration::hours(
        i64::try_from(deps.config.idempotency_retention_hours).unwrap_or(24),
    );
    deps.db
        .write(move |conn| {
            let counters =
                rate_limits::purge_before(conn, now.timestamp() - LONGEST_WINDOW_SECONDS)?;
            let answers = idempotency::purge_before(conn, (now - retention).naive_utc())?;
            Ok::<_, AppError>(counters + answers)
        })
        .await
}
