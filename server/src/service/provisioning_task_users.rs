//! Changes to some or all users of a provisioning task: removing them, resending their emails. The
//! users are matched once, then changed in groups, each its own transaction (see
//! [`super::in_groups`]); each group checks that the entries are still active.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::Deps;
use super::notify::{self, Outgoing};
use super::provisioning_tasks::{
    find_task, queue_provisioning_emails, require_email, require_manage_for_other_address,
    task_model, today,
};
use super::validate::{MAX_BATCH_ITEMS, is_email, item_count};
use super::{Context, audit, in_groups, settings, templates};
use crate::crypto::ServerKey;
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, audit_events, provisioning_tasks as tasks, users as user_rows};
use crate::error::{AppError, AppResult};
use crate::model::provisioning::{
    RemoveTaskUsers, ResendProvisioning, TaskUserResult, TaskUserStatus, TaskUsersChanged,
};
use crate::states::EntryStatus;

/// A requested user matched to their active entry: (position in the request, entry, user).
type Match = (usize, EntryRow, user_rows::User);

/// What one group answers per user: (position, status, reason).
type Outcome = (usize, TaskUserStatus, Option<String>);

const NOT_ACTIVE: &str = "no active entry in this task";

/// Resolves the requested users to their active entries in the task, with a result per user.
fn match_users(
    conn: &mut DbConn,
    number: i64,
    requested: &[String],
    today: NaiveDate,
) -> AppResult<(Vec<Match>, Vec<TaskUserResult>)> {
    let named = super::users::Named::load(conn, requested)?;
    let active: HashMap<String, EntryRow> =
        entries::active_in_task(conn, number, Some(&named.ids()), today)?
            .into_iter()
            .map(|e| (e.user_id.clone(), e))
            .collect();
    let mut matched = Vec::new();
    let mut results = Vec::new();
    for (index, user_key) in requested.iter().enumerate() {
        let user = named.get(user_key);
        let reason = match user.map(|u| (u, active.get(&u.id))) {
            None => Some("no such user"),
            Some((_, None)) => Some(NOT_ACTIVE),
            Some((user, Some(entry))) => {
                matched.push((index, entry.clone(), (*user).clone()));
                None
            }
        };
        results.push(error_result(user_key, reason.map(str::to_owned)));
    }
    Ok((matched, results))
}

/// Every active entry of the task, with a result per user (in entry order).
fn all_active(
    conn: &mut DbConn,
    number: i64,
    today: NaiveDate,
) -> AppResult<(Vec<Match>, Vec<TaskUserResult>)> {
    let active = entries::active_in_task(conn, number, None, today)?;
    let ids: Vec<String> = active.iter().map(|e| e.user_id.clone()).collect();
    let users: HashMap<String, user_rows::User> = user_rows::find_many(conn, &ids)?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let mut matched = Vec::new();
    let mut results = Vec::new();
    for entry in active {
        if let Some(user) = users.get(&entry.user_id) {
            results.push(error_result(&user.username, None));
            matched.push((results.len() - 1, entry, user.clone()));
        }
    }
    Ok((matched, results))
}

fn error_result(user: &str, reason: Option<String>) -> TaskUserResult {
    TaskUserResult {
        user: user.to_owned(),
        status: TaskUserStatus::Error,
        reason,
    }
}

/// Matches users (or, without a list, every active entry) in a read, then changes them group by
/// group with `apply`, and answers the results and the task as it now is. A group that fails leaves
/// the groups before it changed; its users and the later ones are reported as errors with the reason.
async fn change_in_groups<F>(
    deps: &Deps,
    number: i64,
    users: Option<Vec<String>>,
    dry_run: bool,
    apply: F,
) -> AppResult<TaskUsersChanged>
where
    F: Fn(&mut DbConn, usize, Vec<Match>) -> AppResult<Vec<Outcome>> + Send + Sync + 'static,
{
    let today = today(deps.clock.now());
    let (matched, mut results) = deps
        .db
        .run(move |conn| {
            find_task(conn, number)?;
            match users {
                Some(requested) => match_users(conn, number, &requested, today),
                None => all_active(conn, number, today),
            }
        })
        .await?;
    let (outcomes, failed) = in_groups(deps, dry_run, &matched, apply).await;
    let mut changed = 0;
    for (index, status, reason) in outcomes {
        changed += u32::from(status != TaskUserStatus::Error);
        results[index].status = status;
        results[index].reason = reason;
    }
    if let Some((done, error)) = failed {
        if done == 0 {
            return Err(error);
        }
        let reason = format!("not changed: {error}");
        for (index, _, _) in &matched[done..] {
            results[*index].reason = Some(reason.clone());
        }
    }
    let task = deps
        .db
        .run(move |conn| {
            let row = find_task(conn, number)?;
            task_model(conn, row, today)
        })
        .await?;
    Ok(TaskUsersChanged {
        changed,
        results,
        task,
    })
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
    let spec = templates::spec("software-token", "email", "provisioning-canceled")?;
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
    notify::queue_many(tx, key, now, spec, messages, false)?;
    Ok(outcomes)
}

/// What resending shares across groups.
struct Resend {
    ctx: Context,
    deps: Deps,
    now: DateTime<Utc>,
    number: i64,
    stop_date: NaiveDate,
    alternate: Option<String>,
}

/// Sends the self-enrollment email again to active entries, with the stop date recomputed from the
/// policy; an alternate address is used for this send only and never stored.
pub async fn resend(
    deps: &Deps,
    ctx: &Context,
    number: i64,
    input: ResendProvisioning,
    dry_run: bool,
) -> AppResult<TaskUsersChanged> {
    require_manage_for_other_address(ctx, input.email.as_deref())?;
    let alternate = input.email.as_deref().map(str::trim).map(str::to_owned);
    if let Some(address) = &alternate
        && !is_email(address)
    {
        return Err(AppError::invalid("email", "is not an email address"));
    }
    require_email(deps)?;
    if let Some(users) = &input.users {
        item_count("users", users.len(), 1, MAX_BATCH_ITEMS)?;
    }
    let now = deps.clock.now();
    let policy = deps.db.run(settings::self_enrollment).await?;
    let job = Arc::new(Resend {
        ctx: ctx.clone(),
        deps: deps.clone(),
        now,
        number,
        stop_date: today(now) + Duration::days(i64::from(policy.validity_days)),
        alternate,
    });
    change_in_groups(deps, number, input.users, dry_run, move |tx, _, group| {
        resend_group(tx, &job, group)
    })
    .await
}

/// Resends one group's emails, to entries still active, and extends them.
fn resend_group(tx: &mut DbConn, job: &Resend, group: Vec<Match>) -> AppResult<Vec<Outcome>> {
    let ids: Vec<String> = group.iter().map(|(_, _, user)| user.id.clone()).collect();
    let still: HashSet<String> =
        entries::active_in_task(tx, job.number, Some(&ids), today(job.now))?
            .into_iter()
            .map(|entry| entry.id)
            .collect();
    let mut outcomes = Vec::with_capacity(group.len());
    let mut sendable = Vec::new();
    for (index, mut entry, user) in group {
        let recipient = job.alternate.clone().or_else(|| user.email.clone());
        match recipient {
            _ if !still.contains(&entry.id) => {
                outcomes.push((index, TaskUserStatus::Error, Some(NOT_ACTIVE.to_owned())))
            }
            None => outcomes.push((
                index,
                TaskUserStatus::Error,
                Some("the user has no email address".to_owned()),
            )),
            Some(recipient) => {
                entry.stop_date = job.stop_date;
                sendable.push((index, entry, user, recipient));
            }
        }
    }
    queue_resends(tx, job, &sendable)?;
    let mut audit_rows = Vec::new();
    for (index, entry, user, recipient) in &sendable {
        let masked = notify::mask(recipient);
        let now = job.now.naive_utc();
        entries::extend(
            tx,
            std::slice::from_ref(&entry.id),
            job.stop_date,
            Some(&masked),
            now,
        )?;
        outcomes.push((*index, TaskUserStatus::Resent, None));
        let detail = json!({"task": job.number, "stop_date": job.stop_date, "alternate_address": job.alternate.is_some()});
        audit_rows.push(audit::row(
            &job.ctx,
            job.now,
            audit::success("user", &user.id, Some(detail)),
        ));
    }
    audit_events::insert(tx, &audit_rows)?;
    if let Some(address) = &job.alternate {
        tasks::set_emailed_to(tx, job.number, &notify::mask(address))?;
    }
    Ok(outcomes)
}

/// Queues the emails (and, for an alternate address, the notices at the users' own addresses).
fn queue_resends(
    tx: &mut DbConn,
    job: &Resend,
    sendable: &[(usize, EntryRow, user_rows::User, String)],
) -> AppResult<()> {
    let sends: Vec<_> = sendable
        .iter()
        .map(|(_, entry, user, recipient)| (user, entry, recipient.as_str()))
        .collect();
    let (ctx, now, alternate) = (&job.ctx, job.now, job.alternate.as_deref());
    queue_provisioning_emails(tx, &job.deps, ctx, now, job.number, &sends, alternate)?;
    Ok(())
}
