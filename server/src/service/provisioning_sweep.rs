//! The expiry sweep: a background task that records entries whose stop date has passed as `expired`
//! and audits each (reads already show them expired without it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::provisioning_tasks::today;
use crate::db::{DbConn, audit_events, task_entries};
use crate::error::AppError;
use crate::state::AppState;

/// How often the sweep runs.
const INTERVAL: Duration = Duration::from_secs(30);

/// Records overdue entries as expired; returns how many.
pub async fn run_once(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let today = today(now);
    super::write(&state.db, false, move |tx| {
        let overdue = task_entries::overdue(tx, today, 500)?;
        expire(tx, &overdue, now)
    })
    .await
}

/// Records these overdue entries as `expired`, each with an audit row, in the caller's transaction;
/// returns how many changed (another writer may have finished some).
pub fn expire(
    tx: &mut DbConn,
    overdue: &[task_entries::EntryRow],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut rows = Vec::new();
    for entry in overdue {
        if task_entries::finish(tx, &entry.id, "expired", now.naive_utc())? == 1 {
            rows.push(audit_events::AuditEventRow {
                id: uuid::Uuid::now_v7().to_string(),
                occurred_at: now.naive_utc(),
                actor_type: "system".into(),
                actor_id: None,
                actor_name: Some("expiry sweep".into()),
                action: "expire_task_entry".into(),
                target_type: Some("user".into()),
                target_id: Some(entry.user_id.clone()),
                outcome: "success".into(),
                request_id: None,
                detail: Some(
                    json!({"task": entry.task_number, "entry": entry.id, "stop_date": entry.stop_date})
                        .to_string(),
                ),
            });
        }
    }
    audit_events::insert(tx, &rows)?;
    Ok(rows.len())
}

/// Starts the sweep for this process (the server passes its shared state). After each pass that
/// found nothing more to expire, expired counters and idempotency answers are purged, then it sleeps.
pub fn spawn(state: std::sync::Arc<AppState>) {
    tokio::spawn(async move {
        while !state.stopping.load(std::sync::atomic::Ordering::Relaxed) {
            match run_once(&state).await {
                // More overdue entries may be waiting: go on at once.
                Ok(expired) if expired > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "expiry sweep failed"),
            }
            if let Err(error) = super::purge::run_once(&state).await {
                tracing::warn!(%error, "purge of expired counters and idempotency keys failed");
            }
            let now = state.clock.now();
            if let Err(error) = super::refusals::flush(&state.db, &state.refusals, now, false).await
            {
                tracing::warn!(%error, "could not audit the refused requests of past minutes");
            }
            tokio::time::sleep(INTERVAL).await;
        }
    });
}
