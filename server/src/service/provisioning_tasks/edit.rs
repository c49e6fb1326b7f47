//! Changing provisioning tasks: a new stop date, removing users, removing the task.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::task_users::{Match, NOT_ACTIVE, Outcome, change_in_groups};
use super::{find_task, require_email, task_model, today};
use crate::crypto::ServerKey;
use crate::db::provisioning_tasks::TaskRow;
use crate::db::task_entries as entries;
use crate::db::{DbConn, audit_events, provisioning_tasks as tasks};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::provisioning::{
    ProvisioningTask, RemoveTaskUsers, TaskUserStatus, TaskUsersChanged,
};
use crate::service::mutation::{Effect, Mode};
use crate::service::notifications::Recipient;
use crate::service::notifications::{self, Outgoing};
use crate::service::validate::{MAX_BATCH_ITEMS, item_count};
use crate::service::versions;
use crate::service::{Context, Deps, audit, notification_templates, with_outbox};
use crate::states::EntryStatus;

/// Sets a new stop date for the task's active entries (today or later).
pub async fn update(
    deps: &Deps,
    ctx: &Context,
    number: i64,
    stop_date: NaiveDate,
    mode: Mode,
) -> AppResult<ProvisioningTask> {
    let now = deps.clock.now();
    let today = today(now);
    if stop_date < today {
        return Err(AppError::invalid("stop_date", "must be today or later"));
    }
    let ctx = ctx.clone();
    with_outbox(deps, Effect::of(mode.dry_run), move |tx| {
        require_version(tx, number, today, mode.if_match.as_deref())?;
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

/// The task, if it still has the version `if_match` names (412 otherwise).
fn require_version(
    tx: &mut DbConn,
    number: i64,
    today: NaiveDate,
    if_match: Option<&str>,
) -> AppResult<TaskRow> {
    let row = find_task(tx, number)?;
    versions::require_current(if_match, || task_model(tx, row.clone(), today))?;
    Ok(row)
}

/// Removes the task: every pending user can no longer self-enroll.
pub async fn delete(deps: &Deps, ctx: &Context, number: i64, mode: Mode) -> AppResult<()> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    with_outbox(deps, Effect::of(mode.dry_run), move |tx| {
        let task = require_version(tx, number, today(now), mode.if_match.as_deref())?;
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

/// The operator's name as shown to users.
fn operator_name(ctx: &Context) -> String {
    ctx.actor.display_name().to_owned()
}

/// Cancels the users' entries (irreversibly) and, when asked, tells each user by email.
pub async fn remove_users(
    deps: &Deps,
    ctx: &Context,
    number: i64,
    input: RemoveTaskUsers,
    dry_run: bool,
) -> AppResult<TaskUsersChanged> {
    item_count("users", input.users.len(), 1, MAX_BATCH_ITEMS)?;
    if input.notify {
        require_email(deps)?;
    }
    let job = Arc::new((
        ctx.clone(),
        deps.key.clone(),
        deps.clock.now(),
        input.notify,
    ));
    change_in_groups(
        deps,
        number,
        Some(input.users),
        dry_run,
        move |tx, _, group| {
            let (ctx, key, now, notify) = &*job;
            cancel_group(tx, ctx, key, *now, number, *notify, group)
        },
    )
    .await
}

/// Cancels one group of entries that were active when matched.
fn cancel_group(
    tx: &mut DbConn,
    ctx: &Context,
    key: &ServerKey,
    now: DateTime<Utc>,
    number: i64,
    notify: bool,
    group: Vec<Match>,
) -> AppResult<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(group.len());
    let mut audit_rows = Vec::new();
    let mut notices = Vec::new();
    for (index, entry, user) in &group {
        if entries::finish(tx, &entry.id, EntryStatus::Canceled, now.naive_utc())? == 0 {
            outcomes.push((*index, TaskUserStatus::Error, Some(NOT_ACTIVE.to_owned())));
            continue;
        }
        outcomes.push((*index, TaskUserStatus::Canceled, None));
        let detail = json!({"task": number, "entry": entry.id});
        audit_rows.push(audit::row(
            ctx,
            now,
            audit::success("user", &user.id, Some(detail)),
        ));
        if let Some(email) = user.email.as_deref().filter(|_| notify) {
            notices.push((user, email));
        }
    }
    audit_events::insert(tx, &audit_rows)?;
    if notices.is_empty() {
        return Ok(outcomes);
    }
    let spec = notification_templates::spec("software-token", "email", "provisioning-canceled")?;
    let messages = notices
        .into_iter()
        .map(|(user, email)| Outgoing {
            user_id: Some(&user.id),
            recipient: email,
            spec,
            values: BTreeMap::from([
                ("UserDisplayName", user.display_name.clone()),
                ("Username", user.username.clone()),
                ("TaskNumber", number.to_string()),
                ("OperatorName", operator_name(ctx)),
            ]),
            not_after: None,
            inline_images: Vec::new(),
        })
        .collect();
    notifications::queue_many(tx, key, now, spec, messages, Recipient::InRow)?;
    Ok(outcomes)
}
