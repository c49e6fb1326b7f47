//! Changing provisioning tasks: a new stop date, removing the task. (Removing users and resending
//! emails are in `provisioning_task_users`.)

use chrono::NaiveDate;
use serde_json::json;

use super::Deps;
use super::provisioning_tasks::{find_task, task_model, today};
use super::{Context, audit, with_outbox};
use crate::db::provisioning_tasks as tasks;
use crate::db::task_entries::{self as entries};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::provisioning::ProvisioningTask;

/// Sets a new stop date for the task's active entries (today or later).
pub async fn set_stop_date(
    deps: &Deps,
    ctx: &Context,
    number: i64,
    stop_date: NaiveDate,
    dry_run: bool,
) -> AppResult<ProvisioningTask> {
    let now = deps.clock.now();
    let today = today(now);
    if stop_date < today {
        return Err(AppError::invalid("stop_date", "must be today or later"));
    }
    let ctx = ctx.clone();
    with_outbox(deps, dry_run, move |tx| {
        find_task(tx, number)?;
        let ids: Vec<String> = entries::active_in_task(tx, number, None, today)?
            .into_iter()
            .map(|e| e.id)
            .collect();
        entries::extend(tx, &ids, stop_date, None, now.naive_utc())?;
        tasks::set_stop_date(tx, number, stop_date)?;
        let detail = json!({"stop_date": stop_date, "entries": ids.len()});
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("provisioning_task", &number.to_string(), Some(detail)),
        )?;
        let row = find_task(tx, number)?;
        task_model(tx, row, today)
    })
    .await
}

/// Removes the task: every pending user can no longer self-enroll.
pub async fn delete(deps: &Deps, ctx: &Context, number: i64, dry_run: bool) -> AppResult<()> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    with_outbox(deps, dry_run, move |tx| {
        let task = find_task(tx, number)?;
        if task.removed_at.is_some() {
            return Err(AppError::Conflict {
                code: ErrorCode::TaskRemoved,
                message: format!("task {number} was already removed"),
            });
        }
        let canceled = entries::cancel_all(tx, number, now.naive_utc())?;
        tasks::mark_removed(tx, number, now.naive_utc(), ctx.actor.id())?;
        let detail = json!({"canceled_entries": canceled.len()});
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("provisioning_task", &number.to_string(), Some(detail)),
        )
    })
    .await
}
