//! Changing provisioning tasks: a new stop date, removing users, removing the task, resending emails.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::notify::{self, Outgoing};
use super::provisioning_tasks::{
    Mailing, find_task, provisioning_email, queue_redirect_notices, require_email,
    require_manage_for_other_address, task_model, today,
};
use super::validate::is_email;
use super::{Context, audit, settings, templates, with_outbox};
use crate::auth::scopes::Scope;
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, audit_events, provisioning_tasks as tasks, users as user_rows};
use crate::error::{AppError, AppResult};
use crate::model::provisioning::{
    ProvisioningTask, RemoveTaskUsers, ResendProvisioning, TaskUserResult, TaskUsersChanged,
};
use crate::state::AppState;

/// Sets a new stop date for the task's active entries (today or later).
pub async fn set_stop_date(
    state: &AppState,
    ctx: &Context,
    number: i64,
    stop_date: NaiveDate,
    dry_run: bool,
) -> AppResult<ProvisioningTask> {
    ctx.operator.require(Scope::ProvisioningManage)?;
    let now = state.clock.now();
    let today = today(now);
    if stop_date < today {
        return Err(AppError::invalid("stop_date", "must be today or later"));
    }
    let ctx = ctx.clone();
    with_outbox(state, dry_run, move |tx| {
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

/// Requested users matched to their active entries: (position in the request, entry, user).
type Matched = Vec<(usize, EntryRow, user_rows::User)>;

/// Resolves the requested users to their active entries in the task, with a result per user.
fn match_users(
    conn: &mut DbConn,
    number: i64,
    requested: &[String],
    today: NaiveDate,
) -> AppResult<(Matched, Vec<TaskUserResult>)> {
    let found = user_rows::find_many(conn, requested)?;
    let by_key: HashMap<String, &user_rows::User> = found
        .iter()
        .flat_map(|u| [(u.id.clone(), u), (u.username.clone(), u)])
        .collect();
    let ids: Vec<String> = found.iter().map(|u| u.id.clone()).collect();
    let active: HashMap<String, EntryRow> =
        entries::active_in_task(conn, number, Some(&ids), today)?
            .into_iter()
            .map(|e| (e.user_id.clone(), e))
            .collect();
    let mut matched = Vec::new();
    let mut results = Vec::new();
    for (index, user_key) in requested.iter().enumerate() {
        let user = by_key
            .get(user_key)
            .or_else(|| by_key.get(&user_key.to_lowercase()));
        let reason = match user {
            None => Some("no such user"),
            Some(user) if !active.contains_key(&user.id) => Some("no active entry in this task"),
            Some(_) => None,
        };
        if let (Some(user), None) = (user, reason)
            && let Some(entry) = active.get(&user.id)
        {
            matched.push((index, entry.clone(), (*user).clone()));
        }
        results.push(TaskUserResult {
            user: user_key.clone(),
            status: "error".into(),
            reason: reason.map(str::to_owned),
        });
    }
    Ok((matched, results))
}

/// Cancels the users' entries (irreversibly) and, when asked, tells each user by email.
pub async fn remove_users(
    state: &AppState,
    ctx: &Context,
    number: i64,
    input: RemoveTaskUsers,
    dry_run: bool,
) -> AppResult<TaskUsersChanged> {
    ctx.operator.require(Scope::ProvisioningManage)?;
    super::validate::item_count(
        "users",
        input.users.len(),
        1,
        super::validate::MAX_BATCH_ITEMS,
    )?;
    if input.notify {
        require_email(state)?;
    }
    let now = state.clock.now();
    let today = today(now);
    let key = state.key.clone();
    let ctx = ctx.clone();
    with_outbox(state, dry_run, move |tx| {
        find_task(tx, number)?;
        let (matched, mut results) = match_users(tx, number, &input.users, today)?;
        let mut audit_rows = Vec::new();
        let mut notices = Vec::new();
        for (index, entry, user) in &matched {
            entries::finish(tx, &entry.id, "canceled", now.naive_utc())?;
            results[*index].status = "canceled".into();
            audit_rows.push(audit::row(
                &ctx,
                now,
                audit::success(
                    "user",
                    &user.id,
                    Some(json!({"task": number, "entry": entry.id})),
                ),
            ));
            if input.notify
                && let Some(email) = &user.email
            {
                notices.push((user, email.clone()));
            }
        }
        audit_events::insert(tx, &audit_rows)?;
        if !notices.is_empty() {
            let spec = templates::spec("software-token", "email", "provisioning-canceled")?;
            let messages = notices
                .iter()
                .map(|(user, email)| Outgoing {
                    user_id: Some(&user.id),
                    recipient: email,
                    spec,
                    values: BTreeMap::from([
                        ("UserDisplayName", user.display_name.clone()),
                        ("Username", user.username.clone()),
                        ("TaskNumber", number.to_string()),
                        (
                            "OperatorName",
                            ctx.operator
                                .name
                                .clone()
                                .unwrap_or_else(|| ctx.operator.id.clone()),
                        ),
                    ]),
                    not_after: None,
                    inline_images: Vec::new(),
                })
                .collect();
            notify::queue_many(tx, &key, now, spec, messages, false)?;
        }
        let row = find_task(tx, number)?;
        let task = task_model(tx, row, today)?;
        Ok(TaskUsersChanged {
            changed: u32::try_from(matched.len()).unwrap_or(u32::MAX),
            results,
            task,
        })
    })
    .await
}

/// Removes the task: every pending user can no longer self-enroll.
pub async fn delete(state: &AppState, ctx: &Context, number: i64, dry_run: bool) -> AppResult<()> {
    ctx.operator.require(Scope::ProvisioningManage)?;
    let now = state.clock.now();
    let ctx = ctx.clone();
    with_outbox(state, dry_run, move |tx| {
        let task = find_task(tx, number)?;
        if task.removed_at.is_some() {
            return Err(AppError::Conflict {
                code: "task_removed",
                message: format!("task {number} was already removed"),
            });
        }
        let canceled = entries::cancel_all(tx, number, now.naive_utc())?;
        tasks::mark_removed(tx, number, now.naive_utc(), &ctx.operator.id)?;
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

/// Sends the self-enrollment email again to active entries, with the stop date recomputed from the
/// policy; an alternate address is used for this send only and never stored.
pub async fn resend(
    state: &AppState,
    ctx: &Context,
    number: i64,
    input: ResendProvisioning,
    dry_run: bool,
) -> AppResult<TaskUsersChanged> {
    ctx.operator.require(Scope::ProvisioningWrite)?;
    require_manage_for_other_address(ctx, input.email.as_deref())?;
    let alternate = input.email.as_deref().map(str::trim).map(str::to_owned);
    if let Some(address) = &alternate
        && !is_email(address)
    {
        return Err(AppError::invalid("email", "is not an email address"));
    }
    require_email(state)?;
    let now = state.clock.now();
    let today = today(now);
    if let Some(users) = &input.users {
        super::validate::item_count("users", users.len(), 1, super::validate::MAX_BATCH_ITEMS)?;
    }
    let key = state.key.clone();
    let public_url = state.public_url.clone();
    let ctx = ctx.clone();
    with_outbox(state, dry_run, move |tx| {
        find_task(tx, number)?;
        let policy = settings::self_enrollment(tx)?;
        let stop_date = today + Duration::days(i64::from(policy.validity_days));
        let (matched, mut results) = match input.users {
            Some(requested) => match_users(tx, number, &requested, today)?,
            None => {
                let active = entries::active_in_task(tx, number, None, today)?;
                let ids: Vec<String> = active.iter().map(|e| e.user_id.clone()).collect();
                let users: HashMap<String, user_rows::User> =
                    user_rows::find_many(tx, &ids)?.into_iter().map(|u| (u.id.clone(), u)).collect();
                let mut matched = Vec::new();
                let mut results = Vec::new();
                for (index, entry) in active.into_iter().enumerate() {
                    if let Some(user) = users.get(&entry.user_id) {
                        results.push(TaskUserResult {
                            user: user.username.clone(),
                            status: "error".into(),
                            reason: None,
                        });
                        matched.push((index, entry, user.clone()));
                    }
                }
                (matched, results)
            }
        };
        let mut sendable = Vec::new();
        for (index, mut entry, user) in matched {
            match alternate.clone().or_else(|| user.email.clone()) {
                Some(recipient) => {
                    entry.stop_date = stop_date;
                    sendable.push((index, entry, user, recipient));
                }
                None => results[index].reason = Some("the user has no email address".into()),
            }
        }
        let mailing = Mailing { key: &key, public_url: &public_url };
        let messages = sendable
            .iter()
            .map(|(_, entry, user, recipient)| provisioning_email(&mailing, &ctx, user, entry, recipient))
            .collect::<AppResult<Vec<_>>>()?;
        let spec = templates::spec("software-token", "email", "provisioning")?;
        notify::queue_many(tx, &key, now, spec, messages, alternate.is_some())?;
        if let Some(address) = &alternate {
            let users: Vec<&user_rows::User> = sendable.iter().map(|(_, _, user, _)| user).collect();
            queue_redirect_notices(tx, &key, now, &ctx, number, &users, address)?;
        }
        let mut audit_rows = Vec::new();
        for (index, entry, user, recipient) in &sendable {
            entries::extend(
                tx,
                std::slice::from_ref(&entry.id),
                stop_date,
                Some(&notify::mask(recipient)),
                now.naive_utc(),
            )?;
            results[*index].status = "resent".into();
            let detail = json!({"task": number, "stop_date": stop_date, "alternate_address": alternate.is_some()});
            audit_rows.push(audit::row(&ctx, now, audit::success("user", &user.id, Some(detail))));
        }
        audit_events::insert(tx, &audit_rows)?;
        if let Some(address) = &alternate {
            tasks::set_emailed_to(tx, number, &notify::mask(address))?;
        }
        let row = find_task(tx, number)?;
        let task = task_model(tx, row, today)?;
        Ok(TaskUsersChanged { changed: u32::try_from(sendable.len()).unwrap_or(u32::MAX), results, task })
    })
    .await
}
