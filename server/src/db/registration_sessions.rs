//! The `registration_sessions` table. A pending session past `expires_at` is expired, so expiry is
//! visible without any background job; `expired` is stored only when a new session is made for the
//! user (at most one `pending` row per user, enforced by a partial unique index).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::registration_sessions;
use crate::states::SessionStatus;

/// A row of `registration_sessions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registration_sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub status: SessionStatus,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub created_by_name: Option<String>,
    pub expires_at: NaiveDateTime,
    pub consumed_at: Option<NaiveDateTime>,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<String>,
    pub enrollment_id: Option<String>,
}

impl SessionRow {
    /// The session's state at `now`: a pending session past its expiry is expired (`list` filters by
    /// the same rule in SQL).
    pub fn effective_status(&self, now: NaiveDateTime) -> SessionStatus {
        match self.status {
            SessionStatus::Pending if now >= self.expires_at => SessionStatus::Expired,
            status => status,
        }
    }
}

/// Filters for listing, newest first; `status` is one of pending/consumed/expired/removed.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub status: Option<SessionStatus>,
    pub user_id: Option<String>,
    pub created_by: Option<String>,
    pub before_id: Option<String>,
}

/// Stores a new session.
pub fn insert(conn: &mut DbConn, row: &SessionRow) -> QueryResult<usize> {
    diesel::insert_into(registration_sessions::table)
        .values(row)
        .execute(conn)
}

/// One session.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<SessionRow>> {
    registration_sessions::table
        .filter(registration_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// The user's pending session, lapsed or not (a unique index keeps it to one).
pub fn pending(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<SessionRow>> {
    registration_sessions::table
        .filter(registration_sessions::user_id.eq(user_id))
        .filter(registration_sessions::status.eq(SessionStatus::Pending))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Stores `expired` on a pending session past its expiry.
pub fn expire(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(
        registration_sessions::table
            .filter(registration_sessions::id.eq(id))
            .filter(registration_sessions::status.eq(SessionStatus::Pending)),
    )
    .set(registration_sessions::status.eq(SessionStatus::Expired))
    .execute(conn)
}

/// Removes a pending session (expired or not); returns the rows changed.
pub fn remove(conn: &mut DbConn, id: &str, now: NaiveDateTime, by: &str) -> QueryResult<usize> {
    diesel::update(
        registration_sessions::table
            .filter(registration_sessions::id.eq(id))
            .filter(registration_sessions::status.eq(SessionStatus::Pending)),
    )
    .set((
        registration_sessions::status.eq(SessionStatus::Removed),
        registration_sessions::removed_at.eq(now),
        registration_sessions::removed_by.eq(by),
    ))
    .execute(conn)
}

/// Consumes a pending, unexpired session: of any number of concurrent callers exactly one gets 1.
pub fn consume(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        registration_sessions::table
            .filter(registration_sessions::id.eq(id))
            .filter(registration_sessions::status.eq(SessionStatus::Pending))
            .filter(registration_sessions::expires_at.gt(now)),
    )
    .set((
        registration_sessions::status.eq(SessionStatus::Consumed),
        registration_sessions::consumed_at.eq(now),
    ))
    .execute(conn)
}

/// Records the enrollment a consumed session created.
pub fn set_enrollment(conn: &mut DbConn, id: &str, enrollment_id: &str) -> QueryResult<usize> {
    diesel::update(registration_sessions::table.filter(registration_sessions::id.eq(id)))
        .set(registration_sessions::enrollment_id.eq(enrollment_id))
        .execute(conn)
}

/// One page of sessions, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &SessionFilter,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<SessionRow>> {
    let mut query = registration_sessions::table
        .select(SessionRow::as_select())
        .order(registration_sessions::id.desc())
        .limit(limit)
        .into_boxed();
    match filter.status {
        Some(SessionStatus::Pending) => {
            query = query
                .filter(registration_sessions::status.eq(SessionStatus::Pending))
                .filter(registration_sessions::expires_at.gt(now))
        }
        Some(SessionStatus::Expired) => {
            query = query.filter(
                registration_sessions::status.eq(SessionStatus::Expired).or(
                    registration_sessions::status
                        .eq(SessionStatus::Pending)
                        .and(registration_sessions::expires_at.le(now)),
                ),
            )
        }
        Some(other) => query = query.filter(registration_sessions::status.eq(other)),
        None => {}
    }
    if let Some(user_id) = &filter.user_id {
        query = query.filter(registration_sessions::user_id.eq(user_id.clone()));
    }
    if let Some(created_by) = &filter.created_by {
        query = query.filter(registration_sessions::created_by.eq(created_by.clone()));
    }
    if let Some(before) = &filter.before_id {
        query = query.filter(registration_sessions::id.lt(before.clone()));
    }
    query.load(conn)
}
