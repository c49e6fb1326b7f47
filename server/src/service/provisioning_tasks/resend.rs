//! Resending the self-enrollment email of a task's users, with a new stop date.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::task_users::{Match, NOT_ACTIVE, Outcome, change_in_groups};
use super::{queue_provisioning_emails, require_email, require_manage_for_other_address, today};
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, audit_events, provisioning_tasks as tasks, users as user_rows};
use crate::error::{AppError, AppResult};
use crate::model::provisioning::{ResendProvisioning, TaskUserStatus, TaskUsersChanged};
use crate::service::Deps;
use crate::service::mutation::{self, Answered, Mode};
use crate::service::notifications;
use crate::service::validate::{MAX_BATCH_ITEMS, is_email, item_count};
use crate::service::{Context, audit, settings};

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
    mode: Mode,
) -> AppResult<Answered<TaskUsersChanged>> {
    let dry_run = mode.dry_run;
    mutation::create_across(
        deps,
        ctx,
        &mode,
        (number, input),
        async |(number, input)| resend_groups(deps, ctx, number, input, dry_run).await,
    )
    .await
}

/// Resends in groups, each group one transaction (see [`resend`]).
async fn resend_groups(
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
    let policy = deps.db.read(settings::self_enrollment).await?;
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
        let masked = notifications::mask(recipient);
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
        tasks::set_emailed_to(tx, job.number, &notifications::mask(address))?;
    }
    Ok(outcomes)
}

/// Queues the emails (and, for an alternate address, the notices at the users' own addresses).
fn queue_resends(
    tx: &mut DbConn,
    job: &Resend,
    sendable: &[(usize, EntryRow, user_rows::UserRow, String)],
) -> AppResult<()> {
    let sends: Vec<_> = sendable
        .iter()
        .map(|(_, entry, user, recipient)| (user, entry, recipient.as_str()))
        .collect();
    let (ctx, now, alternate) = (&job.ctx, job.now, job.alternate.as_deref());
    queue_provisioning_emails(tx, &job.deps, ctx, now, job.number, &sends, alternate)?;
    Ok(())
}
