//! Limits on failed attempts at the public endpoints (app registration, self-enrollment, joining), per
//! source address, counted in the database so every replica sees the same numbers; each failure is
//! audited. Also the hourly allowances (codes sent, self-signups started), counted the same way.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Deps;
use super::audit;
use crate::db::{DbConn, rate_limits};
use crate::error::{AppError, AppResult};

/// Failed attempts allowed per source address in each window.
pub const FAILURES_PER_WINDOW: i32 = 10;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// Where a public request comes from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The request id.
    pub request_id: String,
    /// The operationId.
    pub operation_id: &'static str,
    /// The source address.
    pub source: String,
}

/// The fixed window of `seconds` that `now` falls in: its start, and the seconds until it ends (at
/// least one, for `Retry-After`).
fn window_of(now: DateTime<Utc>, seconds: i64) -> (i64, u64) {
    let start = now.timestamp() - now.timestamp().rem_euclid(seconds);
    (
        start,
        u64::try_from(start + seconds - now.timestamp())
            .unwrap_or(1)
            .max(1),
    )
}

fn window(now: DateTime<Utc>) -> (i64, u64) {
    window_of(now, WINDOW_SECONDS)
}

/// Takes one unit from each `(counter, cap)` in the hour `now` falls in, in order and in the
/// caller's transaction, or refuses with 429 (until the hour ends) at the first counter that is
/// used up; the ones before it keep their unit.
pub fn take_hourly(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limits: &[(String, i32)],
) -> AppResult<()> {
    let (start, retry_after) = window_of(now, 3600);
    for (counter, cap) in limits {
        if !rate_limits::take(conn, counter, start, *cap)? {
            return Err(AppError::RateLimited { retry_after });
        }
    }
    Ok(())
}

fn key(limit: &str, origin: &Origin) -> String {
    format!("{limit}-failures:{}", origin.source)
}

/// Counts a request whose secret is not genuine (its keyed tag does not verify) against its source
/// address, audits it, and answers 429 once the source has used up its failures in this window. The
/// check and the count are one conditional update, so a parallel burst cannot pass the cap. Requests
/// with a genuine secret never come here: they are never refused because of others' failures (the
/// secrets have at least 128 bits; the per-entry attempt cap guards the 6-digit TOTP step).
pub async fn count_bogus(
    deps: &Deps,
    limit: &'static str,
    origin: &Origin,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<()> {
    let (_, retry_after) = window(now);
    if !count(deps, limit, origin, now, FAILURES_PER_WINDOW).await? {
        return Err(AppError::RateLimited { retry_after });
    }
    audit_failure(deps, origin, now, detail).await
}

/// Counts a failure with a genuine but unusable secret (used, expired, removed) and audits it.
pub async fn record_failure(
    deps: &Deps,
    limit: &'static str,
    origin: &Origin,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<()> {
    count(deps, limit, origin, now, i32::MAX).await?;
    audit_failure(deps, origin, now, detail).await
}

/// Takes one unit from the source's counter in this window if it is under `cap`.
async fn count(
    deps: &Deps,
    limit: &'static str,
    origin: &Origin,
    now: DateTime<Utc>,
    cap: i32,
) -> AppResult<bool> {
    let (start, _) = window(now);
    let key = key(limit, origin);
    deps.db
        .write(move |conn| rate_limits::take(conn, &key, start, cap).map_err(AppError::from))
        .await
}

async fn audit_failure(
    deps: &Deps,
    origin: &Origin,
    now: DateTime<Utc>,
    mut detail: Value,
) -> AppResult<()> {
    detail["source"] = Value::String(origin.source.clone());
    audit::record_outside_request(
        &deps.db,
        now,
        None,
        origin.operation_id,
        &origin.request_id,
        audit::Outcome::Failure,
        detail,
    )
    .await
}
