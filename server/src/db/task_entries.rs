//! The `task_entries` table: one user in one provisioning task. Transitions are conditional updates
//! from `active`, so terminal states (`completed`, `locked`, `expired`, `canceled`) never change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{provisioning_tasks, task_entries, users};
use crate::states::EntryStatus;

/// A row of `task_entries`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = task_entries)]
pub struct EntryRow {
    pub id: String,
    pub task_number: i64,
    pub user_id: String,
    pub token_type: String,
    pub status: EntryStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub stop_date: NaiveDate,
    pub emailed_to: Option<String>,
    pub serial: Option<String>,
    pub sealed_totp_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub canceled_at: Option<NaiveDateTime>,
}

impl EntryRow {
    /// The entry's state on `today`: an active entry past its stop date is expired. The one rule,
    /// said here in Rust and in `effective_status!` below in SQL.
    pub fn effective_status(&self, today: NaiveDate) -> EntryStatus {
        match self.status {
            EntryStatus::Active if self.stop_date < today => EntryStatus::Expired,
            status => status,
        }
    }
}

/// Adds entries in batches.
pub fn insert(conn: &mut DbConn, rows: &[EntryRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(500) {
        inserted += crate::on_backend!(conn, |c| diesel::insert_into(task_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(inserted)
}

/// One entry.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<EntryRow>> {
    task_entries::table
        .filter(task_entries::id.eq(id))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()
}

/// The users' active entries of a token type (past their stop date or not).
pub fn active_for_users(
    conn: &mut DbConn,
    user_ids: &[String],
    token_type: &str,
) -> QueryResult<Vec<EntryRow>> {
    let mut found = Vec::new();
    for chunk in user_ids.chunks(500) {
        found.extend(
            task_entries::table
                .filter(task_entries::user_id.eq_any(chunk))
                .filter(task_entries::token_type.eq(token_type))
                .filter(task_entries::status.eq(EntryStatus::Active))
                .select(EntryRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Filters an entry query by effective status ([`EntryRow::effective_status`] in SQL).
macro_rules! effective_status {
    ($query:expr, $status:expr, $today:expr) => {
        match $status {
            Some(EntryStatus::Active) => $query
                .filter(task_entries::status.eq(EntryStatus::Active))
                .filter(task_entries::stop_date.ge($today)),
            Some(EntryStatus::Expired) => $query.filter(
                task_entries::status
                    .eq(EntryStatus::Expired)
                    .or(task_entries::status
                        .eq(EntryStatus::Active)
                        .and(task_entries::stop_date.lt($today))),
            ),
            Some(other) => $query.filter(task_entries::status.eq(other)),
            None => $query,
        }
    };
}

/// One page of a task's entries with their usernames, by entry id.
pub fn page(
    conn: &mut DbConn,
    task_number: i64,
    status: Option<EntryStatus>,
    today: NaiveDate,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(EntryRow, String)>> {
    let query = task_entries::table
        .inner_join(users::table)
        .filter(task_entries::task_number.eq(task_number))
        .select((EntryRow::as_select(), users::username))
        .order(task_entries::id.asc())
        .limit(limit)
        .into_boxed();
    let mut query = effective_status!(query, status, today);
    if let Some(after) = after_id {
        query = query.filter(task_entries::id.gt(after.to_owned()));
    }
    query.load(conn)
}

/// The user's outstanding entries with their tasks.
pub fn outstanding_for_user(
    conn: &mut DbConn,
    user_id: &str,
    today: NaiveDate,
) -> QueryResult<Vec<(EntryRow, super::provisioning_tasks::TaskRow)>> {
    task_entries::table
        .inner_join(provisioning_tasks::table)
        .filter(task_entries::user_id.eq(user_id))
        .filter(task_entries::status.eq(EntryStatus::Active))
        .filter(task_entries::stop_date.ge(today))
        .select((
            EntryRow::as_select(),
            super::provisioning_tasks::TaskRow::as_select(),
        ))
        .order(task_entries::task_number.asc())
        .load(conn)
}

/// Entries counted by effective status for some tasks: (task, status, count).
pub fn counts(
    conn: &mut DbConn,
    numbers: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<(i64, EntryStatus, i64)>> {
    let mut out: Vec<(i64, EntryStatus, i64)> = task_entries::table
        .filter(task_entries::task_number.eq_any(numbers))
        .filter(task_entries::status.ne(EntryStatus::Active))
        .group_by((task_entries::task_number, task_entries::status))
        .select((
            task_entries::task_number,
            task_entries::status,
            count_star(),
        ))
        .load(conn)?;
    for (expired, status) in [(false, EntryStatus::Active), (true, EntryStatus::Expired)] {
        let base = task_entries::table
            .filter(task_entries::task_number.eq_any(numbers))
            .filter(task_entries::status.eq(EntryStatus::Active))
            .group_by(task_entries::task_number)
            .select((task_entries::task_number, count_star()))
            .into_boxed();
        let base = if expired {
            base.filter(task_entries::stop_date.lt(today))
        } else {
            base.filter(task_entries::stop_date.ge(today))
        };
        out.extend(
            base.load::<(i64, i64)>(conn)?
                .into_iter()
                .map(|(n, c)| (n, status, c)),
        );
    }
    Ok(out)
}

/// The active entries of a task for some users (or all of them).
pub fn active_in_task(
    conn: &mut DbConn,
    task_number: i64,
    user_ids: Option<&[String]>,
    today: NaiveDate,
) -> QueryResult<Vec<EntryRow>> {
    let query = task_entries::table
        .filter(task_entries::task_number.eq(task_number))
        .filter(task_entries::status.eq(EntryStatus::Active))
        .filter(task_entries::stop_date.ge(today))
        .select(EntryRow::as_select())
        .order(task_entries::id.asc());
    match user_ids {
        Some(ids) => {
            let mut found = Vec::new();
            for chunk in ids.chunks(500) {
                found.extend(
                    query
                        .filter(task_entries::user_id.eq_any(chunk))
                        .load(conn)?,
                );
            }
            Ok(found)
        }
        None => query.load(conn),
    }
}

/// Moves an entry from `active` to a terminal state; returns the rows changed (0 when it was not active).
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    status: EntryStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let completed = (status == EntryStatus::Completed).then_some(now);
    let canceled = (status == EntryStatus::Canceled).then_some(now);
    diesel::update(
        task_entries::table
            .filter(task_entries::id.eq(id))
            .filter(task_entries::status.eq(EntryStatus::Active)),
    )
    .set((
        task_entries::status.eq(status),
        task_entries::updated_at.eq(now),
        task_entries::completed_at.eq(completed),
        task_entries::canceled_at.eq(canceled),
    ))
    .execute(conn)
}

/// Sets the stop date (and the last address emailed, when given) of active entries.
pub fn extend(
    conn: &mut DbConn,
    ids: &[String],
    stop_date: NaiveDate,
    emailed_to: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut changed = 0;
    for chunk in ids.chunks(500) {
        let target = task_entries::table
            .filter(task_entries::id.eq_any(chunk))
            .filter(task_entries::status.eq(EntryStatus::Active));
        changed += match emailed_to {
            Some(address) => diesel::update(target)
                .set((
                    task_entries::stop_date.eq(stop_date),
                    task_entries::emailed_to.eq(address),
                    task_entries::updated_at.eq(now),
                ))
                .execute(conn)?,
            None => diesel::update(target)
                .set((
                    task_entries::stop_date.eq(stop_date),
                    task_entries::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
    }
    Ok(changed)
}

/// Stores a fresh (sealed) TOTP key and serial on an active entry.
pub fn start(
    conn: &mut DbConn,
    id: &str,
    serial: &str,
    sealed_key: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        task_entries::table
            .filter(task_entries::id.eq(id))
            .filter(task_entries::status.eq(EntryStatus::Active)),
    )
    .set((
        task_entries::serial.eq(serial),
        task_entries::sealed_totp_key.eq(sealed_key),
        task_entries::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Counts one self-enrollment attempt before the code is compared (only while active and under the cap).
pub fn count_attempt(conn: &mut DbConn, id: &str, today: NaiveDate) -> QueryResult<usize> {
    diesel::update(
        task_entries::table
            .filter(task_entries::id.eq(id))
            .filter(task_entries::status.eq(EntryStatus::Active))
            .filter(task_entries::stop_date.ge(today))
            .filter(task_entries::attempts.lt(task_entries::max_attempts)),
    )
    .set(task_entries::attempts.eq(task_entries::attempts + 1))
    .execute(conn)
}

/// Active entries whose stop date has passed (for the sweep).
pub fn overdue(conn: &mut DbConn, today: NaiveDate, limit: i64) -> QueryResult<Vec<EntryRow>> {
    task_entries::table
        .filter(task_entries::status.eq(EntryStatus::Active))
        .filter(task_entries::stop_date.lt(today))
        .select(EntryRow::as_select())
        .limit(limit)
        .load(conn)
}

/// One row of the report.
#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    pub entry: EntryRow,
    pub task: super::provisioning_tasks::TaskRow,
    pub username: String,
    pub display_name: String,
}

/// A batch of report rows after (task number, entry id).
pub fn report_batch(
    conn: &mut DbConn,
    after: Option<(i64, String)>,
    limit: i64,
) -> QueryResult<Vec<ReportRow>> {
    let mut query = task_entries::table
        .inner_join(provisioning_tasks::table)
        .inner_join(users::table)
        .select((
            EntryRow::as_select(),
            super::provisioning_tasks::TaskRow::as_select(),
            users::username,
            users::display_name,
        ))
        .order((task_entries::task_number.asc(), task_entries::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((number, id)) = after {
        query = query.filter(
            task_entries::task_number
                .gt(number)
                .or(task_entries::task_number
                    .eq(number)
                    .and(task_entries::id.gt(id))),
        );
    }
    query
        .load::<(EntryRow, super::provisioning_tasks::TaskRow, String, String)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|(entry, task, username, display_name)| ReportRow {
                    entry,
                    task,
                    username,
                    display_name,
                })
                .collect()
        })
}

/// Cancels every active entry of a task; returns the ids canceled.
pub fn cancel_all(
    conn: &mut DbConn,
    task_number: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = task_entries::table
        .filter(task_entries::task_number.eq(task_number))
        .filter(task_entries::status.eq(EntryStatus::Active))
        .select(task_entries::id)
        .load(conn)?;
    for chunk in ids.chunks(500) {
        diesel::update(
            task_entries::table
                .filter(task_entries::id.eq_any(chunk))
                .filter(task_entries::status.eq(EntryStatus::Active)),
        )
        .set((
            task_entries::status.eq(EntryStatus::Canceled),
            task_entries::canceled_at.eq(now),
            task_entries::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(ids)
}
