//! Provisioning tasks: reading them, and what the operations share. Each change has its own file:
//! `create`, `edit` (stop date, removing users or the task), `resend`, `report`, `sweep`.

mod create;
mod edit;
mod report;
mod resend;
pub mod sweep;
mod task_users;

pub use create::{create, provision_one};
pub use edit::{delete, remove_users, update};
pub use report::stream as report;
pub use resend::resend;

use crate::service::notifications::Recipient;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Deps;
use super::notifications::{self, Outgoing};
use super::{Context, identity_services, notification_templates, page, users};
use crate::auth::scopes::Scope;
use crate::crypto::ServerKey;
use crate::db::provisioning_tasks::{self as tasks, TaskFilter, TaskRow};
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollments::Actor;
use crate::model::provisioning::{
    EntryStatus, GetProvisioningTaskQuery, ListProvisioningTasksQuery, ProvisioningTask,
    ProvisioningTaskDetail, ProvisioningTaskPage, StatusCounts, TaskEntry, TaskStatus, TokenType,
    UserProvisioningEntry, UserProvisioningList, task_path,
};

/// Users in one task at most.
pub const MAX_USERS: usize = super::validate::MAX_BULK_ITEMS;
const SECRET_CONTEXT: &str = "self-enrollment";

/// The self-enrollment link of an entry (the secret in the fragment).
pub fn self_enroll_url(key: &ServerKey, public_url: &str, entry_id: &str) -> String {
    format!(
        "{public_url}/self-enroll#{}",
        key.link_secret(SECRET_CONTEXT, entry_id)
    )
}

/// The entry a self-enrollment secret names, if the secret is genuine.
pub fn entry_of_secret(key: &ServerKey, secret: &str) -> Option<String> {
    key.id_of_link_secret(SECRET_CONTEXT, secret)
}

/// Today (UTC) by the server's clock.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

/// The API shape of a task, with its counts.
pub fn task_model(
    conn: &mut DbConn,
    row: TaskRow,
    today: NaiveDate,
) -> AppResult<ProvisioningTask> {
    let counts = counts_for(conn, &[row.number], today)?
        .remove(&row.number)
        .unwrap_or_default();
    Ok(to_task(row, counts))
}

fn counts_for(
    conn: &mut DbConn,
    numbers: &[i64],
    today: NaiveDate,
) -> AppResult<HashMap<i64, StatusCounts>> {
    let mut by_task: HashMap<i64, StatusCounts> = HashMap::new();
    for (number, status, count) in entries::counts(conn, numbers, today)? {
        let counts = by_task.entry(number).or_default();
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        match status {
            EntryStatus::Active => counts.active += count,
            EntryStatus::Completed => counts.completed += count,
            EntryStatus::Locked => counts.locked += count,
            EntryStatus::Expired => counts.expired += count,
            EntryStatus::Canceled => counts.canceled += count,
        }
    }
    Ok(by_task)
}

/// The API shape of a task row with the given counts.
pub fn to_task(row: TaskRow, counts: StatusCounts) -> ProvisioningTask {
    ProvisioningTask {
        number: row.number,
        operator: Actor {
            id: row.operator_id,
            name: row.operator_name,
        },
        emailed_to: row.emailed_to,
        start_date: row.start_date,
        stop_date: row.stop_date,
        token_type: TokenType::SoftwareTotp,
        count: u32::try_from(row.count).unwrap_or(0),
        status: if counts.active > 0 {
            TaskStatus::Open
        } else {
            TaskStatus::Completed
        },
        counts,
        created_at: row.created_at.and_utc(),
        removed_at: row.removed_at.map(|t| t.and_utc()),
    }
}

/// A task by number, or `NotFound`.
pub fn find_task(conn: &mut DbConn, number: i64) -> AppResult<TaskRow> {
    tasks::find(conn, number)?.ok_or_else(|| AppError::NotFound {
        kind: "provisioning task",
        id: number.to_string(),
    })
}

/// The self-enrollment email for one entry.
fn provisioning_email<'a>(
    deps: &Deps,
    ctx: &Context,
    user: &'a user_rows::UserRow,
    entry: &EntryRow,
    recipient: &'a str,
) -> AppResult<Outgoing<'a>> {
    let values = BTreeMap::from([
        ("UserDisplayName", user.display_name.clone()),
        ("Username", user.username.clone()),
        (
            "SelfEnrollUrl",
            self_enroll_url(&deps.key, &deps.public_url, &entry.id),
        ),
        ("StopDate", entry.stop_date.to_string()),
        ("TaskNumber", entry.task_number.to_string()),
        ("OperatorName", ctx.actor.display_name().to_owned()),
    ]);
    let spec = notification_templates::spec("software-token", "email", "provisioning")?;
    let not_after = (entry.stop_date + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    Ok(Outgoing {
        user_id: Some(&user.id),
        recipient,
        spec,
        values,
        not_after,
        inline_images: Vec::new(),
    })
}

/// Queues the self-enrollment email of each (user, entry, recipient); when `other_address` (an
/// operator's override or alternate address) is given, also the notices at the users' own addresses.
pub fn queue_provisioning_emails(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    task: i64,
    sends: &[(&user_rows::UserRow, &EntryRow, &str)],
    other_address: Option<&str>,
) -> AppResult<()> {
    let messages = sends
        .iter()
        .map(|(user, entry, recipient)| provisioning_email(deps, ctx, user, entry, recipient))
        .collect::<AppResult<Vec<_>>>()?;
    let spec = notification_templates::spec("software-token", "email", "provisioning")?;
    let recipient = match other_address {
        Some(_) => Recipient::SealedOnly,
        None => Recipient::InRow,
    };
    notifications::queue_many(tx, &deps.key, now, spec, messages, recipient)?;
    if let Some(address) = other_address {
        let users: Vec<&user_rows::UserRow> = sends.iter().map(|(user, _, _)| *user).collect();
        queue_redirect_notices(tx, &deps.key, now, ctx, task, &users, address)?;
    }
    Ok(())
}

/// Tells users, at their directory address, that their self-enrollment email went to `sent_to`
/// instead (an operator's override or alternate address), so a misdirected link does not go unnoticed.
/// Users without a directory address, or whose address is `sent_to`, are not told.
fn queue_redirect_notices(
    tx: &mut DbConn,
    key: &ServerKey,
    now: DateTime<Utc>,
    ctx: &Context,
    task: i64,
    users: &[&user_rows::UserRow],
    sent_to: &str,
) -> AppResult<()> {
    let spec = notification_templates::spec("software-token", "email", "provisioning-redirected")?;
    let operator = ctx.actor.display_name().to_owned();
    let messages: Vec<Outgoing<'_>> = users
        .iter()
        .filter_map(|user| {
            let own = user.email.as_deref()?;
            (!own.eq_ignore_ascii_case(sent_to)).then(|| Outgoing {
                user_id: Some(&user.id),
                recipient: own,
                spec,
                values: BTreeMap::from([
                    ("UserDisplayName", user.display_name.clone()),
                    ("Username", user.username.clone()),
                    ("TaskNumber", task.to_string()),
                    ("OperatorName", operator.clone()),
                    ("SentTo", notifications::mask(sent_to)),
                ]),
                not_after: None,
                inline_images: Vec::new(),
            })
        })
        .collect();
    notifications::queue_many(tx, key, now, spec, messages, Recipient::InRow)?;
    Ok(())
}

/// An address other than the users' own needs `provisioning:manage`.
pub fn require_manage_for_other_address(ctx: &Context, address: Option<&str>) -> AppResult<()> {
    if address.is_some() {
        ctx.actor.require(Scope::ProvisioningManage)?;
    }
    Ok(())
}

/// Refuses when email cannot be sent.
pub fn require_email(deps: &Deps) -> AppResult<()> {
    match identity_services::not_configured_reason(&deps.config, "personal-email") {
        None => Ok(()),
        Some(reason) => Err(AppError::Unprocessable {
            code: ErrorCode::ServiceNotConfigured,
            message: format!("cannot send email: {reason}"),
        }),
    }
}

/// A page of tasks.
pub async fn list(
    deps: &Deps,
    query: ListProvisioningTasksQuery,
) -> AppResult<ProvisioningTaskPage> {
    let limit = page::limit(query.limit)?;
    let before_number = query
        .cursor
        .as_deref()
        .map(|c| {
            page::decode_cursor("tasks", c).and_then(|n| {
                n.parse::<i64>()
                    .map_err(|_| AppError::invalid("cursor", "is not a cursor from this list"))
            })
        })
        .transpose()?;
    let today = today(deps.clock.now());
    let filter = TaskFilter {
        operator_id: query.operator,
        status: query.status,
        include_completed: query.include_completed.unwrap_or(false),
        created_from: query.from,
        created_to: query.to,
        before_number,
    };
    deps.db
        .read(move |conn| {
            let rows = tasks::list(conn, &filter, today, limit + 1)?;
            let (rows, next_cursor) =
                page::split(rows, limit, "tasks", |row| row.number.to_string());
            let numbers: Vec<i64> = rows.iter().map(|r| r.number).collect();
            let mut counts = counts_for(conn, &numbers, today)?;
            let items = rows
                .into_iter()
                .map(|row| {
                    let counted = counts.remove(&row.number).unwrap_or_default();
                    to_task(row, counted)
                })
                .collect();
            Ok(ProvisioningTaskPage { items, next_cursor })
        })
        .await
}

/// A task with a page of its entries.
pub async fn get(
    deps: &Deps,
    number: i64,
    query: GetProvisioningTaskQuery,
) -> AppResult<ProvisioningTaskDetail> {
    let limit = page::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("entries", c))
        .transpose()?;
    let today = today(deps.clock.now());
    deps.db
        .read(move |conn| {
            let row = find_task(conn, number)?;
            let task = task_model(conn, row, today)?;
            let rows = entries::page(
                conn,
                number,
                query.status,
                today,
                after.as_deref(),
                limit + 1,
            )?;
            let (rows, next_cursor) =
                page::split(rows, limit, "entries", |(row, _)| row.id.clone());
            let entries = rows
                .into_iter()
                .map(|(row, username)| TaskEntry {
                    status: row.effective_status(today),
                    id: row.id,
                    user_id: row.user_id,
                    username,
                    provisioned_to: row.emailed_to,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                    serial: row.serial,
                    stop_date: row.stop_date,
                    completed_at: row.completed_at.map(|t| t.and_utc()),
                    canceled_at: row.canceled_at.map(|t| t.and_utc()),
                })
                .collect();
            Ok(ProvisioningTaskDetail {
                task,
                entries,
                next_cursor,
            })
        })
        .await
}

/// The user's outstanding entries; `task_href` only for callers with `provisioning:manage`.
pub async fn list_for_user(
    deps: &Deps,
    ctx: &Context,
    user: String,
) -> AppResult<UserProvisioningList> {
    let manage = ctx.actor.has(Scope::ProvisioningManage);
    let today = today(deps.clock.now());
    deps.db
        .read(move |conn| {
            let user = users::find_required(conn, &user)?;
            let items = entries::outstanding_for_user(conn, &user.id, today)?
                .into_iter()
                .map(|(entry, task)| UserProvisioningEntry {
                    task_number: task.number,
                    requester: Actor {
                        id: task.operator_id,
                        name: task.operator_name,
                    },
                    provisioned_to: entry.emailed_to.clone(),
                    start_date: task.start_date,
                    stop_date: entry.stop_date,
                    status: entry.effective_status(today),
                    token_type: TokenType::SoftwareTotp,
                    task_href: manage.then(|| task_path(task.number)),
                })
                .collect();
            Ok(UserProvisioningList { items })
        })
        .await
}
