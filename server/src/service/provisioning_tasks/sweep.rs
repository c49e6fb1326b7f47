//! The expiry sweep: a background task that records entries whose stop date has passed as `expired`
//! and audits each (reads already show them expired without it).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::today;
use crate::db::{DbConn, audit_events, task_entries};
use crate::error::AppError;
use crate::service::mutation::Effect;
use crate::service::{Actor, Deps, audit};
use crate::states::EntryStatus;

/// Records overdue entries as expired; returns how many.
pub async fn run_once(deps: &Deps) -> Result<usize, AppError> {
    let now = deps.clock.now();
    let today = today(now);
    crate::service::write(&deps.db, Effect::Commit, move |tx| {
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
    let sweep = Actor::System("expiry sweep");
    let mut rows = Vec::new();
    for entry in overdue {
        if task_entries::finish(tx, &entry.id, EntryStatus::Expired, now.naive_utc())? == 1 {
            let detail =
                json!({"task": entry.task_number, "entry": entry.id, "stop_date": entry.stop_date});
            let expired = audit::success("user", &entry.user_id, Some(detail));
            rows.push(audit::actor_row(
                &sweep,
                "expire_task_entry",
                None,
                now,
                expired,
            ));
        }
    }
    audit_events::insert(tx, &rows)?;
    Ok(rows.len())
}
