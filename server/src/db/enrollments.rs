//! The `enrollments` table: user × identity service, with history (removed rows are kept).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConn;
use super::schema::enrollments;

/// A row of `enrollments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub id: String,
    pub user_id: String,
    pub service_id: String,
    pub address: String,
    pub method: String,
    pub detail: Option<String>,
    pub enrolled_at: NaiveDateTime,
    pub enrolled_by: String,
    pub enrolled_by_name: Option<String>,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<String>,
}

/// Adds enrollments.
pub fn insert(conn: &mut DbConn, rows: &[EnrollmentRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(500) {
        inserted += crate::on_backend!(conn, |c| diesel::insert_into(enrollments::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(inserted)
}

/// The user's active enrollment in a service.
pub fn active(
    conn: &mut DbConn,
    user_id: &str,
    service_id: &str,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::service_id.eq(service_id))
        .filter(enrollments::removed_at.is_null())
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

/// The user's enrollments (active only, or with removed ones), oldest first.
pub fn for_user(
    conn: &mut DbConn,
    user_id: &str,
    include_removed: bool,
) -> QueryResult<Vec<EnrollmentRow>> {
    // One statement for both (a bound flag, not a boxed query), so it is prepared once per connection.
    enrollments::table
        .filter(enrollments::user_id.eq(user_id))
        .filter(
            enrollments::removed_at
                .is_null()
                .or(include_removed.into_sql::<Bool>()),
        )
        .select(EnrollmentRow::as_select())
        .order((enrollments::enrolled_at.asc(), enrollments::id.asc()))
        .load(conn)
}

/// Marks an active enrollment removed; returns the rows changed.
pub fn remove(conn: &mut DbConn, id: &str, now: NaiveDateTime, by: &str) -> QueryResult<usize> {
    diesel::update(
        enrollments::table
            .filter(enrollments::id.eq(id))
            .filter(enrollments::removed_at.is_null()),
    )
    .set((
        enrollments::removed_at.eq(now),
        enrollments::removed_by.eq(by),
    ))
    .execute(conn)
}

/// Which of `user_ids` have an active enrollment in `service_id` (in batches).
pub fn enrolled_users(
    conn: &mut DbConn,
    user_ids: &[String],
    service_id: &str,
) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in user_ids.chunks(500) {
        found.extend(
            enrollments::table
                .filter(enrollments::user_id.eq_any(chunk))
                .filter(enrollments::service_id.eq(service_id))
                .filter(enrollments::removed_at.is_null())
                .select(enrollments::user_id)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}
