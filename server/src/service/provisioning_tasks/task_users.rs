//! What removing users and resending share: the requested users are matched once, then changed in
//! groups, each its own transaction (see [`crate::service::in_groups`]); each group checks that the
//! entries are still active.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{find_task, task_model, today};
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::{DbConn, users as user_rows};
use crate::error::AppResult;
use crate::model::provisioning::{TaskUserResult, TaskUserStatus, TaskUsersChanged};
use crate::service::Deps;
use crate::service::in_groups;
use crate::service::mutation::Effect;

/// A requested user matched to their active entry: (position in the request, entry, user).
pub(super) type Match = (usize, EntryRow, user_rows::UserRow);

/// What one group answers per user: (position, status, reason).
pub(super) type Outcome = (usize, TaskUserStatus, Option<String>);

pub(super) const NOT_ACTIVE: &str = "no active entry in this task";

/// Resolves the requested users to their active entries in the task, with a result per user.
fn match_users(
    conn: &mut DbConn,
    number: i64,
    requested: &[String],
    today: NaiveDate,
) -> AppResult<(Vec<Match>, Vec<TaskUserResult>)> {
    let named = crate::service::users::Named::load(conn, requested)?;
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
    let users: HashMap<String, user_rows::UserRow> = user_rows::find_many(conn, &ids)?
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
pub(super) async fn change_in_groups<F>(
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
        .read(move |conn| {
            find_task(conn, number)?;
            match users {
                Some(requested) => match_users(conn, number, &requested, today),
                None => all_active(conn, number, today),
            }
        })
        .await?;
    let (outcomes, failed) = in_groups(deps, Effect::of(dry_run), &matched, apply).await;
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
        .read(move |conn| {
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
