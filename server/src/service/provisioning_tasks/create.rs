//! Creating a provisioning task. The listed users are checked once; those who qualify are then
//! provisioned in groups, each group its own transaction with its entries, emails and audit rows, so
//! other writes get in between (one transaction for 50,000 users held SQLite's write lock for half a
//! minute). Each group checks its users again, so a user whom a concurrent task provisioned (or an
//! operator disabled) meanwhile is reported as such, never provisioned twice.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::{
    MAX_USERS, queue_provisioning_emails, require_email, require_manage_for_other_address,
    task_model, to_task, today,
};
use crate::db::provisioning_tasks::{self as tasks, NewTask, TaskRow};
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, audit_events, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::model::provisioning::{
    CreateProvisioningTask, ProvisionResult, ProvisionStatus, ProvisioningTaskCreated, StatusCounts,
};
use crate::service::Deps;
use crate::service::idempotency::{self, Claim};
use crate::service::mutation::Effect;
use crate::service::mutation::{self, Answered, Mode};
use crate::service::notifications::{self};
use crate::service::validate::is_email;
use crate::service::{Context, audit, settings, with_outbox};
use crate::states::{EntryStatus, UserState};

/// Users provisioned in one transaction.
const GROUP: usize = 500;

/// The reason given for a user who already has an active entry for the token type.
const OUTSTANDING: &str = "has an outstanding entry";

/// What every group of one task shares.
struct Job {
    ctx: Context,
    deps: Deps,
    now: DateTime<Utc>,
    task: NewTask,
    max_attempts: i32,
    override_email: Option<String>,
}

/// The result of one listed user: `(status, reason)` when not provisioned.
type Refusal = (ProvisionStatus, String);

/// A listed user who qualifies: (position in the request, user id).
type Chosen = Vec<(usize, String)>;

/// Results by position in the request.
type Outcomes = Vec<(usize, ProvisionResult)>;

/// What the database says about the users' standing for the token type.
struct Standing {
    /// Task number of each user's current active entry.
    outstanding: HashMap<String, i64>,
    /// Users already enrolled with a software token.
    enrolled: HashSet<String>,
    /// Active entries past their stop date (recorded as expired before new entries are made).
    overdue: Vec<EntryRow>,
}

fn standing(
    conn: &mut DbConn,
    ids: &[String],
    token_type: &str,
    today: NaiveDate,
) -> AppResult<Standing> {
    let (current, overdue): (Vec<EntryRow>, Vec<EntryRow>) =
        entries::active_for_users(conn, ids, token_type)?
            .into_iter()
            .partition(|entry| entry.stop_date >= today);
    let outstanding = current
        .into_iter()
        .map(|entry| (entry.user_id, entry.task_number))
        .collect();
    let enrolled = crate::db::enrollments::enrolled_users(conn, ids, "software-token")?
        .into_iter()
        .collect();
    Ok(Standing {
        outstanding,
        enrolled,
        overdue,
    })
}

/// Why `user` cannot be provisioned now, if they cannot.
fn refusal(user: &user_rows::UserRow, standing: &Standing, job: &Job) -> Option<Refusal> {
    if user.state != UserState::Active {
        Some((ProvisionStatus::Error, "the user is disabled".into()))
    } else if let Some(number) = standing.outstanding.get(&user.id) {
        Some((
            ProvisionStatus::Skipped,
            format!("{OUTSTANDING} in task {number}"),
        ))
    } else if standing.enrolled.contains(&user.id) {
        Some((
            ProvisionStatus::Skipped,
            "already enrolled in software-token".into(),
        ))
    } else if job.override_email.is_none() && user.email.is_none() {
        Some((
            ProvisionStatus::Error,
            "the user has no email address".into(),
        ))
    } else {
        None
    }
}

fn result(user: &str, status: ProvisionStatus, reason: Option<String>) -> ProvisionResult {
    ProvisionResult {
        user: user.to_owned(),
        status,
        reason,
        entry_id: None,
    }
}

/// The checks made before anything is written: a result per listed user, and the users (index in
/// the request, user id) who qualify.
fn plan(
    conn: &mut DbConn,
    job: &Job,
    users: &[String],
) -> AppResult<(Vec<ProvisionResult>, Chosen)> {
    let named = crate::service::users::Named::load(conn, users)?;
    let standing = standing(
        conn,
        &named.ids(),
        &job.task.token_type,
        job.task.start_date,
    )?;
    let mut results = Vec::with_capacity(users.len());
    let mut chosen = Vec::new();
    let mut seen = HashSet::new();
    for (index, requested) in users.iter().enumerate() {
        let Some(user) = named.get(requested) else {
            results.push(result(
                requested,
                ProvisionStatus::Error,
                Some("no such user".into()),
            ));
            continue;
        };
        let refused = if user.state == UserState::Active && !seen.insert(user.id.clone()) {
            Some((ProvisionStatus::Skipped, "listed more than once".into()))
        } else {
            refusal(user, &standing, job)
        };
        match refused {
            Some((status, reason)) => results.push(result(requested, status, Some(reason))),
            None => {
                chosen.push((index, user.id.clone()));
                results.push(result(requested, ProvisionStatus::Provisioned, None));
            }
        }
    }
    Ok((results, chosen))
}

/// The refusal of a task that would provision nobody: 409 when every user already has an
/// outstanding entry, else 422 naming each user's reason.
fn nothing_to_provision(results: &[ProvisionResult]) -> AppError {
    let outstanding_only = results.iter().all(|r| {
        r.status == ProvisionStatus::Skipped
            && r.reason
                .as_deref()
                .is_some_and(|why| why.starts_with(OUTSTANDING))
    });
    if outstanding_only {
        let users: Vec<String> = results
            .iter()
            .map(|r| format!("{} ({})", r.user, r.reason.clone().unwrap_or_default()))
            .collect();
        return AppError::Conflict {
            code: ErrorCode::EntryExists,
            message: format!("nothing to provision: {}", users.join(", ")),
        };
    }
    let errors = results
        .iter()
        .enumerate()
        .map(|(i, r)| FieldError::new(format!("users[{i}]"), r.reason.clone().unwrap_or_default()))
        .collect();
    AppError::Invalid(errors)
}

/// Creates a task: one entry and one email per user; unknown, disabled and already-provisioned users
/// are reported per item and do not sink the rest. Users are provisioned in groups (see the module
/// documentation); if a group cannot be stored, the groups before it stay and its users and those
/// after it are reported as errors with the reason.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    input: CreateProvisioningTask,
    mode: Mode,
) -> AppResult<Answered<ProvisioningTaskCreated>> {
    let dry_run = mode.dry_run;
    mutation::idempotent(deps, ctx, &mode, input, async |input, claim| {
        create_new(deps, ctx, input, dry_run, claim).await
    })
    .await
}

/// Creates the task (see [`create`]); `claim` is taken in the first group's transaction and answered
/// in the last one.
async fn create_new(
    deps: &Deps,
    ctx: &Context,
    input: CreateProvisioningTask,
    dry_run: bool,
    claim: Option<Claim>,
) -> AppResult<ProvisioningTaskCreated> {
    let job = Arc::new(prepare(deps, ctx, &input).await?);
    let users = input.users;
    let (mut results, chosen) = {
        let job = job.clone();
        deps.db.read(move |conn| plan(conn, &job, &users)).await?
    };
    if chosen.is_empty() {
        return Err(nothing_to_provision(&results));
    }
    let planned = i32::try_from(chosen.len()).unwrap_or(i32::MAX);
    let mut number = None;
    let mut provisioned = 0;
    for (at, group) in chosen.chunks(GROUP).enumerate() {
        let (job, group_users) = (job.clone(), group.to_vec());
        // A dry run opens (and rolls back) the task in each group's transaction; a real run in the first.
        let open = if dry_run { None } else { number };
        let claim = claim.clone();
        let stored = with_outbox(deps, Effect::of(dry_run), move |tx| {
            crate::db::plan_per_statement(tx)?;
            let (mut outcomes, chosen) = recheck(tx, &job, &group_users)?;
            if chosen.is_empty() {
                return Ok((open, outcomes));
            }
            let number = match open {
                Some(number) => number,
                None => open_task(tx, &job, planned, claim.as_ref())?,
            };
            outcomes.extend(store_entries(tx, &job, number, &chosen)?);
            Ok((Some(number), outcomes))
        })
        .await;
        match stored {
            Ok((opened, outcomes)) => {
                number = number.or(opened);
                for (index, outcome) in outcomes {
                    provisioned += usize::from(outcome.status == ProvisionStatus::Provisioned);
                    results[index] = ProvisionResult {
                        user: results[index].user.clone(),
                        ..outcome
                    };
                }
            }
            Err(error) if number.is_none() => return Err(error),
            Err(error) => {
                let reason = format!("not provisioned: {error}; list the user in a new task");
                for (index, _) in chosen.iter().skip(at * GROUP) {
                    results[*index].status = ProvisionStatus::Error;
                    results[*index].reason = Some(reason.clone());
                }
                break;
            }
        }
    }
    let Some(number) = number else {
        // Everyone was provisioned by someone else (or disabled) meanwhile: no task was stored.
        return Err(nothing_to_provision(&results));
    };
    finish(deps, &job, number, provisioned, results, dry_run, claim).await
}

/// The checks made before the database is touched, and what every group shares.
async fn prepare(deps: &Deps, ctx: &Context, input: &CreateProvisioningTask) -> AppResult<Job> {
    require_manage_for_other_address(ctx, input.email.as_deref())?;
    crate::service::validate::item_count("users", input.users.len(), 1, MAX_USERS)?;
    if let Some(email) = &input.email
        && !is_email(email.trim())
    {
        return Err(AppError::invalid("email", "is not an email address"));
    }
    require_email(deps)?;
    let now = deps.clock.now();
    let today = today(now);
    if input.stop_date.is_some_and(|d| d < today) {
        return Err(AppError::invalid("stop_date", "must be today or later"));
    }
    let policy = deps.db.read(settings::self_enrollment).await?;
    let override_email = input.email.as_deref().map(|e| e.trim().to_owned());
    Ok(Job {
        ctx: ctx.clone(),
        deps: deps.clone(),
        now,
        task: NewTask {
            operator_id: ctx.actor.id().to_owned(),
            operator_name: ctx.actor.name().map(str::to_owned),
            emailed_to: override_email.as_deref().map(notifications::mask),
            start_date: today,
            stop_date: input
                .stop_date
                .unwrap_or(today + Duration::days(i64::from(policy.validity_days))),
            token_type: input.token_type.as_str().to_owned(),
            count: 0,
            created_at: now.naive_utc(),
        },
        max_attempts: i32::try_from(policy.max_attempts).unwrap_or(5),
        override_email,
    })
}

/// Stores the task row (count 0, raised by each group), its audit row and the Idempotency-Key claim.
fn open_task(tx: &mut DbConn, job: &Job, planned: i32, claim: Option<&Claim>) -> AppResult<i64> {
    if let Some(claim) = claim {
        idempotency::claim_in(tx, claim, job.now)?;
    }
    let number = tasks::insert(tx, &job.task)?;
    let detail = json!({"count": planned, "stop_date": job.task.stop_date});
    let row = audit::row(
        &job.ctx,
        job.now,
        audit::success("provisioning_task", &number.to_string(), Some(detail)),
    );
    audit_events::insert(tx, &[row])?;
    Ok(number)
}

/// Checks one group of users (index in the request, user id), who qualified when planned, again in
/// the transaction that provisions them: answers the refusals, and the users who still qualify.
/// Entries found past their stop date are recorded as expired on the way.
fn recheck(
    tx: &mut DbConn,
    job: &Job,
    group: &[(usize, String)],
) -> AppResult<(Outcomes, Vec<(usize, user_rows::UserRow)>)> {
    let ids: Vec<String> = group.iter().map(|(_, id)| id.clone()).collect();
    let mut found: HashMap<String, user_rows::UserRow> = user_rows::find_many(tx, &ids)?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let standing = standing(tx, &ids, &job.task.token_type, job.task.start_date)?;
    super::sweep::expire(tx, &standing.overdue, job.now)?;
    let mut refused = Vec::new();
    let mut chosen = Vec::with_capacity(group.len());
    for (index, id) in group {
        let Some(user) = found.remove(id) else {
            refused.push((
                *index,
                result("", ProvisionStatus::Error, Some("no such user".into())),
            ));
            continue;
        };
        match refusal(&user, &standing, job) {
            Some((status, reason)) => refused.push((*index, result("", status, Some(reason)))),
            None => chosen.push((*index, user)),
        }
    }
    Ok((refused, chosen))
}

/// Inserts the entries of `chosen`, raises the task's count, and queues their emails (and redirect
/// notices) and audit rows. Answers each user's result.
fn store_entries(
    tx: &mut DbConn,
    job: &Job,
    number: i64,
    chosen: &[(usize, user_rows::UserRow)],
) -> AppResult<Outcomes> {
    let override_email = job.override_email.as_deref();
    let now = job.now.naive_utc();
    let rows: Vec<EntryRow> = chosen
        .iter()
        .map(|(_, user)| EntryRow {
            id: uuid::Uuid::now_v7().to_string(),
            task_number: number,
            user_id: user.id.clone(),
            token_type: job.task.token_type.clone(),
            status: EntryStatus::Active,
            attempts: 0,
            max_attempts: job.max_attempts,
            stop_date: job.task.stop_date,
            emailed_to: Some(notifications::mask(
                override_email.or(user.email.as_deref()).unwrap_or_default(),
            )),
            serial: None,
            sealed_totp_key: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            canceled_at: None,
        })
        .collect();
    entries::insert(tx, &rows)?;
    tasks::add_to_count(tx, number, i32::try_from(rows.len()).unwrap_or(i32::MAX))?;
    let sends: Vec<_> = chosen
        .iter()
        .zip(&rows)
        .map(|((_, user), entry)| {
            let recipient = override_email.or(user.email.as_deref()).unwrap_or_default();
            (user, entry, recipient)
        })
        .collect();
    let (ctx, now) = (&job.ctx, job.now);
    queue_provisioning_emails(tx, &job.deps, ctx, now, number, &sends, override_email)?;
    let audit_rows: Vec<_> = chosen
        .iter()
        .map(|(_, user)| {
            let detail = json!({"task": number});
            audit::row(
                &job.ctx,
                job.now,
                audit::success("user", &user.id, Some(detail)),
            )
        })
        .collect();
    audit_events::insert(tx, &audit_rows)?;
    Ok(chosen
        .iter()
        .zip(rows)
        .map(|((index, _), entry)| {
            let mut provisioned = result("", ProvisionStatus::Provisioned, None);
            provisioned.entry_id = Some(entry.id);
            (*index, provisioned)
        })
        .collect())
}

/// The answer: the task as stored (a dry run: as it would be), with the results; stored for the
/// Idempotency-Key in the same transaction that reads the task.
async fn finish(
    deps: &Deps,
    job: &Arc<Job>,
    number: i64,
    provisioned: usize,
    mut results: Vec<ProvisionResult>,
    dry_run: bool,
    claim: Option<Claim>,
) -> AppResult<ProvisioningTaskCreated> {
    if dry_run {
        for result in &mut results {
            result.entry_id = None;
        }
        let counts = StatusCounts {
            active: u32::try_from(provisioned).unwrap_or(u32::MAX),
            ..StatusCounts::default()
        };
        return Ok(ProvisioningTaskCreated {
            task: to_task(planned_row(&job.task, number, provisioned), counts),
            dry_run,
            results,
        });
    }
    let today = job.task.start_date;
    let key = deps.key.clone();
    crate::service::write(&deps.db, Effect::Commit, move |tx| {
        let row = super::find_task(tx, number)?;
        let created = ProvisioningTaskCreated {
            task: task_model(tx, row, today)?,
            dry_run,
            results,
        };
        if let Some(claim) = &claim {
            idempotency::store_in(tx, &key, claim, &created)?;
        }
        Ok(created)
    })
    .await
}

/// The row a dry run would have stored.
fn planned_row(task: &NewTask, number: i64, provisioned: usize) -> TaskRow {
    TaskRow {
        number,
        operator_id: task.operator_id.clone(),
        operator_name: task.operator_name.clone(),
        emailed_to: task.emailed_to.clone(),
        start_date: task.start_date,
        stop_date: task.stop_date,
        token_type: task.token_type.clone(),
        count: i32::try_from(provisioned).unwrap_or(i32::MAX),
        created_at: task.created_at,
        removed_at: None,
        removed_by: None,
    }
}

/// Provisions one user a software token in a task of their own, inside a change's transaction (the
/// follow-up of a finalized petition), with the stop date from the self-enrollment policy; the
/// task's number. A user who may not be provisioned now is refused (409) with the reason.
pub fn provision_one(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
) -> AppResult<i64> {
    let policy = settings::self_enrollment(tx)?;
    let today = today(now);
    let job = Job {
        ctx: ctx.clone(),
        deps: deps.clone(),
        now,
        task: NewTask {
            operator_id: ctx.actor.id().to_owned(),
            operator_name: ctx.actor.name().map(str::to_owned),
            emailed_to: None,
            start_date: today,
            stop_date: today + Duration::days(i64::from(policy.validity_days)),
            token_type: crate::model::provisioning::TokenType::SoftwareTotp
                .as_str()
                .to_owned(),
            count: 0,
            created_at: now.naive_utc(),
        },
        max_attempts: i32::try_from(policy.max_attempts).unwrap_or(5),
        override_email: None,
    };
    let (refused, chosen) = recheck(tx, &job, &[(0, user.id.clone())])?;
    if let Some((_, refusal)) = refused.into_iter().next() {
        return Err(AppError::Conflict {
            code: ErrorCode::EntryExists,
            message: format!(
                "cannot provision {}: {}",
                user.username,
                refusal.reason.unwrap_or_default()
            ),
        });
    }
    let number = open_task(tx, &job, 1, None)?;
    store_entries(tx, &job, number, &chosen)?;
    Ok(number)
}
