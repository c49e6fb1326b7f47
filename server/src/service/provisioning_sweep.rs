//! The expiry sweep: a background task that records entries whose stop date has passed as `expired`
//! and audits each (reads already show them expired without it).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Deps;
use super::provisioning_tasks::today;
use crate::db::{DbConn, audit_events, task_entries};
use crate::error::AppError;

/// Records overdue entries as expired; returns how many.
pub async fn run_once(deps: &Deps) -> Result<usize, AppError> {
    let now = deps.clock.now();
    let today = today(now);
    super::write(&deps.db, false, move |tx| {
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
