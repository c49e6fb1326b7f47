//! Delivery status for operators.

mod outbox;
pub mod relay;

pub use outbox::{
    Outgoing, Recipient, current_parts, display_time, mask, queue, queue_many, queued_so_far,
};

use crate::db::Db;
use crate::db::notifications::{self as notification_rows, NotificationFilter, NotificationRow};
use crate::error::AppResult;
use crate::model::notifications::{ListNotificationsQuery, Notification, NotificationPage};
use crate::service::{page, users};

fn to_model(row: NotificationRow) -> Notification {
    Notification {
        id: row.id,
        user_id: row.user_id,
        channel: row.channel,
        recipient: mask(&row.recipient),
        template: row.template,
        status: row.status,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        created_at: row.created_at.and_utc(),
        next_attempt_at: row.next_attempt_at.and_utc(),
        not_after: row.not_after.map(|t| t.and_utc()),
        sent_at: row.sent_at.map(|t| t.and_utc()),
        last_error: row.last_error,
    }
}

/// A page of notifications, newest first.
pub async fn list(db: &Db, query: ListNotificationsQuery) -> AppResult<NotificationPage> {
    let limit = page::limit(query.limit)?;
    let before_id = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("notifications", c))
        .transpose()?;
    let page_rows = db
        .read(move |conn| {
            let user_id = match &query.user {
                Some(user) => Some(users::find_required(conn, user)?.id),
                None => None,
            };
            let filter = NotificationFilter {
                user_id,
                status: query.status,
                before_id,
            };
            Ok::<_, crate::error::AppError>(notification_rows::list(conn, &filter, limit + 1)?)
        })
        .await?;
    let (rows, next_cursor) = page::split(page_rows, limit, "notifications", |row| row.id.clone());
    Ok(NotificationPage {
        items: rows.into_iter().map(to_model).collect(),
        next_cursor,
    })
}
