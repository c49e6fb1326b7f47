//! The `provisioning_tasks` table. A task is "completed" when none of its entries is still active
//! (status `active` with a stop date not yet passed); completed tasks are kept for reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{provisioning_tasks, task_entries};
use crate::states::{EntryStatus, TaskStatus};

/// A row of `provisioning_tasks`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = provisioning_tasks)]
pub struct TaskRow {
    pub number: i64,
    pub operator_id: String,
    pub operator_name: Option<String>,
    pub emailed_to: Option<String>,
    pub start_date: NaiveDate,
    pub stop_date: NaiveDate,
    pub token_type: String,
    pub count: i32,
    pub created_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<String>,
}

/// A new task (the number is assigned by the database).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = provisioning_tasks)]
pub struct NewTask {
    pub operator_id: String,
    pub operator_name: Option<String>,
    pub emailed_to: Option<String>,
    pub start_date: NaiveDate,
    pub stop_date: NaiveDate,
    pub token_type: String,
    pub count: i32,
    pub created_at: NaiveDateTime,
}

/// Filters for listing, newest first.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub operator_id: Option<String>,
    /// `None` with `include_completed` false means open only.
    pub status: Option<TaskStatus>,
    pub include_completed: bool,
    pub created_from: Option<NaiveDate>,
    pub created_to: Option<NaiveDate>,
    pub before_number: Option<i64>,
}

/// Inserts a task and returns its number.
pub fn insert(conn: &mut DbConn, task: &NewTask) -> QueryResult<i64> {
    diesel::insert_into(provisioning_tasks::table)
        .values(task)
        .returning(provisioning_tasks::number)
        .get_result(conn)
}

/// One task.
pub fn find(conn: &mut DbConn, number: i64) -> QueryResult<Option<TaskRow>> {
    provisioning_tasks::table
        .filter(provisioning_tasks::number.eq(number))
        .select(TaskRow::as_select())
        .first(conn)
        .optional()
}

/// Adds `provisioned` entries to the task's count.
pub fn add_to_count(conn: &mut DbConn, number: i64, provisioned: i32) -> QueryResult<usize> {
    diesel::update(provisioning_tasks::table.filter(provisioning_tasks::number.eq(number)))
        .set(provisioning_tasks::count.eq(provisioning_tasks::count + provisioned))
        .execute(conn)
}

/// Sets the stop date and the last address emailed.
pub fn set_stop_date(conn: &mut DbConn, number: i64, stop_date: NaiveDate) -> QueryResult<usize> {
    diesel::update(provisioning_tasks::table.filter(provisioning_tasks::number.eq(number)))
        .set(provisioning_tasks::stop_date.eq(stop_date))
        .execute(conn)
}

/// Records the (masked) last address emailed.
pub fn set_emailed_to(conn: &mut DbConn, number: i64, emailed_to: &str) -> QueryResult<usize> {
    diesel::update(provisioning_tasks::table.filter(provisioning_tasks::number.eq(number)))
        .set(provisioning_tasks::emailed_to.eq(emailed_to))
        .execute(conn)
}

/// Marks the task removed.
pub fn mark_removed(
    conn: &mut DbConn,
    number: i64,
    now: NaiveDateTime,
    by: &str,
) -> QueryResult<usize> {
    diesel::update(provisioning_tasks::table.filter(provisioning_tasks::number.eq(number)))
        .set((
            provisioning_tasks::removed_at.eq(now),
            provisioning_tasks::removed_by.eq(by),
        ))
        .execute(conn)
}

/// One page of tasks, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &TaskFilter,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TaskRow>> {
    let open = diesel::dsl::exists(
        task_entries::table
            .filter(task_entries::task_number.eq(provisioning_tasks::number))
            .filter(task_entries::status.eq(EntryStatus::Active))
            .filter(task_entries::stop_date.ge(today)),
    );
    let mut query = provisioning_tasks::table
        .select(TaskRow::as_select())
        .order(provisioning_tasks::number.desc())
        .limit(limit)
        .into_boxed();
    match (filter.status, filter.include_completed) {
        (Some(TaskStatus::Completed), _) => query = query.filter(diesel::dsl::not(open)),
        (Some(TaskStatus::Open), _) | (None, false) => query = query.filter(open),
        (None, true) => {}
    }
    if let Some(operator) = &filter.operator_id {
        query = query.filter(provisioning_tasks::operator_id.eq(operator.clone()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(provisioning_tasks::start_date.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(provisioning_tasks::start_date.le(to));
    }
    if let Some(before) = filter.before_number {
        query = query.filter(provisioning_tasks::number.lt(before));
    }
    query.load(conn)
}
