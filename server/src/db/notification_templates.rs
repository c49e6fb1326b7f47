//! The `notification_templates` table: operator overrides of the shipped templates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::notification_templates;

/// A row of `notification_templates`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notification_templates)]
pub struct NotificationTemplateRow {
    pub service_id: String,
    pub channel: String,
    pub event: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
}

/// Every stored override.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<NotificationTemplateRow>> {
    notification_templates::table
        .select(NotificationTemplateRow::as_select())
        .load(conn)
}

/// One stored override.
pub fn find(
    conn: &mut DbConn,
    service_id: &str,
    channel: &str,
    event: &str,
) -> QueryResult<Option<NotificationTemplateRow>> {
    notification_templates::table
        .filter(notification_templates::service_id.eq(service_id))
        .filter(notification_templates::channel.eq(channel))
        .filter(notification_templates::event.eq(event))
        .select(NotificationTemplateRow::as_select())
        .first(conn)
        .optional()
}

/// Stores an override (replacing any earlier one).
pub fn put(conn: &mut DbConn, row: &NotificationTemplateRow) -> QueryResult<()> {
    diesel::delete(
        notification_templates::table
            .filter(notification_templates::service_id.eq(&row.service_id))
            .filter(notification_templates::channel.eq(&row.channel))
            .filter(notification_templates::event.eq(&row.event)),
    )
    .execute(conn)?;
    diesel::insert_into(notification_templates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
