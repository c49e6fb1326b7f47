//! The `notifications` table: the outbox. Rows are written in the transaction of the change that
//! caused them; the relay claims due rows with a lease (a conditional update, so replicas sharing
//! one database never send the same row at the same time).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::notifications;
use crate::states::NotificationStatus;

/// A row of `notifications`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: Option<String>,
    pub channel: String,
    pub recipient: String,
    pub template: String,
    pub sealed_content: Option<String>,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub not_after: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Filters for listing, newest first.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub user_id: Option<String>,
    pub status: Option<NotificationStatus>,
    pub before_id: Option<String>,
}

/// Queues notifications.
pub fn insert(conn: &mut DbConn, rows: &[NotificationRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(500) {
        inserted += crate::on_backend!(conn, |c| diesel::insert_into(notifications::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(inserted)
}

/// Ids of pending rows that are due and not leased, oldest first.
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
    channel: &str,
) -> QueryResult<Vec<String>> {
    notifications::table
        .filter(notifications::status.eq(NotificationStatus::Pending))
        .filter(notifications::channel.eq(channel))
        .filter(notifications::next_attempt_at.le(now))
        .filter(
            notifications::lease_until
                .is_null()
                .or(notifications::lease_until.lt(now)),
        )
        .order(notifications::next_attempt_at.asc())
        .select(notifications::id)
        .limit(limit)
        .load(conn)
}

/// Leases a due row to `owner` until `until`; returns the row if this caller won it.
pub fn claim(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<NotificationRow>> {
    let claimed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.eq(NotificationStatus::Pending))
            .filter(notifications::next_attempt_at.le(now))
            .filter(
                notifications::lease_until
                    .is_null()
                    .or(notifications::lease_until.lt(now)),
            ),
    )
    .set((
        notifications::lease_owner.eq(owner),
        notifications::lease_until.eq(until),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    notifications::table
        .filter(notifications::id.eq(id))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()
}

/// Records the end of a leased row (sent, expired or failed for good): the content is wiped.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    status: NotificationStatus,
    now: NaiveDateTime,
    error: Option<&str>,
) -> QueryResult<usize> {
    let sent_at = (status == NotificationStatus::Sent).then_some(now);
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::lease_owner.eq(owner)),
    )
    .set((
        notifications::status.eq(status),
        notifications::sealed_content.eq(None::<String>),
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::lease_owner.eq(None::<String>),
        notifications::lease_until.eq(None::<NaiveDateTime>),
        notifications::last_error.eq(error),
        notifications::sent_at.eq(sent_at),
    ))
    .execute(conn)
}

/// Records a failed attempt and when to try again; the lease is released.
pub fn retry_later(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::lease_owner.eq(owner)),
    )
    .set((
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::next_attempt_at.eq(next_attempt_at),
        notifications::lease_owner.eq(None::<String>),
        notifications::lease_until.eq(None::<NaiveDateTime>),
        notifications::last_error.eq(error),
    ))
    .execute(conn)
}

/// One page of notifications, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &NotificationFilter,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut query = notifications::table
        .select(NotificationRow::as_select())
        .order(notifications::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(user_id) = &filter.user_id {
        query = query.filter(notifications::user_id.eq(user_id.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(notifications::status.eq(*status));
    }
    if let Some(before) = &filter.before_id {
        query = query.filter(notifications::id.lt(before.clone()));
    }
    query.load(conn)
}
